package mcpservice

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"
)

// ServiceClient calls one xiaozhi-mcp-service deployment. It is safe for concurrent use; make one per gateway
// process (its circuit breaker is shared by every call).
type ServiceClient struct {
	opts    Options
	base    string
	breaker *breaker
}

// NewServiceClient returns a client for the service at opts.BaseURL with opts.APIKey.
func NewServiceClient(opts Options) (*ServiceClient, error) {
	if opts.BaseURL == "" {
		return nil, errors.New("mcpservice: Options.BaseURL is required")
	}
	if opts.APIKey == "" {
		return nil, errors.New("mcpservice: Options.APIKey is required")
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("mcpservice: Options.BaseURL must be an http(s) URL, got " + opts.BaseURL)
	}
	opts = opts.withDefaults()
	return &ServiceClient{
		opts:    opts,
		base:    strings.TrimRight(opts.BaseURL, "/"),
		breaker: newBreaker(opts.BreakerThreshold, opts.BreakerCooldown),
	}, nil
}

// BreakerState is the circuit breaker's state: "closed", "open" or "half-open".
func (c *ServiceClient) BreakerState() string { return c.breaker.state() }

// BindSession binds (or rebinds) the gateway's session: the device and client ids of the device's connection,
// the gateway's vision endpoint and its server secret (the vision JWT's signing key). Empty visionURL or token
// are left out. Retried on service failures (binding again only updates the session).
func (c *ServiceClient) BindSession(ctx context.Context, sessionID, deviceID, clientID, visionURL, token string) error {
	_, err := c.Bind(ctx, sessionID, BindRequest{DeviceID: deviceID, ClientID: clientID, VisionURL: visionURL, Token: token})
	return err
}

// Bind is BindSession with the service's whole answer.
func (c *ServiceClient) Bind(ctx context.Context, sessionID string, req BindRequest) (*BindResponse, error) {
	var out BindResponse
	_, err := c.do(ctx, request{op: "BindSession", method: "POST", path: sessionPath(sessionID) + "/bind", body: req,
		idempotent: true, timeout: c.opts.CallTimeout}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetTools lists the session's tools for the LLM (local, external and, once the relay is open and the device
// answered, the device's). Retried on service failures.
func (c *ServiceClient) GetTools(ctx context.Context, sessionID string) ([]Tool, error) {
	res, err := c.ListTools(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return res.Tools, nil
}

// ListTools is GetTools with each source's report (a source that is down lists no tools and says why).
func (c *ServiceClient) ListTools(ctx context.Context, sessionID string) (*ToolsResponse, error) {
	var out ToolsResponse
	_, err := c.do(ctx, request{op: "GetTools", method: "GET", path: "/api/v1/mcp/tools?session_id=" + url.QueryEscape(sessionID),
		idempotent: true, timeout: c.opts.CallTimeout}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ExecuteOption changes one execution.
type ExecuteOption func(*executeBody)

type executeBody struct {
	SessionID string                 `json:"session_id"`
	Arguments map[string]interface{} `json:"arguments"`
	DeviceID  string                 `json:"device_id,omitempty"`
	TimeoutMS int64                  `json:"timeout_ms,omitempty"`
	timeout   time.Duration
}

// WithTimeout sets the tool's timeout (sent as timeout_ms, kept within the service's 100 ms – 300 s); the HTTP
// wait is this plus Options.ExecuteSlack.
func WithTimeout(d time.Duration) ExecuteOption {
	return func(b *executeBody) { b.timeout = d }
}

// WithDeviceID has the service check that the session belongs to this device (409 device_mismatch otherwise).
func WithDeviceID(deviceID string) ExecuteOption {
	return func(b *executeBody) { b.DeviceID = deviceID }
}

// ExecuteTool runs a tool in the session and returns the service's ExecutionResult. A tool that ran and failed
// is a result with Action error, not an error; an error means the call itself failed (unknown session or
// tool, bad request, or a service failure: see IsServiceFailure). Never retried: a tool may have side effects.
func (c *ServiceClient) ExecuteTool(ctx context.Context, toolName string, args map[string]interface{}, sessionID string, opts ...ExecuteOption) (*ExecutionResult, error) {
	body := executeBody{SessionID: sessionID, Arguments: args, timeout: c.opts.ExecuteTimeout}
	if body.Arguments == nil {
		body.Arguments = map[string]interface{}{}
	}
	for _, o := range opts {
		o(&body)
	}
	if body.timeout < MinToolTimeout {
		body.timeout = MinToolTimeout
	}
	if body.timeout > MaxToolTimeout {
		body.timeout = MaxToolTimeout
	}
	body.TimeoutMS = body.timeout.Milliseconds()
	var out ExecutionResult
	id, err := c.do(ctx, request{op: "ExecuteTool", method: "POST", path: "/api/v1/mcp/tools/" + url.PathEscape(toolName) + "/execute",
		body: body, timeout: body.timeout + c.opts.ExecuteSlack}, &out)
	if err != nil {
		return nil, err
	}
	out.RequestID = id
	return &out, nil
}

// GetSession reads the session: its binding, its tools' count per source and its device relay. Retried on
// service failures.
func (c *ServiceClient) GetSession(ctx context.Context, sessionID string) (*SessionView, error) {
	var out SessionView
	_, err := c.do(ctx, request{op: "GetSession", method: "GET", path: sessionPath(sessionID), idempotent: true,
		timeout: c.opts.CallTimeout}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Unbind deletes the session and everything it holds (its relay is closed with code 4001). Not retried.
func (c *ServiceClient) Unbind(ctx context.Context, sessionID string) error {
	_, err := c.do(ctx, request{op: "Unbind", method: "DELETE", path: sessionPath(sessionID), timeout: c.opts.CallTimeout}, nil)
	return err
}

// HandleXiaoZhiMessage delivers one device frame ({"type":"mcp","payload":{…}}) over HTTP, for gateways that
// receive the device's replies away from the relay. Requests to the device still go out on the relay.
func (c *ServiceClient) HandleXiaoZhiMessage(ctx context.Context, sessionID string, message map[string]interface{}) (*MessageResult, error) {
	var out MessageResult
	_, err := c.do(ctx, request{op: "HandleXiaoZhiMessage", method: "POST", path: sessionPath(sessionID) + "/messages",
		body: message, timeout: c.opts.CallTimeout}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func sessionPath(sessionID string) string {
	return "/api/v1/mcp/sessions/" + url.PathEscape(sessionID)
}

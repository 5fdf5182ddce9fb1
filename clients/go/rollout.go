package mcpservice

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Path is the way a session's tools go.
type Path string

// The paths of a session.
const (
	PathService  Path = "service"  // tools listed and executed by the service; device frames on the relay
	PathGateway  Path = "gateway"  // the switch is off or the device is outside the split: the gateway's own manager
	PathFallback Path = "fallback" // the service failed and the session moved to the gateway's own manager
)

// Router decides, per device, whether a session uses the service, and makes [Session]s. One per gateway process.
type Router struct {
	settings      Settings
	client        *ServiceClient
	logf          func(string, ...interface{})
	unbindOnClose bool
}

// NewRouter makes the router of the given settings; opts configure its client (BaseURL and APIKey come from
// settings when empty there). With UseService false no client is made and every session takes PathGateway.
func NewRouter(settings Settings, opts Options) (*Router, error) {
	opts = opts.withDefaults()
	r := &Router{settings: settings, logf: opts.Logf, unbindOnClose: opts.UnbindOnClose}
	if !settings.UseService {
		return r, nil
	}
	if opts.BaseURL == "" {
		opts.BaseURL = settings.ServiceURL
	}
	if opts.APIKey == "" {
		opts.APIKey = settings.APIKey
	}
	c, err := NewServiceClient(opts)
	if err != nil {
		return nil, err
	}
	r.client = c
	return r, nil
}

// Client is the router's service client (nil when the switch is off).
func (r *Router) Client() *ServiceClient { return r.client }

// Decide is the path a device's session starts on: PathService when the switch is on and the device is in the
// traffic split, else PathGateway. A device always gets the same answer for the same settings.
func (r *Router) Decide(deviceID string) Path {
	if !r.settings.UseService || r.client == nil {
		return PathGateway
	}
	if r.settings.TrafficSplit != nil && !InTrafficSplit(deviceID, *r.settings.TrafficSplit) {
		return PathGateway
	}
	return PathService
}

// SessionInfo is what the gateway knows of a device connection (from its headers and the gateway's config).
type SessionInfo struct {
	SessionID string // the id in the server hello
	DeviceID  string // Device-Id header (when empty, SessionID stands in, for the split and the bind)
	ClientID  string // Client-Id header (when empty, the device id stands in)
	VisionURL string // the gateway's vision endpoint, given to the device in initialize
	Token     string // the gateway's server secret: the device's vision JWT is signed with it
}

// Fallback is the gateway's own MCP path.
type Fallback struct {
	// Bind binds the gateway's own MCP manager to the connection (xiaozhi-server-go: mcpManager.BindConnection).
	// Called once, when the session moves from PathService to PathFallback. On PathGateway the gateway binds its
	// manager itself, as it always did.
	Bind func(ctx context.Context) error
	// Execute runs a tool with the gateway's own manager (xiaozhi-server-go: mcpManager.ExecuteTool), on
	// PathGateway and PathFallback.
	Execute func(ctx context.Context, toolName string, args map[string]interface{}) (interface{}, error)
}

// Session is one device connection's MCP path. Its methods are safe for concurrent use.
//
// Life: NewSession decides the path (PathService or PathGateway, from the settings and the device id alone) →
// Start binds with the service (on the device hello) → OpenRelay (after the server hello, if the device has
// MCP) → Tools / ExecuteTool / HandleDeviceFrame during the conversation → Close (the device left: closes the
// relay; unbinds with Options.UnbindOnClose). A service failure while on PathService moves the session to PathFallback when fallback is on:
// the relay is closed, Fallback.Bind runs, and the session stays there until it ends (a device never flips back
// and forth within one connection).
type Session struct {
	router   *Router
	info     SessionInfo
	fallback Fallback

	mu       sync.Mutex
	path     Path
	relay    *Relay
	toDevice func([]byte) error
	started  bool
	closed   bool
	reason   error // why the session fell back
}

// NewSession makes the session of one device connection.
func (r *Router) NewSession(info SessionInfo, fallback Fallback) *Session {
	if info.DeviceID == "" {
		info.DeviceID = info.SessionID
	}
	if info.ClientID == "" {
		info.ClientID = info.DeviceID
	}
	path := r.Decide(info.DeviceID)
	if path == PathGateway {
		r.logf("mcpservice: session %s (device %s) uses the gateway's MCP manager (use_service off or outside the traffic split)",
			info.SessionID, info.DeviceID)
	}
	return &Session{router: r, info: info, fallback: fallback, path: path}
}

// Path is the session's current path.
func (s *Session) Path() Path {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.path
}

// OnService reports whether the session's tools go through the service.
func (s *Session) OnService() bool { return s.Path() == PathService }

// FallbackReason is the service failure that moved the session to PathFallback (nil otherwise).
func (s *Session) FallbackReason() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// Start binds the session with the service when it is on PathService (on the device hello); a failed bind
// falls back when fallback is on, otherwise its error is returned. On the gateway's paths, and when called
// again, it does nothing.
func (s *Session) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.path != PathService || s.started {
		s.mu.Unlock()
		return nil
	}
	s.started = true
	s.mu.Unlock()
	err := s.bind(ctx)
	if err == nil || s.fallBack(ctx, err) {
		return nil
	}
	return err
}

func (s *Session) bind(ctx context.Context) error {
	return s.router.client.BindSession(ctx, s.info.SessionID, s.info.DeviceID, s.info.ClientID, s.info.VisionURL, s.info.Token)
}

// fallBack moves the session to PathFallback when fallback is on; it reports whether it did.
func (s *Session) fallBack(ctx context.Context, cause error) bool {
	if !s.router.settings.Fallback {
		s.router.logf("mcpservice: session %s: the service failed and fallback is off: %v", s.info.SessionID, cause)
		return false
	}
	s.mu.Lock()
	if s.path == PathFallback {
		s.mu.Unlock()
		return true
	}
	s.path = PathFallback
	s.reason = cause
	relay := s.relay
	s.relay = nil
	s.mu.Unlock()
	s.router.logf("mcpservice: session %s (device %s) falls back to the gateway's MCP manager: %v", s.info.SessionID, s.info.DeviceID, cause)
	if relay != nil {
		_ = relay.Close()
	}
	if s.fallback.Bind == nil {
		return true
	}
	if err := s.fallback.Bind(ctx); err != nil {
		s.router.logf("mcpservice: session %s: binding the gateway's MCP manager failed: %v", s.info.SessionID, err)
	}
	return true
}

// Tools lists the session's tools from the service. ok is false when the gateway should use its own registry:
// the session is not on PathService, or the listing failed (and, with fallback on, the session fell back).
func (s *Session) Tools(ctx context.Context) (tools []Tool, ok bool) {
	if !s.OnService() {
		return nil, false
	}
	tools, err := s.router.client.GetTools(ctx, s.info.SessionID)
	if ErrorCode(err) == "session_not_found" {
		if err = s.bind(ctx); err == nil {
			tools, err = s.router.client.GetTools(ctx, s.info.SessionID)
		}
	}
	if err == nil {
		return tools, true
	}
	if IsServiceFailure(err) {
		s.fallBack(ctx, err)
	} else {
		s.router.logf("mcpservice: session %s: listing tools failed: %v", s.info.SessionID, err)
	}
	return nil, false
}

// ExecuteTool runs a tool on the session's path; its signature is xiaozhi-server-go's Manager.ExecuteTool's.
// On PathService the result is a *ExecutionResult; on the gateway's paths it is whatever Fallback.Execute
// returns. A session the service forgot (expired) is bound again and the call sent once more (nothing ran). A
// service failure with fallback on moves the session to PathFallback and runs the tool there.
func (s *Session) ExecuteTool(ctx context.Context, toolName string, args map[string]interface{}) (interface{}, error) {
	if !s.OnService() {
		return s.executeGateway(ctx, toolName, args)
	}
	res, err := s.router.client.ExecuteTool(ctx, toolName, args, s.info.SessionID)
	if ErrorCode(err) == "session_not_found" {
		if err = s.bind(ctx); err == nil {
			res, err = s.router.client.ExecuteTool(ctx, toolName, args, s.info.SessionID)
		}
	}
	if err == nil {
		return res, nil
	}
	if IsServiceFailure(err) && s.fallBack(ctx, err) {
		return s.executeGateway(ctx, toolName, args)
	}
	return nil, err
}

func (s *Session) executeGateway(ctx context.Context, toolName string, args map[string]interface{}) (interface{}, error) {
	if s.fallback.Execute == nil {
		return nil, fmt.Errorf("mcpservice: session %s is on the %s path and no Fallback.Execute is set", s.info.SessionID, s.Path())
	}
	return s.fallback.Execute(ctx, toolName, args)
}

// OpenRelay opens the device relay when the session is on PathService (call it after the server hello, if the
// device's hello has features.mcp). toDevice writes a text frame to the device. If the relay breaks (not
// replaced, not unbound, not closed here) it is opened again, up to the client's RetryAttempts times with
// backoff. On the gateway's paths it does nothing.
func (s *Session) OpenRelay(ctx context.Context, toDevice func(frame []byte) error) error {
	if !s.OnService() {
		return nil
	}
	relay, err := s.router.client.OpenRelay(ctx, s.info.SessionID, toDevice)
	if err != nil {
		if IsServiceFailure(err) && s.fallBack(ctx, err) {
			return nil
		}
		return err
	}
	s.mu.Lock()
	if s.closed || s.path != PathService {
		s.mu.Unlock()
		return relay.Close()
	}
	s.relay, s.toDevice = relay, toDevice
	s.mu.Unlock()
	go s.watchRelay(relay)
	return nil
}

// watchRelay reopens a relay that broke.
func (s *Session) watchRelay(relay *Relay) {
	<-relay.Done()
	if relay.closedByCaller() || relay.CloseCode() == RelayClosedReplaced || relay.CloseCode() == RelayClosedUnbound {
		return
	}
	client := s.router.client
	for attempt := 1; attempt <= client.opts.RetryAttempts; attempt++ {
		time.Sleep(client.backoff(attempt))
		s.mu.Lock()
		if s.closed || s.path != PathService || s.relay != relay {
			s.mu.Unlock()
			return
		}
		toDevice := s.toDevice
		s.mu.Unlock()
		s.router.logf("mcpservice: session %s: the relay broke (%v); opening it again", s.info.SessionID, relay.Err())
		next, err := client.OpenRelay(context.Background(), s.info.SessionID, toDevice)
		if err != nil {
			continue
		}
		s.mu.Lock()
		if s.closed || s.path != PathService || s.relay != relay {
			s.mu.Unlock()
			_ = next.Close()
			return
		}
		s.relay = next
		s.mu.Unlock()
		go s.watchRelay(next)
		return
	}
	s.router.logf("mcpservice: session %s: the relay could not be opened again; device tools are unavailable", s.info.SessionID)
}

// HandleDeviceFrame takes a text frame from the device: a "type":"mcp" frame on PathService goes to the relay
// and HandleDeviceFrame reports true (the gateway is done with it). Everything else reports false: the gateway
// handles the frame as before (on its own paths, its MCP manager gets the mcp frames).
func (s *Session) HandleDeviceFrame(frame []byte) bool {
	if !IsMCPFrame(frame) {
		return false
	}
	s.mu.Lock()
	path, relay := s.path, s.relay
	s.mu.Unlock()
	if path != PathService {
		return false
	}
	if relay == nil {
		s.router.logf("mcpservice: session %s: an mcp frame from the device with no relay open; dropped", s.info.SessionID)
		return true
	}
	if err := relay.Forward(frame); err != nil {
		s.router.logf("mcpservice: session %s: forwarding an mcp frame to the relay failed: %v", s.info.SessionID, err)
	}
	return true
}

// Close ends the session when the device leaves: it closes the relay (the service then reports the device's
// tools unavailable). With Options.UnbindOnClose it also unbinds the session, so the service drops its state
// at once instead of after its idle TTL.
func (s *Session) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	relay, path := s.relay, s.path
	s.relay = nil
	s.mu.Unlock()
	if relay != nil {
		_ = relay.Close()
	}
	if path != PathService || !s.router.unbindOnClose {
		return nil
	}
	err := s.router.client.Unbind(ctx, s.info.SessionID)
	if ErrorCode(err) == "session_not_found" {
		return nil
	}
	return err
}

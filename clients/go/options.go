package mcpservice

import (
	"net/http"
	"time"
)

// Defaults of [Options]; each zero field takes its default.
const (
	DefaultCallTimeout       = 10 * time.Second // bind, tools, session, unbind, messages: per attempt
	DefaultExecuteTimeout    = 30 * time.Second // the tool's timeout, sent as timeout_ms (the service's own default)
	DefaultExecuteSlack      = 5 * time.Second  // added to the tool's timeout for the HTTP wait, so the service answers first
	DefaultRetryAttempts     = 3                // attempts in all for idempotent calls
	DefaultRetryBaseDelay    = 100 * time.Millisecond
	DefaultRetryMaxDelay     = 2 * time.Second
	DefaultBreakerThreshold  = 5 // consecutive failures that open the circuit
	DefaultBreakerCooldown   = 30 * time.Second
	DefaultRelayPingInterval = 30 * time.Second
	MinToolTimeout           = 100 * time.Millisecond // the service's bounds on timeout_ms
	MaxToolTimeout           = 300 * time.Second
)

// Options configure a [ServiceClient]. BaseURL and APIKey are required; every other zero field takes the
// default named after it.
type Options struct {
	BaseURL string // e.g. https://mcp.example.com (no trailing /api/v1)
	APIKey  string // sent as Authorization: Bearer <key>

	// HTTPClient sends the requests; its own Timeout should be 0 (timeouts are per call here).
	HTTPClient *http.Client
	// CallTimeout bounds each attempt of bind, tool listing, session read, unbind and message delivery.
	CallTimeout time.Duration
	// ExecuteTimeout is a tool's timeout when the call does not give one (passed to the service as timeout_ms).
	ExecuteTimeout time.Duration
	// ExecuteSlack is added to the tool's timeout for the HTTP wait.
	ExecuteSlack time.Duration

	// RetryAttempts is the number of attempts of an idempotent call (1 disables retries; never for executions).
	RetryAttempts  int
	RetryBaseDelay time.Duration // backoff before the 2nd attempt, doubling after; jittered in [d/2, d]
	RetryMaxDelay  time.Duration

	// BreakerThreshold consecutive service failures open the circuit for BreakerCooldown; then one call probes.
	// A negative threshold disables the breaker.
	BreakerThreshold int
	BreakerCooldown  time.Duration

	// RelayPingInterval is how often an open relay sends a text "ping" (answered "pong", never forwarded).
	// Negative disables it.
	RelayPingInterval time.Duration

	// UnbindOnClose has Session.Close unbind the session as well as close its relay. Off by default: a device
	// that reconnects quickly (same session id) is bound again by its new connection, and a late Close of the
	// old one would unbind the new session; an unused session expires by itself after the service's idle TTL.
	UnbindOnClose bool

	// Logf receives the client's log lines (fallbacks, relay reconnects); nil discards them.
	Logf func(format string, args ...interface{})
}

func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.ExecuteTimeout <= 0 {
		o.ExecuteTimeout = DefaultExecuteTimeout
	}
	if o.ExecuteSlack <= 0 {
		o.ExecuteSlack = DefaultExecuteSlack
	}
	if o.RetryAttempts <= 0 {
		o.RetryAttempts = DefaultRetryAttempts
	}
	if o.RetryBaseDelay <= 0 {
		o.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if o.RetryMaxDelay <= 0 {
		o.RetryMaxDelay = DefaultRetryMaxDelay
	}
	if o.BreakerThreshold == 0 {
		o.BreakerThreshold = DefaultBreakerThreshold
	}
	if o.BreakerCooldown <= 0 {
		o.BreakerCooldown = DefaultBreakerCooldown
	}
	if o.RelayPingInterval == 0 {
		o.RelayPingInterval = DefaultRelayPingInterval
	}
	if o.Logf == nil {
		o.Logf = func(string, ...interface{}) {}
	}
	return o
}

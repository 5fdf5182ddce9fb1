// The rollout's decisions: the paths a session can take, the Router that decides per device (the switch and
// the traffic split) which path a session starts on, and the making of a device connection's Session.

package mcpservice

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

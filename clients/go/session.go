// A device connection's Session: its life on the path the Router chose (bind, tools, executions, the device
// relay and its reopening, device frames, close); falling back to the gateway's own path is in fallback.go.

package mcpservice

import (
	"context"
	"sync"
	"time"
)

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

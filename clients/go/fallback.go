// The Session's fallback: the gateway's own MCP path (Fallback) and the move of a session to it when the
// service fails, after which its tools run on the gateway's own manager.

package mcpservice

import (
	"context"
	"fmt"
)

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

func (s *Session) executeGateway(ctx context.Context, toolName string, args map[string]interface{}) (interface{}, error) {
	if s.fallback.Execute == nil {
		return nil, fmt.Errorf("mcpservice: session %s is on the %s path and no Fallback.Execute is set", s.info.SessionID, s.Path())
	}
	return s.fallback.Execute(ctx, toolName, args)
}

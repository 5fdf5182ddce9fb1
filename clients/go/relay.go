package mcpservice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Close codes the service ends a relay with.
const (
	RelayClosedReplaced = 4000 // a newer relay for the same session replaced this one (the device reconnected)
	RelayClosedUnbound  = 4001 // the session was unbound or expired
)

// Relay pipes the device's own MCP frames between the device's connection and the session's relay WebSocket
// (GET /api/v1/mcp/sessions/{id}/relay): every text frame the service sends goes to the device unchanged (through
// the toDevice function given to OpenRelay), and [Relay.Forward] sends the device's "type":"mcp" frames to the
// service unchanged.
//
// Life: OpenRelay dials and starts reading; the relay ends when Close is called, when the service closes it
// (CloseCode says why: 4000 replaced, 4001 unbound) or when the connection breaks. Done is closed then.
type Relay struct {
	conn     *websocket.Conn
	toDevice func(frame []byte) error
	logf     func(string, ...interface{})

	writeMu sync.Mutex
	done    chan struct{}

	mu         sync.Mutex
	err        error
	closeCode  int
	closedByUs bool
}

// OpenRelay opens the session's relay. Open it after the gateway sent the device its server hello, when the
// device's hello says "features": {"mcp": true}; the service then runs initialize and tools/list through it.
// toDevice writes one text frame to the device's WebSocket; it is called from the relay's reading goroutine.
func (c *ServiceClient) OpenRelay(ctx context.Context, sessionID string, toDevice func(frame []byte) error) (*Relay, error) {
	wsURL := "ws" + strings.TrimPrefix(c.base, "http") + sessionPath(sessionID) + "/relay"
	requestID := newRequestID()
	header := http.Header{}
	header.Set("Authorization", "Bearer "+c.opts.APIKey)
	header.Set("X-Request-Id", requestID)
	dialer := websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: c.opts.CallTimeout}
	dctx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
	defer cancel()
	conn, resp, err := dialer.DialContext(dctx, wsURL, header)
	if err != nil {
		if resp != nil {
			id := answerRequestID(resp.Header, requestID)
			raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			return nil, apiError("OpenRelay", resp.StatusCode, bytes.TrimSpace(raw), id)
		}
		code := CodeUnavailable
		if dctx.Err() == context.DeadlineExceeded {
			code = CodeTimeout
		}
		return nil, &ServiceError{Op: "OpenRelay", Code: code, Message: "the relay could not be opened: " + err.Error(), RequestID: requestID, Err: err}
	}
	r := &Relay{conn: conn, toDevice: toDevice, logf: c.opts.Logf, done: make(chan struct{})}
	go r.read()
	if c.opts.RelayPingInterval > 0 {
		go r.ping(c.opts.RelayPingInterval)
	}
	return r, nil
}

// Forward sends one frame from the device (a "type":"mcp" text frame, unchanged) to the service.
func (r *Relay) Forward(frame []byte) error {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	select {
	case <-r.done:
		return errors.New("mcpservice: the relay is closed")
	default:
	}
	return r.conn.WriteMessage(websocket.TextMessage, frame)
}

// Close ends the relay (close code 1000) and waits for its reader to stop. Safe to call more than once.
func (r *Relay) Close() error {
	r.mu.Lock()
	r.closedByUs = true
	r.mu.Unlock()
	r.writeMu.Lock()
	_ = r.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "device left"),
		time.Now().Add(time.Second))
	r.writeMu.Unlock()
	err := r.conn.Close() // the close frame is on its way; nothing the service sends after it matters
	<-r.done
	return err
}

// Done is closed when the relay has ended.
func (r *Relay) Done() <-chan struct{} { return r.done }

// CloseCode is the close code the service ended the relay with (RelayClosedReplaced, RelayClosedUnbound, …),
// 0 while open or when the connection broke without one.
func (r *Relay) CloseCode() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closeCode
}

// Err is why the relay ended (nil while open).
func (r *Relay) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// closedByCaller reports whether Close ended it.
func (r *Relay) closedByCaller() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closedByUs
}

func (r *Relay) read() {
	defer close(r.done)
	for {
		kind, frame, err := r.conn.ReadMessage()
		if err != nil {
			r.mu.Lock()
			r.err = err
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				r.closeCode = ce.Code
			}
			r.mu.Unlock()
			_ = r.conn.Close()
			return
		}
		if kind != websocket.TextMessage || string(frame) == "pong" {
			continue
		}
		if err := r.toDevice(frame); err != nil {
			r.logf("mcpservice: relay: writing a frame to the device failed: %v", err)
		}
	}
}

func (r *Relay) ping(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-t.C:
			if err := r.Forward([]byte("ping")); err != nil {
				return
			}
		}
	}
}

// IsMCPFrame reports whether a text frame from the device is a "type":"mcp" frame (one for the relay).
func IsMCPFrame(frame []byte) bool {
	if !bytes.Contains(frame, []byte(`"mcp"`)) {
		return false
	}
	var head struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(frame, &head) == nil && head.Type == "mcp"
}

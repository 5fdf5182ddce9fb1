package mcpservice

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// testGateway is a gateway in miniature with xiaozhi-server-go's hook points: the session starts on the device
// hello, the server hello goes out, then the relay opens (the device said features.mcp); the read loop hands
// every text frame to Session.HandleDeviceFrame first; the session closes when the device leaves.
type testGateway struct {
	server   *httptest.Server
	sessions chan *Session
	closed   chan string // session ids whose device left
}

func newTestGateway(t *testing.T, router *Router, sessionID string) *testGateway {
	g := &testGateway{sessions: make(chan *Session, 4), closed: make(chan string, 4)}
	upgrader := websocket.Upgrader{}
	g.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		var writeMu sync.Mutex
		toDevice := func(frame []byte) error {
			writeMu.Lock()
			defer writeMu.Unlock()
			return conn.WriteMessage(websocket.TextMessage, frame)
		}
		session := router.NewSession(SessionInfo{SessionID: sessionID, DeviceID: r.Header.Get("Device-Id"),
			ClientID: r.Header.Get("Client-Id"), VisionURL: "http://gw.example.com:8080/api/vision", Token: "server-secret"}, Fallback{})
		ctx := context.Background()
		defer func() {
			_ = session.Close(ctx)
			g.closed <- sessionID
		}()
		for {
			_, frame, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if session.HandleDeviceFrame(frame) {
				continue
			}
			var hello struct {
				Type     string          `json:"type"`
				Features map[string]bool `json:"features"`
			}
			if json.Unmarshal(frame, &hello) != nil || hello.Type != "hello" {
				continue
			}
			if err := session.Start(ctx); err != nil {
				t.Errorf("start: %v", err)
				return
			}
			server, _ := json.Marshal(map[string]interface{}{"type": "hello", "version": 1, "transport": "websocket", "session_id": sessionID})
			_ = toDevice(server)
			if hello.Features["mcp"] {
				if err := session.OpenRelay(ctx, toDevice); err != nil {
					t.Errorf("relay: %v", err)
					return
				}
			}
			g.sessions <- session
		}
	}))
	t.Cleanup(g.server.Close)
	return g
}

func (g *testGateway) url() string { return "ws" + strings.TrimPrefix(g.server.URL, "http") }

func TestRelayRoundTripWithASimulatedDevice(t *testing.T) {
	baseURL, apiKey := serviceEnv(t)
	router, err := NewRouter(Settings{UseService: true, ServiceURL: baseURL, APIKey: apiKey, TrafficSplit: Percent(100)},
		Options{Logf: t.Logf, UnbindOnClose: true})
	if err != nil {
		t.Fatal(err)
	}
	sid := uniqueID("go-relay")
	g := newTestGateway(t, router, sid)
	device := newDeviceSim()
	if err := device.connect(g.url(), "AA:BB:CC:DD:EE:10"); err != nil {
		t.Fatal(err)
	}
	var session *Session
	select {
	case session = <-g.sessions:
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway never started the session")
	}
	<-device.helloCh
	if session.Path() != PathService {
		t.Fatalf("path %s", session.Path())
	}
	ctx := context.Background()
	client := router.Client()

	// The service initialises the device through the relay and pages through tools/list.
	var tools []Tool
	eventually(t, 15*time.Second, "the device's tools", func() bool {
		tools, _ = session.Tools(ctx)
		n := 0
		for _, tool := range tools {
			if tool.Source == "device" {
				n++
			}
		}
		return n == 3
	})
	byName := map[string]Tool{}
	for _, tool := range tools {
		byName[tool.Name] = tool
	}
	if byName["self_audio_speaker_set_volume"].OriginalName != "self.audio_speaker.set_volume" {
		t.Fatalf("device tool names: %v", byName)
	}
	methods := strings.Join(device.methods(), ",")
	if !strings.HasPrefix(methods, "initialize,") || strings.Count(methods, "tools/list") < 2 {
		t.Fatalf("initialize, then tools/list page by page: %s", methods)
	}
	device.mu.Lock()
	vision := device.vision
	device.mu.Unlock()
	if vision["url"] != "http://gw.example.com:8080/api/vision" || vision["token"] == "" {
		t.Fatalf("initialize carries the vision endpoint and a token: %v", vision)
	}

	// A device tool call: the service sends tools/call down the relay, the device answers through the gateway.
	out, err := session.ExecuteTool(ctx, "self_audio_speaker_set_volume", map[string]interface{}{"volume": "40"})
	if err != nil {
		t.Fatal(err)
	}
	res := out.(*ExecutionResult)
	if !res.Success || res.Action != ActionReqLLM || res.Text() != "true" {
		t.Fatalf("set_volume: %+v", res)
	}
	device.mu.Lock()
	volume := device.volume
	device.mu.Unlock()
	if volume != 40 {
		t.Fatalf("the device's volume is %d, want 40 (\"40\" sent as an integer)", volume)
	}
	out, _ = session.ExecuteTool(ctx, "self_get_device_status", nil)
	if !strings.Contains(out.(*ExecutionResult).Text(), `"volume":40`) {
		t.Fatalf("status: %+v", out)
	}

	// Arguments outside the tool's schema are refused by the service, naming the field; the device never sees them.
	out, err = session.ExecuteTool(ctx, "self_audio_speaker_set_volume", map[string]interface{}{"volume": 150})
	if err != nil {
		t.Fatal(err)
	}
	res = out.(*ExecutionResult)
	if res.Success || res.Error == nil || res.Error.Code != "invalid_arguments" || !strings.Contains(res.Error.Message, "arguments.volume") {
		t.Fatalf("out of range: %+v", res)
	}

	// timeout_ms passes through: a device that never answers is a device_timeout after the call's timeout.
	device.mu.Lock()
	device.hold = true
	device.mu.Unlock()
	started := time.Now()
	res, err = client.ExecuteTool(ctx, "self_screen_set_theme", map[string]interface{}{"theme": "dark"}, sid, WithTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if res.Error == nil || res.Error.Code != "device_timeout" || time.Since(started) > 5*time.Second {
		t.Fatalf("held call: %+v after %s", res, time.Since(started))
	}
	device.mu.Lock()
	device.hold = false
	device.mu.Unlock()

	// Device notifications go up the relay too; the service records them.
	if err := device.notify("notifications/state_changed", map[string]interface{}{"newState": "idle"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the notification recorded", func() bool {
		view, err := client.GetSession(ctx, sid)
		return err == nil && view.Device.LastNotification != nil && strings.Contains(string(*view.Device.LastNotification), "state_changed")
	})
	view, _ := client.GetSession(ctx, sid)
	if view.Device.Relay != "open" || view.Device.ToolsStatus != "ok" {
		t.Fatalf("device view: %+v", view.Device)
	}

	// The device leaves: the gateway closes the session, which closes the relay (and unbinds: UnbindOnClose).
	device.close()
	select {
	case <-g.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway never saw the device leave")
	}
	_, err = client.GetSession(ctx, sid)
	wantCode(t, err, "session_not_found", 404)
}

func TestClosingLeavesTheSessionBoundByDefault(t *testing.T) {
	baseURL, apiKey := serviceEnv(t)
	router, err := NewRouter(Settings{UseService: true, ServiceURL: baseURL, APIKey: apiKey}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sid := uniqueID("go-close")
	s := router.NewSession(SessionInfo{SessionID: sid, DeviceID: "AA:BB:CC:DD:EE:12"}, Fallback{})
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.OpenRelay(ctx, func([]byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the relay open", func() bool {
		view, err := router.Client().GetSession(ctx, sid)
		return err == nil && view.Device.Relay == "open"
	})
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// A device that reconnects at once binds the same session again; a late Close of its old connection must
	// not unbind it, so by default Close only closes the relay.
	eventually(t, 5*time.Second, "the relay closed, the session kept", func() bool {
		view, err := router.Client().GetSession(ctx, sid)
		return err == nil && view.Device.Relay == "closed"
	})
	_ = router.Client().Unbind(ctx, sid)
}

func TestRelayReplacedAndHTTPDelivery(t *testing.T) {
	c := newTestClient(t, nil)
	ctx := context.Background()
	sid := uniqueID("go-relay-replace")
	if err := c.BindSession(ctx, sid, "AA:BB:CC:DD:EE:11", "c", "", ""); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Unbind(ctx, sid) }()
	frames := make(chan []byte, 16)
	toDevice := func(frame []byte) error { frames <- frame; return nil }
	first, err := c.OpenRelay(ctx, sid, toDevice)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case frame := <-frames:
		if !IsMCPFrame(frame) || !strings.Contains(string(frame), `"initialize"`) {
			t.Fatalf("the service's first frame is initialize: %s", frame)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no initialize on the relay")
	}
	second, err := c.OpenRelay(ctx, sid, toDevice)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	select {
	case <-first.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the first relay was not closed when replaced")
	}
	if first.CloseCode() != RelayClosedReplaced {
		t.Fatalf("close code %d (%v), want %d", first.CloseCode(), first.Err(), RelayClosedReplaced)
	}

	// A device frame can also come in over HTTP (HandleXiaoZhiMessage): a reply nothing waits for is dropped.
	msg, err := c.HandleXiaoZhiMessage(ctx, sid, map[string]interface{}{"type": "mcp",
		"payload": map[string]interface{}{"jsonrpc": "2.0", "id": 999, "result": map[string]interface{}{}}})
	if err != nil || msg.Success {
		t.Fatalf("an unexpected reply: %+v %v", msg, err)
	}
	msg, err = c.HandleXiaoZhiMessage(ctx, sid, map[string]interface{}{"type": "mcp",
		"payload": map[string]interface{}{"jsonrpc": "2.0", "method": "notifications/state_changed", "params": map[string]interface{}{"newState": "idle"}}})
	if err != nil || !msg.Success {
		t.Fatalf("a notification: %+v %v", msg, err)
	}

	_, err = c.OpenRelay(ctx, uniqueID("go-never-bound"), toDevice)
	wantCode(t, err, "session_not_found", 404)

	if IsMCPFrame([]byte(`{"type":"listen","state":"detect","text":"mcp"}`)) || !IsMCPFrame([]byte(`{"session_id":"","type":"mcp","payload":{}}`)) {
		t.Fatal("IsMCPFrame")
	}
}

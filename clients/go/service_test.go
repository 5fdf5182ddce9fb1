package mcpservice

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestBindListExecuteUnbind(t *testing.T) {
	c := newTestClient(t, nil)
	ctx := context.Background()
	sid := uniqueID("go-flow")

	bound, err := c.Bind(ctx, sid, BindRequest{DeviceID: "AA:BB:CC:DD:EE:01", ClientID: "client-1",
		VisionURL: "https://gw.example.com/api/vision", Token: "server-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if !bound.Success || !bound.Created || bound.Session.SessionID != sid || !bound.Session.HasToken {
		t.Fatalf("unexpected bind answer: %+v", bound)
	}
	// Binding again updates (the seed's signature).
	if err := c.BindSession(ctx, sid, "AA:BB:CC:DD:EE:01", "client-1", "https://gw.example.com/api/vision", "server-secret"); err != nil {
		t.Fatal(err)
	}

	tools, err := c.GetTools(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]Tool{}
	for _, tool := range tools {
		names[tool.Name] = tool
	}
	for _, want := range []string{"local_get_time", "local_play_music", "local_exit", "local_change_role"} {
		if _, ok := names[want]; !ok {
			t.Fatalf("%s missing from %v", want, names)
		}
	}
	if s := names["local_play_music"]; s.Source != "local" || s.InputSchema["type"] != "object" {
		t.Fatalf("tool shape: %+v", s)
	}
	listing, err := c.ListTools(ctx, sid)
	if err != nil || len(listing.Sources) == 0 {
		t.Fatalf("sources: %v %+v", err, listing)
	}

	music, err := c.ExecuteTool(ctx, "local_play_music", map[string]interface{}{"song_name": "稻香"}, sid)
	if err != nil {
		t.Fatal(err)
	}
	call, ok := music.Handler()
	if !music.Success || music.Action != ActionCallHandler || !ok || call.FuncName != "mcp_handler_play_music" || call.Args != "稻香" {
		t.Fatalf("play_music: %+v", music)
	}
	if music.RequestID == "" {
		t.Fatal("a result carries its request id")
	}

	clock, err := c.ExecuteTool(ctx, "local_get_time", nil, sid, WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if clock.Action != ActionReqLLM || !strings.Contains(clock.Text(), "当前时间") {
		t.Fatalf("get_time: %+v", clock)
	}

	role, err := c.ExecuteTool(ctx, "local_change_role", map[string]interface{}{"role": "英语老师"}, sid)
	if err != nil {
		t.Fatal(err)
	}
	roleCall, ok := role.Handler()
	if !ok || roleCall.FuncName != "mcp_handler_change_role" || roleCall.StringArgs()["role"] != "英语老师" || roleCall.StringArgs()["prompt"] == "" {
		t.Fatalf("change_role: %+v", role)
	}

	view, err := c.GetSession(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if view.DeviceID != "AA:BB:CC:DD:EE:01" || view.Device.Relay != "closed" || view.Tools == nil || view.Tools.Count < 4 {
		t.Fatalf("session view: %+v", view)
	}

	if err := c.Unbind(ctx, sid); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetSession(ctx, sid)
	wantCode(t, err, "session_not_found", 404)
}

func TestErrorCodesAndRequestIDs(t *testing.T) {
	c := newTestClient(t, nil)
	ctx := context.Background()
	sid := uniqueID("go-errors")
	if err := c.BindSession(ctx, sid, "AA:BB:CC:DD:EE:02", "client-2", "", ""); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Unbind(ctx, sid) }()

	_, err := c.GetTools(ctx, uniqueID("go-never-bound"))
	se := wantCode(t, err, "session_not_found", 404)
	if IsServiceFailure(err) || se.Attempts != 1 {
		t.Fatalf("a 404 is an answer, not a service failure, and is not retried: %+v", se)
	}
	if !strings.HasPrefix(se.RequestID, "gw-") {
		t.Fatalf("without an id from the service, the error carries the X-Request-Id the client sent: %q", se.RequestID)
	}

	_, err = c.ExecuteTool(ctx, "no_such_tool", nil, sid)
	wantCode(t, err, "tool_not_found", 404)

	// A tool that ran and failed is a result, not an error: the gateway tells its LLM.
	bad, err := c.ExecuteTool(ctx, "local_exit", map[string]interface{}{}, sid)
	if err != nil {
		t.Fatal(err)
	}
	if bad.Success || bad.Action != ActionError || bad.Error == nil || bad.Error.Code != "invalid_arguments" ||
		!strings.Contains(bad.Text(), "invalid_arguments") {
		t.Fatalf("bad arguments: %+v", bad)
	}

	_, err = c.ExecuteTool(ctx, "local_get_time", nil, sid, WithDeviceID("00:00:00:00:00:00"))
	wantCode(t, err, "device_mismatch", 409)

	_, err = c.GetTools(ctx, "not a valid id")
	wantCode(t, err, "invalid_request", 400)

	_, err = c.Bind(ctx, uniqueID("go-bad-bind"), BindRequest{DeviceID: "", ClientID: "x"})
	wantCode(t, err, "invalid_request", 400)

	wrongKey := newTestClient(t, func(o *Options) { o.APIKey = "not-the-key-0000" })
	_, err = wrongKey.GetTools(ctx, sid)
	wantCode(t, err, "unauthorized", 401)
	if !IsServiceFailure(err) {
		t.Fatal("a rejected key is a service failure (fallback covers a misconfigured gateway)")
	}
}

func TestTimeouts(t *testing.T) {
	ctx := context.Background()
	tiny := newTestClient(t, func(o *Options) { o.CallTimeout = time.Millisecond; o.RetryAttempts = 2 })
	_, err := tiny.GetTools(ctx, uniqueID("go-timeout"))
	se := wantCode(t, err, CodeTimeout, 0)
	if se.Attempts != 2 || !IsServiceFailure(err) {
		t.Fatalf("an idempotent call that times out is retried, then reported as a service failure: %+v", se)
	}

	c := newTestClient(t, nil)
	sid := uniqueID("go-timeout-exec")
	if err := c.BindSession(ctx, sid, "AA:BB:CC:DD:EE:03", "client-3", "", ""); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Unbind(ctx, sid) }()
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	_, err = c.ExecuteTool(short, "local_get_time", nil, sid)
	se = wantCode(t, err, CodeTimeout, 0)
	if se.Attempts != 1 {
		t.Fatalf("an execution is never retried: %+v", se)
	}
}

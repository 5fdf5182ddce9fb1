package mcpservice

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gatewayManager stands in for xiaozhi-server-go's own MCP manager: the Fallback hooks record their calls.
type gatewayManager struct {
	binds    atomic.Int32
	executed sync.Map // tool name → args
}

func (m *gatewayManager) fallback() Fallback {
	return Fallback{
		Bind: func(context.Context) error { m.binds.Add(1); return nil },
		Execute: func(_ context.Context, name string, args map[string]interface{}) (interface{}, error) {
			m.executed.Store(name, args)
			return "gateway manager ran " + name, nil
		},
	}
}

func TestServiceDownFailsFastOnceTheCircuitOpens(t *testing.T) {
	c, err := NewServiceClient(Options{BaseURL: closedPortURL(t), APIKey: "k", RetryAttempts: 1, BreakerThreshold: 2,
		BreakerCooldown: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		_, err := c.GetTools(ctx, "s")
		se := wantCode(t, err, CodeUnavailable, 0)
		if se.Attempts != 1 || !IsServiceFailure(err) {
			t.Fatalf("attempt %d: %+v", i, se)
		}
	}
	if c.BreakerState() != "open" {
		t.Fatalf("breaker %s after two failures", c.BreakerState())
	}
	_, err = c.ExecuteTool(ctx, "local_get_time", nil, "s")
	se := wantCode(t, err, CodeCircuitOpen, 0)
	if se.Attempts != 0 || !IsServiceFailure(err) {
		t.Fatalf("an open circuit sends nothing: %+v", se)
	}
}

func TestFallbackWhenTheServiceIsDown(t *testing.T) {
	logs := &logSink{}
	settings := Settings{UseService: true, ServiceURL: closedPortURL(t), APIKey: "k", Fallback: true}
	router, err := NewRouter(settings, Options{RetryAttempts: 1, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	mgr := &gatewayManager{}
	s := router.NewSession(SessionInfo{SessionID: "go-down", DeviceID: "AA:BB:CC:DD:EE:04", ClientID: "c"}, mgr.fallback())
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatalf("with fallback on, a failed bind is not the gateway's error: %v", err)
	}
	if s.Path() != PathFallback || mgr.binds.Load() != 1 || ErrorCode(s.FallbackReason()) != CodeUnavailable {
		t.Fatalf("path %s, binds %d, reason %v", s.Path(), mgr.binds.Load(), s.FallbackReason())
	}
	if !logs.contains("falls back to the gateway's MCP manager") {
		t.Fatalf("the fallback is logged: %v", logs.lines)
	}
	if _, ok := s.Tools(ctx); ok {
		t.Fatal("on the fallback path the gateway lists its own tools")
	}
	out, err := s.ExecuteTool(ctx, "local_get_time", map[string]interface{}{})
	if err != nil || out != "gateway manager ran local_get_time" {
		t.Fatalf("fallback execution: %v %v", out, err)
	}
	if s.HandleDeviceFrame([]byte(`{"type":"mcp","payload":{"jsonrpc":"2.0","id":1,"result":{}}}`)) {
		t.Fatal("on the fallback path the gateway's manager takes the device's mcp frames")
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// Without fallback, the service's failure is the gateway's to handle.
	settings.Fallback = false
	strict, _ := NewRouter(settings, Options{RetryAttempts: 1, Logf: logs.logf})
	s2 := strict.NewSession(SessionInfo{SessionID: "go-down-2", DeviceID: "AA:BB:CC:DD:EE:05"}, mgr.fallback())
	if err := s2.Start(ctx); !IsServiceFailure(err) {
		t.Fatalf("want the bind's service failure, got %v", err)
	}
}

// proxy is a reverse proxy to the running service that a test can take down, or make fail a number of times.
type proxy struct {
	server   *httptest.Server
	down     atomic.Bool
	failNext atomic.Int32
	hits     sync.Map // "METHOD path" → *atomic.Int32
}

func newProxy(t *testing.T) *proxy {
	baseURL, _ := serviceEnv(t)
	target, _ := url.Parse(baseURL)
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &proxy{}
	p.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := p.hits.LoadOrStore(r.Method+" "+r.URL.Path, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		if p.down.Load() {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			_ = conn.Close()
			return
		}
		if p.failNext.Add(-1) >= 0 {
			http.Error(w, "upstream connect error", http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.server.Close)
	return p
}

func (p *proxy) count(key string) int32 {
	n, ok := p.hits.Load(key)
	if !ok {
		return 0
	}
	return n.(*atomic.Int32).Load()
}

func TestFallbackMidSession(t *testing.T) {
	_, apiKey := serviceEnv(t)
	p := newProxy(t)
	logs := &logSink{}
	router, err := NewRouter(Settings{UseService: true, ServiceURL: p.server.URL, APIKey: apiKey, Fallback: true},
		Options{RetryAttempts: 1, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	mgr := &gatewayManager{}
	sid := uniqueID("go-mid")
	s := router.NewSession(SessionInfo{SessionID: sid, DeviceID: "AA:BB:CC:DD:EE:06", ClientID: "c"}, mgr.fallback())
	ctx := context.Background()
	if err := s.Start(ctx); err != nil || s.Path() != PathService || mgr.binds.Load() != 0 {
		t.Fatalf("start: %v, path %s", err, s.Path())
	}
	tools, ok := s.Tools(ctx)
	if !ok || len(tools) == 0 {
		t.Fatal("tools from the service")
	}
	out, err := s.ExecuteTool(ctx, "local_get_time", nil)
	if res, isResult := out.(*ExecutionResult); err != nil || !isResult || res.Action != ActionReqLLM {
		t.Fatalf("on the service path the result is an *ExecutionResult: %T %v %v", out, out, err)
	}

	p.down.Store(true)
	out, err = s.ExecuteTool(ctx, "local_play_music", map[string]interface{}{"song_name": "稻香"})
	if err != nil || out != "gateway manager ran local_play_music" {
		t.Fatalf("the service went down: the gateway's manager runs the tool: %v %v", out, err)
	}
	if s.Path() != PathFallback || mgr.binds.Load() != 1 || !logs.contains("falls back") {
		t.Fatalf("path %s, binds %d, logs %v", s.Path(), mgr.binds.Load(), logs.lines)
	}
	// The session stays on the fallback path even when the service is back: no flapping within a connection.
	p.down.Store(false)
	out, _ = s.ExecuteTool(ctx, "local_get_time", nil)
	if out != "gateway manager ran local_get_time" {
		t.Fatalf("want the gateway's manager, got %v", out)
	}
	_ = router.Client().Unbind(ctx, sid)
}

func TestRetriesOnlyForIdempotentCalls(t *testing.T) {
	_, apiKey := serviceEnv(t)
	p := newProxy(t)
	c, err := NewServiceClient(Options{BaseURL: p.server.URL, APIKey: apiKey, RetryAttempts: 3, RetryBaseDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sid := uniqueID("go-retry")
	p.failNext.Store(2)
	if err := c.BindSession(ctx, sid, "AA:BB:CC:DD:EE:07", "c", "", ""); err != nil {
		t.Fatalf("bind is retried through two 502s: %v", err)
	}
	if n := p.count("POST /api/v1/mcp/sessions/" + sid + "/bind"); n != 3 {
		t.Fatalf("bind sent %d times, want 3", n)
	}
	p.failNext.Store(2)
	if _, err := c.GetTools(ctx, sid); err != nil {
		t.Fatalf("tools are retried: %v", err)
	}
	p.failNext.Store(2)
	if _, err := c.GetSession(ctx, sid); err != nil {
		t.Fatalf("the session read is retried: %v", err)
	}
	p.failNext.Store(1)
	_, err = c.ExecuteTool(ctx, "local_get_time", nil, sid)
	se := wantCode(t, err, CodeUnavailable, 502)
	if se.Attempts != 1 || p.count("POST /api/v1/mcp/tools/local_get_time/execute") != 1 {
		t.Fatalf("an execution is sent once: %+v", se)
	}
	p.failNext.Store(0)
	if err := c.Unbind(ctx, sid); err != nil {
		t.Fatal(err)
	}
}

func TestSessionBindsAgainWhenTheServiceForgotIt(t *testing.T) {
	baseURL, apiKey := serviceEnv(t)
	router, err := NewRouter(Settings{UseService: true, ServiceURL: baseURL, APIKey: apiKey}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sid := uniqueID("go-rebind")
	s := router.NewSession(SessionInfo{SessionID: sid, DeviceID: "AA:BB:CC:DD:EE:08"}, Fallback{})
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := router.Client().Unbind(ctx, sid); err != nil { // as if it had expired
		t.Fatal(err)
	}
	out, err := s.ExecuteTool(ctx, "local_get_time", nil)
	if res, ok := out.(*ExecutionResult); err != nil || !ok || !res.Success {
		t.Fatalf("the session is bound again and the call sent once more: %v %v", out, err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestGatewayPathLeavesTheGatewayAsItWas(t *testing.T) {
	router, err := NewRouter(Settings{UseService: true, ServiceURL: closedPortURL(t), APIKey: "k", Fallback: true, TrafficSplit: Percent(0)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mgr := &gatewayManager{}
	s := router.NewSession(SessionInfo{SessionID: "go-gw", DeviceID: "AA:BB:CC:DD:EE:09"}, mgr.fallback())
	ctx := context.Background()
	if s.Path() != PathGateway || s.Start(ctx) != nil || s.OpenRelay(ctx, func([]byte) error { return nil }) != nil {
		t.Fatalf("a device outside the split is on the gateway path: %s", s.Path())
	}
	if mgr.binds.Load() != 0 {
		t.Fatal("on the gateway path the gateway binds its manager itself, as before")
	}
	if _, ok := s.Tools(ctx); ok {
		t.Fatal("the gateway's own registry lists the tools")
	}
	if out, err := s.ExecuteTool(ctx, "local_exit", nil); err != nil || out != "gateway manager ran local_exit" {
		t.Fatalf("the gateway's manager runs the tools: %v %v", out, err)
	}
	if s.HandleDeviceFrame([]byte(`{"type":"mcp","payload":{}}`)) || s.Close(ctx) != nil {
		t.Fatal("device frames stay with the gateway and closing touches no service")
	}
}

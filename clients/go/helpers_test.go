package mcpservice

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// serviceEnv is the running service the integration tests use (test.sh sets both variables).
func serviceEnv(t *testing.T) (baseURL, apiKey string) {
	t.Helper()
	baseURL, apiKey = os.Getenv("XIAOZHI_MCP_SERVICE_URL"), os.Getenv("XIAOZHI_MCP_SERVICE_KEY")
	if baseURL == "" || apiKey == "" {
		t.Skip("XIAOZHI_MCP_SERVICE_URL and XIAOZHI_MCP_SERVICE_KEY are not set: no running service (run clients/go/test.sh)")
	}
	return baseURL, apiKey
}

// newTestClient is a client of the running service; tweak adjusts its options.
func newTestClient(t *testing.T, tweak func(*Options)) *ServiceClient {
	t.Helper()
	baseURL, apiKey := serviceEnv(t)
	opts := Options{BaseURL: baseURL, APIKey: apiKey, RetryBaseDelay: 20 * time.Millisecond, Logf: t.Logf}
	if tweak != nil {
		tweak(&opts)
	}
	c, err := NewServiceClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// uniqueID is an id no other test run uses.
func uniqueID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// closedPortURL is an http URL on which nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// eventually polls check until it reports true or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wantCode fails unless err is a *ServiceError with the code (and, when status > 0, the HTTP status).
func wantCode(t *testing.T, err error, code string, status int) *ServiceError {
	t.Helper()
	se, ok := err.(*ServiceError)
	if !ok {
		t.Fatalf("want a *ServiceError %s, got %T %v", code, err, err)
	}
	if se.Code != code || (status > 0 && se.Status != status) {
		t.Fatalf("want %s (HTTP %d), got %s (HTTP %d): %v", code, status, se.Code, se.Status, se)
	}
	if se.RequestID == "" {
		t.Fatalf("the error carries no request id: %v", se)
	}
	return se
}

// logSink collects log lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, args ...interface{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logSink) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

package mcpservice

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxAnswerBytes bounds how much of an answer is read.
const maxAnswerBytes = 8 << 20

// request is one logical API call; do sends it once, or up to RetryAttempts times when idempotent.
type request struct {
	op         string // the client method, for errors
	method     string
	path       string      // under BaseURL, with its query
	body       interface{} // JSON-encoded when not nil
	idempotent bool
	timeout    time.Duration // per attempt
}

// do sends req and decodes a 2xx answer into out; it returns the answer's request id.
func (c *ServiceClient) do(ctx context.Context, req request, out interface{}) (string, error) {
	var payload []byte
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return "", fmt.Errorf("mcpservice %s: encoding the request: %w", req.op, err)
		}
		payload = b
	}
	requestID := newRequestID()
	attempts := 1
	if req.idempotent {
		attempts = c.opts.RetryAttempts
	}
	var last *ServiceError
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			if err := sleepCtx(ctx, c.backoff(attempt-1)); err != nil {
				break
			}
		}
		if !c.breaker.allow() {
			return requestID, &ServiceError{Op: req.op, Code: CodeCircuitOpen, RequestID: requestID, Attempts: attempt - 1,
				Message: "the service failed repeatedly; calls are not sent until the cooldown ends"}
		}
		id, se := c.once(ctx, req, payload, requestID, out)
		if se == nil {
			c.breaker.record(false)
			return id, nil
		}
		se.Attempts = attempt
		c.breaker.record(countsAgainstBreaker(se))
		last = se
		if !req.idempotent || !retryable(se) || ctx.Err() != nil {
			break
		}
	}
	return last.RequestID, last
}

// once sends one attempt.
func (c *ServiceClient) once(ctx context.Context, req request, payload []byte, requestID string, out interface{}) (string, *ServiceError) {
	actx, cancel := context.WithTimeout(ctx, req.timeout)
	defer cancel()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	hreq, err := http.NewRequestWithContext(actx, req.method, c.base+req.path, body)
	if err != nil {
		return requestID, &ServiceError{Op: req.op, Code: CodeUnavailable, Message: err.Error(), RequestID: requestID, Err: err}
	}
	hreq.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("X-Request-Id", requestID)
	if payload != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.opts.HTTPClient.Do(hreq)
	if err != nil {
		code := CodeUnavailable
		msg := "the service could not be reached: " + err.Error()
		switch {
		case ctx.Err() == context.Canceled:
			code, msg = CodeCancelled, "the caller cancelled the call"
		case errors.Is(err, context.DeadlineExceeded) || actx.Err() == context.DeadlineExceeded:
			code, msg = CodeTimeout, fmt.Sprintf("no answer within %s", req.timeout)
		}
		return requestID, &ServiceError{Op: req.op, Code: code, Message: msg, RequestID: requestID, Err: err}
	}
	defer resp.Body.Close()
	id := answerRequestID(resp.Header, requestID)
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		code := CodeUnavailable
		if actx.Err() == context.DeadlineExceeded {
			code = CodeTimeout
		}
		return id, &ServiceError{Op: req.op, Status: resp.StatusCode, Code: code, Message: "reading the answer: " + err.Error(), RequestID: id, Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return id, apiError(req.op, resp.StatusCode, raw, id)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return id, &ServiceError{Op: req.op, Status: resp.StatusCode, Code: CodeBadResponse, RequestID: id, Err: err,
				Message: "the answer is not the API's JSON: " + err.Error()}
		}
	}
	return id, nil
}

// apiError reads the service's {"error": {code, message, details}}.
func apiError(op string, status int, raw []byte, id string) *ServiceError {
	var body struct {
		Error *struct {
			Code    string      `json:"code"`
			Message string      `json:"message"`
			Details interface{} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &body) == nil && body.Error != nil && body.Error.Code != "" {
		return &ServiceError{Op: op, Status: status, Code: body.Error.Code, Message: body.Error.Message, Details: body.Error.Details, RequestID: id}
	}
	text := strings.TrimSpace(string(raw))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	code := CodeBadResponse
	if status >= 500 {
		code = CodeUnavailable
	}
	return &ServiceError{Op: op, Status: status, Code: code, Message: fmt.Sprintf("HTTP %d: %s", status, text), RequestID: id}
}

// answerRequestID is the id the service (or Cloudflare) gave the answer, else the one the client sent.
func answerRequestID(h http.Header, sent string) string {
	if v := h.Get("X-Request-Id"); v != "" {
		return v
	}
	if v := h.Get("Cf-Ray"); v != "" {
		return v
	}
	return sent
}

func newRequestID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("gw-%d", time.Now().UnixNano())
	}
	return "gw-" + hex.EncodeToString(b[:])
}

var (
	jitterMu  sync.Mutex
	jitterRnd = mrand.New(mrand.NewSource(time.Now().UnixNano()))
)

// backoff is the wait before retry n (1-based): RetryBaseDelay doubled n-1 times, capped at RetryMaxDelay,
// jittered uniformly in [d/2, d].
func (c *ServiceClient) backoff(n int) time.Duration {
	d := c.opts.RetryBaseDelay
	for i := 1; i < n && d < c.opts.RetryMaxDelay; i++ {
		d *= 2
	}
	if d > c.opts.RetryMaxDelay {
		d = c.opts.RetryMaxDelay
	}
	jitterMu.Lock()
	f := jitterRnd.Float64()
	jitterMu.Unlock()
	return d/2 + time.Duration(f*float64(d/2))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

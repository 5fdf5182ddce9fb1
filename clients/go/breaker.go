package mcpservice

import (
	"sync"
	"time"
)

// breaker is a consecutive-failure circuit breaker shared by all calls of one client.
//
// States: closed (calls go through) → open after `threshold` service failures in a row (calls fail fast with
// circuit_open) → after `cooldown`, half-open: one call goes through as a probe; its success closes the circuit,
// its failure opens it again for another cooldown. A disabled breaker (threshold < 0) always allows.
type breaker struct {
	mu        sync.Mutex
	threshold int
	cooldown  time.Duration
	now       func() time.Time

	failures  int
	openUntil time.Time
	probing   bool
}

func newBreaker(threshold int, cooldown time.Duration) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, now: time.Now}
}

// allow reports whether a call may go out now.
func (b *breaker) allow() bool {
	if b.threshold < 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures < b.threshold {
		return true
	}
	if b.now().Before(b.openUntil) || b.probing {
		return false
	}
	b.probing = true
	return true
}

// record counts a call's outcome: failed is true for a service failure.
func (b *breaker) record(failed bool) {
	if b.threshold < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if !failed {
		b.failures = 0
		return
	}
	b.failures++
	if b.failures >= b.threshold {
		b.openUntil = b.now().Add(b.cooldown)
	}
}

// state is "closed", "open" or "half-open", for logs and tests.
func (b *breaker) state() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.threshold < 0 || b.failures < b.threshold:
		return "closed"
	case b.now().Before(b.openUntil):
		return "open"
	default:
		return "half-open"
	}
}

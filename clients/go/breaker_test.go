package mcpservice

import (
	"testing"
	"time"
)

func TestBreakerOpensCoolsDownAndProbes(t *testing.T) {
	now := time.Unix(0, 0)
	b := newBreaker(3, 10*time.Second)
	b.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if !b.allow() {
			t.Fatalf("call %d refused before the threshold", i)
		}
		b.record(true)
	}
	if b.allow() || b.state() != "open" {
		t.Fatal("three failures in a row must open the circuit")
	}
	now = now.Add(10 * time.Second)
	if !b.allow() {
		t.Fatal("after the cooldown one probe goes through")
	}
	if b.allow() {
		t.Fatal("only one probe at a time")
	}
	b.record(true)
	if b.allow() {
		t.Fatal("a failed probe opens the circuit again")
	}
	now = now.Add(10 * time.Second)
	if !b.allow() {
		t.Fatal("probe after the second cooldown")
	}
	b.record(false)
	if !b.allow() || b.state() != "closed" {
		t.Fatal("a successful probe closes the circuit")
	}
}

func TestBreakerSuccessResetsTheCount(t *testing.T) {
	b := newBreaker(2, time.Minute)
	b.record(true)
	b.record(false)
	b.record(true)
	if !b.allow() {
		t.Fatal("failures that are not consecutive must not open the circuit")
	}
	off := newBreaker(-1, time.Minute)
	for i := 0; i < 10; i++ {
		off.record(true)
	}
	if !off.allow() {
		t.Fatal("a disabled breaker always allows")
	}
}

package mcpservice

import (
	"fmt"
	"testing"
)

// The buckets every client must compute (SHA-256, first 8 bytes big-endian, mod 10000), checked against an
// independent implementation (Python's hashlib).
func TestSplitBucketVectors(t *testing.T) {
	for id, want := range map[string]int{
		"AA:BB:CC:DD:EE:FF": 717,
		"11:22:33:44:55:66": 7151,
		"device-0":          7364,
		"设备-1":              3696,
		"":                  1652,
	} {
		if got := SplitBucket(id); got != want {
			t.Errorf("SplitBucket(%q) = %d, want %d", id, got, want)
		}
	}
}

func TestTrafficSplitIsDeterministicAndProportional(t *testing.T) {
	const devices = 10000
	in := 0
	first := make([]bool, devices)
	for i := 0; i < devices; i++ {
		first[i] = InTrafficSplit(fmt.Sprintf("device-%d", i), 30)
		if first[i] {
			in++
		}
	}
	if in < 2800 || in > 3200 {
		t.Fatalf("30%% of %d devices should be 3000 ± 200 on the service, got %d", devices, in)
	}
	// The same device always gets the same answer, from any router with the same settings.
	a, _ := NewRouter(Settings{UseService: true, ServiceURL: "http://127.0.0.1:1", APIKey: "k", TrafficSplit: Percent(30)}, Options{})
	b, _ := NewRouter(Settings{UseService: true, ServiceURL: "http://127.0.0.1:1", APIKey: "k", TrafficSplit: Percent(30)}, Options{})
	for i := 0; i < devices; i++ {
		id := fmt.Sprintf("device-%d", i)
		want := PathGateway
		if first[i] {
			want = PathService
		}
		if a.Decide(id) != want || b.Decide(id) != want || a.Decide(id) != want {
			t.Fatalf("device %s flipped between paths", id)
		}
	}
	// Raising the percentage only adds devices: none of the 30 % leaves at 50 %.
	for i := 0; i < devices; i++ {
		if first[i] && !InTrafficSplit(fmt.Sprintf("device-%d", i), 50) {
			t.Fatalf("device-%d left the service when the split grew", i)
		}
	}
}

func TestTrafficSplitEdgesAndSwitch(t *testing.T) {
	for i := 0; i < 1000; i++ {
		id := fmt.Sprintf("dev-%d", i)
		if InTrafficSplit(id, 0) || !InTrafficSplit(id, 100) {
			t.Fatalf("0 %% must send no device to the service and 100 %% every device (%s)", id)
		}
	}
	off, err := NewRouter(Settings{UseService: false, ServiceURL: "http://127.0.0.1:1", TrafficSplit: Percent(100)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if off.Decide("AA:BB:CC:DD:EE:FF") != PathGateway || off.Client() != nil {
		t.Fatal("use_service false must keep every device on the gateway")
	}
	all, _ := NewRouter(Settings{UseService: true, ServiceURL: "http://127.0.0.1:1", APIKey: "k"}, Options{})
	if all.Decide("AA:BB:CC:DD:EE:FF") != PathService {
		t.Fatal("no traffic_split means every device")
	}
}

func TestSettingsFromTheEnvironment(t *testing.T) {
	env := map[string]string{EnvUseService: "true", EnvServiceURL: "https://mcp.example.com", EnvServiceKey: "secret-key",
		EnvFallback: "1", EnvTrafficSplit: "12.5"}
	got := Settings{ServiceURL: "http://from-config", TrafficSplit: Percent(50)}.withLookup(func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if !got.UseService || got.ServiceURL != "https://mcp.example.com" || got.APIKey != "secret-key" || !got.Fallback ||
		got.TrafficSplit == nil || *got.TrafficSplit != 12.5 {
		t.Fatalf("%+v", got)
	}
	env = map[string]string{EnvTrafficSplit: "150", EnvUseService: "maybe"}
	kept := Settings{UseService: true, TrafficSplit: Percent(50)}.withLookup(func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if !kept.UseService || *kept.TrafficSplit != 50 {
		t.Fatalf("invalid values leave the config's: %+v", kept)
	}
}

package mcpservice

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
)

// SplitBuckets is the number of buckets of the traffic split: a percentage p puts buckets below p×100 on the
// service.
const SplitBuckets = 10000

// SplitBucket is the device's bucket, 0–9999: the first 8 bytes of SHA-256 of the UTF-8 device id as a
// big-endian unsigned integer, mod 10000. The Go, Python and TypeScript clients compute the same bucket, so a
// device is on the same path whichever gateway it reaches, and never flips between paths.
func SplitBucket(deviceID string) int {
	sum := sha256.Sum256([]byte(deviceID))
	return int(binary.BigEndian.Uint64(sum[:8]) % SplitBuckets)
}

// InTrafficSplit reports whether the device is among the percent (0–100, fractions allowed) of devices sent to
// the service.
func InTrafficSplit(deviceID string, percent float64) bool {
	if percent <= 0 || math.IsNaN(percent) {
		return false
	}
	if percent >= 100 {
		return true
	}
	// Compared with percent×100 as a float, as the Python and TypeScript clients do, so all three agree on
	// fractional percentages too.
	return float64(SplitBucket(deviceID)) < percent*100
}

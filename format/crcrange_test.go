package format

import (
	"math/rand/v2"
	"testing"
)

// TestChecksumAt checks the checkpointed checksum against checksum for
// records of many lengths at many offsets.
func TestChecksumAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 5*crcStep+77)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	var x crcIndex
	var work int64
	x.reset(1000)
	off := int64(1000)
	for start := 0; start < len(buf)-HeaderLen; start += 1 + rng.IntN(crcStep/2) {
		x.advance(1000+int64(start), buf[off-1000:start])
		off = 1000 + int64(start)
		for _, length := range []int{HeaderLen, HeaderLen + 1, crcStep, crcStep + 13, len(buf) - start} {
			if start+length > len(buf) {
				continue
			}
			rec := buf[start : start+length]
			if got, want := x.checksumAt(rec, length, &work), checksum(rec); got != want {
				t.Fatalf("record at %d of %d bytes: checksumAt %#x, checksum %#x", start, length, got, want)
			}
		}
	}
}

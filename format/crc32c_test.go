package format

import (
	"hash/crc32"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestCRC: the slicing-by-8 sums are hash/crc32's CRC-32C, whatever the
// seed, length and alignment, and so are crcUpdate's before and after
// Prepare.
func TestCRC(t *testing.T) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 4200)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	check := func(name string, f func(uint32, []byte) uint32) {
		for n := range 300 {
			for off := range 9 {
				seed := rng.Uint32()
				p := buf[off : off+n]
				if got, want := f(seed, p), crc32.Update(seed, tab, p); got != want {
					t.Fatalf("%s(%#x, %d bytes at %d) = %#x, want %#x", name, seed, n, off, got, want)
				}
			}
		}
		if got, want := f(7, buf), crc32.Update(7, tab, buf); got != want {
			t.Fatalf("%s(%d bytes) = %#x, want %#x", name, len(buf), got, want)
		}
	}
	check("crcSlicing", crcSlicing)
	check("crcUpdate", crcUpdate)
	// What check summed is more than crcSlowMax: hash/crc32's table
	// is made, for the sums that come after.
	if crcSlow.Load() < crcSlowMax {
		t.Fatalf("%d bytes summed slicing by 8, want %d or more", crcSlow.Load(), crcSlowMax)
	}
	for deadline := time.Now().Add(10 * time.Second); crcFast.Load() == nil; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no hash/crc32 table after crcSlowMax bytes")
		}
	}
	check("crcUpdate after Prepare", crcUpdate)
}

// BenchmarkCRC compares the two ways on a record's length and a page.
func BenchmarkCRC(b *testing.B) {
	Prepare()
	tab := crcFast.Load()
	for _, n := range []int{48, 4096} {
		p := make([]byte, n)
		b.Run("slicing/"+strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for range b.N {
				_ = crcSlicing(0, p)
			}
		})
		b.Run("crc32/"+strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for range b.N {
				_ = crc32.Update(0, tab, p)
			}
		})
	}
}

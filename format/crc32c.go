package format

import (
	"hash/crc32"
	"sync"
	"sync/atomic"
)

// Checksums. Records and frames carry CRC-32C (Castagnoli) checksums.
// hash/crc32 computes them with the CPU's instruction (SSE4.2, arm64's
// CRC32C), but its first use of the Castagnoli table in a process makes
// tables for long inputs: 0.2-0.3 ms of a CPU, which a tracer's start-up
// (that a traced command waits for) or kdump's would wait for or share
// its CPUs with. A computation slicing by 8 bytes, from tables made in
// microseconds, is slower per byte (19 ns against 11 for a 48-byte record
// here; 2.1 µs against 0.2 for 4 KiB), and what it costs more over the
// first crcSlowMax bytes is less than making hash/crc32's table. So sums
// are computed that way until crcSlowMax bytes have been, then
// hash/crc32's table is made on another goroutine (Prepare) for the sums
// that come after: a short trace never pays for the table, a long one
// soon has the instruction. Both ways give the same sums.

// crcSlowMax is how many bytes are summed slicing by 8 before
// hash/crc32's table is made.
const crcSlowMax = 256 << 10

// crcSlow counts the bytes summed slicing by 8, and crcPrepare starts
// Prepare once they are crcSlowMax.
var (
	crcSlow    atomic.Int64
	crcPrepare sync.Once
)

// crcFast is hash/crc32's Castagnoli table, once Prepare has made it.
var crcFast atomic.Pointer[crc32.Table]

// crcSlicing8 returns the tables of the slicing-by-8 computation: [0] is
// the byte-wise table, [k] the sum of a byte followed by k zero bytes.
var crcSlicing8 = sync.OnceValue(func() *[8][256]uint32 {
	t := new([8][256]uint32)
	for i := range t[0] {
		c := uint32(i)
		for range 8 {
			if c&1 == 1 {
				c = c>>1 ^ crc32.Castagnoli
			} else {
				c >>= 1
			}
		}
		t[0][i] = c
	}
	for i := range t[0] {
		c := t[0][i]
		for k := 1; k < len(t); k++ {
			c = t[0][c&0xff] ^ c>>8
			t[k][i] = c
		}
	}
	return t
})

// Prepare makes hash/crc32's checksum table now (see above), so that the
// sums that come after it are computed with the CPU's instruction. Any
// goroutine may call it, at any time.
func Prepare() {
	if crcFast.Load() == nil {
		crcFast.Store(crc32.MakeTable(crc32.Castagnoli))
	}
}

// crcUpdate returns crc32.Update(crc, the Castagnoli table, p).
func crcUpdate(crc uint32, p []byte) uint32 {
	if t := crcFast.Load(); t != nil {
		return crc32.Update(crc, t, p)
	}
	if crcSlow.Add(int64(len(p))) >= crcSlowMax {
		crcPrepare.Do(func() { go Prepare() })
	}
	return crcSlicing(crc, p)
}

// crcSlicing returns crc32.Update(crc, the Castagnoli table, p), slicing
// by 8 bytes.
func crcSlicing(crc uint32, p []byte) uint32 {
	t := crcSlicing8()
	crc = ^crc
	for len(p) >= 8 {
		crc ^= uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
		crc = t[0][p[7]] ^ t[1][p[6]] ^ t[2][p[5]] ^ t[3][p[4]] ^
			t[4][crc>>24] ^ t[5][crc>>16&0xff] ^ t[6][crc>>8&0xff] ^ t[7][crc&0xff]
		p = p[8:]
	}
	for _, v := range p {
		crc = t[0][byte(crc)^v] ^ crc>>8
	}
	return ^crc
}

package format

import (
	"hash/crc32"
	"sort"
)

// Checking candidate records while resynchronising costs, done naively,
// the length each candidate claims: crafted data with a plausible header
// every few bytes, each claiming MaxRecordLen, would cost the square of
// its size. The CRC is linear, so the CRC of any span follows from the
// CRC states at its two ends: with P(x) the state after the bytes from
// some base up to offset x, started from zero, the state of bytes a..b
// is P(b) XOR P(a) shifted over b-a zero bytes. crcIndex keeps P at
// checkpoints at most crcStep bytes apart, so that a candidate costs a
// few hundred bytes of CRC whatever length it claims, and each byte of
// the stream enters the checkpoints once.

// crcStep is the distance between CRC checkpoints.
const crcStep = 512

// crcPoint is the raw CRC state P(off).
type crcPoint struct {
	off   int64
	state uint32
}

// crcIndex holds CRC checkpoints over the buffered bytes of a Reader
// while it resynchronises. points[first] is at the Reader's offset.
type crcIndex struct {
	points []crcPoint
	first  int
}

// reset starts the index at stream offset off.
func (x *crcIndex) reset(off int64) {
	x.points = append(x.points[:0], crcPoint{off: off})
	x.first = 0
}

// rawUpdate runs the CRC register, without the inversions of
// crc32.Update, over p.
func rawUpdate(state uint32, p []byte) uint32 {
	return ^crcUpdate(^state, p)
}

// advance moves the first checkpoint to off, over the bytes p, which are
// the stream's bytes from the first checkpoint to off.
func (x *crcIndex) advance(off int64, p []byte) {
	pt := x.points[x.first]
	pt.state = rawUpdate(pt.state, p)
	pt.off = off
	// Checkpoints at or before off are of no more use.
	i := x.first + sort.Search(len(x.points)-x.first, func(i int) bool { return x.points[x.first+i].off > off }) - 1
	x.first = max(i, x.first)
	x.points[x.first] = pt
	if x.first > len(x.points)/2 && x.first > 64 {
		n := copy(x.points, x.points[x.first:])
		x.points = x.points[:n]
		x.first = 0
	}
}

// stateAt returns P(off). buf holds the stream's bytes from x's first
// checkpoint on, off within them. work counts the bytes run through the
// CRC.
func (x *crcIndex) stateAt(off int64, buf []byte, work *int64) uint32 {
	base := x.points[x.first].off
	for last := x.points[len(x.points)-1]; last.off+crcStep <= off; last = x.points[len(x.points)-1] {
		p := buf[last.off-base : last.off-base+crcStep]
		*work += crcStep
		x.points = append(x.points, crcPoint{last.off + crcStep, rawUpdate(last.state, p)})
	}
	pts := x.points[x.first:]
	i := sort.Search(len(pts), func(i int) bool { return pts[i].off > off }) - 1
	pt := pts[i]
	*work += off - pt.off
	return rawUpdate(pt.state, buf[pt.off-base:off-base])
}

// checksumAt returns checksum(rec) for the record rec that starts at x's
// first checkpoint (rec being the start of buf), at a cost independent of
// its length.
func (x *crcIndex) checksumAt(buf []byte, length int, work *int64) uint32 {
	base := x.points[x.first].off
	head := rawUpdate(^uint32(0), buf[:8])
	from := x.stateAt(base+12, buf, work)
	to := x.stateAt(base+int64(length), buf, work)
	body := to ^ crcShift(from, int64(length-12))
	return ^(crcShift(head, int64(length-12)) ^ body)
}

// crcShift returns the CRC state s after n zero bytes: s times x^(8n)
// modulo the polynomial.
func crcShift(s uint32, n int64) uint32 {
	return multModP(x2nModP(uint64(n), 3), s)
}

// multModP returns a times b modulo the (reflected) Castagnoli
// polynomial.
func multModP(a, b uint32) uint32 {
	m := uint32(1) << 31
	var p uint32
	for {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				return p
			}
		}
		m >>= 1
		if b&1 != 0 {
			b = b>>1 ^ crc32.Castagnoli
		} else {
			b >>= 1
		}
	}
}

// x2nTable holds x^(2^k) modulo the polynomial for k 0..31.
var x2nTable = func() [32]uint32 {
	var t [32]uint32
	p := uint32(1) << 30 // x^1
	for k := range t {
		t[k] = p
		p = multModP(p, p)
	}
	return t
}()

// x2nModP returns x^(n * 2^k) modulo the polynomial.
func x2nModP(n uint64, k uint) uint32 {
	p := uint32(1) << 31 // x^0
	for n != 0 {
		if n&1 != 0 {
			p = multModP(x2nTable[k&31], p)
		}
		n >>= 1
		k++
	}
	return p
}

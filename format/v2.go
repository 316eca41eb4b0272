package format

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/ktrace-linux/ktrace/arch"
)

// Version 2 writes the records of a session in frames, one frame per
// batch the Writer hands to the file in one write: a 20-byte frame
// header holding the base time, then compact records whose time is a
// delta from it and whose thread (pid, tid, comm and ABI) is a small
// index into a table the frame's records define as they go. Each record
// carries its length and a CRC-32C, so its damage is found and reported
// at its offset and the records after it still decode; nothing depends
// on an earlier frame, so concatenated and appended traces, whose frames
// may come from different writers, decode as one stream. See doc.go for
// the byte layout.

// Sizes and limits of version 2.
const (
	// FrameHeaderLen is the size of a frame header.
	FrameHeaderLen = 20
	// MaxFrameLen is the largest frame, header included.
	MaxFrameLen = 1 << 30
	// maxRecord2Len bounds a version 2 record: a payload of at most
	// MaxPayload bytes and the largest record head.
	maxRecord2Len = MaxPayload + 64
	// minRecord2Body is the least a record holds after its length: type
	// and flags, head check, context, time and CRC.
	minRecord2Body = 1 + 1 + 1 + 1 + 4
	// maxContexts is the number of thread contexts one frame may define.
	maxContexts = 1 << 16
	// tfType is the type field of the type-and-flags byte, tfEscape its
	// value when the type and flags follow in full, tfDefine the bit
	// that says the record defines its context.
	tfType   = 0x0f
	tfEscape = 0x0f
	tfDefine = 0x80
	// frameSync1 is the second sync byte of a frame header ('k' 'T');
	// a version 1 record starts with 'k' 't'.
	frameSync1 byte = 'T'
)

// frameHeaderOK reports whether the FrameHeaderLen bytes h are a sound
// frame header: sync bytes, version, length in range and check.
func frameHeaderOK(h []byte) bool {
	if h[0] != sync0 || h[1] != frameSync1 || h[2] != Version || h[3] != 0 {
		return false
	}
	n := le.Uint32(h[4:])
	return n >= FrameHeaderLen && n <= MaxFrameLen && crcUpdate(0, h[:16]) == le.Uint32(h[16:])
}

// frameKey returns the value a frame's record CRCs start from: the
// CRC-32C of its base time (frame header bytes 8..16).
func frameKey(h []byte) uint32 { return crcUpdate(0, h[8:16]) }

// headCheck returns the head check of a version 2 record whose length
// and type-and-flags byte are head.
func headCheck(key uint32, head []byte) byte {
	c := crcUpdate(key, head)
	return byte(c ^ c>>8 ^ c>>16 ^ c>>24)
}

// context is the thread a record belongs to: what a version 2 record
// refers to by its index in the frame.
type context struct {
	pid, tid int32
	abi      arch.ABI
	comm     [CommLen]byte
}

func contextOf(h *Header) context {
	return context{pid: h.PID, tid: h.TID, abi: h.ABI, comm: h.Comm}
}

// frameWriter is the state of the frame a version 2 Writer fills.
type frameWriter struct {
	start int    // offset of the frame header in the buffer, -1: none open
	base  int64  // base time
	key   uint32 // record CRC seed
	ctxs  map[context]uint32
	last  context // context of the last record, a cache of ctxs
	lastN uint32
	n     uint32 // contexts defined
	// recent caches ctxs by thread id (low bits): a record's thread is
	// often not the last one's (a process tree) but was seen lately in
	// the frame. An entry is valid while its frame number is serial.
	recent [recentContexts]recentContext
	serial uint32 // frames opened
}

// recentContexts is the size of frameWriter.recent, a power of 2.
const recentContexts = 64

// recentContext is an entry of frameWriter.recent.
type recentContext struct {
	c      context
	n      uint32
	serial uint32
}

// openFrame appends the header of a new frame whose base time is t.
func (w *Writer) openFrame(t int64) {
	f := &w.fr
	f.start = len(w.buf)
	f.base = t
	w.buf = append(w.buf, sync0, frameSync1, Version, 0, 0, 0, 0, 0)
	w.buf = le.AppendUint64(w.buf, uint64(t))
	w.buf = append(w.buf, 0, 0, 0, 0)
	f.key = frameKey(w.buf[f.start:])
	if f.ctxs == nil {
		f.ctxs = make(map[context]uint32)
	} else {
		clear(f.ctxs)
	}
	f.n = 0
	if f.serial++; f.serial == 0 { // wrapped: no entry may look current
		f.recent = [recentContexts]recentContext{}
		f.serial = 1
	}
}

// sealFrame writes the length and check of the open frame, if any, and
// closes it.
func (w *Writer) sealFrame() {
	f := &w.fr
	if f.start < 0 {
		return
	}
	h := w.buf[f.start:]
	le.PutUint32(h[4:], uint32(len(h)))
	le.PutUint32(h[16:], crcUpdate(0, h[:16]))
	f.start = -1
}

// context returns the index of h's context in the open frame and
// whether the record must define it.
func (w *Writer) context(h *Header) (uint32, bool) {
	f := &w.fr
	l := &f.last
	if f.n > 0 && h.PID == l.pid && h.TID == l.tid && h.ABI == l.abi &&
		le.Uint64(h.Comm[:8]) == le.Uint64(l.comm[:8]) && le.Uint64(h.Comm[8:]) == le.Uint64(l.comm[8:]) {
		return f.lastN, false
	}
	c := contextOf(h)
	r := &f.recent[uint32(h.TID)%recentContexts]
	if r.serial == f.serial && r.c == c {
		f.last, f.lastN = c, r.n
		return r.n, false
	}
	n, ok := f.ctxs[c]
	if !ok {
		n = f.n
		f.n++
		f.ctxs[c] = n
	}
	f.last, f.lastN = c, n
	*r = recentContext{c: c, n: n, serial: f.serial}
	return n, !ok
}

// begin2 appends the head of a version 2 record with a payload of about
// n bytes and returns the record's start in w.buf. The length and head
// check are set by end2. A raw record carries its type and flags in full
// and the version 1 payload even for CALL and RET (WriteBytes).
func (w *Writer) begin2(h *Header, t Type, n int, raw bool) (int, error) {
	total := n + 64
	if n > MaxPayload {
		return 0, fmt.Errorf("%v record of %d bytes: %w", t, HeaderLen+n, ErrTooLarge)
	}
	if err := w.room(total); err != nil {
		return 0, err
	}
	f := &w.fr
	if f.start >= 0 && (len(w.buf)-f.start+total > MaxFrameLen || f.n >= maxContexts) {
		w.sealFrame()
	}
	if f.start < 0 {
		w.openFrame(h.Time)
	}
	ctx, define := w.context(h)
	start := len(w.buf)
	tf := byte(t) | byte(h.Flags)<<4
	if raw || t >= tfEscape || h.Flags > 7 {
		tf = tfEscape
	}
	if define {
		tf |= tfDefine
	}
	w.buf = append(w.buf, 0, tf, 0) // length and head check set by end2
	if tf&tfType == tfEscape {
		w.buf = binary.AppendUvarint(w.buf, uint64(t))
		w.buf = append(w.buf, byte(h.Flags))
	}
	w.buf = binary.AppendUvarint(w.buf, uint64(ctx))
	if define {
		w.buf = binary.AppendVarint(w.buf, int64(h.PID))
		w.buf = binary.AppendVarint(w.buf, int64(h.TID)-int64(h.PID))
		comm := h.CommBytes()
		w.buf = append(w.buf, byte(h.ABI), byte(len(comm)))
		w.buf = append(w.buf, comm...)
	}
	w.buf = binary.AppendVarint(w.buf, h.Time-f.base)
	return start, nil
}

// end2 seals the version 2 record that starts at start: its length, head
// check and CRC.
func (w *Writer) end2(start int) error {
	n := len(w.buf) - start - 1 + 4 // bytes after the length
	k := 1
	if n >= 0x80 {
		var tmp [binary.MaxVarintLen64]byte
		k = binary.PutUvarint(tmp[:], uint64(n))
		end := len(w.buf)
		w.buf = append(w.buf, tmp[:k-1]...)
		copy(w.buf[start+k:], w.buf[start+1:end])
		copy(w.buf[start:], tmp[:k])
	} else {
		w.buf[start] = byte(n)
	}
	key := w.fr.key
	w.buf[start+k+1] = headCheck(key, w.buf[start:start+k+1])
	w.buf = le.AppendUint32(w.buf, crcUpdate(key, w.buf[start:]))
	w.pending++
	if len(w.buf) > w.size {
		return w.Flush()
	}
	return nil
}

// writeCall2 appends a version 2 CALL record: the number and each
// argument as varints.
func (w *Writer) writeCall2(h *Header, nr uint32, args []uint64) error {
	start, err := w.begin2(h, TypeCall, 6+11*len(args), false)
	if err != nil {
		return err
	}
	w.buf = binary.AppendUvarint(w.buf, uint64(nr))
	w.buf = append(w.buf, byte(len(args)))
	for _, a := range args {
		w.buf = binary.AppendVarint(w.buf, int64(a))
	}
	return w.end2(start)
}

// writeRet2 appends a version 2 RET record: the number, the value, and
// how the error differs from the one the value implies (0 nearly
// always).
func (w *Writer) writeRet2(h *Header, r Ret) error {
	start, err := w.begin2(h, TypeRet, 26, false)
	if err != nil {
		return err
	}
	w.buf = binary.AppendUvarint(w.buf, uint64(r.Number))
	w.buf = binary.AppendVarint(w.buf, r.Value)
	w.buf = binary.AppendVarint(w.buf, int64(r.Error)-int64(RetFromValue(r.Number, r.Value).Error))
	return w.end2(start)
}

// appendProbeSize is the buffer AppendVersion starts with: room for any
// START record ktrace writes.
const appendProbeSize = 4 << 10

// AppendVersion returns the format version a Writer appending to the
// trace that r reads from its start should write: Version1 for a trace
// that begins with a version 1 START record, so that the file stays one
// an older kdump reads, else Version (an empty file among them).
//
// It reads with a small buffer, which grows only for a START record
// that does not fit it: a tracer starting on a new file calls it, and a
// command waits for that tracer.
func AppendVersion(r io.Reader) int {
	rec, err := (&Reader{r: r, buf: make([]byte, appendProbeSize)}).Next()
	if err != nil {
		return Version
	}
	if s, err := rec.Start(); err == nil && s.Version == Version1 {
		return Version1
	}
	return Version
}

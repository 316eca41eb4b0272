package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/ktrace-linux/ktrace/arch"
)

// ErrNotTrace reports a stream that does not begin with a START record.
var ErrNotTrace = errors.New("not a ktrace file")

// DamageError reports bytes of a trace that hold no good record: a torn
// last record, corrupted bytes or garbage. The Reader has skipped them
// and goes on with the next good record, if any.
type DamageError struct {
	Offset int64  // stream offset of the first bad byte
	Len    int64  // bytes skipped: 0 for a version 2 frame the stream ends inside, between records
	Reason string // what was wrong
}

func (e *DamageError) Error() string {
	return fmt.Sprintf("offset %d: %s (%d bytes skipped)", e.Offset, e.Reason, e.Len)
}

const readerBufSize = 256 << 10

// Reader reads records from a trace stream in constant memory: it holds
// at most the largest record plus a read buffer.
type Reader struct {
	r    io.Reader
	wait func() error

	buf    []byte
	lo, hi int   // unread bytes are buf[lo:hi]
	off    int64 // stream offset of buf[lo]
	eof    bool
	err    error // sticky error: ErrNotTrace or a read error
	first  bool  // the first record has been checked
	record Record
	fr     frameReader // the version 2 frame being read
	crcs   crcIndex    // CRC checkpoints while resynchronising
	// probing: the stream does not begin with a sound START record, and
	// is a damaged trace only if a good record starts in its first
	// MaxRecordLen bytes.
	probing bool
	// work counts the bytes run through the CRC or moved in the buffer,
	// for the tests that check that reading stays linear.
	work int64
}

// NewReader returns a Reader that reads r to its end.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, readerBufSize)}
}

// NewFollowReader returns a Reader that, on reaching the end of r, calls
// wait and reads again, as tail -f does, instead of returning io.EOF.
// wait returns an error to stop following; Next returns that error.
func NewFollowReader(r io.Reader, wait func() error) *Reader {
	rd := NewReader(r)
	rd.wait = wait
	return rd
}

// Reset makes r read src from its start as a new stream, following it
// with the same wait function if r follows: what r had buffered, its
// offset and any sticky error are dropped. Follow mode uses it when the
// file it follows was truncated or replaced.
func (r *Reader) Reset(src io.Reader) {
	buf := r.buf
	if len(buf) != readerBufSize {
		buf = make([]byte, readerBufSize)
	}
	*r = Reader{r: src, wait: r.wait, buf: buf, crcs: r.crcs, fr: frameReader{ctx: r.fr.ctx[:0]}}
}

// Offset returns the stream offset of the next unread byte.
func (r *Reader) Offset() int64 { return r.off }

// Next returns the next good record. Its payload is valid until the next
// call. At the end of the stream Next returns io.EOF. When it meets
// damaged bytes it returns a *DamageError, having skipped them; call Next
// again to go on. A stream that does not start with a START record gives
// an error wrapping ErrNotTrace, and so does every later call, unless its
// first record is damaged and a good record starts within its first
// MaxRecordLen bytes: then the first call reports the damage at offset 0.
func (r *Reader) Next() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.first {
		if err := r.checkStart(); err != nil {
			r.err = err
			return nil, err
		}
		r.first = true
	}
	for {
		if r.fr.on {
			if r.off < r.fr.end {
				return r.nextInFrame()
			}
			r.fr.on = false
		}
		start := r.off
		ok, err := r.ensure(2)
		if err != nil {
			r.err = err
			return nil, err
		}
		if !ok && r.hi == r.lo {
			return nil, io.EOF
		}
		if ok && r.buf[r.lo] == sync0 && r.buf[r.lo+1] == frameSync1 {
			if err := r.openFrame(start); err != nil {
				return nil, err
			}
			continue
		}
		return r.nextV1(start)
	}
}

// nextV1 reads the version 1 record at stream offset start (where r.lo
// is).
func (r *Reader) nextV1(start int64) (*Record, error) {
	ok, err := r.ensure(HeaderLen)
	if err != nil {
		r.err = err
		return nil, err
	}
	if !ok {
		n := r.hi - r.lo
		if n == 0 {
			return nil, io.EOF
		}
		r.consume(n)
		return nil, &DamageError{Offset: start, Len: int64(n),
			Reason: fmt.Sprintf("truncated record: %d of %d header bytes", n, HeaderLen)}
	}
	h := r.buf[r.lo : r.lo+HeaderLen]
	if h[0] != sync0 || h[1] != sync1 {
		return nil, r.resync(start, "no record header")
	}
	length := int(le.Uint32(h[4:]))
	if length < HeaderLen || length > MaxRecordLen {
		return nil, r.resync(start, fmt.Sprintf("bad record length %d", length))
	}
	if !headerOK(h) {
		return nil, r.resync(start, "bad record header")
	}
	ok, err = r.ensure(length)
	if err != nil {
		r.err = err
		return nil, err
	}
	if !ok {
		have := r.hi - r.lo
		err := r.resync(start, fmt.Sprintf("truncated record: %d of %d bytes", have, length))
		if d, ok := err.(*DamageError); ok && r.hi > r.lo {
			// A good record follows: the length was corrupt, not torn.
			d.Reason = fmt.Sprintf("bad record length %d", length)
		}
		return nil, err
	}
	rec := r.buf[r.lo : r.lo+length]
	if checksum(rec) != le.Uint32(rec[8:]) {
		return nil, r.resync(start, "checksum mismatch")
	}
	r.decodeHeader(rec, start)
	r.consume(length)
	return &r.record, nil
}

func (r *Reader) decodeHeader(rec []byte, off int64) {
	x := &r.record
	x.Type = Type(le.Uint16(rec[2:]))
	x.PID = int32(le.Uint32(rec[12:]))
	x.TID = int32(le.Uint32(rec[16:]))
	x.Time = int64(le.Uint64(rec[20:]))
	copy(x.Comm[:], rec[28:44])
	x.ABI = arch.ABI(rec[44])
	x.Flags = Flags(rec[45])
	x.Offset = off
	x.Len = len(rec)
	x.Payload = rec[HeaderLen:]
}

// checkStart verifies that the stream begins with a START record. A
// stream whose first record is damaged (a bit flipped in its magic) is
// let through to be probed: if a good record starts in its first
// MaxRecordLen bytes, the damage is reported and decoding goes on from
// there; otherwise it is not a trace (see resync).
func (r *Reader) checkStart() error {
	const need = HeaderLen + len(Magic)
	ok, err := r.ensure(need)
	if err != nil {
		return err
	}
	b := r.buf[r.lo:r.hi]
	if !ok {
		if len(b) == 0 {
			return fmt.Errorf("%w (empty)", ErrNotTrace)
		}
		return fmt.Errorf("%w (%d bytes, too short)", ErrNotTrace, len(b))
	}
	if b[0] == sync0 && b[1] == sync1 && Type(le.Uint16(b[2:])) == TypeStart &&
		string(b[HeaderLen:need]) == Magic {
		return nil
	}
	r.crcs.reset(r.off)
	sound, err := r.goodRecordHere()
	if err != nil {
		return err
	}
	if sound {
		return ErrNotTrace // a whole record, but not a START
	}
	r.probing = true
	return nil
}

// resync skips the bad bytes that start at stream offset start (where
// r.lo is) up to the next good record, or to the end of the stream, and
// returns the damage.
func (r *Reader) resync(start int64, reason string) error {
	r.crcs.reset(r.off)
	r.skip(1)
	found := false
	for !r.probing || r.off < MaxRecordLen {
		if r.fr.on && r.off >= r.fr.end {
			r.fr.on = false
		}
		if r.fr.on {
			// Within a frame a record may start at any byte.
			good, more, err := r.candidateInFrame()
			if err != nil {
				r.err = err
				return err
			}
			if good {
				found = true
				break
			}
			if !more {
				break
			}
			r.skip(1)
			continue
		}
		i := bytes.IndexByte(r.buf[r.lo:r.hi], sync0)
		if i < 0 {
			r.skip(r.hi - r.lo)
			more, err := r.fill()
			if err != nil {
				r.err = err
				return err
			}
			if !more {
				break
			}
			continue
		}
		r.skip(i)
		good, err := r.goodRecordHere()
		if err != nil {
			r.err = err
			return err
		}
		if good {
			found = true
			break
		}
		if r.hi == r.lo && r.eof {
			break
		}
		r.skip(1)
	}
	if !found {
		r.fr.on = false // the stream ended inside the frame
	}
	if r.probing {
		r.probing = false
		if !found || r.off >= MaxRecordLen {
			r.err = ErrNotTrace
			return r.err
		}
	}
	return &DamageError{Offset: start, Len: r.off - start, Reason: reason}
}

// skip consumes n bad bytes while resynchronising, moving the CRC
// checkpoints past them.
func (r *Reader) skip(n int) {
	r.crcs.advance(r.off+int64(n), r.buf[r.lo:r.lo+n])
	r.work += int64(n)
	r.consume(n)
}

// goodRecordHere reports whether a whole version 1 record with a valid
// checksum, or a sound version 2 frame header, starts at r.lo. Its cost
// does not depend on the length the record claims (see crcIndex).
func (r *Reader) goodRecordHere() (bool, error) {
	ok, err := r.ensure(FrameHeaderLen)
	if !ok || err != nil {
		return false, err
	}
	if h := r.buf[r.lo : r.lo+FrameHeaderLen]; h[1] == frameSync1 {
		return frameHeaderOK(h), nil
	}
	ok, err = r.ensure(HeaderLen)
	if !ok || err != nil {
		return false, err
	}
	h := r.buf[r.lo : r.lo+HeaderLen]
	if !headerOK(h) {
		return false, nil
	}
	length := int(le.Uint32(h[4:]))
	ok, err = r.ensure(length)
	if !ok || err != nil {
		return false, err
	}
	rec := r.buf[r.lo : r.lo+length]
	return r.crcs.checksumAt(rec, length, &r.work) == le.Uint32(rec[8:]), nil
}

func (r *Reader) consume(n int) {
	r.lo += n
	r.off += int64(n)
}

// ensure reads until n bytes are buffered. It returns false when the
// stream ends first.
func (r *Reader) ensure(n int) (bool, error) {
	for r.hi-r.lo < n {
		if r.eof && r.wait == nil {
			// Nothing more will come: making room would only copy
			// (once per candidate record while resynchronising).
			return false, nil
		}
		if len(r.buf)-r.lo < n {
			r.makeRoom(n)
		}
		more, err := r.fill()
		if err != nil {
			return false, err
		}
		if !more {
			return false, nil
		}
	}
	return true, nil
}

// makeRoom moves the unread bytes to the front of the buffer and grows it
// to hold at least n bytes. The buffer keeps room for a quarter of n
// beyond them, so that the fewer than n unread bytes are moved again only
// after that much was consumed: reading stays linear even when each of
// many candidate records a few bytes apart needs a few bytes more.
func (r *Reader) makeRoom(n int) {
	slack := max(readerBufSize/4, n/4)
	if n+slack > len(r.buf) {
		size := max(n+slack, min(2*len(r.buf), MaxRecordLen+MaxRecordLen/4))
		nb := make([]byte, size)
		copy(nb, r.buf[r.lo:r.hi])
		r.buf = nb
	} else {
		copy(r.buf, r.buf[r.lo:r.hi])
	}
	r.work += int64(r.hi - r.lo)
	r.hi -= r.lo
	r.lo = 0
}

// fill reads once more into the buffer. It returns false at the end of
// the stream (after the follow wait, if any, gave up).
func (r *Reader) fill() (bool, error) {
	if r.hi == len(r.buf) {
		if r.lo == 0 {
			r.makeRoom(2 * len(r.buf))
		} else {
			r.makeRoom(0)
		}
	}
	if r.hi == r.lo && len(r.buf) > readerBufSize {
		// Give back a buffer grown for one large record.
		r.buf = make([]byte, readerBufSize)
		r.lo, r.hi = 0, 0
	}
	for {
		if r.eof && r.wait == nil {
			return false, nil
		}
		n, err := r.r.Read(r.buf[r.hi:])
		r.hi += n
		if n > 0 {
			return true, nil
		}
		switch {
		case err == io.EOF:
			if r.wait == nil {
				r.eof = true
				return false, nil
			}
			if werr := r.wait(); werr != nil {
				return false, werr
			}
		case err != nil:
			return false, fmt.Errorf("read: %w", err)
		}
	}
}

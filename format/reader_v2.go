package format

import (
	"encoding/binary"
	"fmt"

	"github.com/ktrace-linux/ktrace/arch"
)

// frameReader is the state of the version 2 frame a Reader is in.
type frameReader struct {
	on    bool
	start int64 // stream offset of the frame header
	end   int64 // stream offset of the frame's end
	base  int64
	key   uint32
	ctx   []readContext
	// body holds a CALL or RET payload expanded to the version 1
	// layout the decoders read.
	body [callFixed + 8*6]byte
}

// readContext is a context a frame's record defined, if ok.
type readContext struct {
	ok bool
	context
}

// openFrame reads the frame header at stream offset start (where r.lo
// is) and enters the frame. It returns the damage when the header is
// not sound.
func (r *Reader) openFrame(start int64) error {
	ok, err := r.ensure(FrameHeaderLen)
	if err != nil {
		r.err = err
		return err
	}
	if !ok {
		n := r.hi - r.lo
		r.consume(n)
		return &DamageError{Offset: start, Len: int64(n),
			Reason: fmt.Sprintf("truncated frame header: %d of %d bytes", n, FrameHeaderLen)}
	}
	h := r.buf[r.lo : r.lo+FrameHeaderLen]
	if !frameHeaderOK(h) {
		return r.resync(start, "bad frame header")
	}
	r.fr.on = true
	r.fr.start = start
	r.fr.end = start + int64(le.Uint32(h[4:]))
	r.fr.base = int64(le.Uint64(h[8:]))
	r.fr.key = frameKey(h)
	r.fr.ctx = r.fr.ctx[:0]
	r.work += FrameHeaderLen
	r.consume(FrameHeaderLen)
	return nil
}

// recordExtent reads the length of the version 2 record at r.lo and
// returns the size of its length field and its whole size. ok is false
// when the bytes there cannot start a record of the frame; whole is
// false when the stream ended within the length field.
func (r *Reader) recordExtent() (k, total int, ok, whole bool, err error) {
	avail := r.fr.end - r.off
	whole, err = r.ensure(int(min(avail, binary.MaxVarintLen32)))
	if err != nil {
		return 0, 0, false, false, err
	}
	b := r.buf[r.lo:r.hi]
	if int64(len(b)) > avail {
		b = b[:avail]
	}
	var n uint64
	if len(b) > 0 && b[0] < 0x80 {
		n, k = uint64(b[0]), 1
	} else {
		n, k = binary.Uvarint(b)
	}
	if k <= 0 || k > binary.MaxVarintLen32 {
		return 0, 0, false, whole, nil
	}
	if n < minRecord2Body || int64(k)+int64(n) > avail || int64(k)+int64(n) > maxRecord2Len {
		return 0, 0, false, true, nil
	}
	return k, k + int(n), true, true, nil
}

// nextInFrame reads the version 2 record at r.lo, inside the frame.
func (r *Reader) nextInFrame() (*Record, error) {
	start := r.off
	if r.hi == r.lo {
		if _, err := r.fill(); err != nil {
			r.err = err
			return nil, err
		}
	}
	if r.hi == r.lo {
		// The stream ends at a record boundary before the frame does.
		r.fr.on = false
		return nil, &DamageError{Offset: start, Reason: fmt.Sprintf("truncated frame: %d of %d bytes",
			start-r.fr.start, r.fr.end-r.fr.start)}
	}
	k, total, ok, whole, err := r.recordExtent()
	if err != nil {
		r.err = err
		return nil, err
	}
	if !ok {
		if !whole {
			return nil, r.resync(start, "truncated record")
		}
		return nil, r.resync(start, "bad record length")
	}
	ok, err = r.ensure(total)
	if err != nil {
		r.err = err
		return nil, err
	}
	if !ok {
		have := r.hi - r.lo
		err := r.resync(start, fmt.Sprintf("truncated record: %d of %d bytes", have, total))
		if d, ok := err.(*DamageError); ok && r.hi > r.lo {
			d.Reason = fmt.Sprintf("bad record length %d", total)
		}
		return nil, err
	}
	rec := r.buf[r.lo : r.lo+total]
	key := r.fr.key
	r.work += int64(total)
	// The CRC covers the head check: only resynchronising needs it.
	if crcUpdate(key, rec[:total-4]) != le.Uint32(rec[total-4:]) {
		return nil, r.resync(start, "checksum mismatch")
	}
	reason := r.decode2(rec, k, start)
	r.consume(total)
	if reason != "" {
		return nil, &DamageError{Offset: start, Len: int64(total), Reason: reason}
	}
	return &r.record, nil
}

// candidateInFrame reports, while resynchronising inside a frame,
// whether a good record of the frame, a version 1 record or a frame
// header starts at r.lo. more is false at the end of the stream. Its
// cost does not depend on the length a candidate claims (see crcIndex).
func (r *Reader) candidateInFrame() (good, more bool, err error) {
	if r.hi == r.lo {
		if more, err := r.fill(); !more || err != nil {
			return false, false, err
		}
	}
	if r.buf[r.lo] == sync0 {
		good, err := r.goodRecordHere()
		if err != nil || good {
			r.fr.on = !good
			return good, true, err
		}
	}
	k, total, ok, _, err := r.recordExtent()
	if !ok || err != nil {
		return false, true, err
	}
	if ok, err := r.ensure(k + 2); !ok || err != nil {
		return false, true, err
	}
	key := r.fr.key
	r.work += int64(k + 1)
	if headCheck(key, r.buf[r.lo:r.lo+k+1]) != r.buf[r.lo+k+1] {
		return false, true, nil
	}
	if ok, err := r.ensure(total); !ok || err != nil {
		return false, true, err
	}
	rec := r.buf[r.lo : r.lo+total]
	return r.crcs.crcFrom(key, rec, total-4, &r.work) == le.Uint32(rec[total-4:]), true, nil
}

// decode2 decodes the version 2 record rec, whose length field is k
// bytes and CRC is good, at stream offset off into r.record. It returns
// why the record cannot be decoded, or "".
func (r *Reader) decode2(rec []byte, k int, off int64) string {
	x := &r.record
	tf := rec[k]
	p := rec[k+2 : len(rec)-4]
	var ok bool
	x.Type, x.Flags = Type(tf&tfType), Flags(tf>>4&7)
	if tf&tfType == tfEscape {
		var t uint64
		if t, p, ok = uvarint(p); !ok || t > 0xffff || len(p) == 0 {
			return "bad record type"
		}
		x.Type, x.Flags, p = Type(t), Flags(p[0]), p[1:]
	}
	var n uint64
	if n, p, ok = uvarint(p); !ok || n >= maxContexts {
		return "bad thread context"
	}
	if tf&tfDefine != 0 {
		var pid, dtid int64
		pid, p, ok = varint(p)
		if ok {
			dtid, p, ok = varint(p)
		}
		if !ok || len(p) < 2 || int(p[1]) > CommLen || len(p) < 2+int(p[1]) {
			return "bad thread context"
		}
		for uint64(len(r.fr.ctx)) <= n {
			r.fr.ctx = append(r.fr.ctx, readContext{})
		}
		c := &r.fr.ctx[n]
		*c = readContext{ok: true, context: context{pid: int32(pid), tid: int32(pid + dtid), abi: arch.ABI(p[0])}}
		copy(c.comm[:], p[2:2+int(p[1])])
		p = p[2+int(p[1]):]
	}
	if n >= uint64(len(r.fr.ctx)) || !r.fr.ctx[n].ok {
		return fmt.Sprintf("thread context %d undefined: the record that defined it is damaged", n)
	}
	c := &r.fr.ctx[n].context
	x.PID, x.TID, x.ABI, x.Comm = c.pid, c.tid, c.abi, c.comm
	var dt int64
	if dt, p, ok = varint(p); !ok {
		return "bad record time"
	}
	x.Time = r.fr.base + dt
	x.Offset = off
	x.Len = len(rec)
	x.Payload = p
	if tf&tfType == tfEscape {
		return ""
	}
	switch x.Type {
	case TypeCall:
		return r.callBody(p)
	case TypeRet:
		return r.retBody(p)
	}
	return ""
}

// callBody expands a version 2 CALL body into the version 1 payload.
func (r *Reader) callBody(p []byte) string {
	nr, p, ok := uvarint(p)
	if !ok || nr > 0xffffffff || len(p) == 0 || p[0] > 6 {
		return "bad CALL record"
	}
	b := r.fr.body[:callFixed+8*int(p[0])]
	le.PutUint32(b, uint32(nr))
	le.PutUint32(b[4:], uint32(p[0]))
	n := int(p[0])
	p = p[1:]
	for i := range n {
		var a int64
		if a, p, ok = varint(p); !ok {
			return "bad CALL record"
		}
		le.PutUint64(b[callFixed+8*i:], uint64(a))
	}
	r.record.Payload = b
	return ""
}

// retBody expands a version 2 RET body into the version 1 payload.
func (r *Reader) retBody(p []byte) string {
	nr, p, ok := uvarint(p)
	var v, e int64
	if ok {
		v, p, ok = varint(p)
	}
	if ok {
		e, _, ok = varint(p)
	}
	if !ok || nr > 0xffffffff {
		return "bad RET record"
	}
	b := r.fr.body[:retLen]
	le.PutUint32(b, uint32(nr))
	le.PutUint32(b[4:], uint32(int64(RetFromValue(uint32(nr), v).Error)+e))
	le.PutUint64(b[8:], uint64(v))
	r.record.Payload = b
	return ""
}

// uvarint splits an unsigned varint off p.
func uvarint(p []byte) (uint64, []byte, bool) {
	if len(p) > 0 && p[0] < 0x80 {
		return uint64(p[0]), p[1:], true
	}
	v, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, p, false
	}
	return v, p[n:], true
}

// varint splits a zigzag varint off p.
func varint(p []byte) (int64, []byte, bool) {
	if len(p) > 0 && p[0] < 0x80 {
		return int64(p[0]>>1) ^ -int64(p[0]&1), p[1:], true
	}
	v, n := binary.Varint(p)
	if n <= 0 {
		return 0, p, false
	}
	return v, p[n:], true
}

// crcFrom returns crc32.Update(seed, castagnoli(), buf[:n]), buf being the
// stream's bytes from x's first checkpoint on, at a cost independent of
// n (see crcIndex).
func (x *crcIndex) crcFrom(seed uint32, buf []byte, n int, work *int64) uint32 {
	first := x.points[x.first]
	span := x.stateAt(first.off+int64(n), buf, work) ^ crcShift(first.state, int64(n))
	return ^(crcShift(^seed, int64(n)) ^ span)
}

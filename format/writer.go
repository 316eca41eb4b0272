package format

import (
	"errors"
	"fmt"
	"io"

	"github.com/ktrace-linux/ktrace/arch"
)

// DefaultBufferSize is the buffer size NewWriter uses.
const DefaultBufferSize = 64 << 10

// ErrTooLarge reports a record longer than MaxRecordLen.
var ErrTooLarge = errors.New("record longer than the format allows")

// Writer appends records to a trace. Records are encoded into a buffer
// and handed to the underlying writer only whole, one Write call per
// batch, so that on an O_APPEND file several writers never interleave
// bytes. Call Flush to write out buffered records.
//
// After a write fails, the Writer keeps the error, drops what it had
// buffered and every later record, and counts them (see Dropped).
type Writer struct {
	w    io.Writer
	buf  []byte
	size int

	pending      uint64 // records in buf
	err          error
	droppedRecs  uint64
	droppedBytes uint64

	version int
	fr      frameWriter // version 2: the frame being filled
}

// NewWriter returns a Writer with a buffer of DefaultBufferSize bytes.
func NewWriter(w io.Writer) *Writer { return NewWriterSize(w, DefaultBufferSize) }

// NewWriterSize returns a Writer that flushes when size bytes are
// buffered. A size below HeaderLen uses HeaderLen.
func NewWriterSize(w io.Writer, size int) *Writer {
	if size < HeaderLen {
		size = HeaderLen
	}
	return &Writer{w: w, buf: make([]byte, 0, size), size: size, version: Version, fr: frameWriter{start: -1}}
}

// Version returns the format version w writes.
func (w *Writer) Version() int { return w.version }

// SetVersion makes w write format version v (Version1 or Version), as
// a Writer appending to an existing trace does to keep writing the
// trace's own version (see AppendVersion). It must be called before the
// first record.
func (w *Writer) SetVersion(v int) error {
	if v != Version1 && v != Version {
		return fmt.Errorf("format version %d: this package writes versions %d and %d", v, Version1, Version)
	}
	if len(w.buf) > 0 || w.pending > 0 {
		return errors.New("format version set after records were written")
	}
	w.version = v
	return nil
}

// Buffered returns the number of bytes waiting to be written.
func (w *Writer) Buffered() int { return len(w.buf) }

// Err returns the first write error, if any.
func (w *Writer) Err() error { return w.err }

// Dropped returns the records and bytes lost to a write error.
func (w *Writer) Dropped() (records, bytes uint64) { return w.droppedRecs, w.droppedBytes }

// Flush writes all buffered records with one Write call.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	w.sealFrame()
	n, err := w.w.Write(w.buf)
	if err == nil && n < len(w.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = err
		w.droppedRecs += w.pending
		w.droppedBytes += uint64(len(w.buf))
	}
	w.buf = w.buf[:0]
	w.pending = 0
	if cap(w.buf) > 4*w.size {
		w.buf = make([]byte, 0, w.size)
	}
	return w.err
}

// begin appends the header of a record with a payload of n bytes, in the
// version w writes, and returns the record's start in w.buf.
func (w *Writer) begin(h *Header, t Type, n int) (int, error) {
	if w.version != Version1 {
		return w.begin2(h, t, n, t == TypeCall || t == TypeRet)
	}
	return w.beginV1(h, t, n)
}

// end seals the record that starts at start.
func (w *Writer) end(start int) error {
	if w.version != Version1 {
		return w.end2(start)
	}
	return w.endV1(start)
}

// room makes room in the buffer for a record of total bytes, flushing
// it when full; after a write error it counts the record dropped and
// returns the error.
func (w *Writer) room(total int) error {
	err := w.err
	if err == nil && len(w.buf)+total > w.size && len(w.buf) > 0 {
		err = w.Flush()
	}
	if err != nil {
		w.droppedRecs++
		w.droppedBytes += uint64(total)
	}
	return err
}

// beginV1 appends the 48-byte header of a version 1 record with a
// payload of n bytes and returns the record's start in w.buf. In a
// version 2 trace only START records have it: beginV1 closes the frame
// being filled.
func (w *Writer) beginV1(h *Header, t Type, n int) (int, error) {
	total := HeaderLen + n
	if total > MaxRecordLen {
		return 0, fmt.Errorf("%v record of %d bytes: %w", t, total, ErrTooLarge)
	}
	if err := w.room(total); err != nil {
		return 0, err
	}
	w.sealFrame()
	start := len(w.buf)
	w.buf = append(w.buf, sync0, sync1)
	w.buf = le.AppendUint16(w.buf, uint16(t))
	w.buf = le.AppendUint32(w.buf, uint32(total))
	w.buf = le.AppendUint32(w.buf, 0) // CRC, set by end
	w.buf = le.AppendUint32(w.buf, uint32(h.PID))
	w.buf = le.AppendUint32(w.buf, uint32(h.TID))
	w.buf = le.AppendUint64(w.buf, uint64(h.Time))
	w.buf = append(w.buf, h.Comm[:]...)
	w.buf = append(w.buf, byte(h.ABI), byte(h.Flags))
	w.buf = le.AppendUint16(w.buf, headerCheck(w.buf[start:]))
	return start, nil
}

// endV1 seals the version 1 record that starts at start.
func (w *Writer) endV1(start int) error {
	rec := w.buf[start:]
	le.PutUint32(rec[8:], checksum(rec))
	w.pending++
	if len(w.buf) > w.size {
		return w.Flush()
	}
	return nil
}

// WriteStart appends a START record.
func (w *Writer) WriteStart(h *Header, s *Start) error {
	n := startFixed + 2 + len(s.Release) + 2 + len(s.Hostname)
	if len(s.Release) > 0xffff || len(s.Hostname) > 0xffff {
		return fmt.Errorf("START record: %w", ErrTooLarge)
	}
	start, err := w.beginV1(h, TypeStart, n)
	if err != nil {
		return err
	}
	w.buf = append(w.buf, Magic...)
	w.buf = le.AppendUint16(w.buf, s.Version)
	w.buf = le.AppendUint16(w.buf, uint16(s.Machine))
	w.buf = le.AppendUint32(w.buf, s.Clock)
	w.buf = le.AppendUint16(w.buf, uint16(len(s.Release)))
	w.buf = append(w.buf, s.Release...)
	w.buf = le.AppendUint16(w.buf, uint16(len(s.Hostname)))
	w.buf = append(w.buf, s.Hostname...)
	return w.endV1(start)
}

// WriteCall appends a CALL record with up to six arguments.
func (w *Writer) WriteCall(h *Header, nr uint32, args []uint64) error {
	if len(args) > 6 {
		args = args[:6]
	}
	if w.version != Version1 && h.Flags <= 7 {
		return w.writeCall2(h, nr, args)
	}
	start, err := w.begin(h, TypeCall, callFixed+8*len(args))
	if err != nil {
		return err
	}
	w.buf = le.AppendUint32(w.buf, nr)
	w.buf = le.AppendUint16(w.buf, uint16(len(args)))
	w.buf = le.AppendUint16(w.buf, 0)
	for _, a := range args {
		w.buf = le.AppendUint64(w.buf, a)
	}
	return w.end(start)
}

// WriteRet appends a RET record.
func (w *Writer) WriteRet(h *Header, r Ret) error {
	if w.version != Version1 && h.Flags <= 7 {
		return w.writeRet2(h, r)
	}
	start, err := w.begin(h, TypeRet, retLen)
	if err != nil {
		return err
	}
	w.buf = le.AppendUint32(w.buf, r.Number)
	w.buf = le.AppendUint32(w.buf, uint32(r.Error))
	w.buf = le.AppendUint64(w.buf, uint64(r.Value))
	return w.end(start)
}

// WriteBytes appends a record whose whole payload is p: NAMI (a path),
// EMUL (an ABI name), ARGS and ENVS (NUL-terminated strings), or a record
// of a type this package does not know.
func (w *Writer) WriteBytes(h *Header, t Type, p []byte) error {
	start, err := w.begin(h, t, len(p))
	if err != nil {
		return err
	}
	w.buf = append(w.buf, p...)
	return w.end(start)
}

// WriteEmul appends an EMUL record naming abi.
func (w *Writer) WriteEmul(h *Header, abi arch.ABI) error {
	name := abi.String()
	start, err := w.begin(h, TypeEmul, len(name))
	if err != nil {
		return err
	}
	w.buf = append(w.buf, name...)
	return w.end(start)
}

// WriteStrings appends an ARGS or ENVS record holding list, each string
// NUL terminated.
func (w *Writer) WriteStrings(h *Header, t Type, list []string) error {
	n := 0
	for _, s := range list {
		n += len(s) + 1
	}
	start, err := w.begin(h, t, n)
	if err != nil {
		return err
	}
	for _, s := range list {
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, 0)
	}
	return w.end(start)
}

// WriteGenio appends a GIO record. g.Data is the data kept; set FlagCut
// in h.Flags when the transfer's data is not all kept.
func (w *Writer) WriteGenio(h *Header, g *Genio) error {
	start, err := w.begin(h, TypeGenio, genioFixed+len(g.Data))
	if err != nil {
		return err
	}
	w.buf = le.AppendUint32(w.buf, uint32(g.FD))
	w.buf = append(w.buf, byte(g.Dir), 0, 0, 0)
	w.buf = le.AppendUint64(w.buf, g.Len)
	w.buf = le.AppendUint64(w.buf, g.Offset)
	w.buf = append(w.buf, g.Data...)
	return w.end(start)
}

// WritePsig appends a PSIG record.
func (w *Writer) WritePsig(h *Header, p *Psig) error {
	start, err := w.begin(h, TypePsig, psigLen+len(p.Info))
	if err != nil {
		return err
	}
	w.buf = le.AppendUint32(w.buf, uint32(p.Signal))
	w.buf = append(w.buf, byte(p.Action), byte(p.Known), 0, 0)
	w.buf = le.AppendUint64(w.buf, p.Handler)
	w.buf = le.AppendUint64(w.buf, p.Mask)
	w.buf = le.AppendUint32(w.buf, uint32(p.Code))
	w.buf = le.AppendUint32(w.buf, uint32(p.Sender))
	w.buf = le.AppendUint32(w.buf, p.UID)
	w.buf = le.AppendUint32(w.buf, 0)
	w.buf = append(w.buf, p.Info...)
	return w.end(start)
}

// WriteCsw appends a CSW record.
func (w *Writer) WriteCsw(h *Header, c *Csw) error {
	start, err := w.begin(h, TypeCsw, cswFixed+len(c.WaitFor))
	if err != nil {
		return err
	}
	w.buf = append(w.buf, boolByte(c.Out), boolByte(c.User), 0, 0)
	w.buf = append(w.buf, c.WaitFor...)
	return w.end(start)
}

// WriteLabeled appends a USER or STRU record. USER data is limited to
// MaxUserData bytes.
func (w *Writer) WriteLabeled(h *Header, t Type, label string, data []byte) error {
	if t != TypeUser && t != TypeStruct {
		return fmt.Errorf("WriteLabeled: %v is not USER or STRU", t)
	}
	if len(label) > 0xffff {
		return fmt.Errorf("%v record: label of %d bytes: %w", t, len(label), ErrTooLarge)
	}
	if t == TypeUser && len(data) > MaxUserData {
		return fmt.Errorf("USER record of %d bytes: at most %d: %w", len(data), MaxUserData, ErrTooLarge)
	}
	start, err := w.begin(h, t, 2+len(label)+len(data))
	if err != nil {
		return err
	}
	w.buf = le.AppendUint16(w.buf, uint16(len(label)))
	w.buf = append(w.buf, label...)
	w.buf = append(w.buf, data...)
	return w.end(start)
}

// WriteLost appends a LOST record.
func (w *Writer) WriteLost(h *Header, l *Lost) error {
	start, err := w.begin(h, TypeLost, lostFixed+len(l.Reason))
	if err != nil {
		return err
	}
	w.buf = le.AppendUint64(w.buf, l.Records)
	w.buf = le.AppendUint64(w.buf, l.Bytes)
	w.buf = append(w.buf, l.Reason...)
	return w.end(start)
}

// WriteExit appends an EXIT record: how process h.PID ended.
func (w *Writer) WriteExit(h *Header, e Exit) error {
	start, err := w.begin(h, TypeExit, exitFixed)
	if err != nil {
		return err
	}
	w.buf = le.AppendUint32(w.buf, e.Status)
	w.buf = le.AppendUint32(w.buf, 0)
	return w.end(start)
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

package dump

import (
	"bufio"
	"bytes"
	"io"
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// spillSize is how much rendered text is gathered before it is handed to
// the output buffer.
const spillSize = 32 << 10

// Text renders records as FreeBSD kdump does, one record per line plus
// the data lines of I/O records. It formats into a reused buffer and
// allocates nothing per record.
type Text struct {
	w     *bufio.Writer
	opts  Options
	buf   []byte
	tabs  tableCache
	style dataStyle

	cols timeCols // -T, -E, -R, --wall
	deps depCalls // calls whose arguments decode their results (deps.go)
}

// NewText returns a Text renderer writing to w.
func NewText(w io.Writer, o Options) *Text {
	t := &Text{w: bufio.NewWriterSize(w, 64<<10), opts: o, buf: make([]byte, 0, 4096)}
	switch {
	case o.HexASCII:
		t.style = styleHexASCII
	case o.Hex:
		t.style = styleHex
	}
	return t
}

// Flush writes out the buffered output.
func (t *Text) Flush() error { return t.w.Flush() }

// spill hands b to the output buffer when it has grown large and returns
// it emptied, so that long data costs no more memory than short.
func (t *Text) spill(b []byte) []byte {
	if len(b) < spillSize {
		return b
	}
	t.w.Write(b) // a write error is sticky and returned by Record or Flush
	return b[:0]
}

// Record renders one record if it passes the filters.
func (t *Text) Record(rec *format.Record) error {
	if !t.opts.Match(&rec.Header) {
		return nil
	}
	b := t.appendRecord(t.buf[:0], rec)
	_, err := t.w.Write(b)
	if cap(b) <= 1<<20 {
		t.buf = b[:0]
	}
	return err
}

// appendRecord appends the text of rec, header and all lines.
func (t *Text) appendRecord(b []byte, rec *format.Record) []byte {
	hdr := len(b)
	b = t.appendHeader(b, rec)
	switch rec.Type {
	case format.TypeCall:
		b = t.appendCall(b, rec)
	case format.TypeRet:
		b = t.appendRet(b, rec)
	case format.TypeNamei, format.TypeEmul:
		b = appendQuoted(b, rec.Payload)
		b = appendFlagNotes(b, rec.Flags)
	case format.TypeGenio:
		return t.appendGenio(b, rec)
	case format.TypePsig:
		b = t.appendPsig(b, rec)
	case format.TypeCsw:
		b = t.appendCsw(b, rec)
	case format.TypeUser:
		return t.appendUser(b, rec)
	case format.TypeStruct:
		return t.appendStruct(b, rec)
	case format.TypeArgs, format.TypeEnvs:
		return t.appendStrings(b, rec, len(b)-hdr)
	case format.TypeLost:
		b = t.appendLost(b, rec)
	case format.TypeExit:
		b = t.appendExit(b, rec)
	default:
		b = append(b, "record of "...)
		b = strconv.AppendInt(b, int64(rec.Len), 10)
		b = append(b, " bytes at offset "...)
		b = strconv.AppendInt(b, rec.Offset, 10)
	}
	return append(b, '\n')
}

// typeNames are the type columns, padded to four letters and followed by
// two spaces.
var typeNames = [...]string{
	format.TypeStart: "START  ", format.TypeCall: "CALL  ", format.TypeRet: "RET   ",
	format.TypeNamei: "NAMI  ", format.TypeGenio: "GIO   ", format.TypePsig: "PSIG  ",
	format.TypeCsw: "CSW   ", format.TypeEmul: "EMUL  ", format.TypeUser: "USER  ",
	format.TypeStruct: "STRU  ", format.TypeArgs: "ARGS  ", format.TypeEnvs: "ENVS  ",
	format.TypeLost: "LOST  ", format.TypeExit: "EXIT  ",
}

// appendHeader appends the columns before the payload: pid (and tid),
// comm, time, type.
func (t *Text) appendHeader(b []byte, rec *format.Record) []byte {
	o := &t.opts
	b = appendPadInt(b, int64(rec.PID), 6)
	b = append(b, ' ')
	if o.Threads {
		b = appendPadInt(b, int64(rec.TID), 6)
		b = append(b, ' ')
	}
	b = appendComm(b, rec.CommBytes())
	b = append(b, ' ')
	if o.Absolute || o.Elapsed || o.Relative || o.Wall {
		b = t.cols.append(b, rec.Time, o)
	}
	if int(rec.Type) < len(typeNames) {
		return append(b, typeNames[rec.Type]...)
	}
	b = append(b, "UNKNOWN("...)
	b = strconv.AppendUint(b, uint64(rec.Type), 10)
	return append(b, ")  "...)
}

// appendBad appends the note for a record whose payload does not decode.
func appendBad(b []byte, err error) []byte {
	b = append(b, "(bad record: "...)
	b = append(b, err.Error()...)
	return append(b, ')')
}

// appendFlagNotes appends what the record's flags say about its data.
func appendFlagNotes(b []byte, f format.Flags) []byte {
	if f&format.FlagCut != 0 {
		b = append(b, " (cut)"...)
	}
	if f&format.FlagUnreadable != 0 {
		b = append(b, " (unreadable)"...)
	}
	return b
}

func (t *Text) appendCall(b []byte, rec *format.Record) []byte {
	c, err := rec.Call()
	if err != nil {
		return appendBad(b, err)
	}
	tab := t.tabs.get(rec.ABI)
	var sc = t.tabs.lookup(rec.ABI, c.Number)
	t.deps.called(rec.TID, rec.ABI, sc, &c)
	return appendCallText(b, sc, tab, &c, &t.opts, t.opts.fds.argNamesOf(rec.TID))
}

func (t *Text) appendRet(b []byte, rec *format.Record) []byte {
	r, err := rec.Ret()
	if err != nil {
		return appendBad(b, err)
	}
	b = appendSyscallName(b, t.tabs.lookup(rec.ABI, r.Number), r.Number, &t.opts)
	b = append(b, ' ')
	name := t.opts.fds.retNameOf(rec.TID, &r)
	if da, tab := t.deps.retArg(rec.TID, rec.ABI, &r, &t.tabs); da != nil && name == "" {
		if b, ok := appendDepRet(b, tab, da, uint64(r.Value), &t.opts); ok {
			return b
		}
	}
	return appendRetText(b, &r, &t.opts, name)
}

// appendRetText appends the outcome of a RET record: a descriptor with
// its name (-y), in decimal as arguments are, else appendRetValue's.
func appendRetText(b []byte, r *format.Ret, o *Options, fdName string) []byte {
	if fdName != "" {
		b = strconv.AppendInt(b, r.Value, 10)
		return appendFDName(b, fdName)
	}
	return appendRetValue(b, r, o)
}

// appendGenioLine appends "fd 3 read 5 bytes" and what the flags say.
func appendGenioLine(b []byte, g *format.Genio, f format.Flags) []byte {
	b = append(b, "fd "...)
	b = strconv.AppendInt(b, int64(g.FD), 10)
	if g.Dir == format.Write {
		b = append(b, " wrote "...)
	} else {
		b = append(b, " read "...)
	}
	b = strconv.AppendUint(b, g.Len, 10)
	b = append(b, " byte"...)
	b = append(b, plural(g.Len)...)
	if g.Offset > 0 {
		b = append(b, ", continued at offset "...)
		b = strconv.AppendUint(b, g.Offset, 10)
	}
	have := g.Offset + uint64(len(g.Data))
	switch {
	case f&format.FlagUnreadable != 0:
		b = append(b, " (memory unreadable, "...)
		b = strconv.AppendUint(b, have, 10)
		b = append(b, " captured)"...)
	case f&format.FlagCut != 0:
		b = append(b, " ("...)
		b = strconv.AppendUint(b, have, 10)
		b = append(b, " of "...)
		b = strconv.AppendUint(b, g.Len, 10)
		b = append(b, " captured)"...)
	}
	return b
}

func (t *Text) appendGenio(b []byte, rec *format.Record) []byte {
	g, err := rec.Genio()
	if err != nil {
		return append(appendBad(b, err), '\n')
	}
	b = appendGenioLine(b, &g, rec.Flags)
	b = append(b, '\n')
	if t.opts.NoData {
		return b
	}
	return appendData(b, t.opts.limit(g.Data), g.Offset, t.style, t.spill)
}

// sigActions are the PSIG action words.
var sigActions = [...]string{
	format.SigDefault: " SIG_DFL", format.SigIgnored: " SIG_IGN", format.SigCaught: " caught",
	format.SigUnknown: "",
}

// appendPsigText appends "SIGINT SIG_DFL code=SI_USER pid=4100 uid=1000",
// leaving out what the tracer did not know.
func appendPsigText(b []byte, p *format.Psig, o *Options) []byte {
	if name := signalName(p.Signal, o); name != "" {
		b = append(b, name...)
	} else {
		b = strconv.AppendInt(b, int64(p.Signal), 10)
	}
	if int(p.Action) < len(sigActions) {
		b = append(b, sigActions[p.Action]...)
	}
	if p.Action == format.SigCaught {
		if p.Known&format.KnownHandler != 0 {
			b = append(b, " handler="...)
			b = append0x(b, p.Handler)
		}
		if p.Known&format.KnownMask != 0 {
			b = append(b, " mask="...)
			b = append0x(b, p.Mask)
		}
	}
	b = append(b, " code="...)
	if name := sigCodeName(p.Signal, p.Code, o); name != "" {
		b = append(b, name...)
	} else {
		b = strconv.AppendInt(b, int64(p.Code), 10)
	}
	if p.Known&format.KnownSender != 0 {
		b = append(b, " pid="...)
		b = strconv.AppendInt(b, int64(p.Sender), 10)
		b = append(b, " uid="...)
		b = strconv.AppendUint(b, uint64(p.UID), 10)
	}
	if addr, ok := siginfoAddr(psigInfoABI, p.Info); ok {
		b = append(b, " addr="...)
		b = append0x(b, addr)
	}
	return b
}

func (t *Text) appendPsig(b []byte, rec *format.Record) []byte {
	p, err := rec.Psig()
	if err != nil {
		return appendBad(b, err)
	}
	return appendPsigText(b, &p, &t.opts)
}

// appendCswText appends `stop kernel "read"`, `resume user`.
func appendCswText(b []byte, c *format.Csw, f format.Flags) []byte {
	if c.Out {
		b = append(b, "stop "...)
	} else {
		b = append(b, "resume "...)
	}
	if c.User {
		b = append(b, "user"...)
	} else {
		b = append(b, "kernel"...)
	}
	if len(c.WaitFor) > 0 {
		b = append(b, ' ')
		b = appendQuoted(b, c.WaitFor)
	}
	if f&format.FlagInferred != 0 {
		b = append(b, " (inferred)"...)
	}
	return b
}

func (t *Text) appendCsw(b []byte, rec *format.Record) []byte {
	c, err := rec.Csw()
	if err != nil {
		return appendBad(b, err)
	}
	return appendCswText(b, &c, rec.Flags)
}

func (t *Text) appendUser(b []byte, rec *format.Record) []byte {
	u, err := rec.User()
	if err != nil {
		return append(appendBad(b, err), '\n')
	}
	b = appendQuoted(b, u.Label)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(u.Data)), 10)
	b = append(b, " byte"...)
	b = append(b, plural(uint64(len(u.Data)))...)
	b = appendFlagNotes(b, rec.Flags)
	b = append(b, '\n')
	if t.opts.NoData {
		return b
	}
	return appendData(b, t.opts.limit(u.Data), 0, t.style, t.spill)
}

func (t *Text) appendStruct(b []byte, rec *format.Record) []byte {
	s, err := rec.Struct()
	if err != nil {
		return append(appendBad(b, err), '\n')
	}
	if t.opts.Structs {
		var ok bool
		if b, ok = appendStruct(b, s.Label, rec.ABI, s.Data, &t.opts); ok {
			b = appendFlagNotes(b, rec.Flags)
			return append(b, '\n')
		}
	}
	b = appendVisName(b, s.Label)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(s.Data)), 10)
	b = append(b, " byte"...)
	b = append(b, plural(uint64(len(s.Data)))...)
	b = appendFlagNotes(b, rec.Flags)
	b = append(b, '\n')
	if t.opts.NoData {
		return b
	}
	style := t.style
	if style == styleAuto {
		style = styleHexASCII
	}
	return appendData(b, t.opts.limit(s.Data), 0, style, t.spill)
}

// appendStrings appends ARGS and ENVS: `[0] = "cat"`, one string a line,
// aligned under the first.
func (t *Text) appendStrings(b []byte, rec *format.Record, indent int) []byte {
	i := 0
	for p := rec.Payload; len(p) > 0; i++ {
		s := p
		if j := bytes.IndexByte(p, 0); j >= 0 {
			s, p = p[:j], p[j+1:]
		} else {
			p = nil
		}
		if i > 0 {
			b = append(b, '\n')
			b = t.spill(b)
			for j := 0; j < indent; j++ {
				b = append(b, ' ')
			}
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "] = "...)
		b = appendQuoted(b, s)
	}
	if i == 0 {
		b = append(b, "(none)"...)
	}
	b = appendFlagNotes(b, rec.Flags)
	return append(b, '\n')
}

// appendLostText appends "7 records (700 bytes) lost: disk full".
func appendLostText(b []byte, l *format.Lost) []byte {
	b = strconv.AppendUint(b, l.Records, 10)
	b = append(b, " record"...)
	b = append(b, plural(l.Records)...)
	b = append(b, " ("...)
	b = strconv.AppendUint(b, l.Bytes, 10)
	b = append(b, " byte"...)
	b = append(b, plural(l.Bytes)...)
	b = append(b, ") lost"...)
	if len(l.Reason) > 0 {
		b = append(b, ": "...)
		b = appendVisName(b, l.Reason)
	}
	return b
}

func (t *Text) appendExit(b []byte, rec *format.Record) []byte {
	e, err := rec.Exit()
	if err != nil {
		return appendBad(b, err)
	}
	return appendExitText(b, e)
}

// appendExitText appends how a process ended, as strace says it: "exited
// with 3", "killed by SIGSEGV (core dumped)".
func appendExitText(b []byte, e format.Exit) []byte {
	if e.Exited() {
		b = append(b, "exited with "...)
		return strconv.AppendInt(b, int64(e.Code()), 10)
	}
	b = append(b, "killed by "...)
	b = appendSignalName(b, e.Signal())
	if e.CoreDumped() {
		b = append(b, " (core dumped)"...)
	}
	return b
}

// appendSignalName appends the name of sig, or its number.
func appendSignalName(b []byte, sig int) []byte {
	if name := arch.SignalName(sig); name != "" {
		return append(b, name...)
	}
	return strconv.AppendInt(b, int64(sig), 10)
}

func (t *Text) appendLost(b []byte, rec *format.Record) []byte {
	l, err := rec.Lost()
	if err != nil {
		return appendBad(b, err)
	}
	return appendLostText(b, &l)
}

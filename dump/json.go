package dump

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// JSON renders records as JSON Lines: one object per record, with the
// header fields, every payload field raw, and decoded text. START records
// are included; the -p and -t filters apply to the others. See the
// package documentation for the fields.
type JSON struct {
	w       *bufio.Writer
	opts    Options
	buf     []byte
	scratch []byte
	tabs    tableCache
	deps    depCalls // calls whose arguments decode their results (deps.go)
}

// NewJSON returns a JSON renderer writing to w.
func NewJSON(w io.Writer, o Options) *JSON {
	return &JSON{w: bufio.NewWriterSize(w, 64<<10), opts: o,
		buf: make([]byte, 0, 4096), scratch: make([]byte, 0, 512)}
}

// Flush writes out the buffered output.
func (j *JSON) Flush() error { return j.w.Flush() }

// Record renders one record if it passes the filters.
func (j *JSON) Record(rec *format.Record) error {
	if rec.Type != format.TypeStart && !j.opts.Match(&rec.Header) {
		return nil
	}
	b := j.appendRecord(j.buf[:0], rec)
	_, err := j.w.Write(b)
	if cap(b) <= 1<<20 {
		j.buf = b[:0]
	}
	return err
}

// typeJSONNames are the "type" values; unknown types are "UNKNOWN".
var typeJSONNames = [...]string{
	format.TypeStart: "START", format.TypeCall: "CALL", format.TypeRet: "RET",
	format.TypeNamei: "NAMI", format.TypeGenio: "GIO", format.TypePsig: "PSIG",
	format.TypeCsw: "CSW", format.TypeEmul: "EMUL", format.TypeUser: "USER",
	format.TypeStruct: "STRU", format.TypeArgs: "ARGS", format.TypeEnvs: "ENVS",
	format.TypeLost: "LOST", format.TypeExit: "EXIT",
}

// flagNames names the record flags for their JSON booleans.
var flagNames = [...]struct {
	flag format.Flags
	name string
}{
	{format.FlagCut, `,"cut":true`}, {format.FlagUnreadable, `,"unreadable":true`},
	{format.FlagInferred, `,"inferred":true`},
}

func (j *JSON) appendRecord(b []byte, rec *format.Record) []byte {
	b = append(b, `{"offset":`...)
	b = strconv.AppendInt(b, rec.Offset, 10)
	b = append(b, `,"type":"`...)
	if int(rec.Type) < len(typeJSONNames) {
		b = append(b, typeJSONNames[rec.Type]...)
	} else {
		b = append(b, "UNKNOWN"...)
	}
	b = append(b, `","type_num":`...)
	b = strconv.AppendUint(b, uint64(rec.Type), 10)
	b = appendJSONHeader(b, &rec.Header)
	b = append(b, `,"flags":`...)
	b = strconv.AppendUint(b, uint64(rec.Flags), 10)
	b = appendJSONFlags(b, rec.Flags)
	var err error
	switch rec.Type {
	case format.TypeStart:
		b, err = j.appendStart(b, rec)
	case format.TypeCall:
		b, err = j.appendCall(b, rec)
	case format.TypeRet:
		b, err = j.appendRet(b, rec)
	case format.TypeNamei:
		b = appendBytesField(b, "path", rec.Payload)
	case format.TypeEmul:
		b = appendBytesField(b, "emul", rec.Payload)
	case format.TypeGenio:
		b, err = j.appendGenio(b, rec)
	case format.TypePsig:
		b, err = j.appendPsig(b, rec)
	case format.TypeCsw:
		b, err = j.appendCsw(b, rec)
	case format.TypeUser, format.TypeStruct:
		b, err = j.appendLabeled(b, rec)
	case format.TypeArgs, format.TypeEnvs:
		b = j.appendStrings(b, rec)
	case format.TypeLost:
		b, err = j.appendLost(b, rec)
	case format.TypeExit:
		b, err = j.appendExit(b, rec)
	default:
		b = append(b, `,"length":`...)
		b = strconv.AppendInt(b, int64(rec.Len), 10)
	}
	if err != nil {
		b = append(b, `,"bad_record":`...)
		b = appendJSONString(b, []byte(err.Error()))
	}
	return append(b, "}\n"...)
}

// text appends ,"text":"..." holding the text rendered into j.scratch.
func (j *JSON) text(b []byte) []byte {
	b = append(b, `,"text":`...)
	return appendJSONString(b, j.scratch)
}

func (j *JSON) appendStart(b []byte, rec *format.Record) ([]byte, error) {
	s, err := rec.Start()
	if err != nil {
		return b, err
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendUint(b, uint64(s.Version), 10)
	b = append(b, `,"machine":"`...)
	b = append(b, s.Machine.String()...)
	b = append(b, `","clock":`...)
	b = strconv.AppendUint(b, uint64(s.Clock), 10)
	b = append(b, `,"release":`...)
	b = appendJSONString(b, []byte(s.Release))
	b = append(b, `,"hostname":`...)
	return appendJSONString(b, []byte(s.Hostname)), nil
}

func (j *JSON) appendCall(b []byte, rec *format.Record) ([]byte, error) {
	c, err := rec.Call()
	if err != nil {
		return b, err
	}
	tab := j.tabs.get(rec.ABI)
	sc := j.tabs.lookup(rec.ABI, c.Number)
	b = append(b, `,"syscall":"`...)
	b = appendSyscallName(b, sc, c.Number, &Options{})
	b = append(b, `","number":`...)
	b = strconv.AppendUint(b, uint64(c.Number), 10)
	b = append(b, `,"args":[`...)
	for i := 0; i < c.NArg; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONUint(b, c.Args[i])
	}
	b = append(b, `],"decoded":[`...)
	n := callArgCount(sc, tab, &c, &j.opts)
	names := j.opts.fds.argNamesOf(rec.TID)
	m := depFind(sc, &c)
	j.deps.called(rec.TID, rec.ABI, sc, &c)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		j.scratch = appendArg(j.scratch[:0], tab, callArg(sc, m, i), c.Args[i], &j.opts)
		if names != nil {
			j.scratch = appendFDName(j.scratch, names[i])
		}
		b = appendJSONString(b, j.scratch)
	}
	b = append(b, ']')
	if names != nil {
		b = appendJSONFDNames(b, c.Args[:n], names[:n])
	}
	j.scratch = appendCallText(j.scratch[:0], sc, tab, &c, &j.opts, names)
	return j.text(b), nil
}

func (j *JSON) appendRet(b []byte, rec *format.Record) ([]byte, error) {
	r, err := rec.Ret()
	if err != nil {
		return b, err
	}
	b = append(b, `,"syscall":"`...)
	b = appendSyscallName(b, j.tabs.lookup(rec.ABI, r.Number), r.Number, &Options{})
	b = append(b, `","number":`...)
	b = strconv.AppendUint(b, uint64(r.Number), 10)
	b = appendJSONResult(b, &r)
	name := j.opts.fds.retNameOf(rec.TID, &r)
	if name != "" {
		b = appendJSONFDNames(b, []uint64{uint64(r.Value)}, []string{name})
	}
	if da, tab := j.deps.retArg(rec.TID, rec.ABI, &r, &j.tabs); da != nil && name == "" {
		var ok bool
		if j.scratch, ok = appendDepRet(j.scratch[:0], tab, da, uint64(r.Value), &j.opts); ok {
			b = append(b, `,"decoded":`...)
			b = appendJSONString(b, j.scratch)
			return j.text(b), nil
		}
	}
	j.scratch = appendRetText(j.scratch[:0], &r, &j.opts, name)
	return j.text(b), nil
}

// appendJSONData appends "captured", the bytes the record holds, then
// unless -s the bytes shown (cut by -m): "size", their number, and
// "data", a string when they are valid UTF-8 text, else "data_base64".
func (j *JSON) appendJSONData(b []byte, data []byte) []byte {
	b = append(b, `,"captured":`...)
	b = strconv.AppendInt(b, int64(len(data)), 10)
	if j.opts.NoData {
		return b
	}
	return j.appendJSONShown(b, j.opts.limit(data))
}

// appendJSONShown appends "size" and "data" or "data_base64" for data.
func (j *JSON) appendJSONShown(b []byte, data []byte) []byte {
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(len(data)), 10)
	// Long data is encoded in chunks handed to the output as they are
	// done, so that a 16 MB record needs no 20 MB buffer.
	if utf8.Valid(data) && !mostlyBinary(data) {
		b = append(b, `,"data":"`...)
		for len(data) > 0 {
			n := min(len(data), jsonChunk)
			for n < len(data) && !utf8.RuneStart(data[n]) {
				n--
			}
			b = j.spill(appendJSONStringBody(b, data[:n]))
			data = data[n:]
		}
		return append(b, '"')
	}
	b = append(b, `,"data_base64":"`...)
	for len(data) > 0 {
		n := min(len(data), jsonChunk)
		b = j.spill(base64.StdEncoding.AppendEncode(b, data[:n]))
		data = data[n:]
	}
	return append(b, '"')
}

// jsonChunk is the data encoded at a time: a multiple of 3, so that the
// base64 of the chunks joins into the base64 of the whole.
const jsonChunk = 48 << 10

// spill hands b to the output buffer when it has grown large and returns
// it emptied.
func (j *JSON) spill(b []byte) []byte {
	if len(b) < spillSize {
		return b
	}
	j.w.Write(b) // a write error is sticky and returned by Record or Flush
	return b[:0]
}

func (j *JSON) appendGenio(b []byte, rec *format.Record) ([]byte, error) {
	g, err := rec.Genio()
	if err != nil {
		return b, err
	}
	b = appendJSONTransfer(append(b, ','), g.FD, g.Dir, g.Len)
	b = append(b, `,"data_offset":`...)
	b = strconv.AppendUint(b, g.Offset, 10)
	b = j.appendJSONData(b, g.Data)
	j.scratch = appendGenioLine(j.scratch[:0], &g, rec.Flags)
	return j.text(b), nil
}

// sigActionNames are the PSIG "action" values.
var sigActionNames = [...]string{
	format.SigDefault: "default", format.SigIgnored: "ignored", format.SigCaught: "caught",
	format.SigUnknown: "unknown",
}

func (j *JSON) appendPsig(b []byte, rec *format.Record) ([]byte, error) {
	p, err := rec.Psig()
	if err != nil {
		return b, err
	}
	b = append(b, `,"signal":`...)
	b = strconv.AppendInt(b, int64(p.Signal), 10)
	if name := arch.SignalName(int(p.Signal)); name != "" {
		b = append(b, `,"signame":"`...)
		b = append(b, name...)
		b = append(b, '"')
	}
	b = append(b, `,"action":`...)
	if int(p.Action) < len(sigActionNames) {
		b = append(b, '"')
		b = append(b, sigActionNames[p.Action]...)
		b = append(b, '"')
	} else {
		b = strconv.AppendUint(b, uint64(p.Action), 10)
	}
	if p.Known&format.KnownHandler != 0 {
		b = append(b, `,"handler":`...)
		b = appendJSONUint(b, p.Handler)
	}
	if p.Known&format.KnownMask != 0 {
		b = append(b, `,"mask":`...)
		b = appendJSONUint(b, p.Mask)
	}
	b = append(b, `,"code":`...)
	b = strconv.AppendInt(b, int64(p.Code), 10)
	b = append(b, `,"code_name":`...)
	b = appendJSONString(b, []byte(arch.SigCodeName(int(p.Signal), int(p.Code))))
	if p.Known&format.KnownSender != 0 {
		b = append(b, `,"sender_pid":`...)
		b = strconv.AppendInt(b, int64(p.Sender), 10)
		b = append(b, `,"sender_uid":`...)
		b = strconv.AppendUint(b, uint64(p.UID), 10)
	}
	b = appendPsigInfoJSON(b, &p, &j.opts)
	j.scratch = appendPsigText(j.scratch[:0], &p, &j.opts)
	return j.text(b), nil
}

func (j *JSON) appendCsw(b []byte, rec *format.Record) ([]byte, error) {
	c, err := rec.Csw()
	if err != nil {
		return b, err
	}
	b = append(b, `,"stop":`...)
	b = strconv.AppendBool(b, c.Out)
	b = append(b, `,"user":`...)
	b = strconv.AppendBool(b, c.User)
	b = append(b, `,"wait":`...)
	b = appendJSONString(b, c.WaitFor)
	j.scratch = appendCswText(j.scratch[:0], &c, rec.Flags)
	return j.text(b), nil
}

func (j *JSON) appendLabeled(b []byte, rec *format.Record) ([]byte, error) {
	var l format.Labeled
	var err error
	if rec.Type == format.TypeUser {
		l, err = rec.User()
	} else {
		l, err = rec.Struct()
	}
	if err != nil {
		return b, err
	}
	if rec.Type == format.TypeUser {
		b = append(b, `,"label":`...)
	} else {
		b = append(b, `,"name":`...)
	}
	b = appendJSONString(b, l.Label)
	b = j.appendJSONData(b, l.Data)
	if rec.Type == format.TypeStruct {
		var ok bool
		if j.scratch, ok = appendStruct(j.scratch[:0], l.Label, rec.ABI, l.Data, &j.opts); ok {
			b = append(b, `,"decoded":`...)
			b = appendJSONString(b, j.scratch)
			b, _ = appendStructJSON(append(b, `,"members":`...), l.Label, rec.ABI, l.Data, &j.opts)
		}
	}
	return b, nil
}

func (j *JSON) appendStrings(b []byte, rec *format.Record) []byte {
	b = appendStringList(b, `,"strings":[`, rec.Payload, false)
	if !utf8.Valid(rec.Payload) {
		b = appendStringList(b, `,"strings_base64":[`, rec.Payload, true)
	}
	return b
}

// appendStringList appends the NUL-terminated strings of p as a JSON
// array of strings, or of their base64.
func appendStringList(b []byte, key string, p []byte, b64 bool) []byte {
	b = append(b, key...)
	first := true
	for len(p) > 0 {
		s := p
		if i := bytes.IndexByte(p, 0); i >= 0 {
			s, p = p[:i], p[i+1:]
		} else {
			p = nil
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		if b64 {
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, s)
			b = append(b, '"')
		} else {
			b = appendJSONString(b, s)
		}
	}
	return append(b, ']')
}

// appendBytesField appends "key":"s" and, when s is not valid UTF-8 (so
// that the string shows U+FFFD for its bad bytes), "key_base64" with the
// bytes as they are.
func appendBytesField(b []byte, key string, s []byte) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	b = appendJSONString(b, s)
	if !utf8.Valid(s) {
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, `_base64":"`...)
		b = base64.StdEncoding.AppendEncode(b, s)
		b = append(b, '"')
	}
	return b
}

// appendExit appends `"status":3` for an exit, or `"signal":11,
// "signame":"SIGSEGV","core":true` for a death by signal, as PSIG names
// its signal.
func (j *JSON) appendExit(b []byte, rec *format.Record) ([]byte, error) {
	e, err := rec.Exit()
	if err != nil {
		return b, err
	}
	if e.Exited() {
		b = append(b, `,"status":`...)
		return strconv.AppendInt(b, int64(e.Code()), 10), nil
	}
	b = append(b, `,"signal":`...)
	b = strconv.AppendInt(b, int64(e.Signal()), 10)
	b = append(b, `,"signame":"`...)
	b = appendSignalName(b, e.Signal())
	b = append(b, '"')
	if e.CoreDumped() {
		b = append(b, `,"core":true`...)
	}
	return b, nil
}

func (j *JSON) appendLost(b []byte, rec *format.Record) ([]byte, error) {
	l, err := rec.Lost()
	if err != nil {
		return b, err
	}
	b = append(b, `,"records":`...)
	b = strconv.AppendUint(b, l.Records, 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendUint(b, l.Bytes, 10)
	b = append(b, `,"reason":`...)
	return appendJSONString(b, l.Reason), nil
}

// appendJSONString appends s as a JSON string. Bytes that are not valid
// UTF-8 become U+FFFD, as encoding/json does.
func appendJSONString(b []byte, s []byte) []byte {
	b = append(b, '"')
	b = appendJSONStringBody(b, s)
	return append(b, '"')
}

// appendJSONStringBody appends s escaped for a JSON string, without the
// quotes.
func appendJSONStringBody(b []byte, s []byte) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&15])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// appendJSONTime appends key and a time as {"sec":S,"nsec":N}, both
// exact in a double: nanoseconds since the epoch exceed 2^53.
func appendJSONTime(b []byte, key string, ns int64) []byte {
	sec, nsec := ns/1e9, ns%1e9
	if nsec < 0 {
		sec, nsec = sec-1, nsec+1e9
	}
	b = append(b, key...)
	b = append(b, `{"sec":`...)
	b = strconv.AppendInt(b, sec, 10)
	b = append(b, `,"nsec":`...)
	b = strconv.AppendInt(b, nsec, 10)
	return append(b, '}')
}

// appendJSONUint appends a 64-bit value (a register, an address, a
// mask) as a decimal string, which JavaScript and jq read without loss.
func appendJSONUint(b []byte, v uint64) []byte {
	b = append(b, '"')
	b = strconv.AppendUint(b, v, 10)
	return append(b, '"')
}

// appendJSONResult appends the result of a call: "value", what the
// program sees as a decimal string ("-1" on failure), "errno" (0 on
// success), and for a failure "error" (the errno name), "strerror" and
// "restart" (true for the kernel's restart codes, which the program
// does not see); "raw" is the return register as the kernel set it.
func appendJSONResult(b []byte, r *format.Ret) []byte {
	v := r.Value
	if r.Error != 0 {
		v = -1
	}
	b = append(b, `,"value":"`...)
	b = strconv.AppendInt(b, v, 10)
	b = append(b, `","raw":"`...)
	b = strconv.AppendInt(b, r.Value, 10)
	b = append(b, `","errno":`...)
	b = strconv.AppendInt(b, int64(r.Error), 10)
	if r.Error == 0 {
		return b
	}
	if arch.IsRestart(int(r.Error)) {
		b = append(b, `,"restart":true`...)
	}
	if name := arch.ErrnoName(int(r.Error)); name != "" {
		b = append(b, `,"error":"`...)
		b = append(b, name...)
		b = append(b, '"')
	}
	if text := arch.ErrnoText(int(r.Error)); text != "" {
		b = append(b, `,"strerror":`...)
		b = appendJSONString(b, []byte(text))
	}
	return b
}

// appendJSONHeader appends the fields of h that records and calls share:
// pid, tid, comm, time and abi.
func appendJSONHeader(b []byte, h *format.Header) []byte {
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(h.PID), 10)
	b = append(b, `,"tid":`...)
	b = strconv.AppendInt(b, int64(h.TID), 10)
	b = append(b, `,"comm":`...)
	b = appendJSONString(b, h.CommBytes())
	b = appendJSONTime(b, `,"time":`, h.Time)
	b = append(b, `,"abi":"`...)
	b = append(b, h.ABI.String()...)
	return append(b, '"')
}

// appendJSONTransfer appends the fields of a transfer: "fd", "dir" and
// "len".
func appendJSONTransfer(b []byte, fd int32, dir format.Direction, n uint64) []byte {
	b = append(b, `"fd":`...)
	b = strconv.AppendInt(b, int64(fd), 10)
	b = append(b, `,"dir":"`...)
	b = append(b, dir.String()...)
	b = append(b, `","len":`...)
	return strconv.AppendUint(b, n, 10)
}

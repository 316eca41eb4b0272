package dump

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// The modes of whole calls, numbered apart from the record modes.
const (
	ModeCalls     Mode = 16 // one line per system call (--calls)
	ModeCallsJSON Mode = 17 // one JSON object per system call (--calls --json)
)

// Questions are the options of the modes that answer questions: whole
// calls (--calls), the wall-clock column (--wall) and the summary's
// order and breakdowns.
type Questions struct {
	// Wall adds a wall-clock column HH:MM:SS.micro (--wall; strace -t).
	Wall bool
	// Location is the time zone of --wall and of the clock times of
	// --since and --until (nil: local time).
	Location *time.Location
	// Sort orders the summary (--sort): "time" (the default), "calls",
	// "errors" or "name".
	Sort string
	// PerProcess and PerThread break the summary down by process or by
	// thread (--per-process, --per-thread).
	PerProcess, PerThread bool
}

// location returns the time zone of clock times.
func (q *Questions) location() *time.Location {
	if q.Location == nil {
		return time.Local
	}
	return q.Location
}

// timeCols are the time columns of the text modes: -T, -E, -R, --wall.
type timeCols struct {
	timed     bool  // a time column was shown
	firstTime int64 // time of the first record shown, for -E
	prevTime  int64 // time of the previous record shown, for -R
}

// append appends the time columns o asks for, each followed by a space.
func (tc *timeCols) append(b []byte, t int64, o *Options) []byte {
	if o.Wall {
		b = appendWall(b, t, o.location())
		b = append(b, ' ')
	}
	if !o.Absolute && !o.Elapsed && !o.Relative {
		return b
	}
	if !tc.timed {
		tc.timed = true
		tc.firstTime, tc.prevTime = t, t
	}
	if o.Absolute {
		b = appendSecNsec(b, t)
		b = append(b, ' ')
	}
	if o.Elapsed {
		b = appendSecNsec(b, t-tc.firstTime)
		b = append(b, ' ')
	}
	if o.Relative {
		b = appendSecNsec(b, t-tc.prevTime)
		b = append(b, ' ')
	}
	tc.prevTime = t
	return b
}

// appendWall appends the time of day of t as HH:MM:SS.uuuuuu.
func appendWall(b []byte, t int64, loc *time.Location) []byte {
	tm := time.Unix(0, t).In(loc)
	b = appendPad0(b, tm.Hour(), 2)
	b = append(b, ':')
	b = appendPad0(b, tm.Minute(), 2)
	b = append(b, ':')
	b = appendPad0(b, tm.Second(), 2)
	b = append(b, '.')
	return appendPad0(b, tm.Nanosecond()/1000, 6)
}

// appendPad0 appends v with leading zeros to width digits.
func appendPad0(b []byte, v, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(v), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendDuration appends a duration in seconds with 6 decimals, as
// strace -T does.
func appendDuration(b []byte, ns int64) []byte {
	if ns < 0 {
		b = append(b, '-')
		ns = -ns
	}
	b = strconv.AppendInt(b, ns/1e9, 10)
	b = append(b, '.')
	return appendPad0(b, int(ns%1e9/1000), 6)
}

// strsize is how many data bytes --calls shows per buffer without -m,
// as strace's default -s.
const strsize = 32

// callIO is a GIO record of a call.
type callIO struct {
	fd       int32
	dir      format.Direction
	len      uint64
	captured int    // bytes the record holds
	data     []byte // what is shown of them
	flags    format.Flags
}

// callStruct is a STRU record of a call.
type callStruct struct {
	name  []byte
	data  []byte
	flags format.Flags
}

// openCall is a system call of one thread between its CALL and RET.
type openCall struct {
	hdr     format.Header // of the CALL, or of the RET when no CALL was seen
	offset  int64
	entered bool // the CALL was seen
	call    format.Call
	paths   [][]byte
	io      []callIO
	structs []callStruct
	argv    [][]byte
	envc    int
	hasArgv bool
	hasEnvs bool
	// fdNames are what the descriptor arguments referred to at the
	// CALL (-y).
	fdNames *[6]string
	// retName is what the descriptor returned refers to (-y).
	retName string
	// unfinished says an "<unfinished ...>" line was printed, with the
	// argument text shown.
	unfinished bool
	shown      []byte
}

// Calls renders one line (or JSON object) per system call, strace style:
// the call with its arguments decoded and its paths, data and
// structures in place of the pointers, its result and its duration.
// A call that another record interrupts is shown as strace does, with
// "<unfinished ...>" and "<... name resumed>".
type Calls struct {
	w       *bufio.Writer
	json    bool
	opts    Options
	argOpts Options // opts for plain numeric arguments: decimal
	tabs    tableCache
	buf     []byte
	scratch []byte
	cols    timeCols
	open    map[int32]*openCall
	unshown []int32 // threads whose open call has no line yet, in order
	j       *JSON   // for the data fields of --calls --json
	free    []*openCall
}

// NewCalls returns a Calls renderer writing text, or JSON Lines when
// asJSON is set, to w.
func NewCalls(w io.Writer, asJSON bool, o Options) *Calls {
	ao := o
	ao.Decimal = true
	return &Calls{w: bufio.NewWriterSize(w, 64<<10), json: asJSON, opts: o, argOpts: ao,
		buf: make([]byte, 0, 4096), open: map[int32]*openCall{}}
}

// Flush writes out the buffered output.
func (c *Calls) Flush() error { return c.w.Flush() }

// Close shows the calls still open, without a result, and flushes.
func (c *Calls) Close() error {
	tids := make([]int32, 0, len(c.open))
	for tid := range c.open {
		tids = append(tids, tid)
	}
	slices.Sort(tids)
	for _, tid := range tids {
		c.complete(c.open[tid], nil, nil)
		delete(c.open, tid)
	}
	return c.w.Flush()
}

// Record adds one record to the call of its thread, or shows it.
func (c *Calls) Record(rec *format.Record) error {
	if rec.Type == format.TypeStart {
		return nil
	}
	if c.opts.HasPID && rec.PID != c.opts.PID && rec.TID != c.opts.PID {
		return nil
	}
	if len(c.unshown) > 0 && !c.json {
		c.interrupt(rec.TID)
	}
	oc := c.open[rec.TID]
	switch rec.Type {
	case format.TypeCall:
		call, err := rec.Call()
		if err != nil || !c.opts.Match(&rec.Header) {
			return nil
		}
		if oc != nil {
			c.complete(oc, nil, nil) // its RET was never seen
			c.recycle(oc)
		}
		oc = c.newCall(&rec.Header, rec.Offset, true, call)
		if names := c.opts.fds.argNamesOf(rec.TID); names != nil {
			oc.fdNames = new([6]string)
			*oc.fdNames = *names
		}
		c.open[rec.TID] = oc
		c.forget(rec.TID)
		if !c.json {
			c.unshown = append(c.unshown, rec.TID)
		}
		return c.writeErr()
	case format.TypeRet:
		r, err := rec.Ret()
		if err != nil || !c.opts.Match(&rec.Header) {
			return nil
		}
		if oc == nil || oc.call.Number != r.Number {
			if oc != nil {
				c.complete(oc, nil, nil)
				c.recycle(oc)
			}
			oc = c.newCall(&rec.Header, rec.Offset, false, format.Call{Number: r.Number})
		}
		delete(c.open, rec.TID)
		c.forget(rec.TID)
		oc.retName = c.opts.fds.retNameOf(rec.TID, &r)
		c.complete(oc, &r, rec)
		c.recycle(oc)
		return c.writeErr()
	case format.TypeNamei:
		if oc != nil {
			oc.paths = appendReused(oc.paths, rec.Payload)
		}
		return nil
	case format.TypeGenio:
		if g, err := rec.Genio(); err == nil && oc != nil && g.Offset == 0 {
			oc.io = slices.Grow(oc.io, 1)[:len(oc.io)+1]
			io := &oc.io[len(oc.io)-1]
			*io = callIO{fd: g.FD, dir: g.Dir, len: g.Len, captured: len(g.Data),
				data: append(io.data[:0], c.keep(g.Data)...), flags: rec.Flags}
		}
		return nil
	case format.TypeStruct:
		if s, err := rec.Struct(); err == nil && oc != nil {
			oc.structs = slices.Grow(oc.structs, 1)[:len(oc.structs)+1]
			st := &oc.structs[len(oc.structs)-1]
			*st = callStruct{append(st.name[:0], s.Label...), append(st.data[:0], s.Data...), rec.Flags}
		}
		return nil
	case format.TypeArgs:
		if oc != nil {
			oc.hasArgv = true
			rec.Strings(func(s []byte) { oc.argv = appendReused(oc.argv, s) })
		}
		return nil
	case format.TypeEnvs:
		if oc != nil {
			oc.hasEnvs = true
			rec.Strings(func([]byte) { oc.envc++ })
		}
		return nil
	case format.TypeCsw:
		return nil // the thread sleeping in its call: the duration says it
	}
	if !c.opts.Match(&rec.Header) {
		return nil
	}
	if rec.Type == format.TypeExit {
		c.ended(rec.PID)
	}
	if len(c.unshown) > 0 && !c.json {
		c.interrupt(-1) // the call of this thread too
	}
	c.event(rec)
	return c.writeErr()
}

// keep returns the part of data a call keeps: what -m allows in JSON,
// enough to show strsize bytes in text.
func (c *Calls) keep(data []byte) []byte {
	if c.opts.NoData {
		return nil
	}
	data = c.opts.limit(data)
	if !c.json && c.opts.MaxData == 0 && len(data) > strsize+1 {
		data = data[:strsize+1]
	}
	return data
}

// appendReused appends a copy of p to list, into the buffer of a former
// element past its length when there is one.
func appendReused(list [][]byte, p []byte) [][]byte {
	list = slices.Grow(list, 1)[:len(list)+1]
	list[len(list)-1] = append(list[len(list)-1][:0], p...)
	return list
}

// newCall returns an open call for a CALL (or a RET, entered false),
// reusing one that was shown.
func (c *Calls) newCall(h *format.Header, offset int64, entered bool, call format.Call) *openCall {
	var oc *openCall
	if n := len(c.free); n > 0 {
		oc, c.free = c.free[n-1], c.free[:n-1]
	} else {
		oc = &openCall{}
	}
	*oc = openCall{hdr: *h, offset: offset, entered: entered, call: call,
		paths: oc.paths[:0], io: oc.io[:0], structs: oc.structs[:0], argv: oc.argv[:0], shown: oc.shown[:0]}
	return oc
}

// maxFree is how many shown calls Calls keeps for reuse.
const maxFree = 64

// recycle keeps oc, shown, for reuse, unless it holds much memory.
func (c *Calls) recycle(oc *openCall) {
	size := 0
	for _, io := range oc.io {
		size += cap(io.data)
	}
	for _, st := range oc.structs {
		size += cap(st.data)
	}
	if len(c.free) < maxFree && size <= 64<<10 {
		c.free = append(c.free, oc)
	}
}

// writeErr returns the output's sticky write error.
func (c *Calls) writeErr() error {
	_, err := c.w.Write(nil)
	return err
}

// prefix appends the columns before a call: pid (and tid), comm, times.
func (c *Calls) prefix(b []byte, h *format.Header) []byte {
	b = appendPadInt(b, int64(h.PID), 6)
	b = append(b, ' ')
	if c.opts.Threads {
		b = appendPadInt(b, int64(h.TID), 6)
		b = append(b, ' ')
	}
	b = appendComm(b, h.CommBytes())
	b = append(b, ' ')
	return c.cols.append(b, h.Time, &c.opts)
}

// interrupt prints "<unfinished ...>" lines for the open calls of other
// threads than tid (all threads when tid is -1) that have no line yet:
// a record of another thread came inside them.
func (c *Calls) interrupt(tid int32) {
	keep := c.unshown[:0]
	for _, t := range c.unshown {
		if t == tid {
			keep = append(keep, t)
			continue
		}
		if oc := c.open[t]; oc != nil && !oc.unfinished {
			c.showUnfinished(oc)
		}
	}
	c.unshown = keep
}

// ended shows the calls still open in process pid, which has ended:
// they never return ("exit_group(0) = ?", as strace shows it).
func (c *Calls) ended(pid int32) {
	var tids []int32
	for tid, oc := range c.open {
		if oc.hdr.PID == pid {
			tids = append(tids, tid)
		}
	}
	slices.Sort(tids)
	for _, tid := range tids {
		oc := c.open[tid]
		delete(c.open, tid)
		c.forget(tid)
		c.complete(oc, nil, nil)
		c.recycle(oc)
	}
}

// forget drops tid from the threads whose call has no line yet.
func (c *Calls) forget(tid int32) {
	c.unshown = slices.DeleteFunc(c.unshown, func(t int32) bool { return t == tid })
}

// showUnfinished prints the "<unfinished ...>" line of oc: its
// arguments up to the first whose record has not come yet.
func (c *Calls) showUnfinished(oc *openCall) {
	b := c.prefix(c.buf[:0], &oc.hdr)
	sc := c.tabs.lookup(oc.hdr.ABI, oc.call.Number)
	b = appendSyscallName(b, sc, oc.call.Number, &c.opts)
	b = append(b, '(')
	mark := len(b)
	var all bool
	b, all = c.appendArgs(b, oc, true)
	oc.shown = append(oc.shown[:0], b[mark:]...)
	oc.unfinished = true
	if all {
		b = append(b, ' ')
	}
	b = append(b, "<unfinished ...>\n"...)
	c.w.Write(b)
	c.buf = b[:0]
}

// complete shows a call whose RET is r (nil: none) from record ret.
func (c *Calls) complete(oc *openCall, r *format.Ret, ret *format.Record) {
	if c.json {
		c.buf = c.appendCallJSON(c.buf[:0], oc, r, ret)
		c.w.Write(c.buf)
		return
	}
	sc := c.tabs.lookup(oc.hdr.ABI, oc.call.Number)
	// The line has the time of the CALL, as strace's, unless it resumes
	// an unfinished one; the command name is the latest (execve).
	hdr := oc.hdr
	if ret != nil {
		hdr = ret.Header
		if oc.entered && !oc.unfinished {
			hdr.Time = oc.hdr.Time
		}
	}
	b := c.prefix(c.buf[:0], &hdr)
	switch {
	case !oc.entered:
		b = append(b, "<... "...)
		b = appendSyscallName(b, sc, oc.call.Number, &c.opts)
		b = append(b, " resumed>"...)
	case oc.unfinished:
		b = append(b, "<... "...)
		b = appendSyscallName(b, sc, oc.call.Number, &c.opts)
		b = append(b, " resumed>"...)
		mark := len(b)
		b, _ = c.appendArgs(b, oc, false)
		if rest, ok := bytes.CutPrefix(b[mark:], oc.shown); ok {
			b = append(b[:mark], rest...)
		}
	default:
		b = appendSyscallName(b, sc, oc.call.Number, &c.opts)
		b = append(b, '(')
		b, _ = c.appendArgs(b, oc, false)
	}
	b = append(b, ") = "...)
	b = c.appendResult(b, r)
	b = appendFDName(b, oc.retName)
	b = c.appendUpdated(b, oc, r)
	if r != nil && oc.entered {
		b = append(b, " <"...)
		b = appendDuration(b, ret.Time-oc.hdr.Time)
		b = append(b, '>')
	}
	b = append(b, '\n')
	c.w.Write(b)
	if cap(b) <= 1<<20 {
		c.buf = b[:0]
	}
}

// appendResult appends "3", "-1 ENOENT (No such file or directory)",
// "? ERESTARTSYS (...)" or "?" when there is no result.
func (c *Calls) appendResult(b []byte, r *format.Ret) []byte {
	if r == nil {
		return append(b, '?')
	}
	switch {
	case r.Error == 0:
		if c.opts.Raw || r.Value >= 1<<32 {
			return appendCHex(b, uint64(r.Value))
		}
		return strconv.AppendInt(b, r.Value, 10)
	case arch.IsRestart(int(r.Error)):
		b = append(b, '?')
	default:
		b = append(b, "-1"...)
	}
	name := arch.ErrnoName(int(r.Error))
	if c.opts.Raw || name == "" {
		b = append(b, " errno "...)
		return strconv.AppendInt(b, int64(r.Error), 10)
	}
	b = append(b, ' ')
	b = append(b, name...)
	if text := arch.ErrnoText(int(r.Error)); text != "" {
		b = append(b, " ("...)
		b = append(b, text...)
		b = append(b, ')')
	}
	return b
}

// argCursor counts the records of a call already put in place of its
// arguments.
type argCursor struct {
	paths, ios, structs int
	slots               structSlots // where the STRU records go (structArg)
	placed              bool        // slots is set
}

// appendArgs appends the arguments of oc separated by ", ": paths,
// data, argv and structures in place of their pointers. With entry set
// it stops before the first argument whose record has not come yet
// (ending with ", ") and reports false; else it appends them all.
func (c *Calls) appendArgs(b []byte, oc *openCall, entry bool) ([]byte, bool) {
	if !oc.entered {
		return b, true
	}
	tab := c.tabs.get(oc.hdr.ABI)
	sc := c.tabs.lookup(oc.hdr.ABI, oc.call.Number)
	n := callArgCount(sc, tab, &oc.call, &c.opts)
	var cur argCursor
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		mark := len(b)
		var known bool
		b, known = c.appendCallArg(b, oc, tab, sc, i, &cur)
		if !known {
			if entry {
				return b[:mark], false
			}
			b = appendArg(b, tab, argOf(sc, i), oc.call.Args[i], &c.opts)
		}
	}
	return b, true
}

// appendCallArg appends argument i of oc, with its record in place when
// it has one, and reports whether it was known; an argument whose
// record has not come (yet) appends nothing.
func (c *Calls) appendCallArg(b []byte, oc *openCall, tab *arch.Table, sc *arch.Syscall, i int, cur *argCursor) ([]byte, bool) {
	a := argOf(sc, i)
	v := oc.call.Args[i]
	if a.Kind.IsStruct() {
		// The structure the call read, else the one it filled (see
		// structArg; an updated one shows after the result).
		return c.structArg(b, oc, tab, sc, i, cur)
	}
	switch a.Kind {
	case arch.ArgPath:
		if cur.paths < len(oc.paths) {
			cur.paths++
			return appendQuoted(b, oc.paths[cur.paths-1]), true
		}
		return b, false
	case arch.ArgBufIn, arch.ArgBufOut, arch.ArgIovIn, arch.ArgIovOut, arch.ArgMsgIn, arch.ArgMsgOut:
		if c.opts.NoData {
			return appendArg(b, tab, a, v, &c.opts), true
		}
		if cur.ios < len(oc.io) {
			cur.ios++
			return c.appendIOArg(b, &oc.io[cur.ios-1]), true
		}
		return b, false
	case arch.ArgPtr:
		// A structure of a call whose signature names none (a
		// hand-made trace): in argument order.
		if (sc == nil || !sc.HasStruct()) && cur.structs < len(oc.structs) {
			cur.structs++
			return c.appendStructArg(b, &oc.structs[cur.structs-1], oc.hdr.ABI), true
		}
		return b, false
	case arch.ArgArgv:
		if oc.hasArgv {
			return appendStringArray(b, oc.argv), true
		}
		return b, false
	case arch.ArgEnvp:
		if oc.hasEnvs {
			b = append(b, "[/* "...)
			b = strconv.AppendInt(b, int64(oc.envc), 10)
			return append(b, " vars */]"...), true
		}
		return b, false
	}
	b = c.appendPlainArg(b, tab, a, v)
	if oc.fdNames != nil && i < len(oc.fdNames) {
		b = appendFDName(b, oc.fdNames[i])
	}
	return b, true
}

// appendPlainArg appends an argument held in its register, strace style:
// numbers in decimal (pointers in hex), flags by name when all bits
// have one.
func (c *Calls) appendPlainArg(b []byte, tab *arch.Table, a arch.Arg, v uint64) []byte {
	if c.opts.Raw {
		return appendArg(b, tab, a, v, &c.opts)
	}
	if a.Kind == arch.ArgFlags {
		if set := tableSet(tab, a.Set); set != nil {
			mark := len(b)
			var ok bool
			if b, ok = set.AppendFormat(b, a.Value(tableABI(tab), v)); ok {
				return b
			}
			b = b[:mark]
		}
	}
	return appendArg(b, tab, a, v, &c.argOpts)
}

// appendIOArg appends the data of a buffer argument: quoted, cut to -m
// (or strsize) bytes with "..." after.
func (c *Calls) appendIOArg(b []byte, io *callIO) []byte {
	limit := c.opts.MaxData
	if limit == 0 {
		limit = strsize
	}
	data := io.data
	cut := uint64(len(data)) < io.len
	if len(data) > limit {
		data, cut = data[:limit], true
	}
	b = appendQuoted(b, data)
	if cut {
		b = append(b, "..."...)
	}
	return b
}

// appendStructArg appends a structure decoded as -r does, else its name
// and size.
func (c *Calls) appendStructArg(b []byte, s *callStruct, abi arch.ABI) []byte {
	if !c.opts.Raw {
		mark := len(b)
		var ok bool
		if b, ok = appendStructInline(b, s.name, abi, s.data, &c.opts); ok {
			return b
		}
		b = b[:mark]
	}
	b = append(b, '{')
	b = appendVisName(b, s.name)
	b = append(b, ", "...)
	b = strconv.AppendInt(b, int64(len(s.data)), 10)
	b = append(b, " byte"...)
	b = append(b, plural(uint64(len(s.data)))...)
	return append(b, '}')
}

// appendStringArray appends ["a", "b"].
func appendStringArray(b []byte, ss [][]byte) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendQuoted(b, s)
	}
	return append(b, ']')
}

// event shows a record of no call: a signal, a user record, lost
// records, a process end ("+++ exited with 3 +++", as strace says it),
// an ABI change.
func (c *Calls) event(rec *format.Record) {
	if c.json {
		return // --calls --json holds calls only
	}
	b := c.prefix(c.buf[:0], &rec.Header)
	var err error
	end := " ---"
	switch rec.Type {
	case format.TypePsig:
		var p format.Psig
		if p, err = rec.Psig(); err == nil {
			b = appendPsigText(append(b, "--- "...), &p, &c.opts)
		}
	case format.TypeLost:
		var l format.Lost
		if l, err = rec.Lost(); err == nil {
			b, end = appendLostText(append(b, "+++ "...), &l), " +++"
		}
	case format.TypeExit:
		var e format.Exit
		if e, err = rec.Exit(); err == nil {
			b, end = appendExitText(append(b, "+++ "...), e), " +++"
		}
	case format.TypeEmul:
		b = appendQuoted(append(b, "--- EMUL "...), rec.Payload)
	case format.TypeUser:
		var u format.Labeled
		if u, err = rec.User(); err == nil {
			b = appendQuoted(append(b, "--- USER "...), u.Label)
			b = appendQuoted(append(b, ' '), c.opts.limit(u.Data))
		}
	default:
		return
	}
	if err != nil {
		return
	}
	b = append(b, end...)
	b = append(b, '\n')
	c.w.Write(b)
	c.buf = b[:0]
}

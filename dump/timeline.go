package dump

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// The modes of the timeline outputs, numbered apart from the others.
const (
	ModeTimeline Mode = 32 + iota // HTML page drawing the threads over time (--timeline)
	ModePerfetto                  // Chrome/Perfetto trace events (--perfetto)
)

// Class is the colour class of a system call in a timeline: strace's
// groups (see arch.Table.Group), one per call. A call in several groups
// takes the first of net, signal, process, memory, ipc (the classes of
// syscalls.txt: kill is a signal call), then file (takes a path), then desc (takes a file
// descriptor); other calls are ClassOther.
type Class uint8

// The classes, in the order of ClassNames.
const (
	ClassFile Class = iota
	ClassDesc
	ClassNet
	ClassProcess
	ClassSignal
	ClassMemory
	ClassIPC
	ClassOther
	numClasses
)

// classNames are the names of the classes, as strace's groups name them.
var classNames = [numClasses]string{"file", "desc", "net", "process", "signal", "memory", "ipc", "other"}

// String returns the class's group name: "file", "net", ...
func (c Class) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return "other"
}

// ClassOf returns the class of system call sc (ClassOther when nil).
func ClassOf(sc *arch.Syscall) Class {
	switch {
	case sc == nil:
		return ClassOther
	case sc.Traits&arch.ClassNet != 0:
		return ClassNet
	case sc.Traits&arch.ClassSignal != 0:
		return ClassSignal
	case sc.Traits&arch.ClassProcess != 0:
		return ClassProcess
	case sc.Traits&arch.ClassMemory != 0:
		return ClassMemory
	case sc.Traits&arch.ClassIPC != 0:
		return ClassIPC
	case sc.HasKind(arch.ArgPath):
		return ClassFile
	case sc.HasKind(arch.ArgFD, arch.ArgDirFD):
		return ClassDesc
	}
	return ClassOther
}

// markKind is what a timeline mark shows.
type markKind uint8

// Mark kinds; the numbers are those of the page's data.
const (
	markBirth  markKind = iota // first record of a thread
	markFork                   // fork/clone returned a child in the parent
	markSignal                 // PSIG
	markExit                   // exit or exit_group called
	markEnd                    // last record of a thread that was not seen exiting
	markExec                   // execve returned: a new program
)

// markNames name the mark kinds in the Perfetto output.
var markNames = [...]string{markBirth: "start", markFork: "fork", markSignal: "signal",
	markExit: "exit", markEnd: "end of trace", markExec: "exec"}

// maxSpanText bounds the text kept of one call, its paths included.
const maxSpanText = 240

// callSpan is one system call of a thread, from its CALL to its RET.
type callSpan struct {
	start, end int64 // nanoseconds, times of the records
	class      Class
	name       string // the call's name, as kdump shows it
	text       string // the call with its arguments and paths
	ret        string // the result, "" when no RET was seen
	err        bool   // the call failed
}

// stateSpan is a time a thread did not run: blocked in the kernel, or
// preempted (runnable).
type stateSpan struct {
	start, end int64
	runnable   bool
	wait       string // wait reason, when known
}

// mark is an instant on a thread's row.
type mark struct {
	time int64
	kind markKind
	text string
}

// threadInfo is what the tracker knows of a thread.
type threadInfo struct {
	pid, tid    int32
	comm        string
	first, last int64
	exited      bool

	// The CALL waiting for its RET.
	inCall  bool
	call    callSpan
	callNr  uint32
	callSC  *arch.Syscall
	callBuf []byte

	// The CSW that switched the thread out, until it is switched in.
	out     bool
	outSpan stateSpan
}

// timelineSink receives what the tracker makes of the records. Per
// thread, calls and states come in the order of their ends.
type timelineSink interface {
	call(th *threadInfo, s *callSpan)
	state(th *threadInfo, s *stateSpan)
	mark(th *threadInfo, m *mark)
}

// tracker turns records into the calls, states and marks of a timeline.
type tracker struct {
	opts    Options
	tabs    tableCache
	sink    timelineSink
	base    int64 // time of the first record taken
	started bool
	clock   uint32 // the clock of the first START record
	threads map[int32]*threadInfo
	order   []*threadInfo // in order of their first record
	buf     []byte
}

func newTracker(o Options, sink timelineSink) *tracker {
	return &tracker{opts: o, sink: sink, threads: make(map[int32]*threadInfo), clock: ^uint32(0)}
}

// thread returns the thread of rec, new ones marked as born.
func (k *tracker) thread(rec *format.Record) *threadInfo {
	th := k.threads[rec.TID]
	if th == nil {
		th = &threadInfo{pid: rec.PID, tid: rec.TID, first: rec.Time, last: rec.Time}
		th.comm = string(rec.CommBytes())
		k.threads[rec.TID] = th
		k.order = append(k.order, th)
		k.sink.mark(th, &mark{time: rec.Time, kind: markBirth, text: "first record of " + th.comm})
	}
	if c := rec.CommBytes(); string(c) != th.comm {
		th.comm = string(c)
	}
	th.pid = rec.PID
	th.last = max(th.last, rec.Time)
	return th
}

// record takes one record.
func (k *tracker) record(rec *format.Record) {
	if rec.Type == format.TypeStart && k.clock == ^uint32(0) {
		if s, err := rec.Start(); err == nil {
			k.clock = s.Clock
		}
	}
	if !k.opts.Match(&rec.Header) {
		return
	}
	if !k.started {
		k.started, k.base = true, rec.Time
	}
	th := k.thread(rec)
	switch rec.Type {
	case format.TypeCall:
		k.callRecord(th, rec)
	case format.TypeNamei:
		if th.inCall && len(th.callBuf) < maxSpanText {
			th.callBuf = append(th.callBuf, ' ')
			th.callBuf = appendQuoted(th.callBuf, rec.Payload)
		}
	case format.TypeRet:
		k.retRecord(th, rec)
	case format.TypePsig:
		if p, err := rec.Psig(); err == nil {
			k.buf = appendPsigText(k.buf[:0], &p, &k.opts)
			k.sink.mark(th, &mark{time: rec.Time, kind: markSignal, text: string(k.buf)})
		}
	case format.TypeCsw:
		c, err := rec.Csw()
		if err != nil {
			return
		}
		if c.Out {
			k.endState(th, rec.Time)
			th.out = true
			th.outSpan = stateSpan{start: rec.Time, runnable: c.User}
			if len(c.WaitFor) > 0 {
				th.outSpan.wait = string(appendVisName(nil, c.WaitFor))
			}
		} else {
			k.endState(th, rec.Time)
		}
	}
}

// endState ends the time th was switched out, at t.
func (k *tracker) endState(th *threadInfo, t int64) {
	if !th.out {
		return
	}
	th.out = false
	th.outSpan.end = max(t, th.outSpan.start)
	k.sink.state(th, &th.outSpan)
}

func (k *tracker) callRecord(th *threadInfo, rec *format.Record) {
	c, err := rec.Call()
	if err != nil {
		return
	}
	k.endCall(th, rec.Time)
	tab := k.tabs.get(rec.ABI)
	sc := k.tabs.lookup(rec.ABI, c.Number)
	th.callBuf = appendCallText(th.callBuf[:0], sc, tab, &c, &k.opts, nil)
	if sc != nil && sc.Traits&(arch.TraitExitProcess|arch.TraitExitThread) != 0 {
		// It does not return: the thread ends here.
		th.exited = true
		k.sink.mark(th, &mark{time: rec.Time, kind: markExit, text: clip(th.callBuf)})
		return
	}
	th.inCall = true
	th.callNr, th.callSC = c.Number, sc
	th.call = callSpan{start: rec.Time, class: ClassOf(sc),
		name: string(appendSyscallName(k.buf[:0], sc, c.Number, &k.opts))}
}

// endCall ends the call th is in without its RET, at t.
func (k *tracker) endCall(th *threadInfo, t int64) {
	if !th.inCall {
		return
	}
	th.inCall = false
	th.call.end = max(t, th.call.start)
	th.call.text = clip(th.callBuf)
	k.sink.call(th, &th.call)
}

func (k *tracker) retRecord(th *threadInfo, rec *format.Record) {
	r, err := rec.Ret()
	if err != nil {
		return
	}
	sc := k.tabs.lookup(rec.ABI, r.Number)
	if !th.inCall || th.callNr != r.Number {
		// The trace began inside the call: it is shown at its RET.
		k.endCall(th, rec.Time)
		th.callBuf = appendSyscallName(th.callBuf[:0], sc, r.Number, &k.opts)
		th.callBuf = append(th.callBuf, "(...) (called before the trace began)"...)
		th.call = callSpan{start: rec.Time, class: ClassOf(sc),
			name: string(appendSyscallName(k.buf[:0], sc, r.Number, &k.opts))}
		th.inCall = true
	}
	th.inCall = false
	th.call.end = max(rec.Time, th.call.start)
	th.call.text = clip(th.callBuf)
	k.buf = appendRetValue(k.buf[:0], &r, &k.opts)
	th.call.ret = string(k.buf)
	th.call.err = r.Error != 0 && !arch.IsRestart(int(r.Error))
	k.sink.call(th, &th.call)
	if r.Error != 0 || sc == nil {
		return
	}
	switch {
	case sc.Traits&arch.TraitForks != 0 && r.Value > 0:
		k.sink.mark(th, &mark{time: rec.Time, kind: markFork,
			text: th.call.name + " → " + strconv.FormatInt(r.Value, 10)})
	case sc.Traits&arch.TraitExecs != 0:
		k.sink.mark(th, &mark{time: rec.Time, kind: markExec, text: "exec " + th.comm})
	}
}

// finish ends what is still open at each thread's last record and marks
// the end of threads not seen exiting.
func (k *tracker) finish() {
	for _, th := range k.order {
		k.endCall(th, th.last)
		k.endState(th, th.last)
		if !th.exited {
			k.sink.mark(th, &mark{time: th.last, kind: markEnd, text: "last record of " + th.comm})
		}
	}
}

// sortedThreads returns the threads by pid, the process's main thread
// first, then by tid.
func (k *tracker) sortedThreads() []*threadInfo {
	ths := slices.Clone(k.order)
	slices.SortStableFunc(ths, func(a, b *threadInfo) int {
		if c := cmp.Compare(a.pid, b.pid); c != 0 {
			return c
		}
		if (a.tid == a.pid) != (b.tid == b.pid) {
			if a.tid == a.pid {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.tid, b.tid)
	})
	return ths
}

// clip returns b as a string of at most maxSpanText bytes, cut on a
// UTF-8 boundary and marked.
func clip(b []byte) string {
	if len(b) <= maxSpanText {
		return string(b)
	}
	n := maxSpanText
	for n > 0 && b[n]&0xc0 == 0x80 {
		n--
	}
	return string(b[:n]) + "…"
}

// micros appends t nanoseconds as microseconds, with up to 3 decimals.
func micros(b []byte, t int64) []byte {
	if t < 0 {
		b = append(b, '-')
		t = -t
	}
	b = strconv.AppendInt(b, t/1000, 10)
	if f := t % 1000; f != 0 {
		b = append(b, '.')
		d := []byte{byte('0' + f/100), byte('0' + f/10%10), byte('0' + f%10)}
		for d[len(d)-1] == '0' {
			d = d[:len(d)-1]
		}
		b = append(b, d...)
	}
	return b
}

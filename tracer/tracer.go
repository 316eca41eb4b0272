// Package tracer is ktrace's ptrace engine: it seizes processes, stops
// them at system calls, signals and process events, and writes what it
// sees as trace records (see package format).
//
// All ptrace requests for a tracee must come from the thread that seized
// it, so a Tracer must be created, given tracees and run from one
// goroutine locked to its OS thread (runtime.LockOSThread).
package tracer

import (
	"fmt"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/procfs"
)

// Settings say what a traced process is traced for.
type Settings struct {
	// Facilities selects the records to write.
	Facilities Facilities
	// Inherit follows fork, vfork and clone children (ktrace -i).
	Inherit bool
	// GenioSize is the most bytes of data kept per I/O call; 0 keeps all.
	GenioSize int
	// Syscalls, when not empty, restricts the records to these system
	// calls (names of the native ABI).
	Syscalls []string
	// Seccomp says the process runs under ktrace's seccomp filter: only
	// the calls it traps stop, as PTRACE_EVENT_SECCOMP stops.
	Seccomp bool
}

// Options configure a Tracer.
type Options struct {
	// ForceRegisters reads system calls from registers even where the
	// kernel has PTRACE_GET_SYSCALL_INFO (to test the fallback).
	ForceRegisters bool
	// NoSeccomp keeps ExecTraced from loading a seccomp filter, so that
	// every call stops (to compare both ways).
	NoSeccomp bool
	// FlushInterval bounds how long a record may wait in the buffer while
	// tracees run; 0 means 200ms.
	FlushInterval time.Duration
	// NoPerfEvents infers context switches from /proc even where the
	// kernel has perf events (to test the fallback).
	NoPerfEvents bool
}

// maxPath is the longest path name recorded, the kernel's PATH_MAX.
const maxPath = 4096

// maxExecStrings bounds the bytes recorded for execve's argv or envp.
const maxExecStrings = 256 << 10

// process is the state shared by the threads of one traced process.
type process struct {
	pid int
	Settings
	fac       Facilities // Settings.Facilities, kept at hand
	started   bool       // records are written (in command mode, from the first execve)
	threads   []*thread
	detaching bool // being released: each thread is detached at its next stop
	// exit is the status of the EXIT record written at the process's
	// exit call, with exitRecorded set; 0 when none was.
	exit uint64
	// exitFlushed says that every record of the process is in the file:
	// set when its exit call flushed, cleared by any record written
	// since (see header), so that its end needs no second flush.
	exitFlushed bool
	// only marks, per ABI and system call number, the calls Syscalls
	// lets through; nil when every call is recorded.
	only map[arch.ABI][]bool

	// handlers holds the signal handlers seen installed with
	// rt_sigaction; nil when none was. A forked child shares its
	// parent's until either installs one: ownHandlers says that no
	// other process holds p.handlers, so that p may change it in place.
	handlers    *sigHandlers
	ownHandlers bool
	// disp holds the signals ignored and caught as /proc/PID/status
	// said, shared with the processes forked since that have the same
	// dispositions; nil when they may have changed (sigstate.go).
	disp *dispositions
}

// sigHandlers holds the signal handlers a process was seen installing:
// h[n-1] for signal n when bit n-1 of known is set (0 default, 1
// ignored, else the handler's address).
type sigHandlers struct {
	h     [64]uint64
	known uint64
}

// setHandler notes that p installed handler h for sig, copying the
// handlers p shares with another process first.
func (p *process) setHandler(sig int, h uint64) {
	if !p.ownHandlers {
		own := new(sigHandlers)
		if p.handlers != nil {
			*own = *p.handlers
		}
		p.handlers, p.ownHandlers = own, true
	}
	p.handlers.h[sig-1] = h
	p.handlers.known |= 1 << (sig - 1)
}

// thread is the state of one traced thread.
type thread struct {
	tid  int
	proc *process
	comm [16]byte

	phase   phase
	options uintptr  // the ptrace options it is traced with
	abi     arch.ABI // ABI of the current system call
	lastABI arch.ABI // ABI of the last EMUL record written
	nr      uint32
	args    [6]uint64
	call    *arch.Syscall

	// sigact is the action rt_sigaction is installing for signal
	// sigactSignal, read at entry; sigactSignal is 0 when there is none.
	sigact       uint64
	sigactSignal int
	// addrRoom is the size of the buffer a call that returns a socket
	// address was given (its socklen_t at entry): the kernel writes no
	// more, though it reports the address's whole length.
	addrRoom uint64

	// csw watches the thread's context switches (-t w), or is nil.
	csw *cswState

	// maskUnsure says the thread may run with a temporary signal mask
	// (sigstate.go): its last call was one that waits with a mask of its
	// own (or one the tracer does not know) and was interrupted, or it
	// was not seen returning.
	maskUnsure bool
}

// exitRecorded marks process.exit as holding the status of an EXIT record.
const exitRecorded = 1 << 32

// newProcess returns the state of a newly traced process.
func newProcess(pid int, s Settings, started bool) *process {
	return &process{pid: pid, Settings: s, fac: s.Facilities, started: started}
}

// records reports whether calls of number nr under abi are recorded.
func (p *process) records(abi arch.ABI, nr uint32, tab *arch.Table) bool {
	if len(p.Syscalls) == 0 {
		return true
	}
	if p.only == nil {
		p.only = make(map[arch.ABI][]bool)
	}
	marks, ok := p.only[abi]
	if !ok && tab != nil {
		for _, name := range p.Syscalls {
			if c, found := tab.ByName(name); found {
				for int(c.Number) >= len(marks) {
					marks = append(marks, false)
				}
				marks[c.Number] = true
			}
		}
		p.only[abi] = marks
	}
	return int(nr) < len(marks) && marks[nr]
}

// anyThread returns a thread of p, or nil.
func (p *process) anyThread() *thread {
	if len(p.threads) == 0 {
		return nil
	}
	return p.threads[0]
}

// removeThread drops th from p's threads.
func (p *process) removeThread(th *thread) {
	if i := slices.Index(p.threads, th); i >= 0 {
		p.threads = slices.Delete(p.threads, i, i+1)
	}
}

// setFacilities changes what p is traced for.
func (p *process) setFacilities(f Facilities) {
	p.Facilities = f
	p.fac = f
}

// Tracer traces processes and writes records to a trace file.
type Tracer struct {
	opts    Options
	rec     *recorder
	threads threadTable
	procs   map[int]*process

	native  *arch.Table
	compat  *arch.Table // i386 on amd64, or nil
	noInfo  bool        // the kernel lacks PTRACE_GET_SYSCALL_INFO
	mem     *memReader
	info    syscallInfo
	sig     siginfo
	hdr     format.Header
	pathBuf []byte
	dataBuf []byte
	scratch []byte
	words   []uint64
	gio     format.Genio
	iov     []unix.RemoteIovec // the tracee's ranges of a GIO being read
	regs    regs
	csw     cswShared // context-switch state (csw.go)

	// ctl is the Controller of the current Run.
	ctl Controller

	// orphans holds the first stops of new children seen before their
	// parent's fork or clone event.
	orphans map[int]unix.WaitStatus

	// waiter holds how the tracer waits for the next stop (wait.go).
	waiter waiter

	// sigReads counts the reads of /proc/TID/status for signal state
	// (sigstate.go), for the tests.
	sigReads int
}

// New returns a Tracer that writes to w. The caller's goroutine must be
// locked to its OS thread and make every later call.
func New(w *format.Writer, opts Options) (*Tracer, error) {
	native := tables.Native()
	if native == nil {
		return nil, fmt.Errorf("no system call table for %s", runtime.GOARCH)
	}
	if opts.FlushInterval == 0 {
		opts.FlushInterval = 200 * time.Millisecond
	}
	t := &Tracer{
		opts:    opts,
		rec:     newRecorder(w, opts.FlushInterval),
		iov:     make([]unix.RemoteIovec, 0, maxIov),
		procs:   make(map[int]*process),
		native:  native,
		compat:  tables.For(arch.ABII386),
		noInfo:  opts.ForceRegisters,
		mem:     newMemReader(),
		pathBuf: make([]byte, maxPath),
		scratch: make([]byte, 8192),
		words:   make([]uint64, 2*maxIov),
		ctl:     noController{},
		orphans: make(map[int]unix.WaitStatus),
	}
	if runtime.GOARCH != "amd64" {
		t.compat = nil
	}
	t.waiter.init()
	if err := defaultSIGCHLD(); err != nil {
		return nil, err
	}
	return t, nil
}

// ptraceOptions returns the ptrace options for the threads of a process
// traced with s.
func ptraceOptions(s Settings) uintptr {
	o := uintptr(optSysGood | optExec | optClone)
	// Children inherit a seccomp filter: they must stay traced, or the
	// calls it traps would fail with ENOSYS.
	if s.Inherit || s.Seccomp {
		o |= optFork | optVfork
	}
	if s.Seccomp {
		o |= optSeccomp | optExitKill
	}
	return o
}

// SeizeCommand seizes the process pid that is about to execute a
// command, ktrace style: its records start at its first execve. The
// process must be single-threaded or pid its only thread to run the exec.
// comm is its name, which the records of its execve carry; "" reads it
// from /proc (a process that says its own name spares the tracer that
// read, which the command waits for).
func (t *Tracer) SeizeCommand(pid int, comm string, s Settings) error {
	return t.seizeCommand(pid, comm, s, true)
}

// SeizeStoppingCommand is SeizeCommand for a process that stops by
// itself before its execve, at a signal it sends itself (see
// stdfds.FrontStopSelf) or at the execve under s's seccomp filter: the
// tracer does not stop it, and its first stop is that one. Stopped in
// the call where it waits until it may exec, it would stop three times
// more before its execve.
func (t *Tracer) SeizeStoppingCommand(pid int, comm string, s Settings) error {
	return t.seizeCommand(pid, comm, s, false)
}

// seizeCommand is SeizeCommand, which stops the process if interrupt.
func (t *Tracer) seizeCommand(pid int, comm string, s Settings, interrupt bool) error {
	if t.procs[pid] != nil {
		return fmt.Errorf("%d: already traced", pid)
	}
	if err := ptrace(ptSeize, pid, 0, ptraceOptions(s)); err != nil {
		return attachError(pid, err)
	}
	p := newProcess(pid, s, false)
	t.procs[pid] = p
	if comm == "" {
		t.addThread(pid, p, nil)
	} else {
		th := t.newThread(pid, p)
		copy(th.comm[:len(th.comm)-1], comm)
	}
	if !interrupt {
		return nil
	}
	// Stop it once so that it runs on under PTRACE_SYSCALL from here.
	if err := ptrace(ptInterrupt, pid, 0, 0); err != nil {
		return fmt.Errorf("interrupt %d: %w", pid, err)
	}
	return nil
}

// Run traces until no tracee is left, serving ctl (which may be nil)
// between stops. It returns an error if writing the trace failed;
// tracees are then released.
func (t *Tracer) Run(ctl Controller) error {
	if ctl == nil {
		ctl = noController{}
	}
	t.ctl = ctl
	defer func() { t.ctl = noController{} }()
	t.rec.start()
	defer t.rec.finish()
	defer ctl.Shutdown()
	for {
		ctl.Serve()
		if t.threads.len() == 0 && len(t.orphans) > 0 {
			t.adoptOrphans()
		}
		if t.threads.len() == 0 {
			// Whoever waits for the tracer's end (its stderr's, say)
			// need not wait for its goroutines to stop.
			t.rec.flush()
			if err := t.rec.err(); err != nil {
				return err
			}
			ctl.Ended()
			return nil
		}
		var ws unix.WaitStatus
		tid, err := t.wait(&ws)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			if err == unix.ECHILD {
				return nil
			}
			return fmt.Errorf("wait: %w", err)
		}
		t.handle(tid, ws)
		if err := t.rec.err(); err != nil {
			t.releaseAll()
			return fmt.Errorf("%w; tracing stopped, traced processes released", err)
		}
	}
}

// needExit reports whether the call th is in must be seen returning: for
// its RET, GIO or STRU records, or for what the tracer learns from its result.
// Under a seccomp filter a call that needs none of that runs on from its
// entry stop without a second stop.
func needExit(th *thread) bool {
	if th.proc.fac&(FacSyscall|FacGenio|FacCsw) != 0 || th.call == nil {
		return true
	}
	if th.proc.fac&FacStruct != 0 && th.call.HasStruct() {
		return true // the structures it fills
	}
	return th.call.Traits&arch.TraitsSeenReturning != 0
}

// handle processes one wait status.
func (t *Tracer) handle(tid int, ws unix.WaitStatus) {
	th := t.threads.get(tid)
	if th == nil {
		if !ws.Stopped() {
			return // a doorbell, or a child we let go
		}
		// A new child whose first stop came before its parent's fork
		// or clone event: keep the stop until that event says what
		// the child is (see adoptOrphans).
		t.orphans[tid] = ws
		return
	}
	st := decodeStop(ws)
	switch st.kind {
	case stopGone:
		t.gone(th, ws)
		return
	case stopOther:
		if !ws.Stopped() {
			return
		}
	}
	if th.phase == phaseNew {
		th.phase = phaseRunning
	}
	p := th.proc
	if p.detaching {
		t.detachAtStop(th, st)
		return
	}
	if p.fac&FacCsw != 0 || th.csw != nil {
		t.cswStop(th)
	}
	if o := ptraceOptions(p.Settings); th.options != o {
		// -i was added: follow this thread's children from now on.
		th.options = o
		_ = ptrace(unix.PTRACE_SETOPTIONS, th.tid, 0, o)
	}
	switch st.kind {
	case stopSyscall:
		t.syscallStop(th)
		t.resume(th, 0)
	case stopSignal:
		t.signalStop(th, st.sig)
	case stopEvent:
		if st.groupStop() {
			// Stay stopped, but let the parent and job control see
			// it, and wake on SIGCONT.
			_ = ptrace(ptListen, th.tid, 0, 0)
			return
		}
		t.resume(th, 0)
	case stopExit:
		t.exitEvent(th) // exitwatch.go
		t.resume(th, 0)
	case stopExec:
		t.execEvent(th)
	case stopChild:
		if msg, err := eventMsg(th.tid); err == nil {
			t.childEvent(th, int(msg), st.event)
		}
		t.resume(th, 0)
	default:
		t.resume(th, 0)
	}
}

// resume lets th run to its next stop, delivering sig if not zero.
func (t *Tracer) resume(th *thread, sig unix.Signal) {
	req, next := resumeRequest(th, sig)
	th.phase = next
	if th.csw != nil {
		t.cswResume(th)
	}
	_ = ptrace(req, th.tid, 0, uintptr(sig))
	t.waiter.resumed(next.inCall())
}

// adopt creates the state of a thread seen for the first time: a child
// auto-attached by PTRACE_O_TRACECLONE/FORK/VFORK whose first stop came
// before its parent's event. It returns nil for a pid it cannot place.
func (t *Tracer) adopt(tid int) *thread {
	st, err := procfs.ReadStatus(tid, t.scratch)
	if err != nil {
		return nil
	}
	if p := t.procs[st.Tgid]; p != nil && st.Tgid != tid {
		// A new thread of a traced process; copy a sibling's state.
		return t.addThread(tid, p, p.anyThread())
	}
	parent := t.procs[st.PPid]
	if parent == nil {
		// Not ours to place; let it go if it is stopped for us.
		_ = ptrace(ptDetach, tid, 0, 0)
		return nil
	}
	return t.newChild(tid, parent, parent.anyThread())
}

// childEvent handles a fork, vfork or clone event of th.
func (t *Tracer) childEvent(th *thread, child int, event int) {
	if t.threads.get(child) != nil {
		return // seen already, through adopt
	}
	if event == evClone && t.cloneMakesThread(th, child) {
		t.addThread(child, th.proc, th)
	} else {
		t.newChild(child, th.proc, th)
	}
	if ws, ok := t.orphans[child]; ok {
		delete(t.orphans, child)
		t.handle(child, ws)
	}
}

// adoptOrphans places the new children whose parent's event has not
// come (the parent died in between, say) from what /proc says of them,
// and handles their first stops.
func (t *Tracer) adoptOrphans() {
	for tid, ws := range t.orphans {
		delete(t.orphans, tid)
		if t.adopt(tid) != nil {
			t.handle(tid, ws)
		}
	}
}

// cloneMakesThread tells whether the clone th is in made a thread of its
// own process: from the flags of clone or clone3 where they can be read,
// else from /proc.
func (t *Tracer) cloneMakesThread(th *thread, child int) bool {
	if th.phase.inCall() && th.call != nil {
		switch {
		case th.call.Traits&arch.TraitCloneFlags != 0:
			return th.args[0]&unix.CLONE_THREAD != 0
		case th.call.Traits&arch.TraitCloneArgs != 0:
			var flags [1]uint64
			if n, err := t.mem.readWords(th.tid, th.args[0], 8, flags[:], t.scratch); err == nil && n == 1 {
				return flags[0]&unix.CLONE_THREAD != 0
			}
		}
	}
	st, err := procfs.ReadStatus(child, t.scratch)
	return err == nil && st.Tgid == th.proc.pid
}

// newChild registers a new child process; without Inherit it is
// released at its first stop.
func (t *Tracer) newChild(pid int, parent *process, pth *thread) *thread {
	p := newProcess(pid, parent.Settings, parent.started)
	p.handlers = parent.handlers // shared: see setHandler
	parent.ownHandlers = false
	p.disp = parent.shareDispositions()
	p.detaching = parent.detaching
	t.procs[pid] = p
	th := t.addThread(pid, p, pth)
	th.lastABI = arch.ABIUnknown
	switch {
	case parent.Inherit:
	case parent.Seccomp:
		// Not to be traced, but it runs under the filter: keep it,
		// recording nothing, so that its trapped calls go on.
		p.setFacilities(0)
	default:
		p.detaching = true
	}
	return th
}

// addThread registers a new thread of p, copying what it shares with the
// thread that made it.
func (t *Tracer) addThread(tid int, p *process, from *thread) *thread {
	th := t.newThread(tid, p)
	if from != nil {
		th.comm = from.comm
		th.lastABI = from.lastABI
		th.options = from.options // the kernel copies them
	} else {
		procfs.Comm(tid, &th.comm, t.scratch)
	}
	return th
}

// newThread makes thread tid of p known, without a name.
func (t *Tracer) newThread(tid int, p *process) *thread {
	th := &thread{tid: tid, proc: p, options: ptraceOptions(p.Settings), maskUnsure: true}
	p.threads = append(p.threads, th)
	t.threads.set(tid, th)
	return th
}

// gone forgets a thread that exited or was killed.
func (t *Tracer) gone(th *thread, ws unix.WaitStatus) {
	if p := th.proc; th.tid == p.pid && p.started && p.fac&FacSyscall != 0 && p.exit != exitRecorded|uint64(uint32(ws)) {
		// The leader is reported last, with the status the process's
		// parent sees: how the process ended, if its exit call did not
		// say so already (a death by a signal).
		t.rec.exit(t.header(th, th.lastABI), format.Exit{Status: uint32(ws)})
	}
	flushed := th.proc.exitFlushed
	t.forget(th)
	if !flushed {
		t.Flush()
	}
}

// detach stops tracing th, delivering sig.
func (t *Tracer) detach(th *thread, sig unix.Signal) {
	_ = ptrace(ptDetach, th.tid, 0, uintptr(sig))
	t.forget(th)
}

// execEvent handles PTRACE_EVENT_EXEC: the process runs a new program,
// possibly after a non-leader thread took over the leader's tid.
func (t *Tracer) execEvent(th *thread) {
	p := th.proc
	if msg, err := eventMsg(th.tid); err == nil && int(msg) != th.tid {
		// A non-leader thread exec'd: the kernel gave it the leader's tid,
		// and the old leader is gone without a report.
		old := t.threads.get(int(msg))
		if old != nil && old != th {
			if th.csw != nil {
				t.cswClose(th) // the old leader's watch
			}
			t.threads.delete(old.tid)
			p.removeThread(th)
			old.tid = th.tid
			t.threads.set(th.tid, old)
			th = old
		}
	}
	// Every other thread is gone too; their exits may still be reported,
	// but the process now has one thread. (A command's records start at
	// the execve entry seen before this event, not here: an exec whose
	// entry came before the seize is not the command's.)
	p.handlers, p.ownHandlers = nil, false
	p.disp = nil
	th.lastABI = arch.ABIUnknown
	if th.phase.inCall() {
		th.phase = phaseExecReturn // its exit stop comes next
	} else {
		th.phase = phaseExecFresh
	}
	procfs.Comm(th.tid, &th.comm, t.scratch)
	t.resume(th, 0)
}

// releaseAll detaches every tracee after a fatal error, leaving each
// running (or stopped) as it would be untraced.
func (t *Tracer) releaseAll() {
	for _, p := range t.procs {
		t.startDetach(p)
	}
	deadline := time.Now().Add(5 * time.Second)
	for t.threads.len() > 0 && time.Now().Before(deadline) {
		var ws unix.WaitStatus
		tid, err := unix.Wait4(-1, &ws, unix.WALL, nil)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			break
		}
		t.handle(tid, ws)
	}
}

// forget drops the state of a thread that is no longer traced.
func (t *Tracer) forget(th *thread) {
	if th.csw != nil {
		t.cswClose(th)
	}
	t.threads.delete(th.tid)
	p := th.proc
	p.removeThread(th)
	if len(p.threads) == 0 {
		delete(t.procs, p.pid)
		t.ctl.Released(p.pid)
	}
}

// Flush writes out buffered records.
func (t *Tracer) Flush() { t.rec.flush() }

// Lost returns how many records the tracer knows were lost (context
// switch events the kernel dropped).
func (t *Tracer) Lost() uint64 {
	t.rec.mu.Lock()
	defer t.rec.mu.Unlock()
	return t.rec.lost
}

// header fills the reused record header for th.
func (t *Tracer) header(th *thread, abi arch.ABI) *format.Header {
	th.proc.exitFlushed = false
	h := &t.hdr
	h.PID = int32(th.proc.pid)
	h.TID = int32(th.tid)
	h.Time = time.Now().UnixNano()
	h.Comm = th.comm
	h.ABI = abi
	h.Flags = 0
	return h
}

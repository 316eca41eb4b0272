package tracer

// Context-switch records (-t w).
//
// BSD writes a CSW record when a traced thread stops running and another
// when it runs again, saying whether it slept in the kernel (voluntary,
// "kernel", with the wait message) or was preempted ("user"). Under
// ptrace the tracer does not run when the tracee switches, so it learns
// of the switches afterwards, at the tracee's next ptrace stop:
//
//   - The kernel's own switch events (csw_perf.go). At its first stop,
//     each thread gets a perf event (PERF_COUNT_SW_DUMMY with
//     context_switch) whose ring buffer receives a PERF_RECORD_SWITCH at
//     every switch-out and switch-in of the thread, timestamped on
//     CLOCK_REALTIME like the other records. At each stop the buffer is
//     drained and each switch-out/switch-in pair becomes a CSW stop and a
//     CSW resume record with the event's own time, before the stop's own
//     records. The ring is read in memory: no system call, no /proc.
//
//   - Where perf events are refused (perf_event_paranoid, no
//     CAP_PERFMON, a kernel without them), the tracer says so once and
//     infers the switches (csw_proc.go) from the voluntary and
//     nonvoluntary switch counters of /proc/PID/task/TID/status, read at
//     each stop; those records carry format.FlagInferred and the stop's
//     time.
//
// Every ptrace stop is a context switch too: the tracee schedules out
// when it stops and in when the tracer resumes it. Those are the tracer's
// doing, not the program's, and are left out, so that a program making a
// million system calls shows only the switches it made by itself
// (sleeping in nanosleep or read, being preempted). The stop's
// switch-out is the last switch-out before the first switch-in that
// follows the resume, and cswResume notes when that is (see
// cswState.event); the fallback subtracts one voluntary switch per stop.
//
// The wait reason of a voluntary switch is the name of the system call
// the thread was in, which the tracer knows between a syscall-entry and
// a syscall-exit stop; outside a system call (a page fault, say) it is
// left empty. That is why w needs syscall stops (Facilities.needsSyscalls).

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/procfs"
)

// cswShared is the context-switch state of a Tracer, shared by its
// threads.
type cswShared struct {
	// perfOff is set once the kernel refused a perf event for a reason
	// that holds for every thread: all threads then infer from /proc.
	perfOff bool
	// warned is set once the fallback has been reported.
	warned bool
	// warn receives the report; os.Stderr when nil.
	warn io.Writer
	// rec and reason are reused for each record written.
	rec    format.Csw
	reason []byte
}

// cswState is the context-switch watch of one thread: a perf event ring
// or, failing that, the thread's /proc switch counters.
type cswState struct {
	ring *perfRing // nil when inferring from /proc

	// The switches seen on the ring: out is a switch-out not yet paired
	// with its switch-in. expectIn is set when the thread was resumed
	// from a ptrace stop: the next switch-in on the ring ends the stop
	// and is no switch of the program's.
	out      cswSwitch
	hasOut   bool
	expectIn bool

	counts procCounts // the /proc fallback
}

// cswSwitch is one switch-out seen on the ring.
type cswSwitch struct {
	when    int64 // CLOCK_REALTIME ns
	preempt bool  // the thread was still runnable: preempted
}

// cswStop is called at every stop of a thread traced for w, before the
// stop's own records: it writes the CSW records of the switches the
// thread made since it last ran under us.
func (t *Tracer) cswStop(th *thread) {
	p := th.proc
	if p.fac&FacCsw == 0 {
		// w was cleared while the watch was on.
		if th.csw != nil {
			t.cswClose(th)
		}
		return
	}
	if !p.started {
		return // a command not yet at its execve records nothing
	}
	switch s := th.csw; {
	case s == nil:
		th.csw = t.cswOpen(th)
	case s.ring != nil:
		t.cswDrain(th, s)
	default:
		t.cswCount(th, s)
	}
}

// cswResume is called just before th is resumed: the next switch-in on
// the ring ends the ptrace stop.
func (t *Tracer) cswResume(th *thread) {
	s := th.csw
	if s.ring == nil {
		return
	}
	s.expectIn = true
}

// cswClose ends the watch when th is no longer traced.
func (t *Tracer) cswClose(th *thread) {
	s := th.csw
	th.csw = nil
	if s.ring != nil {
		s.ring.close()
	}
	s.counts.close()
}

// cswOpen starts watching the switches of th, which is stopped: on a perf
// event where the kernel allows, else on its /proc counters.
func (t *Tracer) cswOpen(th *thread) *cswState {
	s := &cswState{counts: procCounts{fd: -1, sched: -1}}
	if !t.opts.NoPerfEvents && !t.csw.perfOff {
		r, err := openPerfRing(th.tid)
		if err == nil {
			s.ring = r
			return s
		}
		if errors.Is(err, unix.ESRCH) {
			return s // the thread is gone: nothing to watch
		}
		if perfRefused(err) {
			t.csw.perfOff = true
		}
		t.cswWarn(err)
	}
	t.cswCount(th, s)
	return s
}

// perfRefused reports whether a perf_event_open error means the kernel
// will not give this tracer perf events for any thread, as opposed to a
// failure particular to one thread (too many open files, locked memory).
func perfRefused(err error) bool {
	var op *perfOpenError
	if !errors.As(err, &op) {
		return false
	}
	switch op.err {
	case unix.EACCES, unix.EPERM, unix.ENOSYS, unix.ENOENT, unix.EINVAL, unix.EOPNOTSUPP, unix.E2BIG:
		return true
	}
	return false
}

// cswWarn reports, once per tracer, that context switches are inferred.
func (t *Tracer) cswWarn(err error) {
	if t.csw.warned {
		return
	}
	t.csw.warned = true
	w := t.csw.warn
	if w == nil {
		w = os.Stderr
	}
	why := err.Error()
	var op *perfOpenError
	if errors.As(err, &op) && (op.err == unix.EACCES || op.err == unix.EPERM) {
		if n, ok := procfs.PerfEventParanoid(); ok {
			why += ", kernel.perf_event_paranoid=" + strconv.Itoa(n)
		}
	}
	fmt.Fprintf(w, "ktrace: perf events unavailable (%s): context switches inferred from /proc\n", why)
}

// cswWrite writes one CSW record of th at time when (0: now).
func (t *Tracer) cswWrite(th *thread, out, user bool, when int64, reason []byte, flags format.Flags) {
	h := t.header(th, th.lastABI)
	if when != 0 {
		h.Time = when
	}
	h.Flags = flags
	c := &t.csw.rec
	c.Out, c.User, c.WaitFor = out, user, reason
	t.rec.csw(h, c)
}

// cswPair writes the CSW stop and resume records of one switch of th
// that the program made by itself.
func (t *Tracer) cswPair(th *thread, out, in int64, preempt bool, flags format.Flags) {
	reason := t.cswReason(th, preempt)
	t.cswWrite(th, true, preempt, out, reason, flags)
	t.cswWrite(th, false, preempt, in, nil, flags)
}

// cswReason returns the wait reason of a switch of th: the system call
// it is in for a voluntary switch, else nothing.
func (t *Tracer) cswReason(th *thread, preempt bool) []byte {
	if preempt || !th.phase.inCall() || th.call == nil {
		return nil
	}
	t.csw.reason = append(t.csw.reason[:0], th.call.Name...)
	return t.csw.reason
}

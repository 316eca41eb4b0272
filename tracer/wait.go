package tracer

import (
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Waiting for stops.
//
// Spinning: after resuming a tracee, the tracer polls for its next stop
// for a while before it sleeps in wait4. A traced program that makes
// system calls back to back stops again within microseconds, and a
// tracer that is still running when it does needs no wake-up: on a
// machine where waking an idle CPU is dear, that halves the cost of each
// stop. The budget halves each time the poll finds nothing (the tracee
// blocks or computes) and is restored when it finds a stop, so a tracee
// that rarely stops costs almost no spinning. There are two budgets, one
// for a tracee resumed into a call (its exit stop comes at once unless
// the call blocks) and one for a tracee resumed out of one (its next call
// may come after a long computation): with one budget, a program that
// computes between quick calls restored it at every exit stop and spent
// it in vain after every exit, taking a CPU from the computing tracees.
//
// A tracer that may run on one CPU only (taskset, cpusets) never spins:
// its tracees run on that CPU too, and every poll would take the CPU
// from the tracee it waits for. Each poll also walks the list of all the
// tracer's tracees in the kernel (wait_consider_task), which is long in
// a large process tree.
//
// The Go runtime: the blocking wait4 goes through the runtime's system
// call bookkeeping so that other goroutines (the control socket, the
// flush timer) run meanwhile. With GOMAXPROCS 1 (one CPU allowed) the
// runtime's monitor takes the tracer's P away whenever wait4 sleeps for
// more than 20 µs, hands it to another thread and keeps waking every
// 20 µs; the tracer then often has to wait for a P when wait4 returns.
// With a second P idle the monitor leaves a sleeping system call alone,
// so the tracer keeps GOMAXPROCS at 2 or more.
//
// The scheduler: where the tracer shares a CPU with its tracees (taskset,
// busy CPUs), a tracee that stops hands the CPU to whichever task has the
// earliest deadline, often another tracee, and the tracer waits its turn
// while the stopped tracee waits for it. The tracer thread asks for the
// shortest time slice the kernel grants (sched_setattr's sched_runtime,
// Linux 6.12 and later; older kernels ignore it): its deadlines come
// sooner, so it runs sooner once a stop is there, and it still gets no more
// CPU than before (its weight, its nice value, is unchanged). A fork tree
// of depth 10 pinned to one CPU took 3% less time.
const (
	maxSpin   = 50 * time.Microsecond
	spinPause = 64 // waits without spinning once the budget is spent
	// minProcs is the least GOMAXPROCS the tracer runs with.
	minProcs = 2
)

// ThreadSlice is the time slice the tracer thread asks the scheduler for
// (see above): the least the kernel grants.
const ThreadSlice = 100 * time.Microsecond

// waiter is the state of the tracer's waits.
type waiter struct {
	canSpin bool // the tracer may run on more than one CPU
	// inCall says the tracee resumed last was resumed into a call: it
	// selects the budget.
	inCall bool
	spin   [2]time.Duration // current spinning budget, by inCall
	noSpin [2]int           // waits left without spinning, by inCall
}

// resumed notes how the tracer resumed a tracee last: into a call or not.
func (w *waiter) resumed(inCall bool) { w.inCall = inCall }

// init prepares w for the tracer's thread, and the Go runtime for the
// tracer (see above).
func (w *waiter) init() {
	w.spin = [2]time.Duration{maxSpin, maxSpin}
	var set unix.CPUSet
	w.canSpin = unix.SchedGetaffinity(0, &set) != nil || set.Count() > 1
	if runtime.GOMAXPROCS(0) < minProcs {
		runtime.GOMAXPROCS(minProcs)
	}
	AskThreadSlice()
}

// AskThreadSlice asks the scheduler for ThreadSlice as the calling
// thread's time slice, if it runs under the normal policy (one that chrt
// made otherwise keeps its policy), and reports whether the kernel keeps
// it. It needs no privilege; a kernel that does not know the setting, or
// refuses it, leaves the slice as it was.
func AskThreadSlice() bool {
	attr, err := unix.SchedGetAttr(0, 0)
	if err != nil || attr.Policy != unix.SCHED_NORMAL {
		return false
	}
	attr.Flags = 0
	attr.Runtime = uint64(ThreadSlice.Nanoseconds())
	if unix.SchedSetAttr(0, attr, 0) != nil {
		return false
	}
	attr, err = unix.SchedGetAttr(0, 0)
	return err == nil && time.Duration(attr.Runtime) == ThreadSlice
}

// wait returns the next wait status of any tracee.
func (t *Tracer) wait(ws *unix.WaitStatus) (int, error) {
	w := &t.waiter
	k := 0
	if w.inCall {
		k = 1
	}
	switch {
	case !w.canSpin:
	case w.noSpin[k] > 0:
		w.noSpin[k]--
	case w.spin[k] > 0:
		start := time.Now()
		for {
			tid, err := wait4NoHang(ws)
			if tid != 0 || err != nil {
				w.spin[k] = maxSpin
				return tid, err
			}
			if time.Since(start) > w.spin[k] { // one clock read (time.Now reads two)
				break
			}
		}
		if w.spin[k] /= 2; w.spin[k] < time.Microsecond {
			w.spin[k], w.noSpin[k] = maxSpin, spinPause
		}
	}
	if len(t.orphans) > 0 {
		// Nothing else is coming soon: the parents' events are not
		// on their way.
		if tid, err := wait4NoHang(ws); tid != 0 || err != nil {
			return tid, err
		}
		t.adoptOrphans()
	}
	return unix.Wait4(-1, ws, waitFlags, nil)
}

// waitFlags are the flags of the tracer's waits. Not __WNOTHREAD: the
// doorbell (see package session) is a child of another thread.
const waitFlags = unix.WALL

// wait4NoHang polls for a wait status without blocking. It never sleeps,
// so it goes through RawSyscall like the ptrace requests.
func wait4NoHang(ws *unix.WaitStatus) (int, error) {
	var status int32
	r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(&status)),
		waitFlags|unix.WNOHANG, 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	*ws = unix.WaitStatus(status)
	return int(r), nil
}

package stdfds

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/procfs"
)

// The standby process. ktrace's background tracer is a second process
// with a Go runtime of its own, and starting one (an execve, a fork, the
// runtime's start, the packages' initialisation) takes a few
// milliseconds that a short traced command would wait for. So the entry
// point forks it at once, before either runtime starts, and both
// processes start side by side: the standby, reparented to init or the
// nearest subreaper like a detached process (see DetachEnv), in a process
// group of its own in the session it was started in, waits on its end of a
// socket pair for what to do; the program it was forked from holds the
// other end, and uses it or lets it go.
//
// Before its runtime starts, the standby puts /dev/null on descriptors 0, 1
// and 2 (but 2 for a waiting front, see front.go) and closes every other descriptor it inherited but its end of the
// pair (close_range, Linux 5.9; on an older kernel it exits there, and the
// program finds no one at the other end): it holds none of the program's
// files, pipes or terminals, and what it needs is sent over the pair
// (SCM_RIGHTS).
//
// There is no standby when the program was linked without LinkFlag, when
// the socket pair or a fork fails, or when the first environment variable
// is one of ktrace's own helpers' (DetachEnv, HelperEnv) or
// KTRACE_NO_STANDBY, for a user who wants none (standbyPrefixes). A
// program always has another way to start what the standby would have
// been.

// standby says what the entry point made of this process, standbyPair
// is the socket pair (see above), and standbyParent the pid of the
// short-lived process that forked the standby, a child of this one.
//
// That process is what puts the standby out of this one's children, and
// it is started as vfork(2) starts one: it runs in this process's memory,
// which it does not write, while this one sleeps until it exits. A fork
// would copy this process's page tables, and the standby's fork copies
// them again: where the machine makes each page table dear (a virtual
// machine whose page faults cost 15-25 µs), the vfork took 0.4 ms off
// `ktrace -f t.out /bin/true`, about 20 ms there (paired medians of two
// runs of 400 pairs each: 0.46 and 0.36 ms), and 2 ms of CPU time
// (perf stat -r 40: 19.8 and 19.5 ms against 22.0 and 21.3).
var (
	standby       uint8
	standbyPair   [2]int32
	standbyParent int32
)

// Where it started. The entry point starts the standby's parent on the
// CPU it runs on, where the kernel tends to keep the new processes
// (until a balancing pass, a millisecond or more later) while the other
// CPUs idle: both runtimes would start on one CPU, one after the other.
// So the standby's parent moves itself to the other CPUs it may use
// (sched_setaffinity) before it forks, and the standby takes back the
// whole mask before its runtime starts: standbyMask is the mask, standbyAway the
// mask without standbyCPU, standbyMaskLen their length in bytes, and
// standbyAwayOK says there is another CPU to move to.
//
// A waiting front's standby stays where it was forked, and starts its
// runtime pinned to the CPU the front runs on (standbyPin, the mask of
// that CPU alone, standbyPinOK says it was made, standbyPinned that the
// standby is pinned): the front sleeps while it runs. The runtime makes its
// first threads there (its monitor, and the workers it starts while it
// initialises, fewer with one CPU in the mask); the thread that traces
// takes the whole mask back (UnpinThread), the others keep that CPU for
// the first milliseconds of the trace (UnpinThreads). On this kernel a
// tracer with two or more threads made in the last tens of milliseconds
// that may run anywhere rarely has its tracee run on its own CPU, where
// a stop costs no wake of another: a C model with four such threads had
// its tracee's 60 calls share its CPU in 0 to 5 runs of 40, and in 16 to
// 32 with no thread, with one, with four pinned to a CPU, or with four
// made 30 ms earlier; threads in another process made no difference.
// On a 2-CPU virtual machine, 600 runs of `ktrace -f t.out /bin/true`
// interleaved with as many without the pinning took 4.34 ms on average
// against 4.70 ms, and in a second run 4.22 against 5.03 (strace -f:
// 5.78 and 6.02).
var (
	standbyCPU     uint32
	standbyMask    [128]byte
	standbyAway    [128]byte
	standbyPin     [128]byte
	standbyMaskLen int64
	standbyAwayOK  uint8
	standbyPinOK   uint8
	standbyPinned  uint8
)

// HelpersPinned is how long the threads of a waiting front's standby but
// the tracer's keep the CPU the standby started on (see above).
const HelpersPinned = 30 * time.Millisecond

// PinnedStart reports whether this process is a waiting front's standby
// whose runtime started pinned to one CPU.
func PinnedStart() bool { return standby == standbyChild && standbyPinned != 0 }

// UnpinThread gives the calling thread of a standby whose runtime started
// pinned the standby's whole mask back. It does nothing in another
// process.
func UnpinThread() error {
	if !PinnedStart() {
		return nil
	}
	set := wholeMask()
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("unpin thread %d: %w", unix.Gettid(), err)
	}
	return nil
}

// UnpinThreads gives every thread of a standby whose runtime started
// pinned the standby's whole mask back, and so those they make from then
// on. It lists the threads again until no new one shows up: one made
// meanwhile by a thread still pinned is pinned too. A thread it cannot
// unpin it leaves as it is, and goes on with the others; it returns the
// first such error. It does nothing in another process.
func UnpinThreads() error {
	if !PinnedStart() {
		return nil
	}
	set := wholeMask()
	done := map[int]bool{}
	var first error
	for {
		tids, err := procfs.Threads(os.Getpid())
		if err != nil {
			return fmt.Errorf("unpin threads: %w", err)
		}
		more := false
		for _, tid := range tids {
			if done[tid] {
				continue
			}
			done[tid] = true
			more = true
			// A thread that exited meanwhile is no matter.
			if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH && first == nil {
				first = fmt.Errorf("unpin thread %d: %w", tid, err)
			}
		}
		if !more {
			return first
		}
	}
}

// wholeMask returns the mask the standby was forked with.
func wholeMask() unix.CPUSet {
	var set unix.CPUSet
	for i := range min(int(standbyMaskLen), len(standbyMask)) {
		for b := range 8 {
			if standbyMask[i]&(1<<b) != 0 {
				set.Set(8*i + b)
			}
		}
	}
	return set
}

// standbyTimerSlack is the timer slack of the standby's threads, in
// nanoseconds: the time the kernel may let their sleeps run over, to end
// them with another wake of their CPU (prctl(2), PR_SET_TIMERSLACK; 50 µs
// unless a parent set another). The entry point sets it in the standby
// before its runtime starts, and every thread the runtime makes inherits
// it: the tracer's own thread waits in wait4 and sleeps with no timeout,
// so that only the runtime's timed sleeps run longer. Those matter: the
// runtime's monitor thread (sysmon) sleeps 20 µs between its rounds for
// the first fifty, and again after each time it takes a processor back
// from a thread blocked in a system call, and a tracer lives in wait4.
// So for the first milliseconds of a trace, all of a short command's,
// it woke a CPU every 20 µs, about every 100 µs on a virtual machine,
// where each wake of an idle virtual CPU is an exit to the host; and the
// scheduler, seeing both CPUs in use, kept the tracer and its tracee on
// two of them, so that each of the tracee's stops woke an idle CPU too.
// On a 2-CPU virtual machine, 600 runs of `ktrace -f t.out /bin/true`
// interleaved with as many of ktrace before the slack took 4.70 ms on
// average against 6.04 ms (the median 4.68 against 6.28). The monitor's
// longest sleep, 10 ms, it takes when idle, so what it watches for (a
// thread long in a system call while work waits, a goroutine running
// for 10 ms, a network poll 10 ms overdue) waits a millisecond more at
// most; the runtime's timers fire up to a millisecond late. The program
// the standby was forked from, and so a traced command, keeps its own.
const standbyTimerSlack = 1_000_000

// standbyReaped says ReapStandbyParent was called.
var standbyReaped atomic.Bool

// The values of standby.
const (
	standbyNone  = iota
	standbyFront // this process has a standby: standbyPair[0] reaches it
	standbyChild // this process is the standby: standbyPair[1] reaches its program
)

// standbyTaken says TakeStandby was called.
var standbyTaken atomic.Bool

// devNull is the path the standby opens on its standard descriptors,
// NUL-terminated for the entry point.
var devNull = [...]byte{'/', 'd', 'e', 'v', '/', 'n', 'u', 'l', 'l', 0}

// StandbyFd reports whether this process is a standby, and the descriptor
// of its end of the socket pair: the program it was forked from sends its
// work there, or closes its end.
func StandbyFd() (fd int, ok bool) {
	if standby != standbyChild {
		return -1, false
	}
	return int(standbyPair[1]), true
}

// TakeStandby returns the descriptor that reaches this program's standby
// process, the first time it is called, if there is one. The descriptor is
// close-on-exec, and the caller's to close.
func TakeStandby() (fd int, ok bool) {
	if standby != standbyFront || standbyTaken.Swap(true) {
		return -1, false
	}
	ReapStandbyParent()
	return int(standbyPair[0]), true
}

// ReapStandbyParent waits for the process that forked the standby (it
// exits at once) if it was not waited for yet: a program must call it
// before it executes another, which would otherwise inherit that child.
func ReapStandbyParent() {
	if standbyParent <= 0 || standbyReaped.Swap(true) {
		return
	}
	for {
		_, err := unix.Wait4(int(standbyParent), nil, 0, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// standbyPrefixes are the starts of a first environment variable that
// keep the entry point from forking a standby, each NUL-terminated, and
// an empty one last: ktrace's helpers (HelperEnv, DetachEnv) and the
// user's KTRACE_NO_STANDBY. Only those: a variable of the user's own
// that happens to come first (KTRACE_BENCH_ROUNDS=3 ktrace ...) keeps
// the standby.
var standbyPrefixes = [...]byte{
	'K', 'T', 'R', 'A', 'C', 'E', '_', 'H', 'E', 'L', 'P', 'E', 'R', '=', 0,
	'K', 'T', 'R', 'A', 'C', 'E', '_', 'D', 'E', 'T', 'A', 'C', 'H', '=', 0,
	'K', 'T', 'R', 'A', 'C', 'E', '_', 'N', 'O', '_', 'S', 'T', 'A', 'N', 'D',
	'B', 'Y', '=', 0, 0,
}

// HelperEnv names the environment variable that, first in the
// environment, makes ktrace one of its own helper processes (see package
// session).
const HelperEnv = "KTRACE_HELPER"

// standby is the standby part of the entry point (standby_*.s).
func standbyEntry()

// The standby code is called by no Go code, and reads its data there.
var (
	_ = standbyEntry
	_ = standbyPrefixes
	_ = devNull
	_ = standbyCPU
	_ = standbyMask
	_ = standbyAway
	_ = standbyMaskLen
	_ = standbyAwayOK
	_ = standbyPin
	_ = standbyPinOK
)

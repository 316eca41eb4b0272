package tracer

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/procfs"
)

// A PSIG record says what the process does with the signal. Where the
// tracer saw the handler installed (rt_sigaction) it knows; otherwise it
// asks /proc/PID/status (SigIgn, SigCgt), which costs an open, a read
// and a close that the kernel answers slowly: in a process tree every
// parent gets a SIGCHLD per child. What /proc said is kept per process
// until it may have changed: at the entry and at the exit of a call of
// the %signal group or of one the tracer does not know (this covers the
// i386 sigaction and signal calls, which it does not follow), at an exec
// (which resets caught signals), after a caught signal (its handler may
// be SA_RESETHAND), and always under a seccomp filter (calls go unseen).
// A child starts with its parent's.

// sigDispositions returns the signals th's process ignores and catches,
// reading /proc only when what it said last may have changed (under a
// seccomp filter sigMask has just read it).
func (t *Tracer) sigDispositions(th *thread) (ign, cgt uint64, ok bool) {
	p := th.proc
	if !p.sigStatus {
		st, err := procfs.ReadStatus(th.tid, t.scratch)
		if err != nil {
			return 0, 0, false
		}
		p.sigIgn, p.sigCgt, p.sigStatus = st.SigIgn, st.SigCgt, true
	}
	return p.sigIgn, p.sigCgt, true
}

// sigCall forgets what /proc said of th's signal dispositions when the
// call th enters or leaves may change them. At both ends: another thread
// of the process may take a signal, and read /proc, while the call runs.
func sigCall(th *thread) {
	if th.call == nil || th.call.Traits&arch.ClassSignal != 0 {
		th.proc.sigStatus = false
	}
}

// ptGetSigmask is PTRACE_GETSIGMASK (Linux 3.11).
const ptGetSigmask = unix.PTRACE_GETSIGMASK

// sigMask returns the signals th blocks, as /proc/TID/status says them
// (SigBlk). PTRACE_GETSIGMASK answers without /proc, but while a call
// that runs with a mask of its own (sigsuspend, ppoll, pselect6,
// epoll_pwait) is being interrupted by the signal, it returns the mask
// the thread goes back to, not the one it has: then, or when the tracer
// did not see the thread's last call return, or under a seccomp filter
// (calls go unseen), /proc is read, and what it says of the
// dispositions is kept too.
func (t *Tracer) sigMask(th *thread) (uint64, bool) {
	p := th.proc
	if !th.maskUnsure && !p.Seccomp {
		var mask uint64
		_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, ptGetSigmask, uintptr(th.tid), unsafe.Sizeof(mask),
			uintptr(unsafe.Pointer(&mask)), 0, 0)
		if e == 0 {
			return mask, true
		}
	}
	st, err := procfs.ReadStatus(th.tid, t.scratch)
	if err != nil {
		p.sigStatus = false
		return 0, false
	}
	p.sigIgn, p.sigCgt, p.sigStatus = st.SigIgn, st.SigCgt, true
	return st.SigBlk, true
}

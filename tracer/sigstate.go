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
// parent gets a SIGCHLD per child. What /proc said is kept until it may
// have changed: at the entry and at the exit of a call that may change
// it (rt_sigaction, and i386's sigaction and signal, which the tracer
// does not follow: arch.TraitSigDispositions) or of one the tracer does
// not know, at an exec (which resets caught signals), after a caught
// signal (its handler may be SA_RESETHAND), and always under a seccomp
// filter (calls go unseen).
//
// A forked child has its parent's dispositions, and keeps them as long
// as neither makes such a call: the two share what /proc says
// (dispositions), so that one read serves a whole process tree, even
// when the first signal comes after the forks. Whoever may change its
// dispositions drops what it shares (disp = nil) and learns its own.

// dispositions are the signals a process ignores and catches, as
// /proc/PID/status said them, when known is set.
type dispositions struct {
	ign, cgt uint64
	known    bool
}

// shareDispositions returns the dispositions of a child p forks now:
// p's, shared, unless p's calls go unseen (seccomp) or one of its
// threads is in a call that may change them.
func (p *process) shareDispositions() *dispositions {
	if p.Seccomp {
		return nil
	}
	for _, th := range p.threads {
		if th.phase.inCall() && mayChangeDispositions(th) {
			return nil
		}
	}
	if p.disp == nil {
		p.disp = new(dispositions)
	}
	return p.disp
}

// learnDispositions keeps what /proc said of p's dispositions, for p and
// for every process sharing them (they have the same: see above).
func (p *process) learnDispositions(st *procfs.Status) {
	if p.disp == nil {
		p.disp = new(dispositions)
	}
	*p.disp = dispositions{ign: st.SigIgn, cgt: st.SigCgt, known: true}
}

// sigDispositions returns the signals th's process ignores and catches,
// reading /proc only when what it said last may have changed (under a
// seccomp filter sigMask has just read it).
func (t *Tracer) sigDispositions(th *thread) (ign, cgt uint64, ok bool) {
	p := th.proc
	if p.disp == nil || !p.disp.known {
		st, err := t.readSigStatus(th)
		if err != nil {
			return 0, 0, false
		}
		p.learnDispositions(&st)
	}
	return p.disp.ign, p.disp.cgt, true
}

// readSigStatus reads /proc/TID/status for th's signal state.
func (t *Tracer) readSigStatus(th *thread) (procfs.Status, error) {
	t.sigReads++
	return procfs.ReadStatus(th.tid, t.scratch)
}

// mayChangeDispositions reports whether the call th is in (or leaves)
// may change its process's signal dispositions: one that does, or one
// the tracer does not know.
func mayChangeDispositions(th *thread) bool {
	return th.call == nil || th.call.Traits&arch.TraitSigDispositions != 0
}

// sigCall forgets what /proc said of th's signal dispositions when the
// call th enters or leaves may change them. At both ends: another thread
// of the process may take a signal, and read /proc, while the call runs.
func sigCall(th *thread) {
	if mayChangeDispositions(th) {
		th.proc.disp = nil
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
	st, err := t.readSigStatus(th)
	if err != nil {
		p.disp = nil
		return 0, false
	}
	p.learnDispositions(&st)
	return st.SigBlk, true
}

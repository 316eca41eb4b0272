package tracer

import (
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/procfs"
)

// Controller drives a running Tracer from outside: the background
// tracer's session serves requests through it between stops. Its methods
// are called from the Tracer's thread, and may call the Tracer's
// exported methods.
type Controller interface {
	// Serve is called before the tracer waits for the next stop.
	Serve()
	// Released is called when process pid is traced no longer: it
	// exited, or it was released.
	Released(pid int)
	// Ended is called once the last tracee is gone and the trace is
	// written, before Shutdown; not when tracing stops on an error.
	Ended()
	// Shutdown is called once, when Run ends.
	Shutdown()
}

// noController is the Controller of a Tracer run without one.
type noController struct{}

func (noController) Serve()       {}
func (noController) Released(int) {}
func (noController) Ended()       {}
func (noController) Shutdown()    {}

// Tracing reports whether process pid is being traced.
func (t *Tracer) Tracing(pid int) bool { return t.procs[pid] != nil }

// Traced returns the processes being traced.
func (t *Tracer) Traced() []int {
	pids := make([]int, 0, len(t.procs))
	for pid := range t.procs {
		pids = append(pids, pid)
	}
	return pids
}

// AttachAll traces the processes pids, every thread of each, with s. A
// process already traced here gets s's facilities added. A process that
// exits meanwhile is passed over; its error is returned only when no
// process of pids is traced. On any other error none of those not traced
// before are.
func (t *Tracer) AttachAll(pids []int, s Settings) error {
	var done []*process
	var gone error     // why the first process that exited meanwhile could not be traced
	anyTraced := false // a process of pids was traced already
	for _, pid := range pids {
		if p := t.procs[pid]; p != nil {
			anyTraced = true
			p.setFacilities(p.Facilities | s.Facilities)
			if s.GenioSize != p.GenioSize {
				p.GenioSize = s.GenioSize
			}
			if s.Inherit && !p.Inherit {
				// Each thread takes the new options at its next stop.
				p.Inherit = true
				for _, th := range p.threads {
					_ = ptrace(ptInterrupt, th.tid, 0, 0)
				}
			}
			continue
		}
		p, err := t.seizeProcess(pid, s)
		if err != nil {
			if vanished(pid, err) {
				// It exited while we came: nothing to trace.
				if gone == nil {
					gone = err
				}
				continue
			}
			for _, d := range done {
				t.releaseNow(d)
			}
			return err
		}
		done = append(done, p)
	}
	if len(done) == 0 && gone != nil && !anyTraced {
		return gone
	}
	// A thread is traced once its first stop has been seen and it runs on
	// under PTRACE_SYSCALL: before that, a call it finishes would go
	// unrecorded. Wait for those stops, handling every stop that comes
	// meanwhile: a thread may be unable to stop before another does (a
	// vfork parent waits for its child, which may be one of ours).
	for t.firstStopsDue(done) {
		var ws unix.WaitStatus
		tid, err := unix.Wait4(-1, &ws, unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			break
		}
		t.handle(tid, ws)
	}
	return nil
}

// firstStopsDue reports whether a thread of procs, still traced, has not
// had its first stop yet.
func (t *Tracer) firstStopsDue(procs []*process) bool {
	for _, p := range procs {
		if t.procs[p.pid] != p {
			continue // gone, or released
		}
		for _, th := range p.threads {
			if th.phase == phaseNew {
				return true
			}
		}
	}
	return false
}

// seizeProcess seizes every thread of process pid and has each stop once
// so that it runs on under the tracer.
func (t *Tracer) seizeProcess(pid int, s Settings) (*process, error) {
	opts := ptraceOptions(s)
	var seized, failed []int
	var firstErr error // of the first thread that could not be seized
	// Threads may be created while we seize: list them again until no
	// new one shows up. Those made by seized threads are attached by
	// PTRACE_O_TRACECLONE anyway.
	for {
		tids, err := procfs.Threads(pid)
		if err != nil {
			t.releaseTids(seized)
			return nil, fmt.Errorf("%d: %w", pid, unix.ESRCH)
		}
		added := 0
		for _, tid := range tids {
			if slices.Contains(seized, tid) || slices.Contains(failed, tid) {
				continue
			}
			if err := ptrace(ptSeize, tid, 0, opts); err != nil {
				if err != unix.ESRCH && err != unix.EPERM {
					t.releaseTids(seized)
					return nil, attachError(pid, err)
				}
				// The thread is gone or exiting (PTRACE_SEIZE of an
				// exiting thread is EPERM), or the process is not ours
				// to trace: then no thread of it can be seized.
				failed = append(failed, tid)
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			seized = append(seized, tid)
			added++
		}
		if added == 0 {
			break
		}
	}
	if len(seized) == 0 {
		if firstErr == nil {
			firstErr = unix.ESRCH
		}
		return nil, attachError(pid, firstErr)
	}
	p := newProcess(pid, s, true)
	t.procs[pid] = p
	for _, tid := range seized {
		t.addThread(tid, p, nil)
		_ = ptrace(ptInterrupt, tid, 0, 0)
	}
	return p, nil
}

// vanished reports whether err, from seizing process pid, means that the
// process exited meanwhile (it is gone, or a zombie).
func vanished(pid int, err error) bool {
	if errors.Is(err, unix.ESRCH) {
		return true
	}
	if !errors.Is(err, unix.EPERM) {
		return false
	}
	st, serr := procfs.ReadStat(pid)
	return serr != nil || st.State == 'Z' || st.State == 'X'
}

// releaseTids detaches threads just seized, before their first stop.
func (t *Tracer) releaseTids(tids []int) {
	for _, tid := range tids {
		_ = ptrace(ptInterrupt, tid, 0, 0)
	}
	for _, tid := range tids {
		t.waitAndDetach(tid)
	}
}

// waitAndDetach waits for tid's next stop and detaches it there, passing
// on a signal that was about to be delivered.
func (t *Tracer) waitAndDetach(tid int) {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(tid, &ws, unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || !ws.Stopped() {
			return
		}
		_ = ptrace(ptDetach, tid, 0, uintptr(decodeStop(ws).pending()))
		return
	}
}

// releaseNow detaches every thread of p before returning.
func (t *Tracer) releaseNow(p *process) {
	tids := make([]int, 0, len(p.threads))
	for _, th := range p.threads {
		tids = append(tids, th.tid)
		t.threads.delete(th.tid)
	}
	p.threads = nil
	delete(t.procs, p.pid)
	t.releaseTids(tids)
}

// startDetach begins releasing p: each of its threads is interrupted and
// detached at its next stop.
func (t *Tracer) startDetach(p *process) {
	if p.detaching {
		return
	}
	p.detaching = true
	for _, th := range p.threads {
		_ = ptrace(ptInterrupt, th.tid, 0, 0)
	}
}

// detachAtStop detaches a thread of a process being released. A signal
// about to be delivered is delivered; a thread in a group-stop stays
// stopped.
func (t *Tracer) detachAtStop(th *thread, st stop) {
	t.Flush()
	t.detach(th, st.pending())
}

// Release stops tracing pids (every process when empty) for fac (all
// facilities when 0). It returns the processes left with no facility:
// their release has begun, and the Controller hears of each once it is
// done.
func (t *Tracer) Release(pids []int, fac Facilities) []int {
	if len(pids) == 0 {
		pids = t.Traced()
	}
	var releasing []int
	for _, pid := range pids {
		p := t.procs[pid]
		if p == nil {
			continue
		}
		if fac != 0 {
			if left := p.Facilities &^ fac; left != 0 {
				p.setFacilities(left)
				continue
			}
		}
		t.startDetach(p)
		releasing = append(releasing, pid)
	}
	return releasing
}

// attachError explains why pid could not be traced. The error keeps the
// errno; its text is the errno's and the reason where one is known.
func attachError(pid int, err error) error {
	var errno unix.Errno
	if !errors.As(err, &errno) || errno != unix.EPERM {
		return fmt.Errorf("%d: %w", pid, err)
	}
	if procfs.IsZombie(pid) {
		return fmt.Errorf("%d: %w (the process has exited)", pid, errno)
	}
	var scratch [4096]byte
	if st, err := procfs.ReadStatus(pid, scratch[:]); err == nil && st.TracerPid != 0 {
		var comm [16]byte
		procfs.Comm(st.TracerPid, &comm, scratch[:])
		return fmt.Errorf("%d: %w (already traced by %s, pid %d)", pid, errno, cstr(comm[:]), st.TracerPid)
	}
	if scope, ok := procfs.PtraceScope(); ok {
		switch scope {
		case 1:
			return fmt.Errorf("%d: %w (Yama ptrace_scope is 1: only a process's ancestors, or root, may trace it)", pid, errno)
		case 2:
			return fmt.Errorf("%d: %w (Yama ptrace_scope is 2: only root may trace)", pid, errno)
		case 3:
			return fmt.Errorf("%d: %w (Yama ptrace_scope is 3: tracing is disabled)", pid, errno)
		}
	}
	return fmt.Errorf("%d: %w", pid, err)
}

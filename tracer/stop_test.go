package tracer

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch/tables"
)

// Wait statuses as the kernel encodes them.
func exited(code int) unix.WaitStatus { return unix.WaitStatus(code << 8) }
func killed(sig unix.Signal) unix.WaitStatus {
	return unix.WaitStatus(sig)
}
func stopped(sig unix.Signal, event int) unix.WaitStatus {
	return unix.WaitStatus(0x7f | int(sig)<<8 | event<<16)
}

func TestDecodeStop(t *testing.T) {
	for _, c := range []struct {
		name    string
		ws      unix.WaitStatus
		kind    stopKind
		pending unix.Signal
		group   bool
	}{
		{"exit", exited(3), stopGone, 0, false},
		{"killed", killed(unix.SIGKILL), stopGone, 0, false},
		{"continued", unix.WaitStatus(0xffff), stopOther, 0, false},
		{"syscall", stopped(unix.SIGTRAP|0x80, 0), stopSyscall, 0, false},
		{"seccomp", stopped(unix.SIGTRAP, evSeccomp), stopSyscall, 0, false},
		{"signal", stopped(unix.SIGUSR1, 0), stopSignal, unix.SIGUSR1, false},
		{"plain SIGTRAP", stopped(unix.SIGTRAP, 0), stopSignal, unix.SIGTRAP, false},
		{"interrupt", stopped(unix.SIGTRAP, evStop), stopEvent, 0, false},
		{"group-stop SIGSTOP", stopped(unix.SIGSTOP, evStop), stopEvent, 0, true},
		{"group-stop SIGTSTP", stopped(unix.SIGTSTP, evStop), stopEvent, 0, true},
		{"group-stop SIGTTIN", stopped(unix.SIGTTIN, evStop), stopEvent, 0, true},
		{"group-stop SIGTTOU", stopped(unix.SIGTTOU, evStop), stopEvent, 0, true},
		{"exec", stopped(unix.SIGTRAP, evExec), stopExec, 0, false},
		{"fork", stopped(unix.SIGTRAP, evFork), stopChild, 0, false},
		{"vfork", stopped(unix.SIGTRAP, evVfork), stopChild, 0, false},
		{"clone", stopped(unix.SIGTRAP, evClone), stopChild, 0, false},
		{"vfork done", stopped(unix.SIGTRAP, unix.PTRACE_EVENT_VFORK_DONE), stopOther, 0, false},
	} {
		s := decodeStop(c.ws)
		if s.kind != c.kind || s.pending() != c.pending || s.groupStop() != c.group {
			t.Errorf("%s (%#x): kind %d, pending %v, group-stop %v; want %d, %v, %v",
				c.name, int(c.ws), s.kind, s.pending(), s.groupStop(), c.kind, c.pending, c.group)
		}
	}
	if s := decodeStop(stopped(unix.SIGTRAP, evClone)); s.event != evClone {
		t.Errorf("clone stop: event %d, want %d", s.event, evClone)
	}
}

func TestPhases(t *testing.T) {
	for _, c := range []struct {
		ph            phase
		inCall, fresh bool
		after         phase
	}{
		{phaseNew, false, false, phaseNew},
		{phaseRunning, false, false, phaseRunning},
		{phaseInCall, true, false, phaseRunning},
		{phaseExecReturn, true, true, phaseExecFresh},
		{phaseExecFresh, false, true, phaseExecFresh},
	} {
		if c.ph.inCall() != c.inCall || c.ph.freshExec() != c.fresh || c.ph.leaveCall() != c.after {
			t.Errorf("phase %d: inCall %v, freshExec %v, after the call %d; want %v, %v, %d",
				c.ph, c.ph.inCall(), c.ph.freshExec(), c.ph.leaveCall(), c.inCall, c.fresh, c.after)
		}
	}
}

// TestResumeRequest checks how a thread is let go from a stop, for each
// kind of process and phase, with no process behind it.
func TestResumeRequest(t *testing.T) {
	tab := tables.Native()
	call := func(name string) func(*thread) {
		return func(th *thread) {
			c, ok := tab.ByName(name)
			if !ok {
				t.Fatalf("no %s in the native table", name)
			}
			th.call = c
		}
	}
	for _, c := range []struct {
		name    string
		set     Settings
		started bool
		ph      phase
		setup   func(*thread)
		sig     unix.Signal
		req     int
		next    phase
	}{
		// Without a filter: every call stops while records are wanted,
		// and a command stops at every call until its execve.
		{"syscalls, in a call", Settings{Facilities: FacSyscall}, true, phaseInCall, call("getppid"), 0, ptSyscall, phaseInCall},
		{"syscalls, running", Settings{Facilities: FacSyscall}, true, phaseRunning, nil, unix.SIGUSR1, ptSyscall, phaseRunning},
		{"signals only", Settings{Facilities: FacPsig}, true, phaseRunning, nil, unix.SIGUSR1, ptCont, phaseRunning},
		{"command before its execve", Settings{Facilities: FacPsig}, false, phaseRunning, nil, 0, ptSyscall, phaseRunning},
		// Under a filter: the exit is seen only where it is needed.
		{"seccomp, namei, openat", Settings{Facilities: FacNamei, Seccomp: true}, true, phaseInCall, call("openat"), 0, ptCont, phaseRunning},
		{"seccomp, syscalls, openat", Settings{Facilities: FacSyscall, Seccomp: true}, true, phaseInCall, call("openat"), 0, ptSyscall, phaseInCall},
		{"seccomp, genio, read", Settings{Facilities: FacGenio, Seccomp: true}, true, phaseInCall, call("read"), 0, ptSyscall, phaseInCall},
		{"seccomp, namei, execve", Settings{Facilities: FacNamei, Seccomp: true}, true, phaseInCall, call("execve"), 0, ptSyscall, phaseInCall},
		{"seccomp, namei, rt_sigaction", Settings{Facilities: FacNamei, Seccomp: true}, true, phaseInCall, call("rt_sigaction"), 0, ptSyscall, phaseInCall},
		{"seccomp, unknown call", Settings{Facilities: FacNamei, Seccomp: true}, true, phaseInCall, nil, 0, ptSyscall, phaseInCall},
		{"seccomp, running", Settings{Facilities: FacNamei, Seccomp: true}, true, phaseRunning, nil, 0, ptCont, phaseRunning},
		{"seccomp, signal in a call", Settings{Facilities: FacNamei, Seccomp: true}, true, phaseInCall, call("openat"), unix.SIGUSR1, ptCont, phaseInCall},
		{"seccomp, before execve", Settings{Facilities: FacNamei, Seccomp: true}, false, phaseInCall, call("openat"), 0, ptCont, phaseRunning},
		{"seccomp, execve returning", Settings{Facilities: FacNamei, Seccomp: true}, true, phaseExecReturn, call("openat"), 0, ptCont, phaseExecFresh},
	} {
		p := newProcess(1, c.set, c.started)
		th := &thread{tid: 1, proc: p, phase: c.ph}
		if c.setup != nil {
			c.setup(th)
		}
		req, next := resumeRequest(th, c.sig)
		if req != c.req || next != c.next {
			t.Errorf("%s: request %#x, phase %d; want %#x, %d", c.name, req, next, c.req, c.next)
		}
	}
}

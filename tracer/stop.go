package tracer

import "golang.org/x/sys/unix"

// phase is where a traced thread is, as the tracer last saw it.
type phase uint8

const (
	// phaseNew: seized or created, no stop of it seen yet. It is not
	// traced for sure until that stop: a call it finishes before would
	// go unrecorded.
	phaseNew phase = iota
	// phaseRunning: outside a system call.
	phaseRunning
	// phaseInCall: between a system call's entry stop and its exit.
	phaseInCall
	// phaseExecReturn: in the execve that started a new program, whose
	// exit is still to come.
	phaseExecReturn
	// phaseExecFresh: a new program that has made no system call yet.
	phaseExecFresh
)

// inCall reports whether the thread is between a call's entry and exit.
func (ph phase) inCall() bool { return ph == phaseInCall || ph == phaseExecReturn }

// freshExec reports whether the thread runs a new program that has made
// no system call of its own yet.
func (ph phase) freshExec() bool { return ph == phaseExecReturn || ph == phaseExecFresh }

// leaveCall returns the phase after the exit of the call in progress.
func (ph phase) leaveCall() phase {
	switch ph {
	case phaseInCall:
		return phaseRunning
	case phaseExecReturn:
		return phaseExecFresh
	}
	return ph
}

// stopKind says what a wait status reports.
type stopKind uint8

const (
	stopGone    stopKind = iota // the thread exited or was killed
	stopSyscall                 // a syscall-entry or -exit stop, or a seccomp stop
	stopSignal                  // a signal-delivery-stop
	stopEvent                   // PTRACE_EVENT_STOP: a first stop, an interrupt, a group-stop
	stopExec                    // PTRACE_EVENT_EXEC
	stopChild                   // PTRACE_EVENT_FORK, VFORK or CLONE
	stopExit                    // PTRACE_EVENT_EXIT (asked for at a fatal signal: exitwatch.go)
	stopOther                   // anything else: another event, a continue
)

// stop is a wait status, decoded once.
type stop struct {
	kind  stopKind
	sig   unix.Signal // the stop signal (stopSignal: the signal to deliver)
	event int         // the PTRACE_EVENT_*, or 0
}

// decodeStop decodes a wait status.
func decodeStop(ws unix.WaitStatus) stop {
	switch {
	case ws.Exited() || ws.Signaled():
		return stop{kind: stopGone}
	case !ws.Stopped():
		return stop{kind: stopOther}
	}
	s := stop{sig: ws.StopSignal(), event: int(ws) >> 16 & 0xff}
	switch event := s.event; {
	case s.sig == unix.SIGTRAP|0x80, event == evSeccomp:
		s.kind = stopSyscall
	case event == 0:
		s.kind = stopSignal
	case event == evStop:
		s.kind = stopEvent
	case event == evExec:
		s.kind = stopExec
	case event == evFork, event == evVfork, event == evClone:
		s.kind = stopChild
	case event == evExit:
		s.kind = stopExit
	default:
		s.kind = stopOther
	}
	return s
}

// pending returns the signal a thread detached at s must still get: the
// one a signal-delivery-stop was about to deliver, else 0.
func (s stop) pending() unix.Signal {
	if s.kind == stopSignal {
		return s.sig
	}
	return 0
}

// groupStop reports whether s is a group-stop: the thread stays stopped
// until a SIGCONT.
func (s stop) groupStop() bool {
	if s.kind != stopEvent {
		return false
	}
	switch s.sig {
	case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
		return true
	}
	return false
}

// resumeRequest returns the ptrace request that lets th run on to its
// next stop with signal sig, and the phase it runs on in. Under a seccomp
// filter the calls to trace stop by themselves at entry: PTRACE_SYSCALL
// is needed only to see the exit of a call that must be seen returning,
// and the exit of any other call goes unseen. Otherwise a process that
// needs system call records, or a command before its execve, stops at
// every call.
func resumeRequest(th *thread, sig unix.Signal) (req int, next phase) {
	p := th.proc
	switch {
	case p.Seccomp:
		if th.phase.inCall() && p.started && needExit(th) {
			return ptSyscall, th.phase
		}
		if sig == 0 {
			return ptCont, th.phase.leaveCall()
		}
		return ptCont, th.phase
	case !p.started || needsSyscalls(p.fac):
		return ptSyscall, th.phase
	}
	return ptCont, th.phase
}

package tracer

import (
	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
)

// Exits by a signal. A process that calls exit_group has its EXIT record
// written and flushed at the call's entry (flushAtExit), before its
// parent can see it gone. One that a signal ends has none then: its
// leader's reaping says how it ended, and by that time its parent may
// have reaped it and gone on, so that a reader of the trace finds the
// parent's records before the child's end. At the signal-delivery-stop
// of a signal whose default action ends the process, the tracer asks
// for PTRACE_EVENT_EXIT on the thread that gets it: the thread stops in
// do_exit, before the process can be reaped, with its exit code (the
// wait status, with the core-dump bit) as the event message, and the
// EXIT record is written and flushed there. SIGKILL has no
// signal-delivery-stop: its EXIT is still written at the reaping.

// watchExit asks for th's PTRACE_EVENT_EXIT stop when sig, about to be
// delivered with its default action, ends the process and the process's
// end is recorded. The option lasts to th's next stop, where the
// options check puts back the usual ones: a wrong guess of the action
// (a handler installed where the tracer did not see it) costs one
// SETOPTIONS.
func (t *Tracer) watchExit(th *thread, sig unix.Signal) {
	p := th.proc
	if !endsProcess(sig) || !p.started || p.fac&FacSyscall == 0 || th.options&optExit != 0 {
		return
	}
	if ptrace(unix.PTRACE_SETOPTIONS, th.tid, 0, th.options|optExit) == nil {
		th.options |= optExit
	}
}

// exitEvent handles th's PTRACE_EVENT_EXIT stop: when the event message
// says a signal ends the process, it writes the process's EXIT record and
// flushes, once (gone does not write it again).
func (t *Tracer) exitEvent(th *thread) {
	p := th.proc
	msg, err := eventMsg(th.tid)
	if err != nil || !p.started || p.fac&FacSyscall == 0 {
		return
	}
	ws := unix.WaitStatus(uint32(msg))
	if !ws.Signaled() || p.exit == exitRecorded|uint64(uint32(ws)) {
		return
	}
	h := t.header(th, th.lastABI)
	h.TID = int32(p.pid) // the process's end, as the leader's reaping says it
	t.rec.exit(h, format.Exit{Status: uint32(ws)})
	p.exit = exitRecorded | uint64(uint32(ws))
	t.Flush()
}

package tracer

import (
	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/procfs"
)

// signalStop handles a signal-delivery-stop: sig is about to be
// delivered to th. It records a PSIG and lets the signal through.
func (t *Tracer) signalStop(th *thread, sig unix.Signal) {
	p := th.proc
	if th.phase.freshExec() && sig == unix.SIGURG && t.runtimePreemption(th) {
		// Go's runtime in ktrace sent itself a preemption signal that
		// was still pending when ktrace exec'd the command. Untraced,
		// the command would never have had it: drop it.
		t.resume(th, 0)
		return
	}
	if p.started && p.fac&FacPsig != 0 {
		t.psig(th, sig)
	}
	t.resume(th, sig)
}

// runtimePreemption reports whether the SIGURG about to be delivered to
// th was sent by its own process with tgkill, as Go's runtime preempts a
// goroutine.
func (t *Tracer) runtimePreemption(th *thread) bool {
	if err := t.sig.get(th.tid); err != nil {
		return false
	}
	return t.sig.code() == siTkill && int(t.sig.pid()) == th.proc.pid
}

// siTkill is SI_TKILL, the si_code of tkill and tgkill.
const siTkill = -6

// psig writes the PSIG record for sig: the action the process takes, the
// handler where the tracer saw it installed, the blocked mask, and who
// sent it.
func (t *Tracer) psig(th *thread, sig unix.Signal) {
	ps := format.Psig{Signal: int32(sig), Action: format.SigUnknown}
	if err := t.sig.get(th.tid); err == nil {
		ps.Code = t.sig.code()
		ps.Info = t.sig.buf[:format.PsigInfoSize] // the fault address and the rest: no second request
		if t.sig.hasSender() {
			ps.Sender, ps.UID = t.sig.pid(), t.sig.uid()
			ps.Known |= format.KnownSender
		}
	}
	bit := uint64(1) << (uint(sig) - 1)
	st, stErr := procfs.ReadStatus(th.tid, t.scratch)
	if stErr == nil {
		ps.Mask = st.SigBlk
		ps.Known |= format.KnownMask
	}
	switch p := th.proc; {
	case sig == unix.SIGKILL || sig == unix.SIGSTOP:
		ps.Action = format.SigDefault
	case p.handlerKnown&bit != 0:
		switch h := p.handlers[sig-1]; h {
		case 0:
			ps.Action = format.SigDefault
		case 1:
			ps.Action = format.SigIgnored
		default:
			ps.Action = format.SigCaught
			ps.Handler = h
			ps.Known |= format.KnownHandler
		}
	case stErr == nil && st.SigIgn&bit != 0:
		ps.Action = format.SigIgnored
	case stErr == nil && st.SigCgt&bit != 0:
		ps.Action = format.SigCaught
	case stErr == nil:
		ps.Action = format.SigDefault
	}
	if th.lastABI == arch.ABIUnknown {
		// The process's first record: say its ABI first.
		if th.abi == arch.ABIUnknown {
			th.abi = t.native.ABI()
		}
		t.emul(th)
	}
	// The signal may end the process: its parent could see it gone
	// before the tracer sees anything more of it (signal flushes).
	t.rec.signal(t.header(th, th.lastABI), &ps)
	if ps.Action == format.SigDefault {
		t.watchExit(th, sig) // exitwatch.go
	}
}

package tracer

import (
	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
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
	if mask, ok := t.sigMask(th); ok {
		ps.Mask = mask
		ps.Known |= format.KnownMask
	}
	switch p := th.proc; {
	case sig == unix.SIGKILL || sig == unix.SIGSTOP:
		ps.Action = format.SigDefault
	case p.handlers != nil && p.handlers.known&bit != 0:
		switch h := p.handlers.h[sig-1]; h {
		case 0:
			ps.Action = format.SigDefault
		case 1:
			ps.Action = format.SigIgnored
		default:
			ps.Action = format.SigCaught
			ps.Handler = h
			ps.Known |= format.KnownHandler
		}
	default:
		ign, cgt, ok := t.sigDispositions(th)
		switch {
		case !ok:
		case ign&bit != 0:
			ps.Action = format.SigIgnored
		case cgt&bit != 0:
			ps.Action = format.SigCaught
			p.disp = nil // the handler may reset itself
		default:
			ps.Action = format.SigDefault
		}
	}
	if th.lastABI == arch.ABIUnknown {
		// The process's first record: say its ABI first.
		if th.abi == arch.ABIUnknown {
			th.abi = t.native.ABI()
		}
		t.emul(th)
	}
	// A signal that may end (or stop) the process is flushed: its parent
	// could see it gone before the tracer sees anything more of it.
	t.rec.signal(t.header(th, th.lastABI), &ps, mayEnd(sig, ps.Action))
	if ps.Action == format.SigDefault {
		t.watchExit(th, sig) // exitwatch.go
	}
}

// The signals whose default action does not end the process (signal(7)),
// bit n-1 for signal n: those it ignores (Ign, and Cont) and those that
// stop it.
const (
	defaultIgnored = 1<<(unix.SIGCHLD-1) | 1<<(unix.SIGCONT-1) | 1<<(unix.SIGURG-1) | 1<<(unix.SIGWINCH-1)
	defaultStops   = 1<<(unix.SIGSTOP-1) | 1<<(unix.SIGTSTP-1) | 1<<(unix.SIGTTIN-1) | 1<<(unix.SIGTTOU-1)
)

// endsProcess reports whether the default action of sig ends the
// process.
func endsProcess(sig unix.Signal) bool {
	return sig > 0 && sig <= 64 && (defaultIgnored|defaultStops)&(uint64(1)<<(sig-1)) == 0
}

// mayEnd reports whether delivering sig with action a may end or stop the
// process: not when it is ignored, caught, or does nothing by default.
func mayEnd(sig unix.Signal, a format.SigAction) bool {
	switch a {
	case format.SigIgnored, format.SigCaught:
		return false
	case format.SigDefault:
		return defaultIgnored&(1<<(sig-1)) == 0
	}
	return true
}

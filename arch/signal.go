package arch

import (
	"strconv"
	"strings"
)

// Signal numbers are the same on every ABI ktrace knows. The names of
// signals 1 to 31 are generated from golang.org/x/sys/unix into
// zerrno_gen.go; 32 to 64 are the realtime signals, numbered as the kernel
// does (glibc reserves the first two and calls 34 its SIGRTMIN).

// Realtime signal range, kernel numbering.
const (
	sigRTMin = 32
	sigRTMax = 64
)

// signalNames holds the name of every signal, realtime ones included, so
// SignalName does not allocate.
var signalNames = func() (names [sigRTMax + 1]string) {
	copy(names[:], signalTable[:])
	names[sigRTMin] = "SIGRTMIN"
	for s := sigRTMin + 1; s < sigRTMax; s++ {
		names[s] = "SIGRTMIN+" + strconv.Itoa(s-sigRTMin)
	}
	names[sigRTMax] = "SIGRTMAX"
	return names
}()

// SignalName returns the name of signal sig ("SIGINT"); realtime signals are
// "SIGRTMIN", "SIGRTMIN+1" ... "SIGRTMAX" (32 to 64, the kernel's
// numbering). It returns "" for a number that is no signal.
func SignalName(sig int) string {
	if sig > 0 && sig < len(signalNames) {
		return signalNames[sig]
	}
	return ""
}

// SignalNumber returns the number of the signal called name, with or
// without the SIG prefix and in any case ("INT", "SIGINT", "sigint"),
// including aliases (SIGIOT, SIGPOLL, SIGCLD) and the realtime forms
// "SIGRTMIN+n" and "SIGRTMAX-n".
func SignalNumber(name string) (int, bool) {
	name = strings.ToUpper(name)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if n, ok := signalNumbers[name]; ok {
		return n, true
	}
	base, off, sign := sigRTMin, name[len("SIG"):], 1
	switch {
	case strings.HasPrefix(off, "RTMIN"):
		off = off[len("RTMIN"):]
	case strings.HasPrefix(off, "RTMAX"):
		base, off, sign = sigRTMax, off[len("RTMAX"):], -1
	default:
		return 0, false
	}
	if off == "" {
		return base, true
	}
	if (sign > 0 && off[0] != '+') || (sign < 0 && off[0] != '-') {
		return 0, false
	}
	n, err := strconv.Atoi(off[1:])
	if err != nil || n < 0 || n > sigRTMax-sigRTMin || off[1] == '+' || off[1] == '-' {
		return 0, false
	}
	return base + sign*n, true
}

// Signals whose si_code values have per-signal names.
const (
	sigILL  = 4
	sigTRAP = 5
	sigBUS  = 7
	sigFPE  = 8
	sigSEGV = 11
	sigCHLD = 17
	sigPOLL = 29
	sigSYS  = 31
)

// sigCodes holds the per-signal si_code names of include/uapi/asm-generic/
// siginfo.h; index 0 is unused, code n is at n.
var sigCodes = map[int][]string{
	sigILL: {1: "ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP", "ILL_PRVOPC",
		"ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK", "ILL_BADIADDR"},
	sigFPE: {1: "FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF", "FPE_FLTUND",
		"FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB", 14: "FPE_FLTUNK", 15: "FPE_CONDTRAP"},
	sigSEGV: {1: "SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR", "SEGV_ACCADI",
		"SEGV_ADIDERR", "SEGV_ADIPERR", "SEGV_MTEAERR", "SEGV_MTESERR", "SEGV_CPERR"},
	sigBUS:  {1: "BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO"},
	sigTRAP: {1: "TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT", "TRAP_UNK", "TRAP_PERF"},
	sigCHLD: {1: "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"},
	sigPOLL: {1: "POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP"},
	sigSYS:  {1: "SYS_SECCOMP", "SYS_USER_DISPATCH"},
}

// SigCodeName returns the name of si_code code for signal signo: SI_USER,
// SI_KERNEL, SI_QUEUE, SI_TIMER, SI_MESGQ, SI_ASYNCIO, SI_SIGIO, SI_TKILL,
// SI_DETHREAD, SI_ASYNCNL for any signal, and the per-signal codes of
// SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP, SIGCHLD, SIGPOLL and SIGSYS
// (CLD_EXITED, SEGV_MAPERR ...). An unknown code is returned in decimal.
func SigCodeName(signo, code int) string {
	if code > 0 && code < 0x80 {
		if names := sigCodes[signo]; code < len(names) && names[code] != "" {
			return names[code]
		}
	}
	switch code {
	case 0:
		return "SI_USER"
	case 0x80:
		return "SI_KERNEL"
	case -1:
		return "SI_QUEUE"
	case -2:
		return "SI_TIMER"
	case -3:
		return "SI_MESGQ"
	case -4:
		return "SI_ASYNCIO"
	case -5:
		return "SI_SIGIO"
	case -6:
		return "SI_TKILL"
	case -7:
		return "SI_DETHREAD"
	case -60:
		return "SI_ASYNCNL"
	}
	return strconv.Itoa(code)
}

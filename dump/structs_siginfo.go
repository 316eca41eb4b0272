package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// siginfoLayout places the members of siginfo_t on one ABI. x/sys's
// Siginfo is opaque bytes: these are the kernel's,
// include/uapi/asm-generic/siginfo.h (the 32-bit one is also the
// compat_siginfo of kernel/signal.c a 64-bit kernel gives i386
// programs). si_signo, si_errno and si_code are ints at 0, 4 and 8;
// the union _sifields starts at __ARCH_SI_PREAMBLE_SIZE, 3 ints (12)
// with 32-bit pointers, 4 ints (16) with 64-bit ones, and its members
// are laid out by C's rules with long and pointers of ptr bytes.
type siginfoLayout struct {
	union int // offset of _sifields
	ptr   int // size of a pointer, a long and a __kernel_clock_t
}

// siginfoLayoutOf returns the siginfo_t layout of abi.
func siginfoLayoutOf(abi arch.ABI) (siginfoLayout, bool) {
	switch abi {
	case arch.ABIAmd64, arch.ABIArm64:
		return siginfoLayout{union: 16, ptr: 8}, true
	case arch.ABII386:
		return siginfoLayout{union: 12, ptr: 4}, true
	}
	return siginfoLayout{}, false
}

// siginfo member groups, as the kernel's siginfo_layout() chooses them
// by signal and si_code (kernel/signal.c).
const (
	silKill = iota
	silTimer
	silPoll
	silFault
	silChld
	silRT
	silSys
)

// faultSignals are the signals whose positive si_codes carry _sigfault.
var faultSignals = [...]int32{4, 5, 7, 8, 11} // SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV

// siginfoGroup returns the union member that signal sig with si_code
// code fills.
func siginfoGroup(sig, code int32) int {
	const siUser, siKernel, siTimer, siSigio = 0, 0x80, -2, -5
	const sigChld, sigSys = 17, 31
	if code > siUser && code < siKernel {
		switch {
		case sig == sigChld:
			return silChld
		case sig == sigSys:
			return silSys
		}
		for _, f := range faultSignals {
			if sig == f {
				return silFault
			}
		}
		return silPoll
	}
	switch {
	case code == siTimer:
		return silTimer
	case code == siSigio:
		return silPoll
	case code < 0:
		return silRT
	}
	return silKill
}

// siginfoAddr returns the fault address of a siginfo_t of abi's layout
// when its signal and code carry one.
func siginfoAddr(abi arch.ABI, data []byte) (uint64, bool) {
	l, ok := siginfoLayoutOf(abi)
	if !ok || len(data) < l.union+l.ptr {
		return 0, false
	}
	sig, code := int32(le.Uint32(data)), int32(le.Uint32(data[8:]))
	if siginfoGroup(sig, code) != silFault {
		return 0, false
	}
	return field{l.union, l.ptr}.get(data), true
}

// decodeSiginfo decodes a siginfo_t as strace shows it: si_signo and
// si_code by name, then the members its signal and code define (si_pid,
// si_uid, si_status, si_addr, si_int and si_ptr ...). In JSON the
// numbers with si_signo_name and si_code_name.
func decodeSiginfo(w *structOut, abi arch.ABI, data []byte) bool {
	l, ok := siginfoLayoutOf(abi)
	if !ok || len(data) < 12 {
		return false
	}
	sig, errno, code := int32(le.Uint32(data)), int32(le.Uint32(data[4:])), int32(le.Uint32(data[8:]))
	w.signal("si_signo", sig)
	if sig == 0 {
		return true // waitid WNOHANG with no child ready: nothing filled
	}
	w.key("si_code")
	name := ""
	if !w.o.Raw || w.json {
		name = arch.SigCodeName(int(sig), int(code))
	}
	switch {
	case w.json:
		w.b = strconv.AppendInt(w.b, int64(code), 10)
		w.str("si_code_name", []byte(name), false)
	case name != "":
		w.b = append(w.b, name...)
	default:
		w.b = strconv.AppendInt(w.b, int64(code), 10)
	}
	if errno != 0 {
		w.int("si_errno", uint64(errno), 4)
	}
	u := l.union
	i32 := func(name string, off int) {
		if u+off+4 <= len(data) {
			w.int(name, uint64(le.Uint32(data[u+off:])), 4)
		}
	}
	u32 := func(name string, off int) {
		if u+off+4 <= len(data) {
			w.uint(name, uint64(le.Uint32(data[u+off:])), 4)
		}
	}
	long := func(name string, off int, hex bool) {
		if u+off+l.ptr > len(data) {
			return
		}
		v := field{u + off, l.ptr}.get(data)
		if hex {
			w.pointer(name, v, l.ptr) // structs_polish.go
		} else {
			w.int(name, v, l.ptr)
		}
	}
	sigval := func(off int) { // union sigval: int and pointer
		i32("si_int", off)
		long("si_ptr", off, true)
	}
	switch siginfoGroup(sig, code) {
	case silKill:
		i32("si_pid", 0)
		u32("si_uid", 4)
	case silRT:
		i32("si_pid", 0)
		u32("si_uid", 4)
		sigval(8)
	case silTimer:
		i32("si_timerid", 0)
		i32("si_overrun", 4)
		sigval(8)
	case silPoll:
		long("si_band", 0, false)
		i32("si_fd", l.ptr)
	case silFault:
		long("si_addr", 0, true)
	case silChld:
		i32("si_pid", 0)
		u32("si_uid", 4)
		if u+12 <= len(data) {
			st := int32(le.Uint32(data[u+8:]))
			if code == 1 { // CLD_EXITED: an exit code, else a signal
				w.int("si_status", uint64(st), 4)
			} else {
				w.signal("si_status", st)
			}
		}
		clock := (12 + l.ptr - 1) / l.ptr * l.ptr // __kernel_clock_t is a long
		long("si_utime", clock, false)
		long("si_stime", clock+l.ptr, false)
	case silSys:
		long("si_call_addr", 0, true)
		i32("si_syscall", l.ptr)
		if u+l.ptr+8 <= len(data) {
			w.hex("si_arch", uint64(le.Uint32(data[u+l.ptr+4:])), 4)
		}
	}
	return true
}

// signal appends a member holding a signal number: its name in text
// unless raw, the number and name_name in JSON.
func (w *structOut) signal(name string, sig int32) {
	w.key(name)
	sn := arch.SignalName(int(sig))
	switch {
	case w.json:
		w.b = strconv.AppendInt(w.b, int64(sig), 10)
		if sn != "" {
			w.str(name+"_name", []byte(sn), false)
		}
	case sn != "" && !w.o.Raw:
		w.b = append(w.b, sn...)
	default:
		w.b = strconv.AppendInt(w.b, int64(sig), 10)
	}
}

// decodeWaitStatus decodes the status wait4 and waitpid fill, as strace
// shows it: WIFEXITED(s) && WEXITSTATUS(s) == 3. In JSON the status and
// what it says: exited and exit_status, signaled, term_signal and
// core_dumped, stopped and stop_signal, continued.
func decodeWaitStatus(w *structOut, _ arch.ABI, data []byte) bool {
	if len(data) != 4 {
		return false
	}
	s := le.Uint32(data)
	if w.json {
		w.uint("status", uint64(s), 4)
		switch {
		case s == 0xffff:
			w.key("continued")
			w.b = append(w.b, "true"...)
		case s&0x7f == 0:
			w.key("exited")
			w.b = append(w.b, "true"...)
			w.uint("exit_status", uint64(s>>8&0xff), 1)
		case s&0xff == 0x7f:
			w.key("stopped")
			w.b = append(w.b, "true"...)
			w.signal("stop_signal", int32(s>>8&0xff))
		default:
			w.key("signaled")
			w.b = append(w.b, "true"...)
			w.signal("term_signal", int32(s&0x7f))
			w.key("core_dumped")
			w.b = strconv.AppendBool(w.b, s&0x80 != 0)
		}
		return true
	}
	w.b = item(w.b)
	if w.o.Raw {
		w.b = append0x(w.b, uint64(s))
		return true
	}
	w.b = appendWaitStatus(w.b, s)
	return true
}

// appendWaitStatus appends a wait status in strace's words, without
// strace's brackets.
func appendWaitStatus(b []byte, s uint32) []byte {
	sigName := func(b []byte, sig uint32) []byte {
		if n := arch.SignalName(int(sig)); n != "" {
			return append(b, n...)
		}
		return strconv.AppendUint(b, uint64(sig), 10)
	}
	switch {
	case s == 0xffff:
		return append(b, "WIFCONTINUED(s)"...)
	case s&0x7f == 0:
		b = append(b, "WIFEXITED(s) && WEXITSTATUS(s) == "...)
		b = strconv.AppendUint(b, uint64(s>>8&0xff), 10)
	case s&0xff == 0x7f:
		b = sigName(append(b, "WIFSTOPPED(s) && WSTOPSIG(s) == "...), s>>8&0xff)
	default:
		b = sigName(append(b, "WIFSIGNALED(s) && WTERMSIG(s) == "...), s&0x7f)
		if s&0x80 != 0 {
			b = append(b, " && WCOREDUMP(s)"...)
		}
	}
	if ev := s >> 16; ev != 0 && s&0xff == 0x7f {
		b = append(b, " | "...)
		b = append0x(b, uint64(ev))
		b = append(b, " << 16"...)
	}
	return b
}

// psigInfoABI is the layout of a PSIG record's siginfo_t: the tracer's
// PTRACE_GETSIGINFO gives its own 64-bit layout, the same on amd64 and
// arm64, whatever the tracee's ABI.
const psigInfoABI = arch.ABIAmd64

// appendPsigInfo appends the siginfo_t of a PSIG record as strace shows
// it, {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0xdead}, and
// reports false when the record has none.
func appendPsigInfo(b []byte, p *format.Psig, o *Options) ([]byte, bool) {
	if len(p.Info) < 12 {
		return b, false
	}
	mark := len(b)
	w := structOut{b: append(b, '{'), o: o, nested: true}
	if !decodeSiginfo(&w, psigInfoABI, p.Info) {
		return b[:mark], false
	}
	return append(w.b, '}'), true
}

// appendPsigInfoJSON appends ,"siginfo":{members} when the PSIG record
// has a siginfo_t.
func appendPsigInfoJSON(b []byte, p *format.Psig, o *Options) []byte {
	if len(p.Info) < 12 {
		return b
	}
	mark := len(b)
	w := structOut{b: append(b, `,"siginfo":{`...), json: true, o: o}
	if !decodeSiginfo(&w, psigInfoABI, p.Info) {
		return b[:mark]
	}
	return append(w.b, '}')
}

// appendPsigCall appends a signal as kdump --calls shows it: as strace,
// "SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0xdead}", when
// the record has the siginfo_t (and -n is not given), else as a PSIG line.
func appendPsigCall(b []byte, p *format.Psig, o *Options) []byte {
	if !o.Raw && len(p.Info) >= 12 {
		if name := arch.SignalName(int(p.Signal)); name != "" {
			mark := len(b)
			var ok bool
			if b, ok = appendPsigInfo(append(append(b, name...), ' '), p, o); ok {
				return b
			}
			b = b[:mark]
		}
	}
	return appendPsigText(b, p, o)
}

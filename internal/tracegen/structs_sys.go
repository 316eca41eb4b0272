package tracegen

import (
	"bytes"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// sysNumbers are the numbers of the calls of SysStructs by ABI (amd64,
// i386, arm64), written by hand like numbers; getrlimit stands for
// i386's ugetrlimit.
var sysNumbers = map[string][3]uint32{
	"rt_sigaction":   {13, 174, 134},
	"rt_sigprocmask": {14, 175, 135},
	"rt_sigpending":  {127, 176, 136},
	"prlimit64":      {302, 340, 261},
	"getrlimit":      {97, 191, 163},
	"setrlimit":      {160, 75, 164},
	"uname":          {63, 122, 160},
	"sysinfo":        {99, 116, 179},
	"openat2":        {437, 437, 437},
	"clone3":         {435, 435, 435},
	"ppoll":          {271, 309, 73},
}

// sysNr returns the number of call name on g's ABI.
func (g *gen) sysNr(name string) uint32 {
	n, ok := sysNumbers[name]
	if !ok {
		panic("tracegen: no number for " + name)
	}
	switch g.abi {
	case arch.ABII386:
		return n[1]
	case arch.ABIArm64:
		return n[2]
	}
	return n[0]
}

// sysCall writes a CALL of name, its STRU records (name, bytes pairs)
// and its RET of v.
func (g *gen) sysCall(pid int32, name string, v int64, args []uint64, strus ...any) {
	g.check(g.w.WriteCall(g.h(pid, pid, 1500), g.sysNr(name), args))
	for i := 0; i+1 < len(strus); i += 2 {
		g.stru(pid, pid, strus[i].(string), strus[i+1].([]byte))
	}
	g.check(g.w.WriteRet(g.h(pid, pid, 2000), format.RetFromValue(g.sysNr(name), v)))
}

// words returns the little-endian bytes of vs, each size bytes wide.
func words(size int, vs ...uint64) []byte {
	b := make([]byte, 0, size*len(vs))
	for _, v := range vs {
		for i := 0; i < size; i++ {
			b = append(b, byte(v>>(8*i)))
		}
	}
	return b
}

// SysStructs returns a trace recorded on machine m with the signal,
// limit and system structures the tracer records (sigaction, sigset,
// rlimit, rlimit64, utsname, sysinfo, open_how, clone_args), each as the
// calls that pass or fill them record it (CALL, STRU records, RET), in
// the layouts of each ABI of m: amd64 and i386 (32-bit calls) on amd64,
// arm64 on arm64; then records too short or too long for their layout,
// which kdump shows as bytes. The layouts are written here by hand, from
// the kernel's headers, so that decoding them tests kdump's.
func SysStructs(m arch.Machine) ([]byte, error) {
	var buf bytes.Buffer
	const pid = 4500
	g := started(&buf, m, "sysstru", pid)
	const (
		sigINT, sigPIPE, sigCHLD = 2, 13, 17
		saNoCldStop, saSigInfo   = 0x1, 0x4
		saRestorer, saRestart    = 0x4000000, 0x10000000
		saNoDefer, saResetHand   = 0x40000000, 0x80000000
		maskIntTerm              = 1<<(2-1) | 1<<(15-1)
		maskAllButRT01           = ^uint64(0) &^ (1<<31 | 1<<32) // all but 32 and 33
		rlimitStack, rlimitCore  = 3, 4
		rlimitNofile             = 7
		oWronly, oCreat          = 0x1, 0x40
		oCloexec                 = 0x80000
		resolveNoSymlinks        = 0x4
		resolveBeneath           = 0x8
		cloneVM, cloneFS         = 0x100, 0x200
		cloneFiles, cloneSighand = 0x400, 0x800
		clonePidfd, cloneVfork   = 0x1000, 0x4000
		cloneThread, cloneSettls = 0x10000, 0x80000
		cloneClearSighand        = 0x100000000
	)
	for abi := range g.abis(pid) {
		long, machine, restorer := 8, "x86_64", uint64(0x7f0000001000)
		switch abi {
		case arch.ABII386:
			long, machine, restorer = 4, "i686", 0xf7f01234
		case arch.ABIArm64:
			machine = "aarch64"
		}
		// struct sigaction: handler, flags, restorer (unsigned longs),
		// then the 64-bit mask (two 32-bit words on i386, the same
		// bytes).
		sigaction := func(handler, flags, restorer, mask uint64) []byte {
			return append(words(long, handler, flags, restorer), words(8, mask)...)
		}
		const act, oact = 0x7ffc00001000, 0x7ffc00002000
		g.sysCall(pid, "rt_sigaction", 0, []uint64{sigINT, act, oact, 8},
			"sigaction", sigaction(0x401a30, saRestorer|saRestart|saSigInfo, restorer, maskIntTerm),
			"sigaction", sigaction(0, 0, 0, 0))
		g.sysCall(pid, "rt_sigaction", 0, []uint64{sigPIPE, act, 0, 8},
			"sigaction", sigaction(1, saRestorer, restorer, 0))
		g.sysCall(pid, "rt_sigaction", 0, []uint64{sigCHLD, 0, oact, 8},
			"sigaction", sigaction(0x401b00, saRestorer|saNoCldStop|saNoDefer|saResetHand, restorer, maskAllButRT01))
		g.sysCall(pid, "rt_sigaction", -22, []uint64{sigINT, act, oact, 16}, // EINVAL: a sigsetsize of 16
			"sigaction", sigaction(0x401a30, 0x20, 0, 1<<63))

		// Signal sets: in, out, the most signals, a NULL pointer.
		g.sysCall(pid, "rt_sigprocmask", 0, []uint64{0, act, oact, 8}, // SIG_BLOCK
			"sigset", words(8, maskIntTerm), "sigset", words(8, 0))
		g.sysCall(pid, "rt_sigprocmask", 0, []uint64{2, act, 0, 8}, // SIG_SETMASK
			"sigset", words(8, maskAllButRT01))
		g.sysCall(pid, "rt_sigprocmask", 0, []uint64{2, 0, oact, 8},
			"sigset", words(8, ^uint64(0)))
		g.sysCall(pid, "rt_sigpending", 0, []uint64{oact, 8},
			"sigset", words(8, 1<<(10-1)|1<<(35-1)|1<<(64-1))) // USR1, RT_3, RT_32
		g.sysCall(pid, "ppoll", 1, []uint64{0x7ffc00003000, 1, 0, act, 8},
			"pollfd", []byte{3, 0, 0, 0, 1, 0, 0, 0}, "sigset", words(8, 1<<(10-1)),
			"pollfd", []byte{3, 0, 0, 0, 1, 0, 1, 0})

		// Limits: getrlimit's struct rlimit of unsigned longs (i386's
		// ugetrlimit: RLIM_INFINITY is 0xffffffff), prlimit64's 64-bit
		// struct rlimit64.
		inf := uint64(1)<<(8*long) - 1
		if long == 8 {
			inf = ^uint64(0)
		}
		g.sysCall(pid, "getrlimit", 0, []uint64{rlimitStack, oact},
			"rlimit", words(long, 8<<20, inf))
		g.sysCall(pid, "setrlimit", 0, []uint64{rlimitCore, act},
			"rlimit", words(long, 0, 0))
		g.sysCall(pid, "prlimit64", 0, []uint64{0, rlimitNofile, act, oact},
			"rlimit64", words(8, 1024, 4096), "rlimit64", words(8, 1024, ^uint64(0)))

		// struct new_utsname: six strings of 65 bytes.
		uts := make([]byte, 6*65)
		for i, s := range []string{"Linux", "box", "6.1.0-test", "#1 SMP PREEMPT_DYNAMIC Thu Jan 1 00:00:00 UTC 2026", machine, "(none)"} {
			copy(uts[65*i:], s)
		}
		g.sysCall(pid, "uname", 0, []uint64{oact}, "utsname", uts)

		// struct sysinfo: long uptime, unsigned long loads[3] and six
		// sizes, unsigned short procs and pad, unsigned long totalhigh
		// and freehigh, unsigned int mem_unit, padded to 112 (64 on
		// i386).
		si := words(long, 123456, 65536, 32768, 16384, 3<<30, 1<<30, 1<<20, 256<<20, 2<<30, 2<<30)
		si = append(si, words(2, 321, 0)...)
		if long == 8 {
			si = append(si, 0, 0, 0, 0) // alignment of totalhigh
		}
		si = append(si, words(long, 0, 0)...)
		si = append(si, words(4, 1)...)
		si = append(si, make([]byte, 20-2*long-4+4*(long/8))...)
		g.sysCall(pid, "sysinfo", 0, []uint64{oact}, "sysinfo", si)

		// struct open_how: three 64-bit members.
		const path = 0x7ffc00004000
		g.check(g.w.WriteCall(g.h(pid, pid, 1500), g.sysNr("openat2"), []uint64{0xffffff9c, path, act, 24}))
		g.bytes(pid, pid, format.TypeNamei, "/srv/data/new.txt", 0)
		g.stru(pid, pid, "open_how", words(8, oWronly|oCreat|oCloexec, 0o640, resolveBeneath|resolveNoSymlinks))
		g.check(g.w.WriteRet(g.h(pid, pid, 2000), format.RetFromValue(g.sysNr("openat2"), 3)))

		// struct clone_args: every member 64 bits, as much as the size
		// argument says (VER2: 88 bytes, VER0: 64).
		g.sysCall(pid, "clone3", 4501, []uint64{act, 88},
			"clone_args", words(8, cloneVM|cloneVfork|clonePidfd|cloneClearSighand, 0x7ffc00005000, 0, 0,
				sigCHLD, 0x7f0000100000, 0x10000, 0, 0, 0, 0))
		g.sysCall(pid, "clone3", 4502, []uint64{act, 64},
			"clone_args", words(8, cloneVM|cloneFS|cloneFiles|cloneSighand|cloneThread|cloneSettls,
				0, 0x7f0000200990, 0x7f0000200990, 0, 0x7f0000180000, 0x80000, 0x7f00002006c0))
	}
	// Bad input: sizes no layout has, shown as bytes.
	g.abi = m.NativeABI()
	g.check(g.w.WriteEmul(g.h(pid, pid, 1000), g.abi))
	g.stru(pid, pid, "sigaction", []byte{1, 2, 3, 4, 5, 6, 7})
	g.stru(pid, pid, "sigset", make([]byte, 12))
	g.stru(pid, pid, "sigset", nil)
	g.stru(pid, pid, "rlimit", make([]byte, 12))
	g.stru(pid, pid, "utsname", []byte("Linux"))
	g.stru(pid, pid, "sysinfo", make([]byte, 100))
	g.stru(pid, pid, "open_how", make([]byte, 16))
	g.stru(pid, pid, "clone_args", make([]byte, 40))
	g.stru(pid, pid, "clone_args", make([]byte, 70))
	g.check(g.w.Flush())
	return buf.Bytes(), g.err
}

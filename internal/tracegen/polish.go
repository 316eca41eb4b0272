package tracegen

import (
	"bytes"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// polishNumbers are the numbers of the calls of Polish by ABI (amd64,
// i386, arm64), written by hand like sysNumbers.
var polishNumbers = map[string][3]uint32{
	"ppoll":       {271, 309, 73},
	"prctl":       {157, 172, 167},
	"ioctl":       {16, 54, 29},
	"read":        {0, 3, 63},
	"wait4":       {61, 114, 260},
	"execve":      {59, 11, 221},
	"clone":       {56, 120, 220},
	"socket":      {41, 359, 198},
	"bind":        {49, 361, 200},
	"listen":      {50, 363, 201},
	"accept4":     {288, 364, 242},
	"connect":     {42, 362, 203},
	"getsockname": {51, 367, 204},
	"getpeername": {52, 368, 205},
	"write":       {1, 4, 64},
	"statfs":      {137, 268, 43}, // i386: statfs64
	"fstatfs":     {138, 269, 44}, // i386: fstatfs64
}

// Polish returns a trace recorded on machine m (its native ABI) with
// the calls whose --calls lines show what strace shows after the
// result or in place of a pointer (issue 12, polish): ppoll's updated
// revents and the time left, a ppoll that timed out, a pollfd array
// with a negative descriptor, PR_GET_PDEATHSIG's signal, an ioctl's
// int, a read that returned 0 and NULL pointers.
func Polish(m arch.Machine) ([]byte, error) {
	var buf bytes.Buffer
	const pid = 4700
	g := started(&buf, m, "polish", pid)
	g.check(g.w.WriteEmul(g.h(pid, pid, 1000), g.abi))
	nr := func(name string) uint32 {
		n := polishNumbers[name]
		switch g.abi {
		case arch.ABII386:
			return n[1]
		case arch.ABIArm64:
			return n[2]
		}
		return n[0]
	}
	call := func(name string, v int64, args []uint64, strus ...any) {
		g.check(g.w.WriteCall(g.h(pid, pid, 1500), nr(name), args))
		for i := 0; i+1 < len(strus); i += 2 {
			g.stru(pid, pid, strus[i].(string), strus[i+1].([]byte))
		}
		g.check(g.w.WriteRet(g.h(pid, pid, 2000), format.RetFromValue(nr(name), v)))
	}
	const (
		pollIn, pollOut, pollErr, pollHup = 0x1, 0x4, 0x8, 0x10
		fds, ts, buf4, status             = 0x7ffc00003000, 0x7ffc00004000, 0x7ffc00005000, 0x7ffc00006000
		prGetPdeathsig                    = 2
		tiocgptn                          = 0x80045430
		sigKill                           = 9
	)
	// struct pollfd: int fd, short events, short revents.
	pollfd := func(fd int32, events, revents uint16) []byte {
		return append(words(4, uint64(uint32(fd))), words(2, uint64(events), uint64(revents))...)
	}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	// ppoll: two ready of three (one skipped: fd -1), 1.5 s of which
	// 1.25 s left.
	in := cat(pollfd(3, pollIn|pollErr|pollHup, 0), pollfd(-1, pollIn, 0), pollfd(4, pollIn|pollOut, 0))
	out := cat(pollfd(3, pollIn|pollErr|pollHup, pollIn|pollHup), pollfd(-1, pollIn, 0), pollfd(4, pollIn|pollOut, pollOut))
	call("ppoll", 2, []uint64{fds, 3, ts, 0, 8},
		"pollfd", in, "timespec", words(8, 1, 500000000),
		"pollfd", out, "timespec", words(8, 1, 250000000))
	// ppoll that timed out: nothing set, no time left.
	in = pollfd(5, pollIn, 0)
	call("ppoll", 0, []uint64{fds, 1, ts, 0, 8},
		"pollfd", in, "timespec", words(8, 0, 10000000),
		"pollfd", in, "timespec", words(8, 0, 0))
	// PR_GET_PDEATHSIG: a signal; then none set.
	call("prctl", 0, []uint64{prGetPdeathsig, buf4}, "signal", words(4, sigKill))
	call("prctl", 0, []uint64{prGetPdeathsig, buf4}, "signal", words(4, 0))
	// An ioctl's int: [N] as strace.
	call("ioctl", 0, []uint64{3, tiocgptn, buf4}, "int", words(4, 7))
	// A read that returned 0: no data, "".
	call("read", 0, []uint64{3, buf4, 4096})
	// wait4 with no rusage: NULL.
	call("wait4", 4701, []uint64{0xffffffffffffffff, status, 0, 0}, "wait_status", words(4, 0x8b))
	// An execve whose EMUL comes inside it (the first, or a program
	// of another ABI): one line, as strace shows it.
	g.check(g.w.WriteCall(g.h(pid, pid, 1500), nr("execve"), []uint64{0x7ffc00007000, 0x7ffc00008000, 0x7ffc00009000}))
	g.bytes(pid, pid, format.TypeNamei, "/bin/true", 0)
	g.check(g.w.WriteStrings(g.h(pid, pid, 500), format.TypeArgs, []string{"true"}))
	g.check(g.w.WriteEmul(g.h(pid, pid, 1000), g.abi))
	g.check(g.w.WriteRet(g.h(pid, pid, 2000), format.RetFromValue(nr("execve"), 0)))
	// A clone that the child's first record interrupts: its plain
	// pointers show before "<unfinished ...>".
	const child = 4702
	g.check(g.w.WriteCall(g.h(pid, pid, 1500), nr("clone"), []uint64{0x1200011, 0, 0, 0x7f3a2c001a10, 0}))
	g.check(g.w.WriteEmul(g.h(child, child, 1000), g.abi))
	g.check(g.w.WriteRet(g.h(pid, pid, 2000), format.RetFromValue(nr("clone"), child)))
	// Internet sockets: the ends -y names them by.
	sin := func(a, b, c, d byte, port uint16) []byte {
		return []byte{2, 0, byte(port >> 8), byte(port), a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0}
	}
	const addr, addrlen = 0x7ffc0000a000, 0x7ffc0000b000
	call("socket", 6, []uint64{2, 1 | 0x80000, 0})
	call("bind", 0, []uint64{6, addr, 16}, "sockaddr", sin(127, 0, 0, 1, 8080))
	call("listen", 0, []uint64{6, 128})
	call("socket", 7, []uint64{2, 1, 0})
	call("connect", 0, []uint64{7, addr, 16}, "sockaddr", sin(127, 0, 0, 1, 8080))
	call("getsockname", 0, []uint64{7, addr, addrlen}, "sockaddr", sin(127, 0, 0, 1, 41234))
	call("accept4", 8, []uint64{6, addr, addrlen, 0x80000}, "sockaddr", sin(127, 0, 0, 1, 41234))
	call("write", 5, []uint64{7, addr, 5})
	call("getpeername", 0, []uint64{8, addr, addrlen}, "sockaddr", sin(127, 0, 0, 1, 41234))
	call("write", 5, []uint64{8, addr, 5})
	// struct statfs: ext4 (EXT2_SUPER_MAGIC) read-only, tmpfs, and
	// i386's statfs64 on amd64; then one of another size (bytes).
	const extMagic, tmpfsMagic, stValid, stRdonly, stNosuid, stRelatime = 0xef53, 0x01021994, 0x20, 0x1, 0x2, 0x1000
	statfs := func(long int, typ, flags uint64) []byte {
		b := words(long, typ, 4096, 1000000, 250000, 200000, 65536, 60000)
		b = append(b, words(4, 0x1234, 0x5678)...)
		b = append(b, words(long, 255, 4096, flags)...)
		return append(b, make([]byte, 4*long)...)
	}
	call("statfs", 0, []uint64{0x7ffc0000c000, addr}, "statfs", statfs(8, extMagic, stValid|stRdonly|stRelatime))
	call("fstatfs", 0, []uint64{3, addr}, "statfs", statfs(8, tmpfsMagic, stValid|stNosuid))
	if m == arch.MachineAmd64 {
		g.abi = arch.ABII386
		g.check(g.w.WriteEmul(g.h(pid, pid, 1000), g.abi))
		// i386's statfs64: 32-bit words but 64-bit counts.
		b := append(words(4, extMagic, 4096), words(8, 1000000, 250000, 200000, 65536, 60000)...)
		b = append(b, words(4, 0x1234, 0x5678, 255, 4096, stValid)...)
		call("statfs", 0, []uint64{0xffd0c000, 84, 0xffd0d000}, "statfs", append(b, make([]byte, 16)...))
		g.abi = arch.ABIAmd64
		g.check(g.w.WriteEmul(g.h(pid, pid, 1000), g.abi))
	}
	g.stru(pid, pid, "statfs", make([]byte, 100))
	// A SIGSEGV at address 0: si_addr=NULL in --calls.
	info := make([]byte, format.PsigInfoSize)
	copy(info, words(4, 11, 0, 1)) // si_signo SIGSEGV, si_errno, si_code SEGV_MAPERR
	g.check(g.w.WritePsig(g.h(pid, pid, 1000), &format.Psig{Signal: 11, Action: format.SigDefault, Code: 1, Info: info}))
	g.check(g.w.Flush())
	return buf.Bytes(), g.err
}

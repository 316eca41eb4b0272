// Package tracegen builds synthetic ktrace traces for tests, benchmarks
// and measurements: a sample with every record type, as recorded on amd64
// or arm64, and an endless mix of typical records.
//
// System call numbers are written here by hand, not taken from package
// arch, so that decoding them tests the tables.
package tracegen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"iter"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// Syscall numbers by machine: amd64, arm64.
var numbers = map[string][2]uint32{
	"read":            {0, 63},
	"write":           {1, 64},
	"openat":          {257, 56},
	"fstat":           {5, 80},
	"lseek":           {8, 62},
	"mmap":            {9, 222},
	"kill":            {62, 129},
	"execve":          {59, 221},
	"exit_group":      {231, 94},
	"clock_nanosleep": {230, 115},
	"connect":         {42, 203},
	"statx":           {332, 291},
	"close":           {3, 57},
	"clone":           {56, 220},
	"futex":           {202, 98},
	"exit":            {60, 93},
	"getpid":          {39, 172},
	"clock_gettime":   {228, 113},
	"newfstatat":      {262, 79},
	"chdir":           {80, 49},
	"dup":             {32, 23},
	"dup3":            {292, 24},
	"pipe2":           {293, 59},
	"socket":          {41, 198},
	"accept4":         {288, 242},
	"fcntl":           {72, 25},
	"close_range":     {436, 436},
}

// i386 numbers, for the 32-bit calls of the amd64 sample.
const (
	i386Open  = 5
	i386Write = 4
)

// BaseTime is the time of the first record of the sample.
const BaseTime = 1700000000_123456789

// gen writes records with a moving clock.
type gen struct {
	w    *format.Writer
	m    arch.Machine
	abi  arch.ABI
	now  int64
	err  error
	comm string
}

func (g *gen) nr(name string) uint32 {
	n, ok := numbers[name]
	if !ok {
		panic("tracegen: no number for " + name)
	}
	if g.m == arch.MachineArm64 {
		return n[1]
	}
	return n[0]
}

// started returns a generator of records for machine m into buf, at
// BaseTime, with the START record written by process pid. It writes
// format version 1 unless a version is given: the goldens of kdump's
// output (record offsets among them) were made from version 1 traces,
// and dump's tests check that version 2 renders the same.
func started(buf *bytes.Buffer, m arch.Machine, comm string, pid int32, version ...int) *gen {
	w := format.NewWriter(buf)
	v := format.Version1
	if len(version) > 0 {
		v = version[0]
	}
	g := &gen{w: w, m: m, abi: m.NativeABI(), now: BaseTime, comm: comm}
	g.check(w.SetVersion(v))
	g.check(g.w.WriteStart(g.h(pid, pid, 0), &format.Start{Version: uint16(v), Machine: m,
		Release: "6.1.0-test", Hostname: "box"}))
	return g
}

// h returns a header for pid/tid, the clock moved on by step ns.
func (g *gen) h(pid, tid int32, step int64) *format.Header {
	g.now += step
	h := &format.Header{PID: pid, TID: tid, Time: g.now, ABI: g.abi}
	h.SetComm(g.comm)
	return h
}

// abis returns the ABIs of g's machine (amd64 and i386 on amd64, arm64
// on arm64); before each, it makes it g's and writes an EMUL record of
// thread pid saying so.
func (g *gen) abis(pid int32) iter.Seq[arch.ABI] {
	return func(yield func(arch.ABI) bool) {
		abis := []arch.ABI{g.m.NativeABI()}
		if g.m == arch.MachineAmd64 {
			abis = append(abis, arch.ABII386)
		}
		for _, abi := range abis {
			g.abi = abi
			g.check(g.w.WriteEmul(g.h(pid, pid, 1000), abi))
			if !yield(abi) {
				return
			}
		}
	}
}

func (g *gen) check(err error) {
	if g.err == nil && err != nil {
		g.err = err
	}
}

func (g *gen) call(pid, tid int32, name string, args ...uint64) {
	g.check(g.w.WriteCall(g.h(pid, tid, 1500), g.nr(name), args))
}

func (g *gen) ret(pid, tid int32, name string, v int64, step int64) {
	g.check(g.w.WriteRet(g.h(pid, tid, step), format.RetFromValue(g.nr(name), v)))
}

// whole writes a call of pid/tid that returns v at once, without
// records between its CALL and RET.
func (g *gen) whole(pid, tid int32, name string, v int64, args ...uint64) {
	g.call(pid, tid, name, args...)
	g.ret(pid, tid, name, v, 1000)
}

func (g *gen) bytes(pid, tid int32, t format.Type, p string, flags format.Flags) {
	h := g.h(pid, tid, 700)
	h.Flags = flags
	g.check(g.w.WriteBytes(h, t, []byte(p)))
}

func (g *gen) genio(pid, tid int32, gio format.Genio, flags format.Flags) {
	h := g.h(pid, tid, 900)
	h.Flags = flags
	g.check(g.w.WriteGenio(h, &gio))
}

func (g *gen) stru(pid, tid int32, name string, data []byte) {
	g.check(g.w.WriteLabeled(g.h(pid, tid, 300), format.TypeStruct, name, data))
}

// Sample returns a trace recorded on machine m (amd64 or arm64) holding
// records of every type, with the variants kdump shows differently, in
// format version 1 (the bytes kdump's goldens were made from).
func Sample(m arch.Machine) ([]byte, error) { return SampleVersion(m, format.Version1) }

// SampleVersion is Sample written in format version v.
func SampleVersion(m arch.Machine, v int) ([]byte, error) {
	var buf bytes.Buffer
	g := started(&buf, m, "ktrace", 4241, v)
	const pid, tid2 = 4242, 4243
	g.check(g.w.WriteEmul(g.h(pid, pid, 1000), g.abi))
	g.call(pid, pid, "execve", 0x7ffd5a1c2e40, 0x7ffd5a1c2f00, 0x7ffd5a1c2f20)
	g.bytes(pid, pid, format.TypeNamei, "/bin/cat", 0)
	g.check(g.w.WriteStrings(g.h(pid, pid, 500), format.TypeArgs,
		[]string{"cat", "/etc/hostname", "with \"quotes\"\tand a tab"}))
	g.check(g.w.WriteStrings(g.h(pid, pid, 500), format.TypeEnvs, []string{"HOME=/root", "PATH=/usr/bin:/bin"}))
	g.comm = "cat"
	g.ret(pid, pid, "execve", 0, 250000)

	g.call(pid, pid, "openat", 0xffffff9c, 0x7ffc1c2a4f10, 0x80000, 0)
	g.bytes(pid, pid, format.TypeNamei, "/etc/hostname", 0)
	g.ret(pid, pid, "openat", 3, 8000)
	g.call(pid, pid, "fstat", 3, 0x7ffc1c2a4e00)
	g.stru(pid, pid, "stat", statBytes(m))
	g.ret(pid, pid, "fstat", 0, 2000)
	g.call(pid, pid, "read", 3, 0x7f3a2c000000, 0x20000)
	g.genio(pid, pid, format.Genio{FD: 3, Dir: format.Read, Len: 5, Data: []byte("host\n")}, 0)
	g.ret(pid, pid, "read", 5, 4000)
	long := "line one\nline two is a rather long line of text that goes on past the eighty column limit of a screen\n\ttabbed \\ \"quoted\" \x00\x01\x7f\xff end\n"
	g.call(pid, pid, "write", 1, 0x7f3a2c000000, uint64(len(long)))
	g.genio(pid, pid, format.Genio{FD: 1, Dir: format.Write, Len: uint64(len(long)), Data: []byte(long)}, 0)
	g.ret(pid, pid, "write", int64(len(long)), 12000)
	bin := make([]byte, 40)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	copy(bin[20:], "ELF text")
	g.call(pid, pid, "read", 0, 0x7f3a2c000000, 65536)
	g.genio(pid, pid, format.Genio{FD: 0, Dir: format.Read, Len: 65536, Data: bin}, format.FlagCut)
	g.ret(pid, pid, "read", 65536, 30000)
	g.call(pid, pid, "openat", 0xffffffffffffff9c, 0x55d0c0a0, 0, 0)
	g.bytes(pid, pid, format.TypeNamei, "/nonexistent", 0)
	g.ret(pid, pid, "openat", -2, 3000)
	g.call(pid, pid, "openat", 3, 0x55d0c0b0, 0x241, 0o644)
	g.bytes(pid, pid, format.TypeNamei, "out.txt", 0)
	g.ret(pid, pid, "openat", 4, 5000)
	g.call(pid, pid, "lseek", 3, 0, 2)
	g.ret(pid, pid, "lseek", 5, 1000)
	g.call(pid, pid, "mmap", 0, 4096, 3, 0x22, 0xffffffffffffffff, 0)
	g.ret(pid, pid, "mmap", 0x7f3a2c100000, 6000)
	g.call(pid, pid, "kill", 4100, 15)
	g.ret(pid, pid, "kill", 0, 1000)
	g.check(g.w.WriteCall(g.h(pid, pid, 1000), 999, []uint64{1, 2, 3, 4, 5, 6}))
	g.check(g.w.WriteRet(g.h(pid, pid, 1000), format.RetFromValue(999, -38)))

	// A second thread sleeps and is interrupted.
	g.call(pid, tid2, "clock_nanosleep", 1, 0, 0x7f3a2bfffe00, 0x7f3a2bfffe10)
	g.stru(pid, tid2, "timespec", timespecBytes(1, 500000000))
	g.check(g.w.WriteCsw(g.h(pid, tid2, 200), &format.Csw{Out: true, WaitFor: []byte("hrtimer_nanosleep")}))
	g.check(g.w.WritePsig(g.h(pid, tid2, 400000), &format.Psig{Signal: 2, Action: format.SigDefault,
		Known: format.KnownSender, Code: 0, Sender: 4100, UID: 1000}))
	g.check(g.w.WritePsig(g.h(pid, tid2, 100), &format.Psig{Signal: 10, Action: format.SigCaught,
		Known: format.KnownHandler | format.KnownMask | format.KnownSender, Handler: 0x401a30, Mask: 0,
		Code: 0, Sender: 4100, UID: 1000}))
	g.check(g.w.WritePsig(g.h(pid, tid2, 100), &format.Psig{Signal: 13, Action: format.SigIgnored, Code: 0x80}))
	g.check(g.w.WritePsig(g.h(pid, tid2, 100), &format.Psig{Signal: 11, Action: format.SigUnknown, Code: 1}))
	g.check(g.w.WritePsig(g.h(pid, tid2, 100), &format.Psig{Signal: 12, Action: format.SigCaught,
		Known: format.KnownHandler | format.KnownMask, Handler: 0x401b00, Mask: 1<<1 | 1<<14, Code: -6}))
	g.check(g.w.WriteCsw(g.h(pid, tid2, 100), &format.Csw{Out: false}))
	g.check(g.w.WriteRet(g.h(pid, tid2, 100), format.Ret{Number: g.nr("clock_nanosleep"), Error: 516, Value: -516}))
	hi := g.h(pid, pid, 100)
	hi.Flags = format.FlagInferred
	g.check(g.w.WriteCsw(hi, &format.Csw{Out: true, User: true}))
	hi = g.h(pid, pid, 2000)
	hi.Flags = format.FlagInferred
	g.check(g.w.WriteCsw(hi, &format.Csw{Out: false, User: true}))

	// Sockets and structures.
	g.call(pid, pid, "connect", 3, 0x7ffc1c2a4d00, 16)
	g.stru(pid, pid, "sockaddr", sockaddrIn([4]byte{127, 0, 0, 1}, 80))
	g.ret(pid, pid, "connect", -111, 9000)
	g.stru(pid, pid, "sockaddr", sockaddrIn6(443))
	g.stru(pid, pid, "sockaddr", sockaddrUn("/run/test.sock", false))
	g.stru(pid, pid, "sockaddr", sockaddrUn("abstract", true))
	g.stru(pid, pid, "statx", statxBytes())
	g.stru(pid, pid, "rusage", []byte{1, 2, 3, 4})
	g.check(g.w.WriteLabeled(g.h(pid, pid, 300), format.TypeUser, "mylabel", []byte("hello user")))

	// I/O the tracer could not keep whole.
	g.genio(pid, pid, format.Genio{FD: 4, Dir: format.Write, Len: 100}, format.FlagUnreadable)
	g.genio(pid, pid, format.Genio{FD: 5, Dir: format.Read, Len: 20000000, Offset: 16777192,
		Data: []byte("the tail of a long read\n")}, 0)
	g.genio(pid, pid, format.Genio{FD: 5, Dir: format.Read, Len: 0}, 0)
	g.bytes(pid, pid, format.TypeNamei, "/very/long/path/cut", format.FlagCut)
	g.bytes(pid, pid, format.TypeNamei, "/home/zoë/café ☕\x80.txt", 0)
	g.check(g.w.WriteLost(g.h(pid, pid, 300), &format.Lost{Records: 7, Bytes: 700, Reason: []byte("disk full")}))
	g.bytes(pid, pid, format.Type(99), "a record from the future", 0)

	if m == arch.MachineAmd64 {
		// 32-bit calls of a compat program.
		g.abi = arch.ABII386
		g.comm = "legacy32"
		g.check(g.w.WriteEmul(g.h(4300, 4300, 1000), arch.ABII386))
		g.check(g.w.WriteCall(g.h(4300, 4300, 1000), i386Open, []uint64{0x804a000, 0x41, 0o600}))
		g.bytes(4300, 4300, format.TypeNamei, "/tmp/x", 0)
		g.check(g.w.WriteRet(g.h(4300, 4300, 1000), format.RetFromValue(i386Open, 3)))
		g.check(g.w.WriteCall(g.h(4300, 4300, 1000), i386Write, []uint64{3, 0x804b000, 2}))
		g.check(g.w.WriteRet(g.h(4300, 4300, 1000), format.RetFromValue(i386Write, 2)))
		g.abi = m.NativeABI()
	}

	// A second session appended to the same file.
	g.comm = "ktrace"
	g.check(g.w.WriteStart(g.h(5000, 5000, 1000000), &format.Start{Version: uint16(g.w.Version()), Machine: m,
		Release: "6.1.0-test", Hostname: "box"}))
	g.comm = "sh"
	g.check(g.w.WriteEmul(g.h(5001, 5001, 1000), g.abi))
	g.call(5001, 5001, "close", 7)
	g.ret(5001, 5001, "close", -9, 800)
	g.call(5001, 5001, "exit_group", 1)

	// Two threads of a process with a long name whose calls overlap.
	g.comm = "a-long-cmd-name"
	const qpid, qtid = 5100, 5101
	g.call(qpid, qpid, "openat", 0xffffff9c, 0x55d0c0c0, 0, 0)
	g.bytes(qpid, qpid, format.TypeNamei, "/etc/passwd", 0)
	g.call(qpid, qtid, "read", 5, 0x7f3a2c000000, 4096)
	g.ret(qpid, qpid, "openat", 6, 2000)
	g.genio(qpid, qtid, format.Genio{FD: 5, Dir: format.Read, Len: 3, Data: []byte("abc")}, 0)
	g.ret(qpid, qtid, "read", 3, 1000)
	g.call(qpid, qpid, "getpid")
	g.ret(qpid, qpid, "getpid", qpid, 500)
	g.call(qpid, qpid, "clock_gettime", 1, 0x7ffc1c2a4c00)
	g.stru(qpid, qpid, "timespec", timespecBytes(12, 345))
	g.ret(qpid, qpid, "clock_gettime", 0, 500)
	g.call(qpid, qpid, "newfstatat", 0xffffff9c, 0x55d0c0c0, 0x7ffc1c2a4e00, 0)
	g.bytes(qpid, qpid, format.TypeNamei, "/etc//passwd", 0)
	g.stru(qpid, qpid, "stat", statBytes(m))
	g.ret(qpid, qpid, "newfstatat", 0, 3000)
	g.call(qpid, qtid, "openat", 0xffffff9c, 0x55d0c0d0, 0x80000, 0)
	g.bytes(qpid, qtid, format.TypeNamei, "/etc/shadow", 0)
	g.ret(qpid, qtid, "openat", -13, 4000)
	g.check(g.w.Flush())
	return buf.Bytes(), g.err
}

var le = binary.LittleEndian

// statBytes returns a struct stat of a 5-byte regular file in the layout
// of machine m.
func statBytes(m arch.Machine) []byte {
	const (
		dev   = 0x803
		ino   = 1234567
		mode  = 0o100644
		size  = 5
		atime = 1700000000
	)
	if m == arch.MachineArm64 {
		b := make([]byte, 128)
		le.PutUint64(b[0:], dev)
		le.PutUint64(b[8:], ino)
		le.PutUint32(b[16:], mode)
		le.PutUint32(b[20:], 1) // nlink
		le.PutUint32(b[24:], 1000)
		le.PutUint32(b[28:], 1000)
		le.PutUint64(b[48:], size)
		le.PutUint32(b[56:], 4096)
		le.PutUint64(b[64:], 8)
		putTimes(b[72:], atime)
		return b
	}
	b := make([]byte, 144)
	le.PutUint64(b[0:], dev)
	le.PutUint64(b[8:], ino)
	le.PutUint64(b[16:], 1) // nlink
	le.PutUint32(b[24:], mode)
	le.PutUint32(b[28:], 1000)
	le.PutUint32(b[32:], 1000)
	le.PutUint64(b[48:], size)
	le.PutUint64(b[56:], 4096)
	le.PutUint64(b[64:], 8)
	putTimes(b[72:], atime)
	return b
}

// putTimes writes atime, mtime and ctime as three 16-byte timespecs.
func putTimes(b []byte, sec uint64) {
	for i := 0; i < 3; i++ {
		le.PutUint64(b[16*i:], sec+uint64(i))
		le.PutUint64(b[16*i+8:], 250000000)
	}
}

func timespecBytes(sec, nsec int64) []byte {
	b := make([]byte, 16)
	le.PutUint64(b, uint64(sec))
	le.PutUint64(b[8:], uint64(nsec))
	return b
}

func sockaddrIn(addr [4]byte, port uint16) []byte {
	b := make([]byte, 16)
	le.PutUint16(b, 2)
	binary.BigEndian.PutUint16(b[2:], port)
	copy(b[4:], addr[:])
	return b
}

func sockaddrIn6(port uint16) []byte {
	b := make([]byte, 28)
	le.PutUint16(b, 10)
	binary.BigEndian.PutUint16(b[2:], port)
	b[23] = 1 // ::1
	return b
}

func sockaddrUn(path string, abstract bool) []byte {
	b := []byte{1, 0}
	if abstract {
		b = append(b, 0)
		return append(b, path...)
	}
	b = append(b, path...)
	return append(b, 0)
}

func statxBytes() []byte {
	b := make([]byte, 256)
	le.PutUint32(b[0:], 0x7ff)
	le.PutUint32(b[4:], 4096)
	le.PutUint32(b[16:], 2)
	le.PutUint32(b[20:], 0)
	le.PutUint32(b[24:], 0)
	le.PutUint16(b[28:], 0o40755)
	le.PutUint64(b[32:], 2)
	le.PutUint64(b[40:], 4096)
	le.PutUint64(b[48:], 8)
	for i := 0; i < 4; i++ {
		le.PutUint64(b[64+16*i:], 1700000000)
		le.PutUint32(b[72+16*i:], 5)
	}
	le.PutUint32(b[136:], 8)
	le.PutUint32(b[140:], 3)
	return b
}

// Mixed writes a trace of n records (after its START record) with the mix
// of a busy process: system calls with paths, I/O data, signals and
// context switches, from a few threads, on machine amd64.
func Mixed(w io.Writer, n int) error { return MixedVersion(w, n, format.Version) }

// MixedVersion is Mixed written in format version v.
func MixedVersion(w io.Writer, n int, v int) error {
	fw := format.NewWriter(w)
	g := &gen{w: fw, m: arch.MachineAmd64, abi: arch.ABIAmd64, now: BaseTime, comm: "server"}
	g.check(fw.SetVersion(v))
	g.check(fw.WriteStart(g.h(1, 1, 0), &format.Start{Version: uint16(v), Machine: g.m, Release: "6.1.0"}))
	data := []byte("GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n")
	for i := 0; i < n && g.err == nil; {
		tid := int32(100 + i%4)
		switch i % 10 {
		case 0:
			g.call(100, tid, "openat", 0xffffff9c, 0x7ffc1c2a4f10, 0x80000, 0)
		case 1:
			g.bytes(100, tid, format.TypeNamei, "/var/www/index.html", 0)
		case 2:
			g.ret(100, tid, "openat", 7, 3000)
		case 3:
			g.call(100, tid, "read", 7, 0x7f3a2c000000, 0x10000)
		case 4:
			g.genio(100, tid, format.Genio{FD: 7, Dir: format.Read, Len: uint64(len(data)), Data: data}, 0)
		case 5:
			g.ret(100, tid, "read", int64(len(data)), 2000)
		case 6:
			g.call(100, tid, "openat", 0xffffff9c, 0x7ffc1c2a4f10, 0, 0)
		case 7:
			g.ret(100, tid, "openat", -2, 1000)
		case 8:
			g.check(fw.WriteCsw(g.h(100, tid, 100), &format.Csw{Out: i%20 == 8, WaitFor: []byte("ep_poll")}))
		case 9:
			if i%100 == 9 {
				g.check(fw.WritePsig(g.h(100, tid, 100), &format.Psig{Signal: 10, Action: format.SigCaught,
					Known: format.KnownHandler | format.KnownMask | format.KnownSender, Handler: 0x401a30,
					Sender: 1, UID: 0}))
			} else {
				g.ret(100, tid, "read", 0, 100)
			}
		}
		i++
	}
	g.check(fw.Flush())
	if g.err != nil {
		return fmt.Errorf("tracegen: %w", g.err)
	}
	return nil
}

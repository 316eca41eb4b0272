package tracegen

import (
	"bytes"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// Threads returns a trace recorded on machine m of a process with two
// threads and a child process, for timelines: calls of several classes,
// a clone in each, a thread blocked in a futex and another preempted
// (CSW), a signal, a thread that exits (exit), a process that exits
// (exit_group), and a call left without its RET.
func Threads(m arch.Machine) ([]byte, error) {
	var buf bytes.Buffer
	g := started(&buf, m, "server", 699)
	const pid, tid, child = 700, 701, 710
	g.check(g.w.WriteEmul(g.h(pid, pid, 1000), g.abi))
	g.call(pid, pid, "openat", 0xffffff9c, 0x7ffc1c2a4f10, 0x80000, 0)
	g.bytes(pid, pid, format.TypeNamei, "/etc/<server>.conf", 0)
	g.ret(pid, pid, "openat", 3, 8000)
	g.call(pid, pid, "read", 3, 0x7f3a2c000000, 4096)
	g.genio(pid, pid, format.Genio{FD: 3, Dir: format.Read, Len: 12, Data: []byte("port = 8080\n")}, 0)
	g.ret(pid, pid, "read", 12, 20000)
	g.call(pid, pid, "mmap", 0, 8392704, 3, 0x20022, 0xffffffffffffffff, 0)
	g.ret(pid, pid, "mmap", 0x7f3a2b800000, 5000)
	g.call(pid, pid, "clone", 0x3d0f00, 0x7f3a2bfff000, 0x7f3a2bfff9d0, 0x7f3a2bfff9d0, 0x7f3a2bfff640)
	g.ret(pid, pid, "clone", tid, 30000)

	// The new thread connects, is preempted, and waits.
	g.call(pid, tid, "connect", 4, 0x7f3a2bffe000, 16)
	g.ret(pid, tid, "connect", -111, 40000)
	g.check(g.w.WriteCsw(g.h(pid, tid, 500), &format.Csw{Out: true, User: true}))
	g.check(g.w.WriteCsw(g.h(pid, tid, 15000), &format.Csw{Out: false, User: true}))
	g.call(pid, tid, "futex", 0x7f3a2c0010a0, 0x80, 0, 0)
	g.check(g.w.WriteCsw(g.h(pid, tid, 300), &format.Csw{Out: true, WaitFor: []byte("futex_wait_queue")}))

	// The main thread forks a child, which signals it and exits.
	g.call(pid, pid, "clone", 0x1200011, 0, 0, 0x7f3a2c001a10, 0)
	g.ret(pid, pid, "clone", child, 60000)
	g.comm = "worker"
	g.call(child, child, "getpid")
	g.ret(child, child, "getpid", child, 2000)
	g.call(child, child, "write", 1, 0x7f3a2c000000, 6)
	g.genio(child, child, format.Genio{FD: 1, Dir: format.Write, Len: 6, Data: []byte("ready\n")}, 0)
	g.ret(child, child, "write", 6, 9000)
	g.call(child, child, "kill", pid, 10)
	g.ret(child, child, "kill", 0, 3000)
	g.call(child, child, "exit_group", 0)
	g.comm = "server"
	g.check(g.w.WritePsig(g.h(pid, pid, 1000), &format.Psig{Signal: 10, Action: format.SigCaught,
		Known: format.KnownHandler | format.KnownMask | format.KnownSender, Handler: 0x401a30,
		Sender: child, UID: 0}))

	// The thread wakes up and exits; the main thread's last call is cut off.
	g.comm = "server"
	g.check(g.w.WriteCsw(g.h(pid, tid, 50000), &format.Csw{Out: false}))
	g.ret(pid, tid, "futex", 0, 800)
	g.call(pid, tid, "exit", 0)
	g.call(pid, pid, "read", 0, 0x7f3a2c000000, 4096)
	g.check(g.w.Flush())
	return buf.Bytes(), g.err
}

// FDNames returns a trace recorded on machine m for kdump -y: a process
// that opens files (relative to a new working directory), duplicates
// descriptors, makes a pipe (its descriptors in an fd_pair STRU record)
// and sockets, forks a child that inherits them and execs (losing its
// close-on-exec descriptors), spawns with vfork (the child's records
// before the parent's RET), has a thread sharing its table, closes a
// range; and a process attached mid-trace, whose descriptors are
// unknown.
func FDNames(m arch.Machine) ([]byte, error) {
	var buf bytes.Buffer
	g := started(&buf, m, "fdtest", 799)
	const pid, thread, child, spawned, other = 800, 801, 810, 811, 900
	const atFDCWD, cloexec = 0xffffff9c, 0x80000
	g.check(g.w.WriteEmul(g.h(pid, pid, 1000), g.abi))
	g.whole(pid, pid, "write", 3, 1, 0x7f0000001000, 3)
	g.call(pid, pid, "chdir", 0x7ffc00000100)
	g.bytes(pid, pid, format.TypeNamei, "/srv/app", 0)
	g.ret(pid, pid, "chdir", 0, 1000)
	g.call(pid, pid, "openat", atFDCWD, 0x7ffc00000200, 0, 0)
	g.bytes(pid, pid, format.TypeNamei, "data/input.txt", 0)
	g.ret(pid, pid, "openat", 3, 2000)
	g.call(pid, pid, "openat", atFDCWD, 0x7ffc00000300, 0, 0)
	g.bytes(pid, pid, format.TypeNamei, "/missing", 0)
	g.ret(pid, pid, "openat", -2, 1000)
	g.whole(pid, pid, "dup3", 10, 3, 10, 0)
	g.call(pid, pid, "pipe2", 0x7ffc00000400, cloexec)
	g.stru(pid, pid, "fd_pair", []byte{4, 0, 0, 0, 5, 0, 0, 0})
	g.ret(pid, pid, "pipe2", 0, 1000)
	g.whole(pid, pid, "write", 6, 5, 0x7f0000001000, 6)
	g.whole(pid, pid, "socket", 6, 2, 0x80001, 0)
	g.whole(pid, pid, "fcntl", 20, 6, 1030, 20)
	g.whole(pid, pid, "socket", 7, 1, 1, 0)
	g.call(pid, pid, "connect", 7, 0x7ffc00000500, 110)
	g.bytes(pid, pid, format.TypeNamei, "/run/app.sock", 0)
	g.ret(pid, pid, "connect", 0, 1000)
	g.whole(pid, pid, "write", 2, 7, 0x7f0000001000, 2)
	g.whole(pid, pid, "accept4", 8, 6, 0, 0, cloexec)
	g.whole(pid, pid, "fcntl", 0, 10, 2, 1) // F_SETFD FD_CLOEXEC
	g.whole(pid, pid, "fcntl", 0, 10, 2, 0) // and off again
	g.whole(pid, pid, "fcntl", 0, 7, 2, 1)

	// A thread shares the table.
	g.call(pid, pid, "clone", 0x3d0f00, 0x7f3a2bfff000, 0x7f3a2bfff9d0, 0x7f3a2bfff9d0, 0x7f3a2bfff640)
	g.ret(pid, pid, "clone", thread, 3000)
	g.whole(pid, thread, "read", 100, 10, 0x7f0000002000, 100)

	// A forked child inherits the table and execs.
	g.call(pid, pid, "clone", 0x1200011, 0, 0, 0x7f3a2c001a10, 0)
	g.ret(pid, pid, "clone", child, 5000)
	g.whole(pid, pid, "close", 0, 5)
	g.comm = "child"
	g.whole(child, child, "read", 6, 4, 0x7f0000002000, 6)
	g.call(child, child, "execve", 0x7ffd5a1c2e40, 0x7ffd5a1c2f00, 0x7ffd5a1c2f20)
	g.bytes(child, child, format.TypeNamei, "/bin/cat", 0)
	g.ret(child, child, "execve", 0, 3000)
	g.whole(child, child, "read", 0, 10, 0x7f0000002000, 100)
	g.whole(child, child, "read", -9, 4, 0x7f0000002000, 100)
	for _, fd := range []uint64{7, 20, 3} {
		g.whole(child, child, "write", 1, fd, 0x7f0000001000, 1)
	}
	g.call(child, child, "exit_group", 0)
	g.check(g.w.WriteExit(g.h(child, child, 1000), format.Exit{}))

	// A spawn with vfork: the child's records come before the parent's RET.
	g.comm = "fdtest"
	g.call(pid, pid, "clone", 0x4111, 0, 0, 0, 0)
	g.comm = "spawned"
	g.whole(spawned, spawned, "write", 1, 3, 0x7f0000001000, 1)
	g.call(spawned, spawned, "exit_group", 0)
	g.comm = "fdtest"
	g.ret(pid, pid, "clone", spawned, 1000)

	g.whole(pid, pid, "dup", 9, 8)
	g.whole(pid, pid, "close_range", 0, 3, 0xffffffff, 0)
	g.whole(pid, pid, "read", -9, 3, 0x7f0000002000, 100)

	// A process attached mid-trace.
	g.comm = "other"
	g.whole(other, other, "read", 5, 3, 0x7f0000002000, 100)
	g.check(g.w.Flush())
	return buf.Bytes(), g.err
}

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

package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// TestTracePaths: every path argument of the path-taking calls is
// recorded as a NAMI, as passed (relative paths stay relative), both
// paths of the two-path calls, AF_UNIX socket paths of bind and connect,
// and a path the tracer cannot read is marked unreadable.
func TestTracePaths(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "paths")
	work := e.path("work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	tf := e.path("t.out")
	res := e.mustTrace(tf, nil, prog, work)
	if string(res.Stdout) != "ok\n" {
		t.Fatalf("stdout %q", res.Stdout)
	}
	all := testutil.ReadTrace(t, tf)
	testutil.CheckPairs(t, all, testutil.FromExec)
	c := &testutil.Cursor{TB: t, Recs: all}
	for _, want := range []struct {
		call  string
		paths []string
		ret   int64 // -1: not checked
	}{
		{"chdir", []string{work}, 0},
		{"mkdirat", []string{"d"}, 0},
		{"openat", []string{"d/f"}, -1},
		{"newfstatat", []string{"d/f"}, 0},
		{"faccessat", []string{"d/f"}, 0},
		{"renameat", []string{"d/f", "d/g"}, 0},
		{"linkat", []string{"d/g", "d/h"}, 0},
		{"symlinkat", []string{"g", "d/s"}, 0},
		{"readlinkat", []string{"d/s"}, 1},
		{"fchmodat", []string{"d/g"}, 0},
		{"truncate", []string{"d/g"}, 0},
		{"unlinkat", []string{"d/h"}, 0},
		{"bind", []string{"sock"}, 0},
		{"connect", []string{"sock"}, 0},
		{"unlinkat", []string{"sock"}, 0},
	} {
		ms := []testutil.Match{testutil.IsCall(want.call)}
		for _, p := range want.paths {
			ms = append(ms, testutil.IsNami(p))
		}
		desc := fmt.Sprintf("CALL %s then NAMI %q", want.call, want.paths)
		c.FindSeq(desc, ms...)
		if want.ret >= 0 {
			c.Find(fmt.Sprintf("RET %s %d", want.call, want.ret), testutil.IsRetValue(want.call, want.ret))
		}
	}
	call := c.Find("CALL openat of a bad pointer", func(l *testutil.Rec) bool {
		return testutil.IsCall("openat")(l) && int32(l.Arg(0)) == unix.AT_FDCWD && l.Arg(1) == 8
	})
	nami := c.Next("NAMI of the bad pointer", testutil.IsType(format.TypeNamei))
	if nami.Flags&format.FlagUnreadable == 0 {
		t.Errorf("NAMI %s after %s is not marked unreadable", nami, call)
	}
	c.Next("RET openat EFAULT", testutil.IsRetErrno("openat", int(unix.EFAULT)))
}

// TestTraceIOKinds: each kind of I/O call that moves user data gets a GIO
// record with the exact data and length.
func TestTraceIOKinds(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "iokinds")
	tf := e.path("t.out")
	res := e.mustTrace(tf, nil, prog, e.path("io.dat"))
	if string(res.Stdout) != "ok\n" {
		t.Fatalf("stdout %q", res.Stdout)
	}
	all := testutil.ReadTrace(t, tf)
	testutil.CheckPairs(t, all, testutil.FromExec)
	c := &testutil.Cursor{TB: t, Recs: all}
	c.FindSeq("openat of the data file", testutil.IsCall("openat"), testutil.IsNami(e.path("io.dat")))
	ret := c.Next("RET openat", func(l *testutil.Rec) bool { return l.Type == format.TypeRet })
	fd := ret.Value
	var sock [2]int
	for _, want := range []struct {
		call  string
		fd    int // index into fds: 0 the file, 1 and 2 the socket pair
		write bool
		data  string
	}{
		{"pwrite64", 0, true, "pwrite-data"},
		{"pread64", 0, false, "pwrite-data"},
		{"writev", 0, true, "wv-one,wv-two"},
		{"readv", 0, false, "wv-one,wv-two"},
		{"pwritev", 0, true, "pv-apv-b"},
		{"preadv", 0, false, "pv-apv-b"},
		{"pwritev2", 0, true, "pv2-data"},
		{"preadv2", 0, false, "pv2-data"},
		{"sendto", 1, true, "sendto-data"},
		{"recvfrom", 2, false, "sendto-data"},
		{"sendmsg", 1, true, "msg-amsg-b"},
		{"recvmsg", 2, false, "msg-amsg-b"},
	} {
		if want.fd > 0 && sock[0] == 0 {
			c.Find("socketpair", testutil.IsCall("socketpair"))
			c.Next("STRU fd_pair", testutil.IsStruct("fd_pair"))
			c.Next("RET socketpair 0", testutil.IsRetValue("socketpair", 0))
			// The descriptors follow the file's, which was closed.
			sock = [2]int{int(fd), int(fd) + 1}
		}
		f := int(fd)
		if want.fd > 0 {
			f = sock[want.fd-1]
		}
		call := c.Find("CALL "+want.call, testutil.IsCall(want.call))
		if len(call.Args) == 0 || call.Arg(0) != uint64(f) {
			t.Errorf("CALL %s: want fd %d", call, f)
		}
		dir := "read"
		if want.write {
			dir = "wrote"
		}
		if want.call == "sendmsg" { // -t t: the msghdr passed, after the CALL
			c.Next("STRU msghdr of sendmsg", testutil.IsStruct("msghdr"))
		}
		c.Next(fmt.Sprintf("GIO fd %d %s %q", f, dir, want.data), testutil.IsData(f, want.write, want.data))
		if want.call == "recvmsg" { // the msghdr filled, before the RET
			c.Next("STRU msghdr of recvmsg", testutil.IsStruct("msghdr"))
		}
		c.Next("RET "+want.call, testutil.IsRetValue(want.call, int64(len(want.data))))
	}
}

// TestTraceRestartRead: a read interrupted by a signal whose handler has
// SA_RESTART returns RESTART, the signal is delivered and handled, and
// the read is made again and completes.
func TestTraceRestartRead(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "restart")
	tf := e.path("t.out")
	cmd := e.cmd([]string{"-f", tf}, prog, "read")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	lr := itStart(t, cmd)
	defer stdin.Close()
	lr.expect("ready", 10*time.Second)
	itWaitSleeping(t, cmd.Process.Pid)
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	lr.expect("sig", 10*time.Second)
	if _, err := stdin.Write([]byte("data\n")); err != nil {
		t.Fatal(err)
	}
	lr.expect("read 5", 10*time.Second)
	if err := itWaitTimeout(t, cmd, 10*time.Second); err != nil {
		t.Fatalf("ktrace: %v, stderr: %s", err, cmd.Stderr)
	}

	all := testutil.ReadTrace(t, tf)
	testutil.CheckPairs(t, all, testutil.FromExec)
	c := &testutil.Cursor{TB: t, Recs: all}
	c.Find("CALL read(0,<buffer>,0x40)", testutil.IsIO("read", 0, 0x40))
	c.Next("RET read RESTART", testutil.IsRetRestart("read"))
	c.Next("PSIG SIGUSR1", func(l *testutil.Rec) bool {
		return testutil.IsSignal(int(syscall.SIGUSR1), format.SigCaught)(l) && l.Psig.Known&format.KnownHandler != 0
	})
	c.Next("CALL write", testutil.IsCall("write"))
	c.Next(`GIO fd 1 wrote "sig\n"`, testutil.IsData(1, true, "sig\n"))
	c.Next("RET write 4", testutil.IsRetValue("write", 4))
	c.Next("CALL rt_sigreturn", testutil.IsCall("rt_sigreturn"))
	c.Next("RET rt_sigreturn", testutil.IsRet("rt_sigreturn"))
	c.Next("CALL read again", func(l *testutil.Rec) bool {
		return testutil.IsCall("read")(l) && len(l.Args) > 0 && l.Arg(0) == 0
	})
	c.Next(`GIO fd 0 read "data\n"`, testutil.IsData(0, false, "data\n"))
	c.Next("RET read 5", testutil.IsRetValue("read", 5))
}

// TestTraceRestartSleep: a sleep interrupted by SIGSTOP and SIGCONT is
// restarted by the kernel (RESTART, then restart_syscall) and lasts as
// long as asked.
func TestTraceRestartSleep(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "restart")
	tf := e.path("t.out")
	cmd := e.cmd([]string{"-f", tf}, prog, "sleep")
	lr := itStart(t, cmd)
	pid := cmd.Process.Pid
	lr.expect("ready", 10*time.Second)
	itWaitSleeping(t, pid)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if ws := itWait4(t, pid, syscall.WUNTRACED, "stopped"); !ws.Stopped() {
		t.Fatalf("wait4 WUNTRACED: status %#x, want stopped", uint32(ws))
	}
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	lr.expect("slept", 10*time.Second)
	if err := itWaitTimeout(t, cmd, 10*time.Second); err != nil {
		t.Fatalf("ktrace: %v, stderr: %s", err, cmd.Stderr)
	}

	all := testutil.ReadTrace(t, tf)
	testutil.CheckPairs(t, all, testutil.FromExec)
	c := &testutil.Cursor{TB: t, Recs: all}
	call := c.Find("CALL nanosleep", testutil.IsCall("nanosleep", "clock_nanosleep"))
	name := call.Name
	c.Next("STRU timespec of "+name, testutil.IsStruct("timespec"))
	c.Next("RET "+name+" RESTART", testutil.IsRetRestart(name))
	c.Next("PSIG SIGSTOP", testutil.IsSignal(int(syscall.SIGSTOP), format.SigDefault))
	c.Next("PSIG SIGCONT", testutil.IsSignal(int(syscall.SIGCONT), format.SigDefault))
	c.Next("CALL restart_syscall()", testutil.IsCallArgs("restart_syscall"))
	c.Next("RET restart_syscall 0", testutil.IsRetValue("restart_syscall", 0))
}

// itWaitSleeping waits until process pid sleeps (state S) in a system
// call: it has reached the blocking call the test is after.
func itWaitSleeping(t *testing.T, pid int) {
	t.Helper()
	if !testutil.Poll(10*time.Second, func() bool { return testutil.ProcState(pid) == 'S' }) {
		t.Fatalf("process %d never blocked: %s", pid, testutil.ProcStat(pid))
	}
	// Let it settle: state S also shows briefly during the calls before.
	time.Sleep(50 * time.Millisecond)
	if st := testutil.ProcState(pid); st != 'S' {
		t.Fatalf("process %d is not blocked (%c)", pid, st)
	}
}

// TestTraceFamily: with -i, children made by vfork (which then execs),
// fork and a grandchild forked by a child are all traced, and the fork
// calls return the pids of the processes whose records follow.
func TestTraceFamily(t *testing.T) {
	e := itSetup(t)
	if _, err := os.Stat("/bin/echo"); err != nil {
		t.Skip("no /bin/echo")
	}
	prog := testutil.Prog(t, "family")
	tf := e.path("t.out")
	res := e.mustTrace(tf, []string{"-i"}, prog)
	if string(res.Stdout) != "vforked\ngrandchild\nthread\n" {
		t.Fatalf("stdout %q", res.Stdout)
	}
	all := testutil.ReadTrace(t, tf)
	testutil.CheckPairs(t, all, testutil.FromExec)
	writer := func(data string) (pid, tid int) {
		t.Helper()
		w := testutil.Only(all, testutil.IsData(1, true, data))
		if len(w) != 1 {
			t.Fatalf("%d GIO records of %q, want 1", len(w), data)
		}
		return w[0].PID, w[0].TID
	}
	// forkedBy returns the pid of the process whose fork call returned
	// child.
	forkedBy := func(child int) int {
		t.Helper()
		r := testutil.Only(all, func(l *testutil.Rec) bool {
			return testutil.IsRet("fork", "vfork", "clone", "clone3")(l) && l.Errno == 0 && l.Value == int64(child)
		})
		if len(r) != 1 {
			t.Fatalf("%d RET of a fork call giving %d, want 1:\n%s", len(r), child, testutil.Describe(all))
		}
		return r[0].PID
	}
	echo, _ := writer("vforked\n")
	grandchild, _ := writer("grandchild\n")
	threadPID, thread := writer("thread\n")
	if forkedBy(echo) != res.Pid {
		t.Errorf("echo (pid %d) was not forked by the traced program %d", echo, res.Pid)
	}
	child := forkedBy(grandchild)
	if child == res.Pid || forkedBy(child) != res.Pid {
		t.Errorf("the grandchild %d was not forked by a child of %d", grandchild, res.Pid)
	}
	if threadPID != res.Pid || thread == res.Pid || forkedBy(thread) != res.Pid {
		t.Errorf("the thread's write is in pid %d tid %d, want pid %d and the tid its clone returned", threadPID, thread, res.Pid)
	}
	if echoRecs := testutil.OfPID(all, echo); len(testutil.Only(echoRecs, func(l *testutil.Rec) bool { return l.Comm == "echo" })) == 0 {
		t.Errorf("no records of echo in pid %d", echo)
	}
	for _, pid := range []int{echo, child, grandchild} {
		if len(testutil.Only(testutil.OfPID(all, pid), testutil.IsCall("exit_group"))) != 1 {
			t.Errorf("pid %d: no exit_group", pid)
		}
	}
}

// TestProcessEnds: an EXIT record says how each traced process ended, as
// its parent sees it: its exit status, or the signal that killed it.
func TestProcessEnds(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "exitcode")
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip(err)
	}
	tf := e.path("ends.out")
	res := e.trace(tf, []string{"-i"}, sh, "-c", prog+" 4; "+prog+" -9; exit 5")
	if res.ExitCode() != 5 {
		t.Fatalf("sh exited %d, want 5; %s", res.ExitCode(), res)
	}
	ends := testutil.Only(testutil.ReadTrace(t, tf), testutil.IsType(format.TypeExit))
	type end struct {
		comm   string
		code   int
		signal int
	}
	var got []end
	for _, r := range ends {
		if r.Err != nil {
			t.Fatalf("EXIT record: %v", r.Err)
		}
		got = append(got, end{r.Comm, r.Exit.Code(), r.Exit.Signal()})
	}
	want := []end{{"exitcode", 4, 0}, {"exitcode", 0, int(unix.SIGKILL)}, {"sh", 5, 0}}
	if !slices.Equal(got, want) {
		t.Errorf("EXIT records %+v, want %+v:\n%s", got, want, testutil.Describe(ends))
	}
	if len(ends) == 3 && ends[2].PID != res.Pid {
		t.Errorf("the shell's EXIT is of pid %d, want %d", ends[2].PID, res.Pid)
	}
}

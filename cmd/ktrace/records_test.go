package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// findSeq moves past the first run of consecutive records that match ms
// in order and returns the first of them.
func (c *itCursor) findSeq(what string, ms ...func(*testutil.Line) bool) *testutil.Line {
	c.t.Helper()
outer:
	for j := c.i; j+len(ms) <= len(c.lines); j++ {
		for k, m := range ms {
			if !m(&c.lines[j+k]) {
				continue outer
			}
		}
		c.i = j + len(ms)
		return &c.lines[j]
	}
	c.fail(what + " (searched to the end)")
	return nil
}

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
	all := itRecords(e.dump(tf))
	itCheckPairs(t, all)
	c := &itCursor{t: t, lines: all}
	for _, want := range []struct {
		call  string
		paths []string
		ret   string
	}{
		{"chdir", []string{work}, "0"},
		{"mkdirat", []string{"d"}, "0"},
		{"openat", []string{"d/f"}, ""},
		{"newfstatat", []string{"d/f"}, "0"},
		{"faccessat", []string{"d/f"}, "0"},
		{"renameat", []string{"d/f", "d/g"}, "0"},
		{"linkat", []string{"d/g", "d/h"}, "0"},
		{"symlinkat", []string{"g", "d/s"}, "0"},
		{"readlinkat", []string{"d/s"}, "1"},
		{"fchmodat", []string{"d/g"}, "0"},
		{"truncate", []string{"d/g"}, "0"},
		{"unlinkat", []string{"d/h"}, "0"},
		{"bind", []string{"sock"}, "0"},
		{"connect", []string{"sock"}, "0"},
		{"unlinkat", []string{"sock"}, "0"},
	} {
		ms := []func(*testutil.Line) bool{itIsCall(want.call)}
		for _, p := range want.paths {
			ms = append(ms, itIs("NAMI", `"`+p+`"`))
		}
		desc := fmt.Sprintf("CALL %s then NAMI %q", want.call, want.paths)
		c.findSeq(desc, ms...)
		if want.ret != "" {
			c.find("RET "+want.call+" "+want.ret, itIs("RET", want.call+" "+want.ret))
		}
	}
	call := c.find("CALL openat of a bad pointer", func(l *testutil.Line) bool {
		return itIsCall("openat")(l) && strings.HasPrefix(l.Body, "openat(AT_FDCWD,0x8,")
	})
	nami := c.next("NAMI of the bad pointer", func(l *testutil.Line) bool { return l.Type == "NAMI" })
	if !strings.Contains(nami.Body, "unreadable") {
		t.Errorf("NAMI %q after %q is not marked unreadable", nami.Body, call.Body)
	}
	c.next("RET openat EFAULT", itIs("RET", "openat -1 errno 14 Bad address"))
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
	all := itRecords(e.dump(tf))
	itCheckPairs(t, all)
	c := &itCursor{t: t, lines: all}
	c.findSeq("openat of the data file", itIsCall("openat"), itIs("NAMI", `"`+e.path("io.dat")+`"`))
	ret := c.next("RET openat", func(l *testutil.Line) bool { return l.Type == "RET" })
	fd, _ := itNum(itRetValue(ret))
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
			c.find("socketpair", itIsCall("socketpair"))
			c.next("RET socketpair 0", itIs("RET", "socketpair 0"))
			// The descriptors follow the file's, which was closed.
			sock = [2]int{int(fd), int(fd) + 1}
		}
		f := int(fd)
		if want.fd > 0 {
			f = sock[want.fd-1]
		}
		call := c.find("CALL "+want.call, itIsCall(want.call))
		if a := itCallArgs(call); len(a) == 0 || a[0] != fmt.Sprintf("%#x", f) {
			t.Errorf("CALL %q: want fd %d", call.Body, f)
		}
		dir := "read"
		if want.write {
			dir = "wrote"
		}
		c.next(fmt.Sprintf("GIO fd %d %s %q", f, dir, want.data), itIsData(f, want.write, want.data))
		c.next("RET "+want.call, itIs("RET", want.call+" "+testutil.FmtRet(int64(len(want.data)))))
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

	all := itRecords(e.dump(tf))
	itCheckPairs(t, all)
	c := &itCursor{t: t, lines: all}
	c.find("CALL read of stdin", func(l *testutil.Line) bool {
		return itIsCall("read")(l) && strings.HasPrefix(l.Body, "read(0,") && strings.HasSuffix(l.Body, ",0x40)")
	})
	c.next("RET read RESTART", itIs("RET", "read RESTART"))
	c.next("PSIG SIGUSR1", func(l *testutil.Line) bool {
		return l.Type == "PSIG" && strings.HasPrefix(l.Body, "SIGUSR1 caught handler=")
	})
	c.next("CALL write", itIsCall("write"))
	c.next(`GIO fd 1 wrote "sig\n"`, itIsData(1, true, "sig\n"))
	c.next("RET write 4", itIs("RET", "write 4"))
	c.next("CALL rt_sigreturn", itIsCall("rt_sigreturn"))
	c.next("RET rt_sigreturn", func(l *testutil.Line) bool { return l.Type == "RET" && itCallName(l) == "rt_sigreturn" })
	c.next("CALL read again", func(l *testutil.Line) bool {
		return itIsCall("read")(l) && strings.HasPrefix(l.Body, "read(0,")
	})
	c.next(`GIO fd 0 read "data\n"`, itIsData(0, false, "data\n"))
	c.next("RET read 5", itIs("RET", "read 5"))
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

	all := itRecords(e.dump(tf))
	itCheckPairs(t, all)
	c := &itCursor{t: t, lines: all}
	call := c.find("CALL nanosleep", itIsCall("nanosleep", "clock_nanosleep"))
	name := itCallName(call)
	c.next("RET "+name+" RESTART", itIs("RET", name+" RESTART"))
	c.next("PSIG SIGSTOP", func(l *testutil.Line) bool { return l.Type == "PSIG" && strings.HasPrefix(l.Body, "SIGSTOP SIG_DFL ") })
	c.next("PSIG SIGCONT", func(l *testutil.Line) bool { return l.Type == "PSIG" && strings.HasPrefix(l.Body, "SIGCONT SIG_DFL ") })
	c.next("CALL restart_syscall()", itIs("CALL", "restart_syscall()"))
	c.next("RET restart_syscall 0", itIs("RET", "restart_syscall 0"))
}

// itWaitSleeping waits until process pid sleeps (state S) in a system
// call: it has reached the blocking call the test is after.
func itWaitSleeping(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ProcState(pid) != 'S' {
		if time.Now().After(deadline) {
			t.Fatalf("process %d never blocked: %s", pid, testutil.ProcStat(pid))
		}
		time.Sleep(5 * time.Millisecond)
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
	all := itRecords(e.dump(tf, "-H"))
	itCheckPairs(t, all)
	writer := func(data string) (pid, tid int) {
		t.Helper()
		w := itOnly(all, itIsData(1, true, data))
		if len(w) != 1 {
			t.Fatalf("%d GIO records of %q, want 1", len(w), data)
		}
		return w[0].PID, w[0].TID
	}
	// forkedBy returns the pid of the process whose fork call returned
	// child.
	forkedBy := func(child int) int {
		t.Helper()
		r := itOnly(all, func(l *testutil.Line) bool {
			n := itCallName(l)
			return l.Type == "RET" && (n == "fork" || n == "vfork" || n == "clone" || n == "clone3") &&
				itRetValue(l) == testutil.FmtRet(int64(child))
		})
		if len(r) != 1 {
			t.Fatalf("%d RET of a fork call giving %d, want 1:\n%s", len(r), child, itDescribe(all))
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
	if echoRecs := itOfPID(all, echo); len(itOnly(echoRecs, func(l *testutil.Line) bool { return l.Comm == "echo" })) == 0 {
		t.Errorf("no records of echo in pid %d", echo)
	}
	for _, pid := range []int{echo, child, grandchild} {
		if len(itOnly(itOfPID(all, pid), itIsCall("exit_group"))) != 1 {
			t.Errorf("pid %d: no exit_group", pid)
		}
	}
}

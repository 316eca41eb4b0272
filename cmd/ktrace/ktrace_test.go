package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// Integration tests: ktrace runs real programs (testdata/progs, built with
// the system C compiler) and the trace is read back as typed records.

// TestTraceFileIO traces open/read/write/close of known files and a
// failing open, and checks every record of the sequence: CALL, NAMI with
// the path, GIO with the exact data, RET with the values and errno text.
func TestTraceFileIO(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "fileio")
	in, out, tf := e.path("in.txt"), e.path("out.txt"), e.path("t.out")
	content := "the quick brown fox\njumps over\n" // 31 bytes
	if err := os.WriteFile(in, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	res := e.mustTrace(tf, nil, prog, in, out)
	if string(res.Stdout) != content {
		t.Errorf("stdout %q, want %q", res.Stdout, content)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "hello\n" {
		t.Errorf("%s holds %q (%v), want %q", out, b, err, "hello\n")
	}

	all := testutil.ReadTrace(t, tf)
	pid := res.Pid
	for i := range all {
		if all[i].PID != pid {
			t.Fatalf("record of pid %d, want only the command's pid %d (ktrace's own):\n%s", all[i].PID, pid, all[i].String())
		}
	}
	testutil.CheckPairs(t, all, testutil.FromExec)

	// The first records are the command's own execve.
	c := &testutil.Cursor{TB: t, Recs: all}
	for c.I < len(all) && all[c.I].Type == format.TypeEmul {
		c.I++
	}
	if c.I == 0 || !testutil.IsEmul(nativeABI)(&all[0]) {
		t.Errorf("trace does not start with EMUL %s:\n%s", nativeABI, testutil.Describe(all[:min(5, len(all))]))
	}
	c.Next("CALL execve", testutil.IsCall("execve"))
	c.Next("NAMI of the program", testutil.IsNami(prog))
	args := c.Find("ARGS", testutil.IsType(format.TypeArgs))
	for _, a := range []string{in, out} {
		if !slices.Contains(args.Strings, a) {
			t.Errorf("ARGS record does not show argument %q:\n%s", a, args.String())
		}
	}
	c.Find("RET execve 0", testutil.IsRetValue("execve", 0))
	if comm := all[c.I].Comm; comm != "fileio" {
		t.Errorf("comm after execve is %q, want fileio", comm)
	}

	// open/read/close of the input.
	c.Find("NAMI of the input", testutil.IsNami(in))
	c.I -= 2
	call := c.Next("CALL open of the input", testutil.IsCall("openat", "open"))
	name := call.Name
	if name == "openat" && int32(call.Arg(0)) != unix.AT_FDCWD {
		t.Errorf("CALL %s: first argument is not AT_FDCWD", call)
	}
	c.Next("NAMI of the input", testutil.IsNami(in))
	// retFD requires the next record to be the RET of the open, giving a
	// file descriptor.
	retFD := func() int {
		t.Helper()
		return int(c.Next("RET "+name+" giving a file descriptor", func(r *testutil.Rec) bool {
			return testutil.IsRet(name)(r) && r.Errno == 0 && r.Value >= 0
		}).Value)
	}
	fd := retFD()
	c.Next(fmt.Sprintf("CALL read(%#x,<buffer>,0x1000)", fd), testutil.IsIO("read", fd, 0x1000))
	gio := c.Next("GIO of the read", testutil.IsType(format.TypeGenio))
	if gio.FD != fd || gio.Dir != format.Read || gio.Len != 31 {
		t.Errorf("GIO %s, want fd %d read 31 bytes", gio, fd)
	}
	if string(gio.Data) != content || !gio.Whole() {
		t.Errorf("GIO data %q (flags %#x), want %q:\n%s", gio.Data, gio.Flags, content, gio)
	}
	c.Next("RET read 31", testutil.IsRetValue("read", 31))
	c.Next("CALL close", testutil.IsCallArgs("close", uint64(fd)))
	c.Next("RET close 0", testutil.IsRetValue("close", 0))

	// open/write/close of the output.
	call = c.Next("CALL open of the output", testutil.IsCall(name))
	flags, mode := call.Arg(len(call.Args)-2), call.Arg(len(call.Args)-1)
	for _, f := range []struct {
		name string
		bits uint64
	}{{"O_WRONLY", unix.O_WRONLY}, {"O_CREAT", unix.O_CREAT}, {"O_TRUNC", unix.O_TRUNC}} {
		if flags&f.bits != f.bits {
			t.Errorf("CALL %s: flags %#x without %s", call, flags, f.name)
		}
	}
	if len(call.Args) < 2 || mode != 0o644 {
		t.Errorf("CALL %s: mode is not 0644", call)
	}
	c.Next("NAMI of the output", testutil.IsNami(out))
	ofd := retFD()
	c.Next(fmt.Sprintf("CALL write(%#x,<buffer>,0x6)", ofd), testutil.IsIO("write", ofd, 6))
	c.Next(fmt.Sprintf(`GIO fd %d wrote 6 bytes "hello\n"`, ofd), testutil.IsData(ofd, true, "hello\n"))
	c.Next("RET write 6", testutil.IsRetValue("write", 6))
	c.Next("CALL close", testutil.IsCallArgs("close", uint64(ofd)))
	c.Next("RET close 0", testutil.IsRetValue("close", 0))

	// The failing open.
	c.Next("CALL open", testutil.IsCall(name))
	c.Next(`NAMI "/nonexistent/x"`, testutil.IsNami("/nonexistent/x"))
	c.Next("RET with ENOENT", testutil.IsRetErrno(name, int(unix.ENOENT)))

	// The content echoed to stdout, and the end.
	c.Next("CALL write", testutil.IsCall("write"))
	c.Next("GIO fd 1 wrote 31 bytes", testutil.IsData(1, true, content))
	c.Next("RET write 31", testutil.IsRetValue("write", 31))
	c.Find("CALL exit_group(0)", testutil.IsCallArgs("exit_group", 0))
	c.Next("EXIT exited with 0", testutil.IsExit(0, 0))
	if c.I != len(all) {
		t.Errorf("records after the EXIT:\n%s", testutil.Describe(all[c.I:]))
	}
}

// TestTraceExitStatus checks that the command's exit status, or its death
// by a signal, reaches ktrace's parent as it would untraced, and that the
// trace ends with the exit or the fatal signal.
func TestTraceExitStatus(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "exitcode")
	for _, tc := range []struct {
		arg    string
		code   int
		sig    syscall.Signal
		stdout string
		last   string // the last record, as kdump shows it; "" for none checked
	}{
		{"0", 0, 0, "exiting 0\n", "exit_group(0)"},
		{"3", 3, 0, "exiting 3\n", "exit_group(0x3)"},
		{"-15", -1, syscall.SIGTERM, "killing myself with 15\n", "SIGTERM SIG_DFL"},
		{"-9", -1, syscall.SIGKILL, "killing myself with 9\n", ""},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			e := e.sub(t)
			plain := e.untraced(prog, tc.arg)
			if plain.ExitCode() != tc.code || plain.Signaled() != tc.sig {
				t.Fatalf("untraced: %s", plain)
			}
			tf := e.path("exit" + tc.arg + ".out")
			res := e.trace(tf, nil, prog, tc.arg)
			if got := res.ExitCode(); got != tc.code {
				t.Errorf("exit status %d, want %d: %s", got, tc.code, res)
			}
			if got := res.Signaled(); got != tc.sig {
				t.Errorf("killed by signal %d (%v), want %d (%v): %s", int(got), got, int(tc.sig), tc.sig, res)
			}
			if string(res.Stdout) != tc.stdout || string(plain.Stdout) != tc.stdout {
				t.Errorf("stdout traced %q, untraced %q, want %q", res.Stdout, plain.Stdout, tc.stdout)
			}
			all := testutil.ReadTrace(t, tf)
			if len(all) < 2 {
				t.Fatalf("%d records", len(all))
			}
			// The trace ends with the EXIT, after the exit or the fatal
			// signal.
			if end := &all[len(all)-1]; !testutil.IsExit(tc.code, tc.sig)(end) {
				t.Errorf("last record %s, want EXIT of status %d, signal %v", end, tc.code, tc.sig)
			}
			last := &all[len(all)-2]
			switch {
			case tc.sig == syscall.SIGTERM:
				want := fmt.Sprintf("SIGTERM SIG_DFL code=SI_USER pid=%d uid=%d", res.Pid, os.Getuid())
				if !testutil.IsPsig(itSentBy(syscall.SIGTERM, format.SigDefault, res.Pid))(last) {
					t.Errorf("last record %s, want PSIG %q:\n%s", last, want, testutil.Describe(all[max(0, len(all)-6):]))
				}
			case tc.last != "":
				if !testutil.IsCallArgs("exit_group", uint64(tc.code))(last) {
					t.Errorf("last record %s, want CALL %s:\n%s", last, tc.last, testutil.Describe(all[max(0, len(all)-6):]))
				}
			default:
				// SIGKILL is never seen by a tracer: the trace ends with
				// the kill call.
				if n := len(testutil.Only(all, testutil.IsCallArgs("kill", uint64(res.Pid), uint64(syscall.SIGKILL)))); n != 1 {
					t.Errorf("%d CALL kill(%#x,SIGKILL), want 1:\n%s", n, res.Pid, testutil.Describe(all[max(0, len(all)-6):]))
				}
			}
		})
	}
}

// TestTraceIdentity checks that the command keeps ktrace's pid, parent,
// process group and session.
func TestTraceIdentity(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "ids")
	cmd := e.cmd([]string{"-f", e.path("t.out")}, prog)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	res := testutil.Run(t, 0, cmd)
	if res.Err != nil {
		t.Fatal(res)
	}
	var pid, ppid, pgrp, sid int
	if _, err := fmt.Sscanf(string(res.Stdout), "%d %d %d %d", &pid, &ppid, &pgrp, &sid); err != nil {
		t.Fatalf("output %q: %v", res.Stdout, err)
	}
	if pid != res.Pid {
		t.Errorf("command's pid %d, want ktrace's %d", pid, res.Pid)
	}
	if ppid != os.Getpid() {
		t.Errorf("command's parent %d, want ktrace's parent %d", ppid, os.Getpid())
	}
	if pgrp != res.Pid {
		t.Errorf("command's process group %d, want ktrace's %d", pgrp, res.Pid)
	}
	if want := testutil.StatField(os.Getpid(), 6); sid != want {
		t.Errorf("command's session %d, want %d", sid, want)
	}
}

// TestTraceOutputUnchanged checks that a command's stdout, stderr and exit
// status are the same byte for byte traced and untraced.
func TestTraceOutputUnchanged(t *testing.T) {
	e := itSetup(t)
	fileio := testutil.Prog(t, "fileio")
	bigwrite := testutil.Prog(t, "bigwrite")
	in := e.path("in.txt")
	if err := os.WriteFile(in, bytes.Repeat([]byte("some text\tand\x01binary\x00\xff\n"), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin := bytes.Repeat([]byte("line of input\n"), 1000)
	for _, tc := range []struct {
		name  string
		argv  []string
		stdin []byte
	}{
		{"fileio", []string{fileio, in, e.path("out.txt")}, nil},
		{"bigwrite", []string{bigwrite, "-", "300000"}, nil},
		{"cat", []string{"cat"}, stdin},
		{"sh", []string{"sh", "-c", "echo out; echo err >&2; ls / >/dev/null; exit 5"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(c *exec.Cmd) *testutil.Result {
				if tc.stdin != nil {
					c.Stdin = bytes.NewReader(tc.stdin)
				}
				return testutil.Run(t, 0, c)
			}
			plain := run(exec.Command(tc.argv[0], tc.argv[1:]...))
			traced := run(e.cmd([]string{"-f", e.path(tc.name + ".out")}, tc.argv...))
			if !bytes.Equal(plain.Stdout, traced.Stdout) {
				t.Errorf("stdout differs: untraced %d bytes, traced %d bytes\nuntraced: %s\ntraced: %s",
					len(plain.Stdout), len(traced.Stdout), testutil.Clip(plain.Stdout, 200), testutil.Clip(traced.Stdout, 200))
			}
			if !bytes.Equal(plain.Stderr, traced.Stderr) {
				t.Errorf("stderr differs:\nuntraced: %q\ntraced: %q", plain.Stderr, traced.Stderr)
			}
			if plain.ExitCode() != traced.ExitCode() {
				t.Errorf("exit status untraced %d, traced %d", plain.ExitCode(), traced.ExitCode())
			}
			if tc.stdin != nil && !bytes.Equal(traced.Stdout, tc.stdin) {
				t.Errorf("cat did not copy its input: %d bytes in, %d out", len(tc.stdin), len(traced.Stdout))
			}
		})
	}
}

// itHandler parses the "handler=0x..." line sigusr prints.
func itHandler(t *testing.T, line string) uint64 {
	t.Helper()
	s, ok := strings.CutPrefix(strings.TrimSpace(line), "handler=")
	if !ok {
		t.Fatalf("line %q is not handler=...", line)
	}
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	return v
}

// itCheckPsig checks that the trace of pid holds exactly n PSIG records
// of SIGUSR1, each naming the handler and the sender.
func itCheckPsig(t *testing.T, all []testutil.Rec, n int, handler uint64, sender int) {
	t.Helper()
	psig := testutil.Only(all, testutil.IsType(format.TypePsig))
	if len(psig) != n {
		t.Errorf("%d PSIG records, want %d (one per SIGUSR1):\n%s", len(psig), n, testutil.Describe(psig))
	}
	want := itSentBy(syscall.SIGUSR1, format.SigCaught, sender)
	want.Known |= format.KnownHandler | format.KnownMask
	want.Handler, want.Mask = handler, 0
	for i := range psig {
		if !testutil.IsPsig(want)(&psig[i]) {
			t.Errorf("PSIG %s, want SIGUSR1 caught handler=%#x mask=0x0 code=SI_USER pid=%d uid=%d", &psig[i], handler, sender, os.Getuid())
			break
		}
	}
}

// TestTraceSignalsSelf: a program that handles SIGUSR1 sends itself 50;
// every one arrives (the program counts them) and each has its PSIG.
func TestTraceSignalsSelf(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "sigusr")
	const n = 50
	tf := e.path("t.out")
	res := e.mustTrace(tf, nil, prog, "self", strconv.Itoa(n))
	out := strings.SplitAfter(string(res.Stdout), "\n")
	if len(out) != 3 || out[1] != fmt.Sprintf("caught %d\n", n) {
		t.Fatalf("output %q, want handler=... and caught %d", res.Stdout, n)
	}
	all := testutil.ReadTrace(t, tf)
	itCheckPsig(t, all, n, itHandler(t, out[0]), res.Pid)
	testutil.CheckPairs(t, all, testutil.FromExec)
	// Each delivery runs the handler and returns through rt_sigreturn.
	if got := len(testutil.Only(all, testutil.IsCall("rt_sigreturn"))); got != n {
		t.Errorf("%d CALL rt_sigreturn, want %d", got, n)
	}
}

// TestTraceSignalsFromOutside: the test sends SIGUSR1 ten times to a
// traced program waiting in sigsuspend; every one arrives and has its PSIG
// naming the test as the sender.
func TestTraceSignalsFromOutside(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "sigusr")
	const n = 10
	tf := e.path("t.out")
	cmd := e.cmd([]string{"-f", tf}, prog, "wait", strconv.Itoa(n))
	lr := itStart(t, cmd)
	handler := itHandler(t, lr.next(10*time.Second))
	lr.expect("ready", 10*time.Second)
	for i := 1; i <= n; i++ {
		if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
			t.Fatal(err)
		}
		lr.expect(fmt.Sprintf("got %d", i), 10*time.Second)
	}
	lr.expect(fmt.Sprintf("caught %d", n), 10*time.Second)
	if err := itWaitTimeout(t, cmd, 10*time.Second); err != nil {
		t.Fatalf("ktrace: %v, stderr: %s", err, cmd.Stderr)
	}
	all := testutil.ReadTrace(t, tf)
	itCheckPsig(t, all, n, handler, os.Getpid())
	testutil.CheckPairs(t, all, testutil.FromExec)
}

// TestTraceStopCont: the test stops the traced program with SIGSTOP; its
// parent sees it stopped (wait WUNTRACED), it stays stopped, and after
// SIGCONT it resumes (WCONTINUED), its sleeps are restarted rather than
// failed, and it finishes with status 0.
func TestTraceStopCont(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "sigusr")
	const n = 60
	tf := e.path("t.out")
	cmd := e.cmd([]string{"-f", tf}, prog, "stop", strconv.Itoa(n))
	lr := itStart(t, cmd)
	pid := cmd.Process.Pid
	lr.expect("ready", 10*time.Second)
	lr.expect("tick", 10*time.Second)
	ticks := 1

	waitFor := func(options int, what string) syscall.WaitStatus {
		t.Helper()
		return itWait4(t, pid, options, what)
	}

	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	ws := waitFor(syscall.WUNTRACED, "stopped")
	if !ws.Stopped() || ws.StopSignal() != syscall.SIGSTOP {
		t.Fatalf("wait4 WUNTRACED gave status %#x, want stopped by SIGSTOP", uint32(ws))
	}
	// Stopped means: state T (or t, a ptrace stop, which a group stop is
	// under ptrace), and no progress.
	time.Sleep(50 * time.Millisecond)
	drain := func() {
		for {
			select {
			case s, ok := <-lr.lines:
				if !ok {
					return
				}
				lr.all.WriteString(s)
				if s == "tick\n" {
					ticks++
				}
			default:
				return
			}
		}
	}
	drain()
	before := ticks
	for i := 0; i < 10; i++ {
		if st := testutil.ProcState(pid); st != 'T' && st != 't' {
			t.Fatalf("state %q while stopped, want T or t: %s", st, testutil.ProcStat(pid))
		}
		time.Sleep(30 * time.Millisecond)
	}
	drain()
	if ticks != before {
		t.Errorf("the program ran on while stopped: %d ticks became %d", before, ticks)
	}

	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	ws = waitFor(syscall.WCONTINUED, "continued")
	if !ws.Continued() {
		t.Fatalf("wait4 WCONTINUED gave status %#x, want continued", uint32(ws))
	}
	for ticks < n {
		if s := lr.next(10 * time.Second); s != "tick\n" {
			t.Fatalf("line %q, want tick", s)
		}
		ticks++
	}
	if err := itWaitTimeout(t, cmd, 10*time.Second); err != nil {
		t.Fatalf("ktrace: %v, stderr: %s, output:\n%s", err, cmd.Stderr, lr.all.String())
	}

	all := testutil.ReadTrace(t, tf)
	for _, sig := range []syscall.Signal{syscall.SIGSTOP, syscall.SIGCONT} {
		want := fmt.Sprintf("%s SIG_DFL code=SI_USER pid=%d uid=%d", arch.SignalName(int(sig)), os.Getpid(), os.Getuid())
		if testutil.Count(all, func(l *testutil.Rec) bool { return l.Type == format.TypePsig && l.Psig.Signal == int32(sig) }) != 1 {
			t.Errorf("want one PSIG %q, got:\n%s", want, testutil.Describe(testutil.Only(all, testutil.IsType(format.TypePsig))))
		} else if testutil.Count(all, testutil.IsPsig(itSentBy(sig, format.SigDefault, os.Getpid()))) != 1 {
			t.Errorf("PSIG for %s does not read %q:\n%s", sig, want, testutil.Describe(testutil.Only(all, testutil.IsType(format.TypePsig))))
		}
	}
	testutil.CheckPairs(t, all, testutil.FromExec)
}

// TestTraceThreads: three threads each write a line naming their tid;
// every thread's records carry that tid.
func TestTraceThreads(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "threads")
	tf := e.path("t.out")
	res := e.mustTrace(tf, nil, prog, "run")
	all := testutil.ReadTrace(t, tf)
	testutil.CheckPairs(t, all, testutil.FromExec)
	for i := range all {
		if all[i].PID != res.Pid {
			t.Fatalf("record of pid %d, want %d: %s", all[i].PID, res.Pid, all[i].String())
		}
	}
	tids := map[int]bool{}
	for _, line := range strings.SplitAfter(string(res.Stdout), "\n") {
		var i, tid int
		if line == "" || line == "done\n" {
			continue
		}
		if _, err := fmt.Sscanf(line, "thread %d tid %d\n", &i, &tid); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		if tid == res.Pid || tids[tid] {
			t.Errorf("thread %d has tid %d: not a distinct thread", i, tid)
		}
		tids[tid] = true
		mine := testutil.OfTID(all, tid)
		c := &testutil.Cursor{TB: t, Recs: mine}
		c.Find("CALL write", testutil.IsCall("write"))
		c.Next(fmt.Sprintf("GIO fd 1 wrote %q", line), testutil.IsData(1, true, line))
		c.Next("RET write", testutil.IsRetValue("write", int64(len(line))))
		c.Next("CALL getpid()", testutil.IsCallArgs("getpid"))
		c.Next("RET getpid", testutil.IsRetValue("getpid", int64(res.Pid)))
		c.Find("CALL exit", testutil.IsCall("exit"))
	}
	if len(tids) != 3 || !strings.HasSuffix(string(res.Stdout), "done\n") {
		t.Fatalf("output %q: want 3 threads and done", res.Stdout)
	}
	main := testutil.OfTID(all, res.Pid)
	if len(testutil.Only(main, testutil.IsData(1, true, "done\n"))) != 1 {
		t.Errorf("the main thread's write of done\\n is not recorded with tid %d", res.Pid)
	}
	if len(testutil.Only(all, func(l *testutil.Rec) bool { return l.TID != res.Pid && !tids[l.TID] })) != 0 {
		t.Errorf("records of unknown threads:\n%s", testutil.Describe(all))
	}
}

// TestTraceExecFromThread: a non-leader thread calls execve; the exec
// succeeds and the new program's records follow under the process's pid.
func TestTraceExecFromThread(t *testing.T) {
	e := itSetup(t)
	if _, err := os.Stat("/bin/echo"); err != nil {
		t.Skip("no /bin/echo")
	}
	prog := testutil.Prog(t, "threads")
	tf := e.path("t.out")
	res := e.mustTrace(tf, nil, prog, "exec")
	if string(res.Stdout) != "from-thread\n" {
		t.Fatalf("stdout %q, want from-thread", res.Stdout)
	}
	all := testutil.ReadTrace(t, tf)
	testutil.CheckPairs(t, all, testutil.FromExec)
	c := &testutil.Cursor{TB: t, Recs: all}
	c.Find("CALL execve of the program", testutil.IsCall("execve"))
	call := c.Find("CALL execve from a thread", func(l *testutil.Rec) bool {
		return testutil.IsCall("execve")(l) && l.TID != res.Pid
	})
	if call.PID != res.Pid {
		t.Errorf("execve's pid %d, want %d", call.PID, res.Pid)
	}
	c.Find(`NAMI "/bin/echo"`, func(l *testutil.Rec) bool { return l.TID == call.TID && testutil.IsNami("/bin/echo")(l) })
	execAt := c.I
	ret := c.Find("RET execve 0", testutil.IsRetValue("execve", 0))
	if ret.PID != res.Pid || ret.TID != res.Pid {
		t.Errorf("RET execve in pid %d tid %d, want the leader %d (the exec'ing thread takes its tid)", ret.PID, ret.TID, res.Pid)
	}
	rest := all[c.I:]
	for i := range rest {
		if rest[i].PID != res.Pid || rest[i].TID != res.Pid || rest[i].Comm != "echo" {
			t.Fatalf("after the execve, a record not of echo (pid = tid = %d):\n%s", res.Pid, testutil.Describe(rest))
		}
	}
	c.Find(`GIO fd 1 wrote "from-thread\n"`, testutil.IsData(1, true, "from-thread\n"))
	c.Find("CALL exit_group(0)", testutil.IsCallArgs("exit_group", 0))
	if len(testutil.Only(all[execAt:], testutil.IsEmul(nativeABI))) != 1 {
		t.Errorf("no EMUL %s after the execve", nativeABI)
	}
}

// TestTraceInherit: with -i, the children of sh -c '/bin/echo a | cat'
// are traced; without it only sh is.
func TestTraceInherit(t *testing.T) {
	e := itSetup(t)
	script := "/bin/echo a | cat"
	t.Run("inherit", func(t *testing.T) {
		e := e.sub(t)
		tf := e.path("inherit.out")
		res := e.mustTrace(tf, []string{"-i"}, "sh", "-c", script)
		if string(res.Stdout) != "a\n" {
			t.Errorf("stdout %q, want a", res.Stdout)
		}
		all := testutil.ReadTrace(t, tf)
		testutil.CheckPairs(t, all, testutil.FromExec)
		pidOf := map[string]int{}
		for i := range all {
			l := &all[i]
			if old, ok := pidOf[l.Comm]; ok && old != l.PID && l.Comm != "sh" {
				t.Errorf("comm %s in pids %d and %d", l.Comm, old, l.PID)
			}
			if _, ok := pidOf[l.Comm]; !ok {
				pidOf[l.Comm] = l.PID
			}
		}
		sh, echo, cat := pidOf["sh"], pidOf["echo"], pidOf["cat"]
		if sh != res.Pid || echo == 0 || cat == 0 || echo == sh || cat == sh || echo == cat {
			t.Fatalf("want records of sh (pid %d), echo and cat in three processes; got pids by comm %v", res.Pid, pidOf)
		}
		// The shell's fork calls return the children's pids.
		for _, child := range []int{echo, cat} {
			forked := testutil.Only(testutil.OfPID(all, sh), func(l *testutil.Rec) bool {
				return testutil.IsRet("clone", "clone3", "fork", "vfork")(l) && l.Errno == 0 && l.Value == int64(child)
			})
			if len(forked) != 1 {
				t.Errorf("no RET of sh's fork giving pid %d", child)
			}
		}
		ec := &testutil.Cursor{TB: t, Recs: testutil.OfPID(all, echo)}
		ec.Find(`NAMI "/bin/echo"`, testutil.IsNami("/bin/echo"))
		ec.Find("RET execve 0", testutil.IsRetValue("execve", 0))
		ec.Find(`GIO fd 1 wrote "a\n"`, testutil.IsData(1, true, "a\n"))
		ec.Find("CALL exit_group(0)", testutil.IsCallArgs("exit_group", 0))
		cc := &testutil.Cursor{TB: t, Recs: testutil.OfPID(all, cat)}
		cc.Find("RET execve 0", testutil.IsRetValue("execve", 0))
		cc.Find(`GIO fd 0 read "a\n"`, testutil.IsData(0, false, "a\n"))
		cc.Find(`GIO fd 1 wrote "a\n"`, testutil.IsData(1, true, "a\n"))
		cc.Find("CALL exit_group(0)", testutil.IsCallArgs("exit_group", 0))
	})
	t.Run("no-inherit", func(t *testing.T) {
		e := e.sub(t)
		tf := e.path("plain.out")
		res := e.mustTrace(tf, nil, "sh", "-c", script)
		if string(res.Stdout) != "a\n" {
			t.Errorf("stdout %q, want a", res.Stdout)
		}
		all := testutil.ReadTrace(t, tf)
		for i := range all {
			if all[i].PID != res.Pid || (all[i].Comm != "sh" && all[i].Comm != "ktrace") {
				t.Fatalf("without -i, a record not of sh (pid %d):\n%s", res.Pid, all[i].String())
			}
		}
		if len(testutil.Only(all, testutil.IsRetValue("execve", 0))) != 1 || len(testutil.Only(all, testutil.IsCallArgs("exit_group", 0))) != 1 {
			t.Errorf("want sh's execve and exit_group:\n%s", testutil.Describe(all))
		}
	})
}

// TestTraceGenioSize: a 100000-byte write is cut at --genio-size and
// marked; 0 keeps it all.
func TestTraceGenioSize(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "bigwrite")
	const size = 100000
	pattern := itPattern(size)
	for _, tc := range []struct {
		name  string
		flags []string
		kept  int
	}{
		{"default", nil, 4096},
		{"1000", []string{"--genio-size", "1000"}, 1000},
		{"0", []string{"--genio-size", "0"}, size},
		{"exact", []string{"--genio-size", strconv.Itoa(size)}, size},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.sub(t)
			tf, data := e.path(tc.name+".out"), e.path(tc.name+".data")
			e.mustTrace(tf, tc.flags, prog, data)
			if b, err := os.ReadFile(data); err != nil || !bytes.Equal(b, pattern) {
				t.Fatalf("the program wrote %d bytes (%v), want the %d-byte pattern", len(b), err, size)
			}
			all := testutil.ReadTrace(t, tf)
			c := &testutil.Cursor{TB: t, Recs: all}
			c.Find("CALL write of 100000 bytes", func(l *testutil.Rec) bool {
				return testutil.IsCall("write")(l) && len(l.Args) == 3 && l.Arg(2) == size
			})
			gio := c.Next("GIO of the write", testutil.IsType(format.TypeGenio))
			if gio.Dir != format.Write || gio.Len != size {
				t.Errorf("GIO %s, want fd N wrote %d bytes", gio, size)
			}
			d := gio.Data
			if gio.At != 0 || gio.Flags&format.FlagUnreadable != 0 {
				t.Fatalf("GIO data: %s does not start the transfer or was unreadable", gio)
			}
			if len(d) != tc.kept || !bytes.Equal(d, pattern[:len(d)]) {
				t.Errorf("GIO data: %d bytes (prefix of the pattern: %v), want the first %d", len(d), bytes.Equal(d, pattern[:min(len(d), size)]), tc.kept)
			}
			n, of, cut := len(gio.Data), int(gio.Len), gio.Flags&format.FlagCut != 0
			switch {
			case tc.kept < size && (!cut || n != tc.kept || of != size):
				t.Errorf("GIO %s is not marked cut with %d of %d captured", gio, tc.kept, size)
			case tc.kept == size && cut:
				t.Errorf("GIO %s is marked cut", gio)
			}
			c.Next("RET write 100000", testutil.IsRetValue("write", size))
		})
	}
}

// TestTraceFileCompleteOnReturn: the trace file holds every record,
// through the exit, as soon as ktrace returns, of one process and of many
// (-i): its size when the parent's wait returns is its final size, and the
// records are all there.
func TestTraceFileCompleteOnReturn(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "loops")
	// traceNow runs ktrace with its output in files (so that nothing
	// but the process's exit makes Wait return) and returns the trace
	// file's size right then.
	traceNow := func(tf string, flags []string, argv ...string) int64 {
		t.Helper()
		out, err := os.Create(tf + ".stdout")
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		cmd := e.cmd(append([]string{"-f", tf}, flags...), argv...)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			b, _ := os.ReadFile(tf + ".stdout")
			t.Fatalf("ktrace: %v\n%s", err, b)
		}
		st, err := os.Stat(tf)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	// checkFinal waits for the tracer to be gone and checks that the
	// file did not grow after ktrace returned.
	checkFinal := func(tf string, size int64) {
		t.Helper()
		testutil.CheckNoStrays(t, e.ktrace)
		time.Sleep(50 * time.Millisecond)
		if st, err := os.Stat(tf); err != nil || st.Size() != size {
			t.Errorf("%s: %d bytes when ktrace returned, %v later (%v): records came after the return", tf, size, st.Size(), err)
		}
	}
	for round := 0; round < 3; round++ {
		tf := e.path(fmt.Sprintf("loop%d.out", round))
		size := traceNow(tf, nil, prog, "getppid", "2000")
		checkFinal(tf, size)
		all := testutil.ReadTrace(t, tf)
		ppid := os.Getpid()
		calls := testutil.Count(all, testutil.IsCallArgs("getppid"))
		rets := testutil.Count(all, testutil.IsRetValue("getppid", int64(ppid)))
		if calls != 2000 || rets != 2000 {
			t.Errorf("round %d: %d CALL getppid() and %d RET getppid %d, want 2000 each", round, calls, rets, ppid)
		}
		if len(all) < 2 || !testutil.IsCallArgs("exit_group", 0)(&all[len(all)-2]) || !testutil.IsExit(0, 0)(&all[len(all)-1]) {
			t.Fatalf("round %d: the trace does not end with exit_group(0) and its EXIT:\n%s", round, testutil.Describe(all[max(0, len(all)-5):]))
		}
	}
	tf := e.path("fork.out")
	size := traceNow(tf, []string{"-i"}, prog, "fork", "30")
	checkFinal(tf, size)
	all := testutil.ReadTrace(t, tf)
	if n := len(testutil.Only(all, testutil.IsCallArgs("exit_group", 0))); n != 31 {
		t.Errorf("%d CALL exit_group(0) right after ktrace returned, want 31 (30 children and the parent)", n)
	}
	if n := len(testutil.Only(all, testutil.IsExit(0, 0))); n != 31 {
		t.Errorf("%d EXIT exited with 0 right after ktrace returned, want 31", n)
	}
	if len(all) < 2 || !testutil.IsCallArgs("exit_group", 0)(&all[len(all)-2]) || !testutil.IsExit(0, 0)(&all[len(all)-1]) {
		t.Errorf("the trace does not end with the parent's exit_group and EXIT:\n%s", testutil.Describe(all[max(0, len(all)-5):]))
	}
}

// TestTraceBadInput: a command that cannot be run, a trace file that
// cannot be used and a bad -t letter are refused with a clear message and
// a non-zero status, and nothing is run.
func TestTraceBadInput(t *testing.T) {
	e := itSetup(t)
	touch, err := exec.LookPath("touch")
	if err != nil {
		t.Skip("no touch(1)")
	}
	t.Run("nosuchcmd", func(t *testing.T) {
		res := testutil.Run(t, 10*time.Second, e.cmd([]string{"-f", e.path("t.out")}, "nosuchcmd"))
		if res.ExitCode() != 127 || string(res.Stderr) != "ktrace: exec nosuchcmd: no such file or directory\n" {
			t.Errorf("want status 127 and stderr %q; %s", "ktrace: exec nosuchcmd: no such file or directory", res)
		}
	})
	t.Run("nosuchpath", func(t *testing.T) {
		p := e.path("nosuch")
		res := testutil.Run(t, 10*time.Second, e.cmd([]string{"-f", e.path("t.out")}, p))
		if want := "ktrace: exec " + p + ": no such file or directory\n"; res.ExitCode() != 127 || string(res.Stderr) != want {
			t.Errorf("want status 127 and stderr %q; %s", want, res)
		}
	})
	t.Run("notexecutable", func(t *testing.T) {
		p := e.path("noexec")
		if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		res := testutil.Run(t, 10*time.Second, e.cmd([]string{"-f", e.path("t.out")}, p))
		// A shell says 126 for a file it cannot execute.
		if res.ExitCode() != 126 || !strings.Contains(string(res.Stderr), "permission denied") {
			t.Errorf("want status 126 and permission denied; %s", res)
		}
	})

	target := e.path("target")
	if err := os.WriteFile(target, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := e.path("link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	fifo := e.path("fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	other := e.path("other")
	if err := os.WriteFile(other, []byte("not mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		flags []string
	}{
		{"symlink", []string{"-f", link}},
		{"directory", []string{"-f", e.dir}},
		{"fifo", []string{"-f", fifo}},
		{"device", []string{"-f", "/dev/null"}},
		{"nodir", []string{"-f", e.path("nosuchdir/t.out")}},
		{"badletter", []string{"-f", e.path("t2.out"), "-t", "cQ"}},
		{"appendothers", []string{"-a", "-f", other}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "appendothers" {
				if os.Getuid() != 0 {
					t.Skip("needs root to give a file to another user")
				}
				if err := os.Chown(other, 65534, 65534); err != nil {
					t.Skip(err)
				}
			}
			marker := e.path("ran-" + tc.name)
			res := testutil.Run(t, 10*time.Second, e.cmd(tc.flags, touch, marker))
			if res.ExitCode() == 0 || res.Signaled() != 0 {
				t.Errorf("ktrace %s: want a non-zero exit status; %s", strings.Join(tc.flags, " "), res)
			}
			stderr := string(res.Stderr)
			if !strings.HasPrefix(stderr, "ktrace: ") && !strings.HasPrefix(strings.ToLower(stderr), "usage") {
				t.Errorf("stderr %q does not start with ktrace: or usage", stderr)
			}
			if tc.name == "badletter" {
				if !strings.Contains(strings.ToLower(stderr), "usage") || !strings.Contains(stderr, "Q") {
					t.Errorf("stderr %q: want a usage message naming the bad letter Q", stderr)
				}
			} else if !strings.Contains(stderr, tc.flags[len(tc.flags)-1]) {
				t.Errorf("stderr %q does not name the trace file", stderr)
			}
			itExpectNotRun(t, marker)
		})
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "keep me" {
		t.Errorf("the symlink's target was changed: %q, %v", b, err)
	}
	if b, err := os.ReadFile(other); err != nil || string(b) != "not mine" {
		t.Errorf("the other user's file was changed: %q, %v", b, err)
	}
}

// TestTraceFacilities: -t selects the record types.
func TestTraceFacilities(t *testing.T) {
	e := itSetup(t)
	fileio := testutil.Prog(t, "fileio")
	sigusr := testutil.Prog(t, "sigusr")
	in := e.path("in.txt")
	if err := os.WriteFile(in, []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fileioArgv := []string{fileio, in, e.path("out.txt")}
	types := func(lines []testutil.Rec) map[string]int {
		m := map[string]int{}
		for i := range lines {
			if lines[i].Type != format.TypeStart && lines[i].Type != format.TypeEmul {
				m[lines[i].Type.String()]++
			}
		}
		return m
	}
	for _, tc := range []struct {
		trstr string
		argv  []string
		want  []string // exactly these types (besides EMUL)
	}{
		{"c", fileioArgv, []string{"CALL", "RET", "EXIT"}},
		{"n", fileioArgv, []string{"NAMI"}},
		{"i", fileioArgv, []string{"GIO"}},
		{"x", fileioArgv, []string{"ARGS"}},
		{"s", []string{sigusr, "self", "3"}, []string{"PSIG"}},
		{"cX", fileioArgv, []string{"CALL", "RET", "ENVS", "EXIT"}},
	} {
		t.Run(tc.trstr, func(t *testing.T) {
			e := e.sub(t)
			tf := e.path(tc.trstr + ".out")
			cmd := e.cmd([]string{"-f", tf, "-t", tc.trstr}, tc.argv...)
			cmd.Env = append(os.Environ(), "KTRACE_TEST_MARK=env-marker")
			res := testutil.Run(t, 0, cmd)
			if res.Err != nil {
				t.Fatal(res)
			}
			all := testutil.ReadTrace(t, tf)
			got := types(all)
			for _, ty := range tc.want {
				if got[ty] == 0 {
					t.Errorf("-t %s: no %s records", tc.trstr, ty)
				}
				delete(got, ty)
			}
			if len(got) != 0 {
				t.Errorf("-t %s: unexpected records %v", tc.trstr, got)
			}
			if tc.trstr == "s" && types(all)["PSIG"] != 3 {
				t.Errorf("-t s: %d PSIG, want 3", types(all)["PSIG"])
			}
			if strings.Contains(tc.trstr, "X") {
				envs := testutil.Only(all, testutil.IsType(format.TypeEnvs))
				if len(envs) != 1 || !slices.Contains(envs[0].Strings, "KTRACE_TEST_MARK=env-marker") {
					t.Errorf("ENVS does not show the environment:\n%s", testutil.Describe(envs))
				}
			}
		})
	}
	t.Run("default", func(t *testing.T) {
		e := e.sub(t)
		tf := e.path("default.out")
		e.mustTrace(tf, nil, fileioArgv...)
		got := types(testutil.ReadTrace(t, tf))
		for _, ty := range []string{"CALL", "RET", "NAMI", "GIO", "ARGS"} {
			if got[ty] == 0 {
				t.Errorf("default facilities: no %s records", ty)
			}
		}
		if got["ENVS"] != 0 || got["CSW"] != 0 {
			t.Errorf("default facilities: ENVS or CSW records (%v), want neither", got)
		}
	})
}

// TestTraceFileModeAndAppend: the trace file is created mode 0600 and
// recreated by each run, unless -a appends to it.
func TestTraceFileModeAndAppend(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "exitcode")
	tf := e.path("t.out")
	first := e.mustTrace(tf, nil, prog, "0")
	st, err := os.Stat(tf)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("trace file mode %v, want 0600", st.Mode().Perm())
	}
	pids := func() map[int]bool {
		m := map[int]bool{}
		for _, l := range testutil.ReadTrace(t, tf) {
			m[l.PID] = true
		}
		return m
	}
	second := e.mustTrace(tf, nil, prog, "0")
	if got := pids(); len(got) != 1 || !got[second.Pid] {
		t.Errorf("without -a, records of pids %v, want only %d (the file is recreated)", got, second.Pid)
	}
	third := e.mustTrace(tf, []string{"-a"}, prog, "0")
	if got := pids(); len(got) != 2 || !got[second.Pid] || !got[third.Pid] {
		t.Errorf("with -a, records of pids %v, want %d and %d", got, second.Pid, third.Pid)
	}
	if got := pids(); got[first.Pid] {
		t.Errorf("records of the first run (pid %d) survived two runs", first.Pid)
	}
}

// TestTraceInt80: on amd64, 32-bit int 0x80 calls from a 64-bit process are
// recorded with the i386 ABI and decoded with the i386 table.
func TestTraceInt80(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("int 0x80 is an amd64 matter")
	}
	e := itSetup(t)
	prog := e.requireInt80(t)
	tf := e.path("t.out")
	res := e.mustTrace(tf, nil, prog)
	want := fmt.Sprintf("int80 write\nint80 getpid=%d pid=%d\n", res.Pid, res.Pid)
	if string(res.Stdout) != want {
		t.Errorf("stdout %q, want %q", res.Stdout, want)
	}
	all := testutil.ReadTrace(t, tf)
	c := &testutil.Cursor{TB: t, Recs: all}
	c.Find(`EMUL "linux-i386"`, testutil.IsEmul(arch.ABII386))
	c.Next("CALL getpid()", testutil.IsCallArgs("getpid"))
	c.Next("RET getpid", testutil.IsRetValue("getpid", int64(res.Pid)))
	c.Next("CALL write(0x1,<buffer>,0xc)", testutil.IsIO("write", 1, 0xc))
	c.Next(`GIO fd 1 wrote "int80 write\n"`, testutil.IsData(1, true, "int80 write\n"))
	c.Next("RET write 12", testutil.IsRetValue("write", 12))
	c.Next("EMUL "+nativeABI.String(), testutil.IsEmul(nativeABI))
	c.Find("CALL write", testutil.IsCall("write"))
	c.Next("GIO of the 64-bit write", testutil.IsData(1, true, fmt.Sprintf("int80 getpid=%d pid=%d\n", res.Pid, res.Pid)))
}

// TestClosedStdFds: a command started by ktrace with a standard
// descriptor closed finds it closed, as untraced (the Go runtime of ktrace
// opens /dev/null on it; ktrace closes it again before the exec): the
// same status and output either way.
func TestClosedStdFds(t *testing.T) {
	e := itSetup(t)
	tf := e.path("fds.out")
	for _, c := range []struct{ name, script string }{
		{"stdout", `exec "$@" /bin/echo hi >&-`},
		{"stdin", `exec "$@" cat <&-`},
		{"stderr", `exec "$@" ls /nonexistent-ktrace-test 2>&-`},
		{"all", `exec "$@" cat <&- >&- 2>&-`},
		{"stdin-devnull", `exec "$@" cat </dev/null`},
		{"stdout-devnull-rw", `exec "$@" /bin/echo hi 1<>/dev/null`},
	} {
		t.Run(c.name, func(t *testing.T) {
			run := func(prefix ...string) *testutil.Result {
				args := append([]string{"-c", c.script, "sh"}, prefix...)
				return testutil.Run(t, 0, exec.Command("/bin/sh", args...))
			}
			plain := run("env") // env runs the command as it is
			traced := run(e.ktrace, "-f", tf)
			if plain.ExitCode() != traced.ExitCode() || !bytes.Equal(plain.Stdout, traced.Stdout) ||
				!bytes.Equal(plain.Stderr, traced.Stderr) {
				t.Errorf("untraced: %s\ntraced: %s", plain, traced)
			}
		})
	}
}

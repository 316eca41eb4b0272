package main

import (
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// The seccomp fast path: with facilities that need only some system
// calls, or with --syscalls, a traced command runs under a filter that
// stops only those.

// seccompMix runs testdata/progs/seccomp_mix traced with flags and checks
// that it behaved as untraced: same output, exit status 5.
func seccompMix(t *testing.T, e *itEnv, file string, flags []string, args ...string) *testutil.Result {
	t.Helper()
	prog := testutil.Prog(t, "seccomp_mix")
	want := e.untraced(append([]string{prog}, args...)...)
	got := e.trace(file, flags, append([]string{prog}, args...)...)
	if got.ExitCode() != 5 || want.ExitCode() != 5 {
		t.Fatalf("exit status traced %d, untraced %d, want 5\n%s", got.ExitCode(), want.ExitCode(), got)
	}
	if string(got.Stdout) != string(want.Stdout) {
		t.Fatalf("traced output differs:\n--- traced:\n%s--- untraced:\n%s", got.Stdout, want.Stdout)
	}
	return got
}

// countNamei counts the NAMI records of path.
func countNamei(lines []testutil.Rec, path string) int {
	return testutil.Count(lines, testutil.IsNami(path))
}

func TestSeccompNameiOnly(t *testing.T) {
	e := itSetup(t)
	file := e.path("n.out")
	seccompMix(t, e, file, []string{"-t", "n"}, "1000000")
	lines := testutil.ReadTrace(t, file)
	if n := countNamei(lines, "/etc/hostname"); n != 3 {
		t.Errorf("%d NAMI records of /etc/hostname, want 3:\n%s", n, testutil.Describe(lines))
	}
	if calls := testutil.Only(lines, testutil.Or(testutil.IsCall(), testutil.IsRet())); len(calls) != 0 {
		t.Errorf("-t n wrote %d CALL/RET records", len(calls))
	}
	// The filter is in place: the program sees seccomp mode 2, and it
	// is not there untraced or with every call traced.
	prog := testutil.Prog(t, "seccomp_mix")
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"-t", "n"}, "Seccomp:\t2"},
		{[]string{"--syscalls=openat"}, "Seccomp:\t2"},
		{[]string{"-t", "cn"}, "Seccomp:\t0"},
		{[]string{"-t", "n", "--no-seccomp"}, "Seccomp:\t0"},
	} {
		res := e.trace(e.path("status.out"), c.flags, prog, "0", "status")
		if !strings.Contains(string(res.Stdout), c.want) {
			t.Errorf("ktrace %v: program printed\n%s\nwant a line %q", c.flags, res.Stdout, c.want)
		}
	}
}

func TestSeccompSyscallsList(t *testing.T) {
	e := itSetup(t)
	file := e.path("s.out")
	seccompMix(t, e, file, []string{"--syscalls=openat"}, "1000000")
	lines := testutil.ReadTrace(t, file)
	var names []string
	for i := range lines {
		if l := &lines[i]; testutil.IsCall()(l) {
			names = append(names, l.Name)
		}
	}
	if len(names) == 0 {
		t.Fatalf("no CALL records:\n%s", testutil.Describe(lines))
	}
	for _, n := range names {
		if n != "openat" {
			t.Fatalf("CALL %s recorded with --syscalls=openat", n)
		}
	}
	if n := countNamei(lines, "/etc/hostname"); n != 3 {
		t.Errorf("%d NAMI records of /etc/hostname, want 3", n)
	}
	opens := testutil.Only(lines, testutil.IsCall("openat"))
	rets := testutil.Only(lines, testutil.IsRet("openat"))
	if len(opens) != len(rets) {
		t.Errorf("%d openat CALLs but %d RETs", len(opens), len(rets))
	}
	// Groups resolve, and bad names are usage errors.
	res := e.trace(e.path("g.out"), []string{"--syscalls=%file,%desc"}, "/bin/true")
	if res.ExitCode() != 0 {
		t.Errorf("--syscalls=%%file,%%desc: %s", res)
	}
	for _, bad := range []string{"nosuchcall", "%nosuchgroup", ","} {
		res := e.trace(e.path("bad.out"), []string{"--syscalls=" + bad}, "/bin/true")
		if res.ExitCode() == 0 || !strings.Contains(string(res.Stderr), "--syscalls") {
			t.Errorf("--syscalls=%s: want a usage error, got %s", bad, res)
		}
	}
}

func TestSeccompForkInherits(t *testing.T) {
	e := itSetup(t)
	file := e.path("f.out")
	res := seccompMix(t, e, file, []string{"-i", "-t", "n"}, "1000", "fork")
	if !strings.Contains(string(res.Stdout), "child opened /etc/hostname: fd ok") {
		t.Fatalf("child did not open the file:\n%s", res.Stdout)
	}
	lines := testutil.ReadTrace(t, file)
	byPID := map[int]int{}
	for _, l := range testutil.Only(lines, testutil.IsNami("/etc/hostname")) {
		byPID[l.PID]++
	}
	if len(byPID) != 2 || byPID[res.Pid] != 3 {
		t.Fatalf("NAMI /etc/hostname per pid = %v, want 3 from %d and 1 from its child:\n%s", byPID, res.Pid, testutil.Describe(lines))
	}

	// Without -i the child is not traced, yet it runs under the filter
	// it inherited: its open must work as untraced (no ENOSYS), and
	// leave no record.
	file = e.path("nofollow.out")
	res = seccompMix(t, e, file, []string{"-t", "n"}, "1000", "fork")
	lines = testutil.ReadTrace(t, file)
	for _, l := range lines {
		if l.PID != res.Pid {
			t.Fatalf("record of a child traced without -i: %s", &l)
		}
	}
	if n := countNamei(lines, "/etc/hostname"); n != 3 {
		t.Errorf("%d NAMI records of /etc/hostname without -i, want the parent's 3", n)
	}
}

// TestSeccompTracerDeathKills checks PTRACE_O_EXITKILL: a command under
// the filter dies with its tracer instead of running on with ENOSYS.
func TestSeccompTracerDeathKills(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "seccomp_mix")
	for _, c := range []struct {
		flags    []string
		filtered bool
	}{
		{[]string{"-t", "n"}, true},
		{[]string{"-t", "cn"}, false},
	} {
		cmd := e.cmd(append([]string{"-f", e.path("k.out")}, c.flags...), prog, "3", "sleep")
		lr := itStart(t, cmd)
		lr.expect("ready", 10*time.Second)
		tracer := tracerOf(t, cmd.Process.Pid)
		if err := syscall.Kill(tracer, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if c.filtered {
			err := itWaitTimeout(t, cmd, 10*time.Second)
			ee, ok := err.(*exec.ExitError)
			if !ok || !ee.Sys().(syscall.WaitStatus).Signaled() || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Errorf("ktrace %v: after the tracer was killed the command ended with %v, want killed by SIGKILL", c.flags, err)
			}
			continue
		}
		// Without a filter the command is released and runs on.
		time.Sleep(200 * time.Millisecond)
		if st := testutil.ProcState(cmd.Process.Pid); st == 0 || st == 'Z' {
			t.Errorf("ktrace %v: command gone (state %q) after its tracer was killed", c.flags, st)
		}
		_ = cmd.Process.Kill()
		_ = itWaitTimeout(t, cmd, 10*time.Second)
	}
}

// tracerOf waits until pid is traced and returns its tracer's pid.
func tracerOf(t *testing.T, pid int) int {
	t.Helper()
	tp := 0
	if !testutil.Poll(5*time.Second, func() bool { tp = testutil.TracerPid(pid); return tp > 0 }) {
		t.Fatalf("process %d never traced", pid)
	}
	return tp
}

// TestSeccompOtherABITraps checks that 32-bit calls on amd64 reach the
// tracer under the filter, which the library alone would let through.
func TestSeccompOtherABITraps(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("32-bit calls are an amd64 matter")
	}
	e := itSetup(t)
	prog := e.requireInt80(t)
	file := e.path("i.out")
	res := e.trace(file, []string{"--syscalls=write"}, prog)
	if res.ExitCode() != 0 {
		t.Fatalf("int80 under ktrace: %s", res)
	}
	lines := testutil.ReadTrace(t, file)
	if len(testutil.Only(lines, testutil.IsEmul(arch.ABII386))) == 0 || len(testutil.Only(lines, testutil.IsData(1, true, "int80 write\n"))) != 1 {
		t.Fatalf("the 32-bit write was not traced under the filter:\n%s", testutil.Describe(lines))
	}
}

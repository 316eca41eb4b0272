package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/procfs"
	"github.com/ktrace-linux/ktrace/internal/stdfds"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// noStandby returns cmd started with no standby (stdfds): ktrace then
// starts its runtime at once and runs its command line itself.
func noStandby(cmd *exec.Cmd) *exec.Cmd {
	cmd.Env = append([]string{"KTRACE_NO_STANDBY=1"}, os.Environ()...)
	return cmd
}

// executedFromEntry reports whether the traced command's execve (the
// first CALL execve in recs) was made by a ktrace that waited for its
// standby and executed from its entry point: its argv is then the end of
// ktrace's own argument vector, where the kernel put it, so that envp
// comes right after argv's nargs pointers and the NULL that ends them. A
// ktrace that ran its runtime passes vectors it allocated.
func executedFromEntry(t *testing.T, recs []testutil.Rec, nargs int) bool {
	t.Helper()
	calls := testutil.Only(recs, testutil.IsCall("execve"))
	if len(calls) == 0 || len(calls[0].Args) < 3 {
		t.Fatalf("no CALL execve with its arguments in the trace:\n%s", testutil.Describe(recs))
	}
	argv, envp := calls[0].Args[1], calls[0].Args[2]
	return envp == argv+8*uint64(nargs+1)
}

// TestFrontExecutes: ktrace running a command waits for its standby,
// which traces it and has it execute the command from its entry point,
// with the arguments after the options (wherever "--" and the options
// are), its environment and its standard descriptors: the same status and
// output as a ktrace that starts its runtime (KTRACE_NO_STANDBY), told
// apart from it by its execve's vectors.
func TestFrontExecutes(t *testing.T) {
	e := itSetup(t)
	echo, err := exec.LookPath("echo")
	if err != nil {
		t.Skip("no echo(1)")
	}
	for _, tc := range []struct {
		name  string
		flags []string
		argv  []string
	}{
		{"plain", nil, []string{echo, "a", "b c"}},
		{"dashdash", []string{"-t", "cn", "--"}, []string{"echo", "-n", "x"}},
		{"longflags", []string{"--genio-size=16", "--trace=+"}, []string{"sh", "-c", "echo $KTRACE_FRONT_TEST; exit 3", "sh"}},
		{"filter", []string{"--syscalls=execve,openat,write"}, []string{"sh", "-c", "echo filtered"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.sub(t)
			var outs [2]string
			for i, waits := range []bool{true, false} {
				tf := e.path(tc.name + ".out")
				cmd := e.cmd(append([]string{"-f", tf}, tc.flags...), tc.argv...)
				if !waits {
					noStandby(cmd)
				}
				cmd.Env = append(cmd.Environ(), "KTRACE_FRONT_TEST=from env")
				res := testutil.Run(t, 0, cmd)
				outs[i] = fmt.Sprintf("status %d, stdout %q, stderr %q", res.ExitCode(), res.Stdout, res.Stderr)
				if code := res.ExitCode(); code != 0 && code != 3 {
					t.Fatalf("ktrace %v %v: %s", tc.flags, tc.argv, res)
				}
				if got := executedFromEntry(t, testutil.ReadTrace(t, tf), len(tc.argv)); got != waits {
					t.Errorf("waiting front %v: execve from the entry point is %v", waits, got)
				}
			}
			if outs[0] != outs[1] {
				t.Errorf("with the waiting front: %q\nwithout: %q", outs[0], outs[1])
			}
		})
	}
}

// TestFrontSignalState: a waiting front stops itself before its execve
// with a SIGURG it sends itself (stdfds.FrontStopSelf), unblocked for that
// when ktrace was started with it blocked: the command starts with the
// blocked, ignored and pending signals it has untraced, SIGURG blocked,
// ignored or neither, and the trace starts at its execve, made from the
// entry point, with no record of the SIGURG.
func TestFrontSignalState(t *testing.T) {
	e := itSetup(t)
	launch := testutil.Prog(t, "sigmask")
	grep, err := exec.LookPath("grep")
	if err != nil {
		t.Skip("no grep(1)")
	}
	argv := []string{grep, "-E", "^(SigPnd|ShdPnd|SigBlk|SigIgn):", "/proc/self/status"}
	const urg = uint64(1) << (syscall.SIGURG - 1)
	for _, mode := range []string{"none", "block", "ignore"} {
		t.Run(mode, func(t *testing.T) {
			e := e.sub(t)
			pre := []string{launch, mode, strconv.Itoa(int(syscall.SIGURG))}
			plain := testutil.Run(t, 0, exec.Command(pre[0], append(pre[1:], argv...)...))
			tf := e.path(mode + ".out")
			traced := testutil.Run(t, 0, exec.Command(pre[0], append(append(pre[1:], e.ktrace, "-f", tf), argv...)...))
			if plain.Err != nil || traced.Err != nil {
				t.Fatalf("untraced: %s\ntraced: %s", plain, traced)
			}
			st := procfs.ParseStatus(plain.Stdout)
			if set := map[string]uint64{"block": st.SigBlk, "ignore": st.SigIgn}[mode]; mode != "none" && set&urg == 0 {
				t.Fatalf("sigmask %s: SIGURG not %sed untraced:\n%s", mode, mode, plain.Stdout)
			}
			if !bytes.Equal(traced.Stdout, plain.Stdout) {
				t.Errorf("the traced command's signal state:\n%s\nuntraced:\n%s", traced.Stdout, plain.Stdout)
			}
			recs := testutil.ReadTrace(t, tf)
			if !executedFromEntry(t, recs, len(argv)) {
				t.Error("the command was not executed from the entry point")
			}
			if calls := testutil.Only(recs, testutil.IsCall()); len(calls) == 0 || calls[0].Name != "execve" {
				t.Errorf("the trace does not start at the execve:\n%s", testutil.Describe(recs))
			}
			if n := testutil.Count(recs, testutil.IsType(format.TypePsig)); n != 0 {
				t.Errorf("%d PSIG records, want none:\n%s", n, testutil.Describe(recs))
			}
		})
	}
}

// TestFrontExecutesAsUser: an unprivileged ktrace's waiting front sets
// no_new_privs before it loads the seccomp filter of --syscalls, and
// executes the command with only those calls recorded.
func TestFrontExecutesAsUser(t *testing.T) {
	e := atSetup(t)
	u := e.atNobody(t)
	tf := filepath.Join(u.dir, "t.out")
	res := e.ktAs(t, u.ktrace, u.cred, "-f", tf, "--syscalls=execve,openat", "sh", "-c", ": </dev/null; exit 4")
	if res.ExitCode() != 4 {
		t.Fatalf("ktrace as nobody: want status 4; %s", res)
	}
	recs := testutil.ReadTrace(t, tf)
	if !executedFromEntry(t, recs, 3) {
		t.Error("the command was not executed from the entry point")
	}
	calls := testutil.Only(recs, func(r *testutil.Rec) bool { return r.Name != "" && r.Name != "execve" && r.Name != "openat" })
	if len(calls) > 0 || testutil.Count(recs, testutil.IsCall("openat")) == 0 {
		t.Errorf("want openat calls only after the execve:\n%s", testutil.Describe(recs))
	}
}

// TestFrontExecFails: a command the standby found but that the front
// fails to execute is refused as ktrace refuses it with no waiting front,
// with the shell's status (126, or 127 for a missing interpreter).
func TestFrontExecFails(t *testing.T) {
	e := itSetup(t)
	garbage := e.path("garbage")
	if err := os.WriteFile(garbage, []byte{0x7f, 'X', 0, 1, 2, 3}, 0o755); err != nil {
		t.Fatal(err)
	}
	nointerp := e.path("nointerp")
	if err := os.WriteFile(nointerp, []byte("#!/nonexistent/interpreter\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		prog, want string
		code       int
	}{
		{garbage, "exec format error", 126},
		{nointerp, "no such file or directory", 127},
	} {
		t.Run(filepath.Base(tc.prog), func(t *testing.T) {
			var outs [2]string
			for i, waits := range []bool{true, false} {
				cmd := e.cmd([]string{"-f", e.path("t.out")}, tc.prog, "arg")
				if !waits {
					noStandby(cmd)
				}
				res := testutil.Run(t, 10*time.Second, cmd)
				want := "ktrace: exec " + tc.prog + ": " + tc.want + "\n"
				if res.ExitCode() != tc.code || string(res.Stderr) != want {
					t.Errorf("waiting front %v: want status %d and %q; %s", waits, tc.code, want, res)
				}
				outs[i] = string(res.Stdout) + "|" + string(res.Stderr)
			}
			if outs[0] != outs[1] {
				t.Errorf("with the waiting front: %q\nwithout: %q", outs[0], outs[1])
			}
		})
	}
}

// startHolding starts cmd, a command that waits for a line on its
// standard input, and ends it as the test ends: it writes the line and
// waits for cmd.
func startHolding(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Write([]byte("\n"))
		in.Close()
		if err := itWaitTimeout(t, cmd, testutil.Stretch(10*time.Second)); err != nil {
			t.Errorf("%q: %v", cmd.Args, err)
		}
	})
}

// startAttached starts sh -c 'read x' untraced, holding it as
// startHolding does, traces it with ktrace -p into attach.out and returns
// its pid.
func startAttached(t *testing.T, e *itEnv) int {
	t.Helper()
	waiter := exec.Command("sh", "-c", "read x")
	startHolding(t, waiter)
	e.mustTrace(e.path("attach.out"), []string{"-p", fmt.Sprint(waiter.Process.Pid)})
	return waiter.Process.Pid
}

// waitTracer waits until process pid is traced and returns its tracer.
func waitTracer(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(testutil.Stretch(10 * time.Second))
	for {
		if tp := testutil.TracerPid(pid); tp != 0 {
			return tp
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d is not traced: %s", pid, testutil.ProcStat(pid))
		}
		time.Sleep(time.Millisecond)
	}
}

// tracedTrueSpan returns how long a whole traced run of true(1) takes
// here (1 ms at least): random delays up to it cover the waiting front
// and the command's start.
func tracedTrueSpan(e *itEnv) time.Duration {
	begin := time.Now()
	e.mustTrace(e.path("true.out"), nil, "true")
	return max(time.Since(begin), time.Millisecond)
}

// TestFrontKilledWaiting: a ktrace killed while its front waits for its
// standby, or at any moment after, leaves no process behind (its standby
// or tracer exits) and no trace that cannot be read. A race: 100 rounds,
// each killed after a random delay of up to the time a traced true(1)
// takes, some before the command started, some after.
func TestFrontKilledWaiting(t *testing.T) {
	e := itSetup(t)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep(1)")
	}
	span := tracedTrueSpan(e)
	const rounds = 100
	started := 0
	for i := range rounds {
		tf := e.path("t.out")
		cmd := e.cmd([]string{"-f", tf}, sleep, "10")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(rand.N(span))
		if strings.HasSuffix(testutil.Comm(cmd.Process.Pid), "sleep") {
			started++
		}
		cmd.Process.Kill()
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: ktrace ended with %v, want killed", i, err)
		}
		testutil.CheckNoStrays(t, e.ktrace)
		if _, err := os.Stat(tf); err == nil {
			if _, err := testutil.TryReadTrace(tf); err != nil {
				t.Errorf("round %d: %v", i, err)
			}
			os.Remove(tf)
		}
	}
	t.Logf("%d of %d rounds killed the command after it started", started, rounds)
}

// TestFrontStandbyKilled: a standby killed while its front waits for it,
// or later, as the command's tracer, leaves ktrace to run the command
// itself (the front finds its standby gone), or to end as a command
// whose tracer was killed does (SIGKILL: the command dies with its
// tracer), or to say that its tracer is gone; never hung, never with a
// process left behind. A race: 100 rounds (every other one with a
// seccomp filter), each killing ktrace's other processes after a random
// delay of up to a traced true(1)'s time.
func TestFrontStandbyKilled(t *testing.T) {
	e := itSetup(t)
	span := tracedTrueSpan(e)
	outcomes := map[string]int{}
	for i := range 100 {
		flags := []string{"-f", e.path("t.out")}
		if i%2 == 1 {
			// A seccomp filter: the command dies with its tracer.
			flags = append(flags, "--syscalls=openat")
		}
		cmd := e.cmd(flags, "true")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(rand.N(span))
		// ktrace's other processes are younger than it: look at the
		// next pids only, the quicker to find them alive.
		for pid := cmd.Process.Pid + 1; pid < cmd.Process.Pid+64; pid++ {
			if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exe == e.ktrace {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					outcomes["killed a process"]++
				}
			}
		}
		err := itWaitTimeout(t, cmd, testutil.Stretch(10*time.Second))
		var ee *exec.ExitError
		switch {
		case err == nil:
			outcomes["ran"]++
		case errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
			outcomes["killed with its tracer"]++
		case errors.As(err, &ee) && ee.ExitCode() == 1 && strings.HasPrefix(stderr.String(), "ktrace: "):
			outcomes["tracer gone: "+strings.TrimSpace(stderr.String())]++
		default:
			t.Fatalf("round %d: ktrace ended with %v, stderr %q", i, err, stderr.String())
		}
		testutil.CheckNoStrays(t, e.ktrace)
	}
	t.Logf("outcomes: %v", outcomes)
}

// TestFrontAppend: with -a the waiting front's standby appends to the
// trace file, and where a tracer serves the file already (it traces a
// command still running), leaves the front to that tracer: each command
// is executed from the entry point and recorded in the one file.
func TestFrontAppend(t *testing.T) {
	e := itSetup(t)
	tf := e.path("t.out")
	lastExecve := func() []testutil.Rec {
		recs := testutil.Only(testutil.ReadTrace(t, tf), testutil.IsCall("execve"))
		return recs[len(recs)-1:]
	}
	for i := range 3 {
		e.mustTrace(tf, []string{"-a"}, "echo", "run")
		if n := testutil.Count(testutil.ReadTrace(t, tf), testutil.IsCall("execve")); n != i+1 {
			t.Fatalf("after %d runs with -a: %d CALL execve", i+1, n)
		}
		if !executedFromEntry(t, lastExecve(), 2) {
			t.Errorf("run %d: not executed from the entry point", i+1)
		}
	}
	// A command that waits for its input keeps the file's tracer.
	holder := e.cmd([]string{"-a", "-f", tf}, "sh", "-c", "read x")
	startHolding(t, holder)
	deadline := time.Now().Add(testutil.Stretch(10 * time.Second))
	for testutil.TracerPid(holder.Process.Pid) == 0 || testutil.Count(testutil.ReadTrace(t, tf), testutil.IsCall("execve")) < 4 {
		if time.Now().After(deadline) {
			t.Fatal("the holding command was not traced")
		}
		time.Sleep(5 * time.Millisecond)
	}
	tracer := testutil.TracerPid(holder.Process.Pid)
	res := e.mustTrace(tf, []string{"-a"}, "echo", "joined")
	if string(res.Stdout) != "joined\n" {
		t.Errorf("echo joined printed %q", res.Stdout)
	}
	if !executedFromEntry(t, lastExecve(), 2) {
		t.Error("the joining command was not executed from the entry point")
	}
	recs := testutil.ReadTrace(t, tf)
	if testutil.Count(recs, testutil.IsData(1, true, "joined\n")) != 1 {
		t.Errorf("the joining command's output is not in the file:\n%s", testutil.Describe(recs))
	}
	if got := testutil.TracerPid(holder.Process.Pid); got != tracer {
		t.Errorf("the holding command's tracer changed from %d to %d", tracer, got)
	}
}

// TestTimerSlack: the tracer's threads sleep with a timer slack of a
// millisecond (the standby's, see stdfds), while a traced command keeps
// the one it has untraced, with the waiting front, without a standby, and
// attached to with -p.
func TestTimerSlack(t *testing.T) {
	e := itSetup(t)
	const tracerSlack = "1000000"
	show := []string{"sh", "-c", "cat /proc/self/timerslack_ns"}
	untraced, err := exec.Command(show[0], show[1:]...).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(untraced) == tracerSlack+"\n" {
		t.Skipf("the test runs with the tracer's timer slack already (%s ns)", tracerSlack)
	}
	for _, noSB := range []bool{false, true} {
		cmd := e.cmd([]string{"-f", e.path("slack.out")}, show...)
		if noSB {
			noStandby(cmd)
		}
		out, err := cmd.Output()
		if err != nil || string(out) != string(untraced) {
			t.Errorf("traced (no standby: %v), the command's timer slack is %q (%v), untraced %q", noSB, out, err, untraced)
		}
	}
	// The tracer's threads, while a command waits for its input, and
	// after a ktrace -p of another.
	slackOf := func(tid int) string {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/timerslack_ns", tid))
		if err != nil {
			t.Skipf("cannot read the timer slack of thread %d: %v", tid, err)
		}
		return strings.TrimSpace(string(b))
	}
	checkTracer := func(traced int, what string) {
		tracer := waitTracer(t, traced)
		tids := testutil.Threads(tracer)
		if len(tids) < 2 {
			t.Errorf("%s: tracer %d has threads %v, want its runtime's", what, tracer, tids)
		}
		for _, tid := range tids {
			if got := slackOf(tid); got != tracerSlack {
				t.Errorf("%s: thread %d of tracer %d has a timer slack of %s ns, want %s", what, tid, tracer, got, tracerSlack)
			}
		}
		if got := slackOf(traced) + "\n"; got != string(untraced) {
			t.Errorf("%s: the traced process's timer slack is %q, untraced %q", what, got, untraced)
		}
	}
	holder := e.cmd([]string{"-f", e.path("holder.out")}, "sh", "-c", "read x")
	startHolding(t, holder)
	checkTracer(holder.Process.Pid, "ktrace sh -c 'read x'")

	checkTracer(startAttached(t, e), "ktrace -p")
}

// TestTracerSIGCHLD: the tracer's process, for a command and for -p,
// leaves SIGCHLD at its default action (neither caught nor ignored), so
// that the stops and ends of its tracees send it no signal; the command
// keeps its own disposition.
func TestTracerSIGCHLD(t *testing.T) {
	e := itSetup(t)
	const chld = 1 << (syscall.SIGCHLD - 1)
	masks := func(pid int) (caught, ignored uint64) {
		st, err := procfs.ReadStatus(pid, make([]byte, 4096))
		if err != nil {
			t.Fatal(err)
		}
		return st.SigCgt, st.SigIgn
	}
	check := func(traced int, what string) {
		tracer := waitTracer(t, traced)
		if c, i := masks(tracer); c&chld != 0 || i&chld != 0 {
			t.Errorf("%s: tracer %d catches (%v) or ignores (%v) SIGCHLD, want its default action", what, tracer, c&chld != 0, i&chld != 0)
		}
	}
	// The command traps SIGCHLD itself: it must keep its handler.
	holder := e.cmd([]string{"-f", e.path("holder.out")}, "sh", "-c", "trap 'echo' CHLD; read x")
	startHolding(t, holder)
	check(holder.Process.Pid, "ktrace sh -c 'trap ...'")
	deadline := time.Now().Add(testutil.Stretch(10 * time.Second))
	for c, _ := masks(holder.Process.Pid); c&chld == 0; c, _ = masks(holder.Process.Pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the traced sh does not catch SIGCHLD (its trap): %s", testutil.ProcStat(holder.Process.Pid))
		}
		time.Sleep(time.Millisecond)
	}

	check(startAttached(t, e), "ktrace -p")
}

// TestTracerCPUs: a traced command may run on the CPUs it may run on
// untraced; its tracer's thread may run on them all as soon as it traces,
// and every thread of the tracer soon after (their runtime started on
// one CPU, see stdfds).
func TestTracerCPUs(t *testing.T) {
	e := itSetup(t)
	allowed := func(tid int) string {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
		if err != nil {
			return err.Error()
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
				return strings.TrimSpace(v)
			}
		}
		return "none"
	}
	show := []string{"sh", "-c", "grep Cpus_allowed_list: /proc/self/status"}
	untraced, err := exec.Command(show[0], show[1:]...).Output()
	if err != nil {
		t.Fatal(err)
	}
	res := e.mustTrace(e.path("cpus.out"), nil, show...)
	if string(res.Stdout) != string(untraced) {
		t.Errorf("traced, the command says %q; untraced %q", res.Stdout, untraced)
	}
	whole := allowed(os.Getpid())
	holder := e.cmd([]string{"-f", e.path("holder.out")}, "sh", "-c", "read x")
	startHolding(t, holder)
	tracer := waitTracer(t, holder.Process.Pid)
	deadline := time.Now().Add(testutil.Stretch(10 * time.Second))
	if got := allowed(tracer); got != whole {
		t.Errorf("the tracer's thread %d may run on CPUs %s, want %s", tracer, got, whole)
	}
	if got := allowed(holder.Process.Pid); got != whole {
		t.Errorf("the traced command may run on CPUs %s, want %s", got, whole)
	}
	for {
		var pinned []string
		for _, tid := range testutil.Threads(tracer) {
			if got := allowed(tid); got != whole {
				pinned = append(pinned, fmt.Sprintf("%d: %s", tid, got))
			}
		}
		if len(pinned) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("threads of tracer %d still may not run on CPUs %s: %v", tracer, whole, pinned)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTracerEndsWhileUnpinning: the tracer's runtime threads are given
// all the CPUs back HelpersPinned after its start, while the tracer may
// be ending (its command exiting then) or tracing a process that makes
// threads. A race: 100 rounds of commands that end about then, every
// other one making threads as it ends; each ends with its own status,
// leaves a readable trace and no process behind.
func TestTracerEndsWhileUnpinning(t *testing.T) {
	e := itSetup(t)
	threads := testutil.Prog(t, "threads")
	const rounds = 100
	for i := range rounds {
		tf := e.path("t.out")
		d := stdfds.HelpersPinned/2 + rand.N(stdfds.HelpersPinned)
		argv := []string{"sh", "-c", fmt.Sprintf("sleep %.3f; exit %d", d.Seconds(), i%7)}
		if i%2 == 1 {
			argv = []string{"sh", "-c", fmt.Sprintf("sleep %.3f; %s run >/dev/null; exit %d", d.Seconds(), threads, i%7)}
		}
		res := e.trace(tf, nil, argv...)
		if res.ExitCode() != i%7 {
			t.Fatalf("round %d: %v: want status %d; %s", i, argv, i%7, res)
		}
		if _, err := testutil.TryReadTrace(tf); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		os.Remove(tf)
	}
	testutil.CheckNoStrays(t, e.ktrace)
}

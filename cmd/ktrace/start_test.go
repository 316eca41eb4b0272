package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/internal/session"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// TestCommandTracerDetached: the tracer of a command is nobody's child
// (the command, which has ktrace's pid, cannot wait for it), in a process
// group of its own in ktrace's session and scheduling group, and holds
// none of ktrace's descriptors but the standard error it reports on
// (not its standard input and output, nor a file on descriptor 3),
// whether it is the standby forked at ktrace's start (linked with
// stdfds.LinkFlag, as make builds it), a process started detached from
// the entry point (no standby: KTRACE_NO_STANDBY=1 first in the
// environment) or, linked without the entry point (a plain go build),
// through its spawn helper. The command is traced from its execve every
// way.
func TestCommandTracerDetached(t *testing.T) {
	e := itSetup(t)
	plain := ""
	if gobin, err := exec.LookPath("go"); err == nil {
		root, err := testutil.ModuleRoot()
		if err != nil {
			t.Fatal(err)
		}
		plain = filepath.Join(t.TempDir(), "ktrace")
		build := exec.Command(gobin, "build", "-o", plain, "./cmd/ktrace")
		build.Dir = root
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build ./cmd/ktrace: %v\n%s", err, out)
		}
		t.Cleanup(func() { testutil.CheckNoStrays(t, plain) })
	}
	extra, err := os.Open(e.ktrace)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	// How each started shows in the tracer's environment: the standby
	// has ktrace's, the others the one ktrace gives its helpers. Where
	// close_range fails (a kernel before Linux 5.9), the standby exits
	// before its runtime starts and ktrace starts its tracer detached.
	noCloseRange := testutil.Prog(t, "noclose_range")
	for _, c := range []struct{ name, ktrace, env0, tracerEnv0 string }{
		{"standby", e.ktrace, "", "A=1"},
		{"detached", e.ktrace, "KTRACE_NO_STANDBY=1", "KTRACE_DETACH=1"},
		{"no close_range", e.ktrace, "", "KTRACE_DETACH=1"},
		{"spawn helper", plain, "", "KTRACE_HELPER="},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.ktrace == "" {
				t.Skip("no go toolchain to build ktrace without its entry point (a prebuilt test run)")
			}
			file := e.path(c.name + ".out")
			argv := []string{c.ktrace, "-f", file, "/bin/sh", "-c", "echo ready; read x; echo done"}
			if c.name == "no close_range" {
				argv = append([]string{noCloseRange}, argv...)
			}
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append([]string{"A=1"}, os.Environ()...)
			if c.env0 != "" {
				cmd.Env = append([]string{c.env0}, cmd.Env...)
			}
			cmd.ExtraFiles = []*os.File{extra}
			in, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			lr := itStart(t, cmd)
			lr.expect("ready", 10*time.Second)
			pid := cmd.Process.Pid
			tp := testutil.TracerPid(pid)
			switch {
			case tp <= 0:
				t.Errorf("command %d is not traced (TracerPid %d)", pid, tp)
			case testutil.StatField(tp, 4) == pid || testutil.StatField(tp, 4) == os.Getpid():
				t.Errorf("tracer %d is a child of %d: it should be reparented", tp, testutil.StatField(tp, 4))
			default:
				if env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", tp)); !strings.HasPrefix(string(env), c.tracerEnv0) {
					first, _, _ := strings.Cut(string(env), "\x00")
					t.Errorf("tracer %d's environment starts with %q, want %q: not started as %s", tp, first, c.tracerEnv0, c.name)
				}
				testutil.CheckTracerPlace(t, tp, testutil.StatField(os.Getpid(), 6), pid)
				if name := testutil.Comm(tp); name != session.TracerName {
					t.Errorf("tracer %d is named %q, want %q (ktrace tells its tracers by it)", tp, name, session.TracerName)
				}
				for fd := 0; fd < 4; fd++ {
					if fd == 2 {
						continue // the tracer reports on the command's stderr
					}
					target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, fd))
					if err != nil {
						t.Fatalf("command's descriptor %d: %v", fd, err)
					}
					if testutil.Holds(tp, target) {
						t.Errorf("tracer %d holds the command's descriptor %d (%s)", tp, fd, target)
					}
				}
			}
			_, _ = io.WriteString(in, "\n")
			in.Close()
			lr.expect("done", 10*time.Second)
			if err := itWaitTimeout(t, cmd, 10*time.Second); err != nil {
				t.Fatalf("ktrace: %v", err)
			}
			recs := testutil.ReadTrace(t, file)
			if n := testutil.Count(recs, testutil.IsCall("execve")); n != 1 {
				t.Errorf("%d execve CALL records, want the command's:\n%s", n, testutil.Describe(recs))
			}
			if n := testutil.Count(recs, testutil.IsNami("/bin/sh")); n != 1 {
				t.Errorf("%d NAMI /bin/sh records, want 1:\n%s", n, testutil.Describe(recs))
			}
		})
	}
}

// TestCommandHasNoChild: a traced command inherits no child of ktrace's
// (the short-lived process that forked the standby is reaped before the
// exec), whether ktrace starts a tracer or joins the file's running one.
func TestCommandHasNoChild(t *testing.T) {
	e := atSetup(t)
	prog := testutil.Prog(t, "children")
	file := e.path("children.out")
	run := func(how string, args ...string) {
		t.Helper()
		out, err := exec.Command(e.ktrace, append(args, prog)...).CombinedOutput()
		if err != nil || string(out) != "no child\n" {
			t.Errorf("%s: ktrace %v: %q, %v; want \"no child\"", how, args, out, err)
		}
	}
	run("a new tracer", "-f", file)
	// The file's tracer runs on for the loop: the second command joins it.
	p := atLoop(t, "tick", 40*testutil.Slow(), 0, nil)
	e.mustKt(t, "-a", "-f", file, "-p", strconv.Itoa(p.pid))
	tp := e.tracerOf(t, p.pid)
	run("the running tracer", "-a", "-f", file)
	if got := e.tracerOf(t, p.pid); got != tp {
		t.Errorf("tracer %d of the loop changed to %d", tp, got)
	}
	recs := testutil.ReadTrace(t, file)
	if n := testutil.Count(recs, testutil.IsNami(prog)); n != 2 {
		t.Errorf("%d NAMI %s records, want one per command:\n%s", n, prog, testutil.Describe(recs))
	}
	e.mustKt(t, "-c", "-p", strconv.Itoa(p.pid))
}

// TestStandbyGoneHammer: where the standby exits at once (no close_range),
// ktrace finds no one at the other end, or sends to a standby that ends
// without reading (busy CPUs keep it from exiting before ktrace sends: 2
// of 200 runs failed that way before ktrace retried with a helper), and
// starts its tracer another way: 200 runs, 4 at a time beside 2 spinning
// goroutines, every trace whole.
func TestStandbyGoneHammer(t *testing.T) {
	e := itSetup(t)
	noCloseRange := testutil.Prog(t, "noclose_range")
	var stop atomic.Bool
	var spin sync.WaitGroup
	for i := 0; i < 2; i++ {
		spin.Add(1)
		go func() { // keeps a CPU busy
			defer spin.Done()
			for !stop.Load() {
			}
		}()
	}
	defer func() { stop.Store(true); spin.Wait() }()
	inRounds(t, 4, 50, func(round string) error {
		file := e.path("gone" + round + ".out")
		out, err := exec.Command(noCloseRange, e.ktrace, "-f", file, "/bin/echo", "round", round).CombinedOutput()
		if err != nil || string(out) != "round "+round+"\n" {
			return fmt.Errorf("%q, %v", out, err)
		}
		return traceHas(file, 1, testutil.IsNami("/bin/echo"), "NAMI /bin/echo records")
	})
}

// inRounds calls round in workers goroutines at once, n times in each,
// with a name for each round ("worker.round"), and reports the first
// error of each worker, which stops it.
func inRounds(t *testing.T, workers, n int, round func(name string) error) {
	t.Helper()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				name := fmt.Sprintf("%d.%d", w, i)
				if err := round(name); err != nil {
					t.Errorf("round %s: %v", name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// traceHas fails unless the trace file holds want records that m
// matches (what names them).
func traceHas(file string, want int, m testutil.Match, what string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := testutil.LoadTrace(f)
	if n := testutil.Count(recs, m); err != nil || n != want {
		return fmt.Errorf("%d %s, want %d (%v):\n%s", n, what, want, err, testutil.Describe(recs))
	}
	return nil
}

// TestCommandStderrEndsTraceWhole: a harness that reads a command's output
// to its end, as exec.Cmd.CombinedOutput does, sees that end only once the
// trace is written, though the tracer lets go of the command's stderr as
// soon as that is so, before its own shutdown: the command's exit record
// is in the file when the harness reads it, in 100 runs, 4 at a time.
func TestCommandStderrEndsTraceWhole(t *testing.T) {
	e := itSetup(t)
	inRounds(t, 4, 25, func(round string) error {
		file := e.path("whole" + round + ".out")
		cmd := exec.Command(e.ktrace, "-f", file, "/bin/sh", "-c", "echo out "+round+"; echo err >&2; exit 3")
		out, err := cmd.CombinedOutput()
		if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 || string(out) != "out "+round+"\nerr\n" {
			return fmt.Errorf("%q, %v; want the command's output and exit status 3", out, err)
		}
		return traceHas(file, 1, testutil.IsExit(3, 0), "exits of the command")
	})
}

// TestCommandExecveComm: the execve of a command carries the name of the
// process that makes it, ktrace's (as the kernel has it: the name ktrace
// was started by), whether ktrace says it to its tracer or leaves the
// tracer to read it (a name that is not UTF-8); after it, the program's.
func TestCommandExecveComm(t *testing.T) {
	e := itSetup(t)
	for _, name := range []string{"front-name", "kt\xffname"} {
		link := e.path(name)
		if err := os.Symlink(e.ktrace, link); err != nil {
			t.Fatal(err)
		}
		file := e.path("comm.out")
		if out, err := exec.Command(link, "-f", file, "/bin/true").CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", link, err, out)
		}
		var execve, after string
		for _, r := range testutil.ReadTrace(t, file) {
			switch {
			case execve == "" && testutil.IsCall("execve")(&r):
				execve = r.Comm
			case execve != "" && testutil.IsCall()(&r) && !testutil.IsCall("execve")(&r):
				after = r.Comm
			}
			if after != "" {
				break
			}
		}
		if execve != name || after != "true" {
			t.Errorf("ktrace started as %q: execve by %q, then %q", name, execve, after)
		}
		os.Remove(file)
	}
}

package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// Attach races (issue 10): processes and threads exit while ktrace
// attaches to them. Each test hammers its window for 100 rounds (fewer
// under emulation, KTRACE_TEST_SLOW), and every round must succeed.

// raceRounds is how many rounds a race test runs.
func raceRounds() int { return max(100/testutil.Slow(), 10) }

// TestAttachRaceExitingTree: -d -p, -g and -d -i -p on a shell loop whose
// children come and go: a child that exits, or is a zombie, while ktrace
// attaches is passed over, and the rest is traced.
func TestAttachRaceExitingTree(t *testing.T) {
	e := atSetup(t)
	sh := exec.Command("/bin/sh", "-c", "while :; do /bin/true; done")
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	pid := sh.Process.Pid
	defer func() {
		syscall.Kill(-pid, syscall.SIGKILL)
		_ = sh.Wait()
	}()
	tf := e.path("tree.out")
	modes := [][]string{
		{"-d", "-p", strconv.Itoa(pid)},
		{"-g", strconv.Itoa(pid)},
		{"-d", "-i", "-p", strconv.Itoa(pid)},
	}
	failed := 0
	for round := range raceRounds() {
		args := append([]string{"-f", tf}, modes[round%len(modes)]...)
		if res := e.kt(t, args...); res.Err != nil || len(res.Stderr) != 0 {
			failed++
			t.Errorf("round %d: ktrace %s: %s", round, strings.Join(args, " "), res)
		}
		if res := e.kt(t, "-c", "-f", tf); res.Err != nil || len(res.Stderr) != 0 {
			t.Fatalf("round %d: ktrace -c -f: %s", round, res)
		}
		if failed > 5 {
			t.Fatal("giving up")
		}
	}
	if testutil.ProcState(pid) == 0 || testutil.TracerPid(pid) != 0 {
		t.Errorf("the shell loop is %q, traced by %d: want it running untraced", testutil.ProcStat(pid), testutil.TracerPid(pid))
	}
}

// churn is the churn program: threads that exit at once, one after the
// other, and a resident thread that ticks.
type churn struct {
	*atProc
	resident int // the resident thread's id
}

// startChurn starts churn and waits for its resident thread.
func startChurn(t *testing.T) *churn {
	t.Helper()
	p := atStart(t, true, nil, testutil.Prog(t, "churn"))
	f := strings.Fields(p.line())
	if len(f) != 2 || f[0] != "resident" {
		t.Fatalf("churn wrote %q, want resident <tid>", f)
	}
	tid, _ := strconv.Atoi(f[1])
	return &churn{atProc: p, resident: tid}
}

// finish ends churn and checks it went on ticking and exited 0.
func (c *churn) finish(t *testing.T) {
	t.Helper()
	c.in.Close()
	if code := c.atProc.finish(10 * time.Second); code != 0 {
		t.Errorf("churn exited %d", code)
	}
	for _, l := range c.lines {
		if l != "tick" && !strings.HasPrefix(l, "resident ") {
			t.Errorf("churn wrote %q", l)
		}
	}
}

// TestAttachRaceExitingThreads: ktrace -p on a process whose threads
// exit while it attaches (PTRACE_SEIZE of an exiting thread is EPERM).
func TestAttachRaceExitingThreads(t *testing.T) {
	e := atSetup(t)
	c := startChurn(t)
	tf := e.path("churn.out")
	failed := 0
	for round := range raceRounds() {
		args := []string{"-f", tf, "-p", strconv.Itoa(c.pid)}
		if res := e.kt(t, args...); res.Err != nil || len(res.Stderr) != 0 {
			failed++
			t.Errorf("round %d: ktrace %s: %s", round, strings.Join(args, " "), res)
		}
		if res := e.kt(t, "-c", "-p", strconv.Itoa(c.pid)); res.Err != nil || len(res.Stderr) != 0 {
			t.Fatalf("round %d: ktrace -c -p: %s", round, res)
		}
		if failed > 5 {
			t.Fatal("giving up")
		}
	}
	atRequireUntraced(t, c.pid, "after the rounds")
	c.finish(t)
}

// TestAttachThreadID: -p with the id of a thread that is not the leader
// traces its process, under the process's pid, and -c -p with it clears.
func TestAttachThreadID(t *testing.T) {
	e := atSetup(t)
	c := startChurn(t)
	if c.resident == c.pid {
		t.Fatalf("the resident thread is the leader %d", c.pid)
	}
	tf := e.path("tid.out")
	e.mustKt(t, "-f", tf, "-p", strconv.Itoa(c.resident))
	tp := e.tracerOf(t, c.pid)
	if got := testutil.TracerPid(c.resident); got != tp {
		t.Errorf("the resident thread is traced by %d, the leader by %d", got, tp)
	}
	recs := e.pollTrace(t, tf, "ticks", func(all []testutil.Rec) bool {
		return testutil.Count(all, testutil.IsData(1, true, "tick\n")) >= 2
	})
	for _, r := range recs {
		if r.PID != c.pid {
			t.Fatalf("a record of pid %d, want the process's %d:\n%s", r.PID, c.pid, r.String())
		}
	}
	// The status and -a see the process as traced to this file.
	e.mustKt(t, "-a", "-f", tf, "-t", "c", "-p", strconv.Itoa(c.resident))
	if tr := e.tracers(); len(tr) != 1 {
		t.Errorf("tracers %v, want one", tr)
	}
	e.mustKt(t, "-c", "-p", strconv.Itoa(c.resident))
	atRequireUntraced(t, c.pid, "after ktrace -c -p TID")
	e.waitTracerGone(t, tp, tf)
	c.finish(t)
}

// TestAttachSeveralPids: -p may be given more than once, or with commas,
// and traces each process named.
func TestAttachSeveralPids(t *testing.T) {
	e := atSetup(t)
	p := atLoop(t, "p", 60, 0, nil)
	q := atLoop(t, "q", 60, 0, nil)
	for i, args := range [][]string{
		{"-p", strconv.Itoa(p.pid), "-p", strconv.Itoa(q.pid)},
		{"-p", fmt.Sprintf("%d,%d", p.pid, q.pid)},
	} {
		tf := e.path(fmt.Sprintf("several%d.out", i))
		e.mustKt(t, append([]string{"-f", tf}, args...)...)
		tp := e.tracerOf(t, p.pid)
		if got := e.tracerOf(t, q.pid); got != tp {
			t.Errorf("%v: %d traced by %d, %d by %d: want one tracer", args, p.pid, tp, q.pid, got)
		}
		e.pollTrace(t, tf, "lines of both", func(all []testutil.Rec) bool {
			return atHasTicks(p.pid, "p", 1)(all) && atHasTicks(q.pid, "q", 1)(all)
		})
		e.mustKt(t, "-c", "-f", tf)
		e.waitTracerGone(t, tp, tf)
	}
	atFinishOK(t, p, q)
}

// TestRaceOneFile: commands, attaches and clears race on one trace file,
// each in its own loop, while its tracer comes and goes: a request that
// meets a tracer on its way out asks again (or starts the next tracer),
// a clear returns, and every command runs and exits 0.
func TestRaceOneFile(t *testing.T) {
	e := atSetup(t)
	e.timeout = 30 * time.Second // a hang, not a slow machine
	tf := e.path("race.out")
	e.mustKt(t, "-f", tf, "--", "true") // the file, for the clears
	loop := atLoop(t, "r", 1<<20, 0, nil)
	defer func() {
		syscall.Kill(loop.pid, syscall.SIGKILL)
		loop.drain()
	}()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip(err)
	}
	workers := [][]string{
		{"-a", "-f", tf, "--", "true"},
		{"-a", "-f", tf, "-p", strconv.Itoa(loop.pid)},
		{"-c", "-f", tf},
		{"-a", "-f", tf, sh, "-c", "exit 0"},
	}
	rounds := raceRounds()
	errs := make(chan string, len(workers)*rounds)
	done := make(chan struct{})
	for _, args := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for round := range rounds {
				res := e.ktAs(t, "", nil, args...)
				if res.Err != nil || len(res.Stderr) != 0 {
					errs <- fmt.Sprintf("round %d: ktrace %s: %s", round, strings.Join(args, " "), res)
				}
			}
		}()
	}
	for range workers {
		<-done
	}
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	e.mustKt(t, "-c", "-f", tf)
	atRequireUntraced(t, loop.pid, "after the race")
	if st := testutil.ProcState(loop.pid); st == 0 || st == 'Z' {
		t.Errorf("the loop is gone: %s", testutil.ProcStat(loop.pid))
	}
}

// TestRaceRemake: ktrace without -a makes its file anew unless a tracer
// is writing it, while on the same file a tracer starts (ktrace -a -p)
// and ends (ktrace -c) in a loop: every run either traces its command
// into a new file, or refuses, naming the tracer or saying the file was
// made by someone else (ktrace -a) between its removal and its creation,
// and nothing else (the lock that says no tracer holds the file is asked
// while tracers take it and let it go).
func TestRaceRemake(t *testing.T) {
	e := atSetup(t)
	e.timeout = 30 * time.Second // a hang, not a slow machine
	tf := e.path("remake.out")
	e.mustKt(t, "-f", tf, "--", "true")
	loop := atLoop(t, "m", 1<<20, 0, nil)
	defer func() {
		syscall.Kill(loop.pid, syscall.SIGKILL)
		loop.drain()
	}()
	rounds := raceRounds()
	refusal := regexp.MustCompile(`^ktrace: ` + regexp.QuoteMeta(tf) +
		`: (tracer \d+ is writing it: add to it with -a|made again by someone else while it was being made anew)\n$`)
	stop := make(chan struct{})
	churned := make(chan int)
	go func() {
		n := 0
		defer func() { churned <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			e.kt(t, "-a", "-f", tf, "-p", strconv.Itoa(loop.pid))
			e.kt(t, "-c", "-f", tf)
			n++
		}
	}()
	made, refused := 0, 0
	for round := range rounds {
		res := e.kt(t, "-f", tf, "--", "true")
		switch {
		case res.Err == nil && len(res.Stderr) == 0:
			made++
		case res.Err != nil && refusal.Match(res.Stderr):
			refused++
		default:
			t.Errorf("round %d: ktrace -f %s -- true: %s", round, tf, res)
		}
	}
	close(stop)
	n := <-churned
	t.Logf("%d rounds: %d made anew, %d refused; %d tracers started and cleared meanwhile", rounds, made, refused, n)
	// The last tracer may write a file made anew since: it is cleared
	// by the loop's pid.
	e.mustKt(t, "-c", "-p", strconv.Itoa(loop.pid))
	atRequireUntraced(t, loop.pid, "after the race")
}

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/session"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// Integration tests of attach mode (issue 4): ktrace -p, -g, -d, -i, -c,
// -C, -a and -t on processes that are already running. Each test starts
// real programs (testdata/progs/attach_*.c), attaches to them, reads the
// trace back as typed records, and checks the programs' output, exit status
// and process state, and that no tracer process or control socket is left
// behind.

// atEnv is an attach test's environment.
type atEnv struct {
	*itEnv
	// exes are the ktrace executables the test runs (the built one, and
	// copies for other users); no process may run them when it ends.
	exes []string
	// socks are the control socket name suffixes (".dev.ino") of the
	// trace files the test used.
	socks map[string]string
	// socksMu guards socks: tests may run ktrace from several goroutines.
	socksMu *sync.Mutex
	// timeout bounds each ktrace command (default 20 s).
	timeout time.Duration
}

// atSetup is itSetup for attach tests: it also checks, when the test
// ends, that no tracer process and no control socket of the test's trace
// files remain.
func atSetup(t *testing.T) *atEnv {
	t.Helper()
	e := &atEnv{itEnv: itSetup(t), socks: map[string]string{}, socksMu: new(sync.Mutex)}
	e.exes = []string{e.ktrace}
	// Registered after itSetup's checks, so it runs before them, and
	// before the test directory is removed, but after the test's own
	// processes (started later) are killed.
	t.Cleanup(func() { e.checkLeftovers(t) })
	return e
}

// checkLeftovers waits up to 3 s for the tracers of the test to exit and
// their control sockets to close; it fails the test (and kills them) if
// they do not.
func (e *atEnv) checkLeftovers(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		procs := atProcsOf(e.exes)
		socks := e.openSockets()
		if len(procs) == 0 && len(socks) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range procs {
				t.Errorf("tracer process %d still running after the test: %s (%s); killing it",
					pid, testutil.ProcStat(pid), testutil.Cmdline(pid))
				syscall.Kill(pid, syscall.SIGKILL)
			}
			for _, s := range socks {
				t.Errorf("control socket %s still listening after the test", s)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// remember notes the trace file's identity, for the leftover check.
func (e *atEnv) remember(file string) {
	var st unix.Stat_t
	if err := unix.Stat(file, &st); err == nil {
		e.socksMu.Lock()
		e.socks[file] = fmt.Sprintf(".%d.%d.", st.Dev, st.Ino) // then a random suffix
		e.socksMu.Unlock()
	}
}

// openSockets returns the listening control sockets of the test's trace
// files.
func (e *atEnv) openSockets() []string {
	var out []string
	e.socksMu.Lock()
	defer e.socksMu.Unlock()
	for _, s := range testutil.ListeningAbstractSockets("ktrace.") {
		for _, suffix := range e.socks {
			if strings.Contains(s, suffix) {
				out = append(out, s)
			}
		}
	}
	return out
}

// socketsOf returns the listening control sockets of the trace file.
func (e *atEnv) socketsOf(file string) []string {
	e.remember(file)
	e.socksMu.Lock()
	suffix, ok := e.socks[file]
	e.socksMu.Unlock()
	if !ok {
		return nil
	}
	var out []string
	for _, s := range testutil.ListeningAbstractSockets("ktrace.") {
		if strings.Contains(s, suffix) {
			out = append(out, s)
		}
	}
	return out
}

// atProcsOf returns the processes running one of exes.
func atProcsOf(exes []string) []int {
	var out []int
	for _, exe := range exes {
		out = append(out, testutil.ProcsRunning(exe)...)
	}
	return out
}

// tracers returns the background tracers running: processes of the
// test's ktrace executables that go by the tracers' name (not a ktrace,
// nor a tracer's doorbell child, nor a standby no ktrace used).
func (e *atEnv) tracers() []int {
	return slices.DeleteFunc(atProcsOf(e.exes), func(p int) bool {
		return testutil.Comm(p) != session.TracerName
	})
}

// describeTracers describes the test's tracer processes, their threads
// and what they wait in, and the processes they trace, for messages.
func (e *atEnv) describeTracers() string {
	var b strings.Builder
	for _, tp := range e.tracers() {
		fmt.Fprintf(&b, "tracer %s\n", testutil.ProcStat(tp))
		for _, tid := range testutil.Threads(tp) {
			fmt.Fprintf(&b, "  thread %d: wchan %s, syscall %s\n", tid, testutil.Wchan(tp, tid), testutil.SyscallText(tp, tid))
		}
		for _, pid := range testutil.Pids() {
			if testutil.TracerPid(pid) == tp || testutil.StatField(pid, 4) == tp {
				fmt.Fprintf(&b, "  traced or child (TracerPid %d): %s\n", testutil.TracerPid(pid), testutil.ProcStat(pid))
			}
		}
	}
	return b.String()
}

// tracerOf requires pid to be traced by one of the test's background
// tracers and returns it.
func (e *atEnv) tracerOf(t *testing.T, pid int) int {
	t.Helper()
	tp := testutil.TracerPid(pid)
	if tp <= 0 {
		t.Fatalf("process %d is not traced (TracerPid %d): %s", pid, tp, testutil.ProcStat(pid))
	}
	for _, p := range e.tracers() {
		if p == tp {
			return tp
		}
	}
	t.Fatalf("process %d is traced by %d (%s), not by a ktrace tracer of this test (tracers %v)",
		pid, tp, testutil.Cmdline(tp), e.tracers())
	return 0
}

// atRequireUntraced fails the test if pid is traced.
func atRequireUntraced(t *testing.T, pid int, when string) {
	t.Helper()
	if tp := testutil.TracerPid(pid); tp != 0 {
		t.Fatalf("%s: process %d is traced by %d (%s), want untraced", when, pid, tp, testutil.Cmdline(tp))
	}
}

// waitTracerGone waits for tracer process tp and the control socket of
// file to go: a tracer with no process left exits by itself. With tp 0,
// it waits for the test's tracers to be gone.
func (e *atEnv) waitTracerGone(t *testing.T, tp int, file string) {
	t.Helper()
	if tp == 0 {
		testutil.WaitFor(t, 3*time.Second, "the tracer of "+file+" to exit", func() bool { return len(e.tracers()) == 0 })
	}
	testutil.WaitFor(t, 3*time.Second, fmt.Sprintf("tracer %d of %s to exit", tp, file), func() bool {
		return testutil.ProcState(tp) == 0 || testutil.ProcState(tp) == 'Z'
	})
	testutil.WaitFor(t, 3*time.Second, "the control socket of "+file+" to close", func() bool {
		return len(e.socketsOf(file)) == 0
	})
}

// ktAs runs ktrace with args (for -f FILE, FILE is remembered for the
// leftover check) with the executable exe (e.ktrace when "") and optional
// credentials.
func (e *atEnv) ktAs(t *testing.T, exe string, cred *syscall.Credential, args ...string) *testutil.Result {
	t.Helper()
	if exe == "" {
		exe = e.ktrace
	}
	cmd := exec.Command(exe, args...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	cmd.Dir = e.dir
	if cred != nil {
		cmd.Dir = filepath.Dir(exe) // e.dir is the test user's own
	}
	// Files rather than pipes: the background tracer may keep the
	// descriptors it inherits (TestAttachStderrReleased checks pipes).
	outs := [2]*os.File{}
	for i := range outs {
		f, err := os.CreateTemp("", "ktrace-attach-out-")
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(f.Name())
		defer f.Close()
		outs[i] = f
	}
	cmd.Stdout, cmd.Stderr = outs[0], outs[1]
	timeout := e.timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	res := testutil.Run(t, timeout, cmd)
	if res.Signaled() == syscall.SIGKILL {
		t.Logf("ktrace %s timed out; the tracers:\n%s", strings.Join(args, " "), e.describeTracers())
	}
	for i, b := range []*[]byte{&res.Stdout, &res.Stderr} {
		if _, err := outs[i].Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		*b, _ = io.ReadAll(outs[i])
	}
	for i, a := range args {
		if a == "-f" && i+1 < len(args) {
			e.remember(args[i+1])
		}
	}
	return res
}

// kt runs "ktrace args..." and returns its result.
func (e *atEnv) kt(t *testing.T, args ...string) *testutil.Result {
	t.Helper()
	return e.ktAs(t, "", nil, args...)
}

// mustKt runs "ktrace args..." and requires it to succeed silently.
func (e *atEnv) mustKt(t *testing.T, args ...string) {
	t.Helper()
	atMustOK(t, e.kt(t, args...), args)
}

// atMustOK requires a ktrace run to exit 0 with nothing on stdout or
// stderr.
func atMustOK(t *testing.T, res *testutil.Result, args []string) {
	t.Helper()
	if res.Err != nil || len(res.Stdout) != 0 || len(res.Stderr) != 0 {
		t.Fatalf("ktrace %s: want exit 0 and no output; got %s", strings.Join(args, " "), res)
	}
}

// atProc is a program a test started and attaches to.
type atProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	pid   int
	out   *itLineReader
	in    io.WriteCloser // its stdin, when asked for
	lines []string       // the lines read so far, without newlines
}

// atStart starts argv with stdout read line by line (and a stdin pipe if
// stdin); setup may adjust the command first. The process is killed and
// waited for when the test ends.
func atStart(t *testing.T, stdin bool, setup func(*exec.Cmd), argv ...string) *atProc {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	p := &atProc{t: t, cmd: cmd}
	if stdin {
		w, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		p.in = w
	}
	if setup != nil {
		setup(cmd)
	}
	if cmd.SysProcAttr == nil {
		// A group of its own, so that the whole tree it makes can be
		// killed when the test ends.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	cmd.WaitDelay = 2 * time.Second
	p.out = itStart(t, cmd)
	p.pid = cmd.Process.Pid
	// Runs before itStart's kill and wait: kill what the program made.
	t.Cleanup(func() {
		if cmd.ProcessState == nil && testutil.StatField(p.pid, 5) == p.pid {
			syscall.Kill(-p.pid, syscall.SIGKILL)
		}
	})
	return p
}

// line returns the next line of output (without its newline).
func (p *atProc) line() string {
	p.t.Helper()
	s := strings.TrimSuffix(p.out.next(10*time.Second), "\n")
	p.lines = append(p.lines, s)
	return s
}

// waitLine reads lines until one equal to want.
func (p *atProc) waitLine(want string) {
	p.t.Helper()
	for p.line() != want {
	}
}

// drain returns the lines already read by the reader, without blocking.
func (p *atProc) drain() []string {
	var got []string
	for {
		select {
		case s, ok := <-p.out.lines:
			if !ok {
				return got
			}
			s = strings.TrimSuffix(s, "\n")
			p.lines = append(p.lines, s)
			got = append(got, s)
		default:
			return got
		}
	}
}

// finish reads the rest of the output and waits for the process; it
// returns its exit status.
func (p *atProc) finish(timeout time.Duration) int {
	p.t.Helper()
	deadline := time.After(timeout)
	for done := false; !done; {
		select {
		case s, ok := <-p.out.lines:
			if !ok {
				done = true
				break
			}
			p.lines = append(p.lines, strings.TrimSuffix(s, "\n"))
		case <-deadline:
			p.t.Fatalf("%s (pid %d) did not finish within %v: %s; output so far:\n%s",
				strings.Join(p.cmd.Args, " "), p.pid, timeout, testutil.ProcStat(p.pid), strings.Join(p.lines, "\n"))
		}
	}
	err := itWaitTimeout(p.t, p.cmd, 5*time.Second)
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			p.t.Fatalf("wait %s: %v", p.cmd.Args[0], err)
		}
	}
	ws := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		p.t.Fatalf("%s (pid %d) was killed by %v; output:\n%s", strings.Join(p.cmd.Args, " "), p.pid, ws.Signal(), strings.Join(p.lines, "\n"))
	}
	return p.cmd.ProcessState.ExitCode()
}

// atCheckLoopOutput requires the whole output of "attach_loop tag n ...":
// "tag 0" to "tag n-1", in order, nothing else.
func atCheckLoopOutput(t *testing.T, lines []string, tag string, n int) {
	t.Helper()
	ok := len(lines) == n
	for i := 0; ok && i < n; i++ {
		ok = lines[i] == fmt.Sprintf("%s %d", tag, i)
	}
	if !ok {
		t.Errorf("output of attach_loop %s %d is not %q to %q in order; got %d lines:\n%s",
			tag, n, tag+" 0", fmt.Sprintf("%s %d", tag, n-1), len(lines), strings.Join(lines, "\n"))
	}
}

// atFinishOK waits for each of procs to exit and requires status 0.
func atFinishOK(t *testing.T, procs ...*atProc) {
	t.Helper()
	for _, a := range procs {
		if code := a.finish(10 * time.Second); code != 0 {
			t.Errorf("%s exited %d", strings.Join(a.cmd.Args, " "), code)
		}
	}
}

// atLoop starts "attach_loop tag n status" and waits for its first lines.
func atLoop(t *testing.T, tag string, n, status int, setup func(*exec.Cmd)) *atProc {
	t.Helper()
	p := atStart(t, false, setup, testutil.Prog(t, "attach_loop"), tag, strconv.Itoa(n), strconv.Itoa(status))
	p.waitLine(tag + " 1")
	return p
}

// pollTrace reads file until cond holds for its records (a tracer flushes
// its buffer at least every fraction of a second), failing after 5 s.
func (e *atEnv) pollTrace(t *testing.T, file, what string, cond func([]testutil.Rec) bool) []testutil.Rec {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines, err := testutil.TryReadTrace(file)
		if err == nil && cond(lines) {
			return lines
		}
		if time.Now().After(deadline) {
			if err != nil {
				t.Fatalf("waiting for %s in %s: %v", what, file, err)
			}
			t.Fatalf("%s never showed in %s; %s", what, file, testutil.Describe(lines))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// atTicks returns the numbers of the "tag N\n" lines pid's records show
// written to fd 1, in order, checking on the way that each GIO record of
// pid is such a write, between its CALL write and its RET.
func atTicks(t *testing.T, all []testutil.Rec, pid int, tag string) []int {
	t.Helper()
	recs := testutil.OfPID(all, pid)
	var ticks []int
	for i := range recs {
		l := &recs[i]
		if l.Type != format.TypeGenio {
			continue
		}
		d := l.Data
		if l.Dir != format.Write || l.FD != 1 || !l.Whole() {
			t.Fatalf("pid %d: GIO record is not a whole write on fd 1:\n%s", pid, l)
		}
		s, ok := strings.CutPrefix(string(d), tag+" ")
		s, nl := strings.CutSuffix(s, "\n")
		n, err := strconv.Atoi(s)
		if !ok || !nl || err != nil {
			t.Fatalf("pid %d: GIO data %q is not a %q line:\n%s", pid, d, tag, l)
		}
		// CALL write(0x1,buf,len) GIO RET write len.
		if i == 0 || i+1 >= len(recs) {
			t.Fatalf("pid %d: GIO %q without its CALL and RET:\n%s", pid, d, testutil.Describe(recs))
		}
		call, ret := &recs[i-1], &recs[i+1]
		if !testutil.IsIO("write", 1, uint64(len(d)))(call) {
			t.Errorf("pid %d: record before GIO %q is %s, want CALL write(0x1,<buf>,%#x)", pid, d, call, len(d))
		}
		if !testutil.IsRetValue("write", int64(len(d)))(ret) {
			t.Errorf("pid %d: record after GIO %q is %s, want RET write %d", pid, d, ret, len(d))
		}
		ticks = append(ticks, n)
	}
	return ticks
}

// atContiguous requires ticks to be non-empty and to count up by one.
func atContiguous(t *testing.T, what string, ticks []int) {
	t.Helper()
	if len(ticks) == 0 {
		t.Fatalf("%s: no traced output lines", what)
	}
	for i := 1; i < len(ticks); i++ {
		if ticks[i] != ticks[i-1]+1 {
			t.Fatalf("%s: traced output lines %v are not consecutive (a write lost or doubled)", what, ticks)
		}
	}
}

// atStartsWithEmul requires pid's first record to be EMUL with the
// native ABI: it is written when tracing of a process starts.
func atStartsWithEmul(t *testing.T, all []testutil.Rec, pid int) {
	t.Helper()
	recs := testutil.OfPID(all, pid)
	if len(recs) == 0 {
		t.Errorf("no records of pid %d", pid)
		return
	}
	if !testutil.IsEmul(nativeABI)(&recs[0]) {
		t.Errorf("the records of pid %d do not start with EMUL %s:\n%s", pid, nativeABI, testutil.Describe(recs[:min(6, len(recs))]))
	}
}

// atNoGrowth requires a trace file still to be size bytes long: nothing
// was traced to it since.
func atNoGrowth(t *testing.T, file string, size int64, why string) {
	t.Helper()
	if st, err := os.Stat(file); err != nil || st.Size() != size {
		t.Errorf("%s grew from %d bytes to %v (%v) %s", file, size, st.Size(), err, why)
	}
}

// atSize returns a file's size.
func atSize(t *testing.T, file string) int64 {
	t.Helper()
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// atState returns the state letter of pid as a string, for messages.
func atState(pid int) string {
	if s := testutil.ProcState(pid); s != 0 {
		return string(s)
	}
	return "gone"
}

// atRequireRunning fails unless pid is running or sleeping (not stopped,
// not a zombie). A traced process passes through tracing stops (t) at
// each system call: it must leave them within 2 s.
func atRequireRunning(t *testing.T, pid int, when string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		switch st := testutil.ProcState(pid); st {
		case 'R', 'S', 'D':
			return
		case 't':
			if time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
				continue
			}
		}
		t.Fatalf("%s: process %d is in state %s, want running or sleeping: %s", when, pid, atState(pid), testutil.ProcStat(pid))
	}
}

// atHasTicks returns a condition: pid shows at least n "tag" writes.
func atHasTicks(pid int, tag string, n int) func([]testutil.Rec) bool {
	return func(all []testutil.Rec) bool {
		return testutil.Count(testutil.OfPID(all, pid), func(l *testutil.Rec) bool {
			return l.Type == format.TypeGenio && l.At == 0 && strings.HasPrefix(string(l.Data), tag+" ")
		}) >= n
	}
}

// TestAttachLoop attaches to a running loop program, sees its records,
// and clears it with -c -p: the program runs on, unharmed, and finishes
// with its whole output and its status.
func TestAttachLoop(t *testing.T) {
	e := atSetup(t)
	tf := e.path("loop.out")
	n := 40 * testutil.Slow()
	p := atLoop(t, "tick", n, 7, nil)

	e.mustKt(t, "-f", tf, "-p", strconv.Itoa(p.pid))
	tp := e.tracerOf(t, p.pid)
	if pp := testutil.StatField(tp, 4); pp == os.Getpid() {
		t.Errorf("tracer %d is a child of the test: it should be reparented", tp)
	}
	testutil.CheckTracerPlace(t, tp, testutil.StatField(os.Getpid(), 6), p.pid)
	if s := e.socketsOf(tf); len(s) != 1 || !strings.HasPrefix(s[0], fmt.Sprintf("ktrace.%d.", os.Geteuid())) {
		t.Errorf("control sockets of %s: %v, want one ktrace.%d.<dev>.<ino> (abstract)", tf, s, os.Geteuid())
	}
	atRequireRunning(t, p.pid, "after attach")
	e.pollTrace(t, tf, "three traced output lines", atHasTicks(p.pid, "tick", 3))

	e.mustKt(t, "-c", "-p", strconv.Itoa(p.pid))
	atRequireUntraced(t, p.pid, "after ktrace -c -p")
	size := atSize(t, tf)
	all := testutil.ReadTrace(t, tf)
	for _, l := range all {
		if l.PID != p.pid {
			t.Fatalf("record of pid %d, want only %d:\n%s", l.PID, p.pid, l.String())
		}
	}
	atStartsWithEmul(t, all, p.pid)
	testutil.CheckPairs(t, all, testutil.FromAttach)
	ticks := atTicks(t, all, p.pid, "tick")
	atContiguous(t, "attach_loop", ticks)
	if len(ticks) < 3 {
		t.Errorf("after clear, the file holds %d output lines, fewer than were seen before: %v", len(ticks), ticks)
	}
	e.waitTracerGone(t, tp, tf)
	atRequireRunning(t, p.pid, "after clear")

	if code := p.finish(10 * time.Second); code != 7 {
		t.Errorf("attach_loop exited %d, want 7", code)
	}
	atCheckLoopOutput(t, p.lines, "tick", n)
	if last := ticks[len(ticks)-1]; last >= n-1 {
		t.Errorf("the trace shows the last line %d: the program was not running untraced after the clear", last)
	}
	atNoGrowth(t, tf, size, "after ktrace -c -p returned")
}

// TestAttachProcessGroup traces a process group of three with -g and
// clears it with -c -g; a process outside the group is left alone.
func TestAttachProcessGroup(t *testing.T) {
	e := atSetup(t)
	tf := e.path("group.out")
	const n = 40
	var group []*atProc
	pgrp := 0
	for i := 0; i < 3; i++ {
		setup := func(c *exec.Cmd) { c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgrp} }
		p := atStart(t, false, setup, testutil.Prog(t, "attach_loop"), fmt.Sprintf("g%d", i), strconv.Itoa(n), strconv.Itoa(10+i))
		if i == 0 {
			pgrp = p.pid
		}
		group = append(group, p)
	}
	outsider := atLoop(t, "out", n, 0, nil)
	for i, p := range group {
		p.waitLine(fmt.Sprintf("g%d 1", i))
		if g := testutil.StatField(p.pid, 5); g != pgrp {
			t.Fatalf("process %d is in group %d, want %d", p.pid, g, pgrp)
		}
	}

	e.mustKt(t, "-f", tf, "-g", strconv.Itoa(pgrp))
	tp := e.tracerOf(t, group[0].pid)
	for _, p := range group[1:] {
		if got := e.tracerOf(t, p.pid); got != tp {
			t.Errorf("process %d is traced by %d, process %d by %d: want one tracer for the file", p.pid, got, group[0].pid, tp)
		}
	}
	atRequireUntraced(t, outsider.pid, "process outside the group")
	atRequireUntraced(t, os.Getpid(), "the test itself")
	for i, p := range group {
		e.pollTrace(t, tf, fmt.Sprintf("output of g%d", i), atHasTicks(p.pid, fmt.Sprintf("g%d", i), 2))
	}

	e.mustKt(t, "-c", "-g", strconv.Itoa(pgrp))
	for _, p := range group {
		atRequireUntraced(t, p.pid, "after ktrace -c -g")
	}
	all := testutil.ReadTrace(t, tf)
	for i, p := range group {
		atStartsWithEmul(t, all, p.pid)
		atContiguous(t, fmt.Sprintf("g%d", i), atTicks(t, all, p.pid, fmt.Sprintf("g%d", i)))
	}
	for _, l := range all {
		if l.PID == outsider.pid {
			t.Fatalf("record of the process outside the group:\n%s", l.String())
		}
	}
	testutil.CheckPairs(t, all, testutil.FromAttach)
	e.waitTracerGone(t, tp, tf)
	for i, p := range group {
		if code := p.finish(10 * time.Second); code != 10+i {
			t.Errorf("g%d exited %d, want %d", i, code, 10+i)
		}
		atCheckLoopOutput(t, p.lines, fmt.Sprintf("g%d", i), n)
	}
	if code := outsider.finish(10 * time.Second); code != 0 {
		t.Errorf("outsider exited %d", code)
	}
	atCheckLoopOutput(t, outsider.lines, "out", n)
}

// atTreeLine parses "L<level> <pid> <what>".
func atTreeLine(s string) (level, pid int, what string, ok bool) {
	f := strings.Fields(s)
	if len(f) != 3 || len(f[0]) != 2 || f[0][0] != 'L' {
		return 0, 0, "", false
	}
	level = int(f[0][1] - '0')
	pid, err := strconv.Atoi(f[1])
	return level, pid, f[2], err == nil
}

// TestAttachDescendants traces a tree of depth 3 (a root, two children,
// two grandchildren) with -d; without -d only the named process is
// traced. The file is complete when the root's parent has waited for it.
func TestAttachDescendants(t *testing.T) {
	e := atSetup(t)
	n := 30 * testutil.Slow()
	p := atStart(t, false, nil, testutil.Prog(t, "attach_tree"), strconv.Itoa(n))
	levelOf := map[int]int{}
	for len(levelOf) < 5 {
		level, pid, what, ok := atTreeLine(p.line())
		if !ok {
			t.Fatalf("attach_tree wrote %q", p.lines[len(p.lines)-1])
		}
		if what == "ready" {
			levelOf[pid] = level
		}
	}
	root := p.pid
	for pid, level := range levelOf {
		pp := testutil.StatField(pid, 4)
		if level == 1 && pid != root || level > 1 && levelOf[pp] != level-1 {
			t.Fatalf("attach_tree process %d at level %d has parent %d (levels %v)", pid, level, pp, levelOf)
		}
	}

	// Without -d, only the root.
	only := e.path("root.out")
	e.mustKt(t, "-f", only, "-p", strconv.Itoa(root))
	tp := e.tracerOf(t, root)
	for pid := range levelOf {
		if pid != root {
			atRequireUntraced(t, pid, "ktrace -p without -d")
		}
	}
	e.mustKt(t, "-c", "-p", strconv.Itoa(root))
	e.waitTracerGone(t, tp, only)

	tf := e.path("tree.out")
	e.mustKt(t, "-f", tf, "-d", "-p", strconv.Itoa(root))
	tp = e.tracerOf(t, root)
	for pid := range levelOf {
		if got := e.tracerOf(t, pid); got != tp {
			t.Errorf("process %d is traced by %d, the root by %d", pid, got, tp)
		}
	}
	if code := p.finish(10 * time.Second); code != 0 {
		t.Errorf("attach_tree exited %d, want 0; output:\n%s", code, strings.Join(p.lines, "\n"))
	}
	// The parent has waited for the root: the file is complete.
	all := testutil.ReadTrace(t, tf)
	for _, l := range all {
		if _, ok := levelOf[l.PID]; !ok {
			t.Errorf("record of pid %d, not of the tree:\n%s", l.PID, l.String())
		}
	}
	testutil.CheckPairs(t, all, testutil.FromAttach)
	for pid, level := range levelOf {
		atStartsWithEmul(t, all, pid)
		tag := fmt.Sprintf("L%d %d", level, pid)
		ticks := atTicks(t, all, pid, tag)
		atContiguous(t, tag, ticks)
		if last := ticks[len(ticks)-1]; last != n-1 {
			t.Errorf("%s: the last traced line is %d, want %d", tag, last, n-1)
		}
		recs := testutil.OfPID(all, pid)
		if end := &recs[len(recs)-1]; !testutil.IsExit(0, 0)(end) {
			t.Errorf("%s: the last record is %s, want EXIT exited with 0", tag, end)
		}
		if last := &recs[max(len(recs)-2, 0)]; !testutil.IsCallArgs("exit_group", 0)(last) {
			t.Errorf("%s: the record before the EXIT is %s, want CALL exit_group(0)", tag, last)
		}
		// Its whole output, in order.
		var got []string
		for _, s := range p.lines {
			if _, lp, what, ok := atTreeLine(s); ok && lp == pid && what != "ready" {
				got = append(got, s)
			}
		}
		atCheckLoopOutput(t, got, tag, n)
	}
	e.waitTracerGone(t, tp, tf)
}

// TestAttachDescendantsInherit traces with -d -i a tree that keeps
// forking: the resident child that exists at attach time, and every child
// and grandchild made after, appear with their own pids; those made
// before do not.
func TestAttachDescendantsInherit(t *testing.T) {
	e := atSetup(t)
	tf := e.path("forker.out")
	p := atStart(t, true, nil, testutil.Prog(t, "attach_forker"))
	root := p.pid
	var resident int
	for _, want := range []string{"root", "resident"} {
		f := strings.Fields(p.line())
		if len(f) != 2 || f[0] != want {
			t.Fatalf("attach_forker wrote %q, want %q <pid>", p.lines[len(p.lines)-1], want)
		}
		if want == "resident" {
			resident, _ = strconv.Atoi(f[1])
		}
	}
	// round makes a child and a grandchild and returns their pids.
	round := func() (c, g int) {
		t.Helper()
		if _, err := io.WriteString(p.in, "go\n"); err != nil {
			t.Fatal(err)
		}
		for {
			f := strings.Fields(p.line())
			if len(f) < 2 {
				t.Fatalf("attach_forker wrote %q", p.lines[len(p.lines)-1])
			}
			v, _ := strconv.Atoi(f[1])
			switch f[0] {
			case "G":
				g = v
			case "C":
				c = v
			case "round":
				if v != c || c == 0 || g == 0 {
					t.Fatalf("round of child %d: saw C %d G %d; output:\n%s", v, c, g, strings.Join(p.lines, "\n"))
				}
				return c, g
			default:
				t.Fatalf("attach_forker wrote %q", p.lines[len(p.lines)-1])
			}
		}
	}
	preC, preG := round()
	testutil.WaitFor(t, 5*time.Second, "the resident to block in read", func() bool { return testutil.ProcState(resident) == 'S' })

	e.mustKt(t, "-f", tf, "-d", "-i", "-p", strconv.Itoa(root))
	tp := e.tracerOf(t, root)
	if got := e.tracerOf(t, resident); got != tp {
		t.Errorf("resident %d traced by %d, root by %d", resident, got, tp)
	}
	type pair struct{ c, g int }
	var rounds []pair
	for i := 0; i < 3; i++ {
		c, g := round()
		rounds = append(rounds, pair{c, g})
	}
	p.in.Close()
	if code := p.finish(10 * time.Second); code != 0 {
		t.Fatalf("attach_forker exited %d; output:\n%s", code, strings.Join(p.lines, "\n"))
	}
	if last := p.lines[len(p.lines)-1]; last != "root done" {
		t.Errorf("attach_forker's last line is %q, want root done", last)
	}

	all := testutil.ReadTrace(t, tf)
	testutil.CheckPairs(t, all, testutil.FromAttach)
	for _, pid := range []int{preC, preG} {
		if recs := testutil.OfPID(all, pid); len(recs) != 0 {
			t.Errorf("records of pid %d, made and gone before ktrace attached:\n%s", pid, testutil.Describe(recs))
		}
	}
	atStartsWithEmul(t, all, root)
	atStartsWithEmul(t, all, resident)
	rc := &testutil.Cursor{TB: t, Name: fmt.Sprintf("resident %d", resident), Recs: testutil.OfPID(all, resident)}
	for _, r := range rounds {
		rc.Find(`GIO fd 0 read "go\n"`, testutil.IsData(0, false, "go\n"))
		rc.Find(fmt.Sprintf("RET of the fork of %d", r.c), func(l *testutil.Rec) bool {
			return testutil.IsRet("clone", "clone3", "fork")(l) && l.Errno == 0 && l.Value == int64(r.c)
		})
		rc.Find(fmt.Sprintf(`GIO fd 1 wrote "round %d\n"`, r.c), testutil.IsData(1, true, fmt.Sprintf("round %d\n", r.c)))
	}
	rc.Find("CALL exit_group(0)", testutil.IsCallArgs("exit_group", 0))
	for _, r := range rounds {
		for _, who := range []struct {
			name      string
			pid, ppid int
		}{{"C", r.c, resident}, {"G", r.g, r.c}} {
			recs := testutil.OfPID(all, who.pid)
			if len(recs) == 0 {
				t.Errorf("no records of %s, pid %d, forked after ktrace -d -i", who.name, who.pid)
				continue
			}
			c := &testutil.Cursor{TB: t, Name: fmt.Sprintf("%s %d", who.name, who.pid), Recs: recs}
			line := fmt.Sprintf("%s %d %d\n", who.name, who.pid, who.ppid)
			c.Find(fmt.Sprintf("GIO fd 1 wrote %q", line), testutil.IsData(1, true, line))
			c.Find("CALL exit_group(0)", testutil.IsCallArgs("exit_group", 0))
		}
	}
	e.waitTracerGone(t, tp, tf)
}

// TestAttachMove moves a traced process to another file: records after
// the move go to the second file only, and the first file's tracer,
// having no process left, exits.
func TestAttachMove(t *testing.T) {
	e := atSetup(t)
	a, b := e.path("a.out"), e.path("b.out")
	const n = 60
	p := atLoop(t, "m", n, 0, nil)
	pid := strconv.Itoa(p.pid)

	e.mustKt(t, "-f", a, "-p", pid)
	ta := e.tracerOf(t, p.pid)
	e.pollTrace(t, a, "two traced lines", atHasTicks(p.pid, "m", 2))

	e.mustKt(t, "-f", b, "-p", pid)
	tb := e.tracerOf(t, p.pid)
	if tb == ta {
		t.Fatalf("after the move, process %d is still traced by %d, the tracer of %s", p.pid, ta, a)
	}
	sizeA := atSize(t, a)
	e.waitTracerGone(t, ta, a)
	e.pollTrace(t, b, "three traced lines", atHasTicks(p.pid, "m", 3))
	atNoGrowth(t, a, sizeA, "after the process moved to "+b)

	e.mustKt(t, "-c", "-p", pid)
	atRequireUntraced(t, p.pid, "after ktrace -c -p")
	allA, allB := testutil.ReadTrace(t, a), testutil.ReadTrace(t, b)
	atStartsWithEmul(t, allA, p.pid)
	atStartsWithEmul(t, allB, p.pid)
	testutil.CheckPairs(t, allA, testutil.FromAttach)
	testutil.CheckPairs(t, allB, testutil.FromAttach)
	ticksA, ticksB := atTicks(t, allA, p.pid, "m"), atTicks(t, allB, p.pid, "m")
	atContiguous(t, a, ticksA)
	atContiguous(t, b, ticksB)
	if ticksA[len(ticksA)-1] >= ticksB[0] {
		t.Errorf("lines traced to %s %v overlap those traced to %s %v", a, ticksA, b, ticksB)
	}
	e.waitTracerGone(t, tb, b)
	if code := p.finish(10 * time.Second); code != 0 {
		t.Errorf("attach_loop exited %d", code)
	}
	atCheckLoopOutput(t, p.lines, "m", n)
}

// TestAttachJoin: two processes attached to one file, one after the
// other (the second with -a), share one tracer and one control socket;
// clearing one leaves the other traced.
func TestAttachJoin(t *testing.T) {
	e := atSetup(t)
	tf := e.path("join.out")
	const n = 60
	p := atLoop(t, "p", n, 1, nil)
	q := atLoop(t, "q", n, 2, nil)

	e.mustKt(t, "-f", tf, "-p", strconv.Itoa(p.pid))
	e.mustKt(t, "-a", "-f", tf, "-p", strconv.Itoa(q.pid))
	tp, tq := e.tracerOf(t, p.pid), e.tracerOf(t, q.pid)
	if tp != tq {
		t.Errorf("two tracers for %s: %d traces %d, %d traces %d", tf, tp, p.pid, tq, q.pid)
	}
	if tr := e.tracers(); len(tr) != 1 {
		t.Errorf("tracer processes: %v, want one", tr)
	}
	if s := e.socketsOf(tf); len(s) != 1 {
		t.Errorf("control sockets of %s: %v, want one", tf, s)
	}
	e.pollTrace(t, tf, "lines of both", func(all []testutil.Rec) bool {
		return atHasTicks(p.pid, "p", 2)(all) && atHasTicks(q.pid, "q", 2)(all)
	})

	e.mustKt(t, "-c", "-p", strconv.Itoa(p.pid))
	atRequireUntraced(t, p.pid, "after ktrace -c -p of the first")
	if got := e.tracerOf(t, q.pid); got != tp {
		t.Errorf("after clearing %d, %d is traced by %d, want %d", p.pid, q.pid, got, tp)
	}
	before := len(atTicks(t, testutil.ReadTrace(t, tf), q.pid, "q"))
	e.pollTrace(t, tf, "more lines of the second", atHasTicks(q.pid, "q", before+2))

	e.mustKt(t, "-c", "-p", strconv.Itoa(q.pid))
	atRequireUntraced(t, q.pid, "after ktrace -c -p of the second")
	all := testutil.ReadTrace(t, tf)
	testutil.CheckPairs(t, all, testutil.FromAttach)
	for _, x := range []*atProc{p, q} {
		tag := x.cmd.Args[1]
		atStartsWithEmul(t, all, x.pid)
		atContiguous(t, tag, atTicks(t, all, x.pid, tag))
	}
	e.waitTracerGone(t, tp, tf)
	for i, x := range []*atProc{p, q} {
		if code := x.finish(10 * time.Second); code != i+1 {
			t.Errorf("%s exited %d, want %d", x.cmd.Args[1], code, i+1)
		}
		atCheckLoopOutput(t, x.lines, x.cmd.Args[1], n)
	}
}

// TestAttachClearFile: ktrace -c -f FILE stops every process of that
// file, and only those.
func TestAttachClearFile(t *testing.T) {
	e := atSetup(t)
	x, y := e.path("x.out"), e.path("y.out")
	const n = 60
	p := atLoop(t, "p", n, 0, nil)
	q := atLoop(t, "q", n, 0, nil)
	r := atLoop(t, "r", n, 0, nil)
	e.mustKt(t, "-f", x, "-p", strconv.Itoa(p.pid))
	e.mustKt(t, "-a", "-f", x, "-p", strconv.Itoa(q.pid))
	e.mustKt(t, "-f", y, "-p", strconv.Itoa(r.pid))
	tx, ty := e.tracerOf(t, p.pid), e.tracerOf(t, r.pid)
	e.pollTrace(t, x, "lines of both", func(all []testutil.Rec) bool {
		return atHasTicks(p.pid, "p", 1)(all) && atHasTicks(q.pid, "q", 1)(all)
	})

	e.mustKt(t, "-c", "-f", x)
	atRequireUntraced(t, p.pid, "after ktrace -c -f")
	atRequireUntraced(t, q.pid, "after ktrace -c -f")
	if got := e.tracerOf(t, r.pid); got != ty {
		t.Errorf("process %d of the other file is traced by %d, want %d", r.pid, got, ty)
	}
	all := testutil.ReadTrace(t, x)
	for _, a := range []*atProc{p, q} {
		tag := a.cmd.Args[1]
		atContiguous(t, tag, atTicks(t, all, a.pid, tag))
	}
	e.waitTracerGone(t, tx, x)
	if s := e.socketsOf(y); len(s) != 1 {
		t.Errorf("control sockets of %s: %v, want one", y, s)
	}

	e.mustKt(t, "-c", "-f", y)
	atRequireUntraced(t, r.pid, "after ktrace -c -f of the second file")
	atContiguous(t, "r", atTicks(t, testutil.ReadTrace(t, y), r.pid, "r"))
	e.waitTracerGone(t, ty, y)
	atFinishOK(t, p, q, r)
	for _, a := range []*atProc{p, q, r} {
		atCheckLoopOutput(t, a.lines, a.cmd.Args[1], n)
	}
}

// atUser is an unprivileged user (nobody, or a user of the test's own)
// with copies of the binaries it needs in a directory it can reach.
type atUser struct {
	cred   *syscall.Credential
	ktrace string
	dir    string // a directory the user may write to
	bin    string
}

// atNobody prepares uid/gid 65534 for running ktrace and test programs;
// it skips the test unless it runs as root.
func (e *atEnv) atNobody(t *testing.T, progs ...string) *atUser {
	t.Helper()
	return e.atUID(t, 65534, progs...)
}

// atOwnUser prepares a uid (and gid) no other process on the machine runs
// as, one of this test process's own: ktrace -C run as nobody would stop
// the tracers of nobody's that other tests start, in this test binary or
// in another one running beside it (make test in two clones). It skips
// the test unless it runs as root.
func (e *atEnv) atOwnUser(t *testing.T, progs ...string) *atUser {
	t.Helper()
	// Above the ranges distributions and container managers hand out
	// (systemd-nspawn's end at 0x6fffffff), below 2^31; pids stay below
	// 2^22.
	return e.atUID(t, 0x70000000+uint32(os.Getpid()), progs...)
}

// atUID prepares uid/gid id for running ktrace and test programs; it
// skips the test unless it runs as root.
func (e *atEnv) atUID(t *testing.T, id uint32, progs ...string) *atUser {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run processes as another user")
	}
	bin, err := os.MkdirTemp("", "ktrace-attach-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(bin) })
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cp := func(src string) string {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(bin, filepath.Base(src))
		if err := os.WriteFile(dst, b, 0o755); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	u := &atUser{cred: &syscall.Credential{Uid: id, Gid: id}, bin: bin}
	u.ktrace = cp(e.ktrace)
	e.exes = append(e.exes, u.ktrace)
	for _, p := range progs {
		cp(testutil.Prog(t, p))
	}
	u.dir = filepath.Join(bin, "files")
	if err := os.Mkdir(u.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(u.dir, int(id), int(id)); err != nil {
		t.Fatal(err)
	}
	return u
}

// runAs makes c run as the user.
func (u *atUser) runAs(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
}

// prog returns the user's copy of a test program.
func (u *atUser) prog(name string) string { return filepath.Join(u.bin, name) }

// TestAttachClearAll: ktrace -C stops all the tracing its caller may
// stop. As root the test runs it as a user of its own (atOwnUser), so
// that it stops that user's tracers (two files) but not root's, nor
// those of tests running alongside, as nobody or root, here or in
// another test binary.
func TestAttachClearAll(t *testing.T) {
	e := atSetup(t)
	const n = 80
	var cred *syscall.Credential
	asUser := func(*exec.Cmd) {}
	exe, dir := e.ktrace, e.dir
	loop := testutil.Prog(t, "attach_loop")
	var rootProc, nobodyProc *atProc
	var nobody *atUser
	rootFile := e.path("root.out")
	if os.Geteuid() == 0 {
		u := e.atOwnUser(t, "attach_loop")
		cred, exe, dir, loop = u.cred, u.ktrace, u.dir, u.prog("attach_loop")
		asUser = u.runAs
		// Root's tracing, which the user's -C must leave alone.
		rootProc = atLoop(t, "root", n, 0, nil)
		e.mustKt(t, "-f", rootFile, "-p", strconv.Itoa(rootProc.pid))
		// And nobody's, as another test would have it.
		nobody = e.atNobody(t, "attach_loop")
		nobodyProc = atStart(t, false, nobody.runAs, nobody.prog("attach_loop"), "o", strconv.Itoa(n), "0")
		nobodyProc.waitLine("o 1")
		args := []string{"-f", filepath.Join(nobody.dir, "o.out"), "-p", strconv.Itoa(nobodyProc.pid)}
		atMustOK(t, e.ktAs(t, nobody.ktrace, nobody.cred, args...), args)
	} else {
		t.Log("not root: ktrace -C also stops the tracers of other tests of this user running now")
	}
	x, y := filepath.Join(dir, "x.out"), filepath.Join(dir, "y.out")
	p := atStart(t, false, asUser, loop, "p", strconv.Itoa(n), "0")
	q := atStart(t, false, asUser, loop, "q", strconv.Itoa(n), "0")
	p.waitLine("p 1")
	q.waitLine("q 1")
	for _, c := range []struct {
		file string
		proc *atProc
	}{{x, p}, {y, q}} {
		args := []string{"-f", c.file, "-p", strconv.Itoa(c.proc.pid)}
		atMustOK(t, e.ktAs(t, exe, cred, args...), args)
	}
	tx, ty := e.tracerOf(t, p.pid), e.tracerOf(t, q.pid)
	if tx == ty {
		t.Fatalf("processes of two files traced by one tracer %d", tx)
	}
	e.pollTrace(t, x, "lines of p", atHasTicks(p.pid, "p", 1))
	e.pollTrace(t, y, "lines of q", atHasTicks(q.pid, "q", 1))

	var nobodyTracer int
	if nobodyProc != nil {
		nobodyTracer = e.tracerOf(t, nobodyProc.pid)
	}
	atMustOK(t, e.ktAs(t, exe, cred, "-C"), []string{"-C"})
	atRequireUntraced(t, p.pid, "after ktrace -C")
	atRequireUntraced(t, q.pid, "after ktrace -C")
	if nobodyProc != nil {
		if tp := testutil.TracerPid(nobodyProc.pid); tp != nobodyTracer {
			t.Errorf("after the other user's ktrace -C, nobody's process %d is traced by %d, want %d as before", nobodyProc.pid, tp, nobodyTracer)
		}
		args := []string{"-c", "-p", strconv.Itoa(nobodyProc.pid)}
		atMustOK(t, e.ktAs(t, nobody.ktrace, nobody.cred, args...), args)
		atRequireUntraced(t, nobodyProc.pid, "after ktrace -c -p as nobody")
		e.waitTracerGone(t, nobodyTracer, filepath.Join(nobody.dir, "o.out"))
	}
	atContiguous(t, "p", atTicks(t, testutil.ReadTrace(t, x), p.pid, "p"))
	atContiguous(t, "q", atTicks(t, testutil.ReadTrace(t, y), q.pid, "q"))
	e.waitTracerGone(t, tx, x)
	e.waitTracerGone(t, ty, y)
	if rootProc != nil {
		tr := e.tracerOf(t, rootProc.pid)
		e.mustKt(t, "-c", "-f", rootFile)
		atRequireUntraced(t, rootProc.pid, "after ktrace -c -f")
		e.waitTracerGone(t, tr, rootFile)
		if code := rootProc.finish(10 * time.Second); code != 0 {
			t.Errorf("root's attach_loop exited %d", code)
		}
		atCheckLoopOutput(t, rootProc.lines, "root", n)
	}
	if nobodyProc != nil {
		if code := nobodyProc.finish(10 * time.Second); code != 0 {
			t.Errorf("nobody's attach_loop exited %d", code)
		}
		atCheckLoopOutput(t, nobodyProc.lines, "o", n)
	}
	atFinishOK(t, p, q)
	for _, a := range []*atProc{p, q} {
		atCheckLoopOutput(t, a.lines, a.cmd.Args[1], n)
	}
}

// TestAttachFacilities adds and removes facilities with -t on a traced
// process: -t c shows calls without I/O data; adding -t i brings GIO
// records; -c -t i stops them while calls are still traced; clearing the
// last facility ends the tracing.
func TestAttachFacilities(t *testing.T) {
	e := atSetup(t)
	tf := e.path("fac.out")
	const n = 60
	p := atLoop(t, "f", n, 0, nil)
	pid := strconv.Itoa(p.pid)
	writes := func(all []testutil.Rec) int {
		return testutil.Count(testutil.OfPID(all, p.pid), testutil.IsCall("write"))
	}
	gios := func(all []testutil.Rec) int {
		return testutil.Count(testutil.OfPID(all, p.pid), testutil.IsType(format.TypeGenio))
	}

	e.mustKt(t, "-f", tf, "-t", "c", "-p", pid)
	tp := e.tracerOf(t, p.pid)
	all := e.pollTrace(t, tf, "three write calls", func(all []testutil.Rec) bool { return writes(all) >= 3 })
	for _, l := range testutil.OfPID(all, p.pid) {
		if l.Type != format.TypeCall && l.Type != format.TypeRet && l.Type != format.TypeEmul {
			t.Fatalf("with -t c, a %s record:\n%s", l.Type, testutil.Describe(all))
		}
	}

	e.mustKt(t, "-a", "-f", tf, "-t", "i", "-p", pid)
	if got := e.tracerOf(t, p.pid); got != tp {
		t.Fatalf("adding -t i: process now traced by %d, was %d", got, tp)
	}
	all = e.pollTrace(t, tf, "three GIO records", func(all []testutil.Rec) bool { return gios(all) >= 3 })
	atContiguous(t, "with -t ci", atTicks(t, all, p.pid, "f"))
	testutil.CheckPairs(t, all, testutil.FromAttach)

	e.mustKt(t, "-c", "-t", "i", "-p", pid)
	if got := e.tracerOf(t, p.pid); got != tp {
		t.Fatalf("after -c -t i: process traced by %d, want still %d", got, tp)
	}
	all = testutil.ReadTrace(t, tf)
	g, w := gios(all), writes(all)
	all = e.pollTrace(t, tf, "three more write calls", func(all []testutil.Rec) bool { return writes(all) >= w+3 })
	if got := gios(all); got != g {
		t.Errorf("after ktrace -c -t i, GIO records went from %d to %d:\n%s", g, got, testutil.Describe(all))
	}

	// Clearing the last facility ends the tracing.
	e.mustKt(t, "-c", "-t", "c", "-p", pid)
	atRequireUntraced(t, p.pid, "after clearing the last facility")
	all = testutil.ReadTrace(t, tf)
	atStartsWithEmul(t, all, p.pid)
	testutil.CheckPairs(t, all, testutil.FromAttach)
	e.waitTracerGone(t, tp, tf)
	if code := p.finish(10 * time.Second); code != 0 {
		t.Errorf("attach_loop exited %d", code)
	}
	atCheckLoopOutput(t, p.lines, "f", n)
}

// atDeadPid returns the pid of a process that has exited and been
// reaped.
func atDeadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// atExpectFail requires a ktrace run to fail with stderr starting with
// want (and, for a usage error, a usage line).
func atExpectFail(t *testing.T, res *testutil.Result, args []string, want string, usage bool) {
	t.Helper()
	cmdline := "ktrace " + strings.Join(args, " ")
	if code := res.ExitCode(); code <= 0 {
		t.Errorf("%s: exit status %d, want a failure; %s", cmdline, code, res)
	}
	if len(res.Stdout) != 0 {
		t.Errorf("%s: output on stdout: %q", cmdline, res.Stdout)
	}
	stderr := string(res.Stderr)
	if !strings.HasPrefix(stderr, want) {
		t.Errorf("%s: stderr %q, want it to start with %q", cmdline, stderr, want)
	}
	if usage != strings.Contains(stderr, "usage:") {
		t.Errorf("%s: stderr %q: usage line shown %v, want %v", cmdline, stderr, !usage, usage)
	}
}

// TestAttachErrors: each error with its message and a failure status,
// nothing left traced or running.
func TestAttachErrors(t *testing.T) {
	e := atSetup(t)
	tf := e.path("err.out")
	live := atLoop(t, "live", 200, 0, nil)
	lp := strconv.Itoa(live.pid)
	dead := strconv.Itoa(atDeadPid(t))
	marker := e.path("ran")

	for _, c := range []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"no-such-pid", []string{"-f", tf, "-p", dead}, "ktrace: " + dead + ": No such process\n", false},
		{"no-such-pid-descend", []string{"-f", tf, "-d", "-i", "-p", dead}, "ktrace: " + dead + ": No such process\n", false},
		{"clear-no-such-pid", []string{"-c", "-p", dead}, "ktrace: " + dead + ": No such process\n", false},
		{"empty-group", []string{"-f", tf, "-g", dead}, "ktrace: process group " + dead + ": No such process\n", false},
		{"clear-empty-group", []string{"-c", "-g", dead}, "ktrace: process group " + dead + ": No such process\n", false},
		{"p-and-g", []string{"-f", tf, "-p", lp, "-g", lp}, "ktrace: ", true},
		{"p-and-command", []string{"-f", tf, "-p", lp, "touch", marker}, "ktrace: ", true},
		{"g-and-command", []string{"-f", tf, "-g", lp, "touch", marker}, "ktrace: ", true},
		{"C-and-p", []string{"-C", "-p", lp}, "ktrace: ", true},
		{"C-and-g", []string{"-C", "-g", lp}, "ktrace: ", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := e.kt(t, c.args...)
			atExpectFail(t, res, c.args, c.want, c.usage)
			if c.usage {
				// The message names the conflicting options.
				msg, _, _ := strings.Cut(string(res.Stderr), "\n")
				for _, a := range c.args {
					if (a == "-p" || a == "-g" || a == "-C") && !strings.Contains(msg, a) {
						t.Errorf("ktrace %s: message %q does not name %s", strings.Join(c.args, " "), msg, a)
					}
				}
			}
			atRequireUntraced(t, live.pid, "after the failed ktrace")
			itExpectNotRun(t, marker)
			if tr := e.tracers(); len(tr) != 0 {
				testutil.WaitFor(t, 3*time.Second, "no tracer process after a failed ktrace", func() bool { return len(e.tracers()) == 0 })
			}
		})
	}

	// -C with -p must not have cleared anything: a traced process stays
	// traced.
	t.Run("C-and-p-clears-nothing", func(t *testing.T) {
		e.mustKt(t, "-f", tf, "-p", lp)
		tp := e.tracerOf(t, live.pid)
		args := []string{"-C", "-p", lp}
		atExpectFail(t, e.kt(t, args...), args, "ktrace: ", true)
		if got := e.tracerOf(t, live.pid); got != tp {
			t.Errorf("after the failed ktrace -C -p, traced by %d, want %d", got, tp)
		}
		e.mustKt(t, "-c", "-p", lp)
		atRequireUntraced(t, live.pid, "after ktrace -c -p")
		e.waitTracerGone(t, tp, tf)
	})
	atRequireRunning(t, live.pid, "after the errors")
}

// TestAttachNotPermitted: nobody may not trace a root process: EPERM,
// and the process is left alone.
func TestAttachNotPermitted(t *testing.T) {
	e := atSetup(t)
	u := e.atNobody(t)
	sleep := exec.Command("sleep", "30")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleep.Process.Kill(); sleep.Wait() })
	pid := sleep.Process.Pid
	testutil.WaitFor(t, 5*time.Second, "sleep to sleep", func() bool { return testutil.ProcState(pid) == 'S' })

	tf := filepath.Join(u.dir, "eperm.out")
	for _, args := range [][]string{
		{"-f", tf, "-p", strconv.Itoa(pid)},
		{"-f", tf, "-d", "-p", strconv.Itoa(pid)},
	} {
		res := e.ktAs(t, u.ktrace, u.cred, args...)
		atExpectFail(t, res, args, fmt.Sprintf("ktrace: %d: Operation not permitted", pid), false)
		if scope, ok := testutil.YamaPtraceScope(); ok && scope != 0 {
			if !strings.Contains(string(res.Stderr), "Yama") {
				t.Errorf("ptrace_scope is %d and the message does not say Yama: %q", scope, res.Stderr)
			}
		} else if string(res.Stderr) != fmt.Sprintf("ktrace: %d: Operation not permitted\n", pid) {
			t.Errorf("stderr %q, want %q", res.Stderr, fmt.Sprintf("ktrace: %d: Operation not permitted\n", pid))
		}
		atRequireUntraced(t, pid, "after the refused attach")
		if st := testutil.ProcState(pid); st != 'S' {
			t.Errorf("sleep is in state %s after the refused attach, want S", atState(pid))
		}
	}
	// As root it may.
	rf := e.path("root.out")
	e.mustKt(t, "-f", rf, "-p", strconv.Itoa(pid))
	tp := e.tracerOf(t, pid)
	e.mustKt(t, "-c", "-p", strconv.Itoa(pid))
	atRequireUntraced(t, pid, "after ktrace -c -p")
	e.waitTracerGone(t, tp, rf)
}

// TestAttachTracedByStrace: a process already traced by strace cannot
// be traced, and the message says by whom; with -g, the group's other
// processes are not left half-attached.
func TestAttachTracedByStrace(t *testing.T) {
	e := atSetup(t)
	straceBin, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("no strace on PATH")
	}
	tf := e.path("strace.out")
	const n = 200
	var pgrp int
	a := atStart(t, false, func(c *exec.Cmd) { c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} },
		testutil.Prog(t, "attach_loop"), "a", strconv.Itoa(n), "0")
	pgrp = a.pid
	b := atStart(t, false, func(c *exec.Cmd) { c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgrp} },
		testutil.Prog(t, "attach_loop"), "b", strconv.Itoa(n), "0")
	a.waitLine("a 1")
	b.waitLine("b 1")

	st := exec.Command(straceBin, "-p", strconv.Itoa(b.pid), "-o", "/dev/null")
	var stErr bytes.Buffer
	st.Stderr = &stErr
	if err := st.Start(); err != nil {
		t.Fatal(err)
	}
	stopStrace := func() {
		if st.ProcessState == nil {
			st.Process.Signal(syscall.SIGTERM)
			itWaitTimeout(t, st, 5*time.Second)
		}
	}
	t.Cleanup(stopStrace)
	if !testutil.Poll(5*time.Second, func() bool { return testutil.TracerPid(b.pid) == st.Process.Pid }) {
		t.Skipf("strace did not attach to %d: %s", b.pid, stErr.String())
	}

	want := fmt.Sprintf("ktrace: %d: Operation not permitted (already traced by strace, pid %d)\n", b.pid, st.Process.Pid)
	for _, args := range [][]string{
		{"-f", tf, "-p", strconv.Itoa(b.pid)},
		{"-f", tf, "-g", strconv.Itoa(pgrp)},
	} {
		res := e.kt(t, args...)
		atExpectFail(t, res, args, fmt.Sprintf("ktrace: %d: Operation not permitted", b.pid), false)
		if s := string(res.Stderr); !strings.Contains(s, "strace") || !strings.Contains(s, fmt.Sprintf("pid %d", st.Process.Pid)) {
			t.Errorf("ktrace %s: stderr %q does not name strace and its pid %d (want %q)", strings.Join(args, " "), s, st.Process.Pid, want)
		}
		if tp := testutil.TracerPid(b.pid); tp != st.Process.Pid {
			t.Errorf("after the failed ktrace, %d is traced by %d, want strace %d", b.pid, tp, st.Process.Pid)
		}
		atRequireUntraced(t, a.pid, "the other process of the group after the failed ktrace -g")
		atRequireRunning(t, a.pid, "the other process of the group after the failed ktrace -g")
	}
	stopStrace()
	testutil.WaitFor(t, 3*time.Second, "strace to let go", func() bool { return testutil.TracerPid(b.pid) == 0 })
	atRequireRunning(t, b.pid, "after strace detached")
	// Both run on to the end (shortened: kill them; the check is that
	// they still produce output).
	na, nb := len(a.lines), len(b.lines)
	a.waitLine(fmt.Sprintf("a %d", na+1))
	b.waitLine(fmt.Sprintf("b %d", nb+1))
}

// requireStopped checks over 300 ms that pid stays stopped (T, or t
// under a tracer) and writes nothing; on failure it shows the end of the
// trace file.
func (e *atEnv) requireStopped(t *testing.T, p *atProc, when, file string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		var tail string
		if all, err := testutil.TryReadTrace(file); err == nil {
			tail = "end of the trace: " + testutil.Describe(all[max(0, len(all)-30):])
		}
		t.Fatalf("%s: %s\n%s", when, fmt.Sprintf(format, args...), tail)
	}
	stopped := func() bool {
		st := testutil.ProcState(p.pid)
		return st == 'T' || st == 't'
	}
	// A stopped process that a tracer seizes or lets go is woken, and
	// runs for a moment in the kernel to stop again: let it settle.
	for deadline := time.Now().Add(time.Second); !stopped() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 10; i++ {
		if !stopped() {
			fail("process %d is in state %s, want stopped (T or t): %s", p.pid, atState(p.pid), testutil.ProcStat(p.pid))
		}
		time.Sleep(30 * time.Millisecond)
	}
	if got := p.drain(); len(got) != 0 {
		fail("the stopped process wrote %q", got)
	}
}

// TestAttachStopped: a process stopped by SIGSTOP stays stopped when
// ktrace attaches and when it is cleared; SIGCONT lets it go on (traced,
// then untraced) and it finishes normally.
func TestAttachStopped(t *testing.T) {
	e := atSetup(t)
	tf := e.path("stopped.out")
	const n = 40
	p := atLoop(t, "s", n, 4, nil)
	pid := strconv.Itoa(p.pid)
	stop := func() {
		t.Helper()
		if err := syscall.Kill(p.pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		testutil.WaitFor(t, 5*time.Second, "the process to stop", func() bool {
			st := testutil.ProcState(p.pid)
			return st == 'T' || st == 't'
		})
		time.Sleep(60 * time.Millisecond) // a line on its way is read
		p.drain()
	}
	stop()

	e.mustKt(t, "-f", tf, "-p", pid)
	tp := e.tracerOf(t, p.pid)
	e.requireStopped(t, p, "after attach", tf)

	syscall.Kill(p.pid, syscall.SIGCONT)
	seen := len(p.lines)
	p.waitLine(fmt.Sprintf("s %d", seen+2))
	e.pollTrace(t, tf, "two traced lines", atHasTicks(p.pid, "s", 2))
	stop()
	e.mustKt(t, "-c", "-p", pid)
	atRequireUntraced(t, p.pid, "after ktrace -c -p")
	e.requireStopped(t, p, "after clear", tf)
	all := testutil.ReadTrace(t, tf)
	atStartsWithEmul(t, all, p.pid)
	testutil.CheckPairs(t, all, testutil.FromAttach)
	atContiguous(t, "s", atTicks(t, all, p.pid, "s"))
	e.waitTracerGone(t, tp, tf)

	syscall.Kill(p.pid, syscall.SIGCONT)
	if code := p.finish(10 * time.Second); code != 4 {
		t.Errorf("attach_loop exited %d, want 4", code)
	}
	atCheckLoopOutput(t, p.lines, "s", n)
}

// atInSyscall waits until pid sleeps (S) in one of the system calls nrs
// (/proc/PID/syscall).
func atInSyscall(t *testing.T, pid int, nrs ...int) {
	t.Helper()
	in := func() bool {
		if testutil.ProcState(pid) != 'S' {
			return false
		}
		nr, ok := testutil.Syscall(pid, pid)
		return ok && slices.Contains(nrs, nr)
	}
	testutil.WaitFor(t, 5*time.Second, fmt.Sprintf("process %d to block in system call %v", pid, nrs), in)
	time.Sleep(30 * time.Millisecond)
	if !in() {
		t.Fatalf("process %d is not blocked in system call %v: %s", pid, nrs, testutil.ProcStat(pid))
	}
}

// TestAttachSleeping: a process blocked in a system call is traced from
// that call's return without disturbing it: a read on a pipe gets its
// line, a nanosleep lasts its whole time.
func TestAttachSleeping(t *testing.T) {
	e := atSetup(t)
	t.Run("read", func(t *testing.T) {
		tf := e.path("read.out")
		p := atStart(t, true, nil, testutil.Prog(t, "attach_readline"))
		p.waitLine("ready")
		atInSyscall(t, p.pid, unix.SYS_READ)

		// ktrace returns once the process is traced: the line written
		// right after, which ends the read, is in the trace.
		e.mustKt(t, "-f", tf, "-p", strconv.Itoa(p.pid))
		if got := p.drain(); len(got) != 0 {
			t.Fatalf("the blocked reader wrote %q after the attach, before its input", got)
		}
		if _, err := io.WriteString(p.in, "hello\n"); err != nil {
			t.Fatal(err)
		}
		p.in.Close()
		if code := p.finish(10 * time.Second); code != 5 {
			t.Errorf("attach_readline exited %d, want 5; output %q", code, p.lines)
		}
		if strings.Join(p.lines, "\n") != "ready\ngot hello" {
			t.Errorf("attach_readline wrote %q, want ready, got hello", p.lines)
		}
		all := testutil.ReadTrace(t, tf)
		atStartsWithEmul(t, all, p.pid)
		testutil.CheckPairs(t, all, testutil.FromAttach)
		c := &testutil.Cursor{TB: t, Name: fmt.Sprintf("pid %d", p.pid), Recs: testutil.OfPID(all, p.pid)}
		c.Find(`GIO fd 0 read "hello\n"`, testutil.IsData(0, false, "hello\n"))
		c.Next("RET read 6", testutil.IsRetValue("read", 6))
		c.Next("CALL write", testutil.IsCall("write"))
		c.Next(`GIO fd 1 wrote "got hello\n"`, testutil.IsData(1, true, "got hello\n"))
		c.Next("RET write 10", testutil.IsRetValue("write", 10))
		c.Next("CALL exit_group(0x5)", testutil.IsCallArgs("exit_group", 5))
		for _, l := range all {
			if l.Failed() {
				t.Errorf("a failed call in the traced reader: %s", &l)
			}
		}
		e.waitTracerGone(t, 0, tf)
	})
	t.Run("nanosleep", func(t *testing.T) {
		// The attach must land in the middle of the sleep. On a loaded
		// machine ktrace -p may take longer than a short sleep: then
		// the round proves nothing, and the next one sleeps longer.
		var (
			tf string
			tp int
			p  *atProc
			ms int
		)
		for round, sleep := 1, 1200*testutil.Slow(); ; round, sleep = round+1, sleep*4 {
			tf, ms = e.path(fmt.Sprintf("sleep%d.out", round)), sleep
			p = atStart(t, false, nil, testutil.Prog(t, "attach_sleep"), strconv.Itoa(ms))
			p.waitLine("ready")
			atInSyscall(t, p.pid, unix.SYS_NANOSLEEP, unix.SYS_CLOCK_NANOSLEEP)
			start := time.Now()
			e.mustKt(t, "-f", tf, "-p", strconv.Itoa(p.pid))
			tp = e.tracerOf(t, p.pid)
			if took := time.Since(start); took < time.Duration(ms)*time.Millisecond/2 || round == 3 {
				break
			} else {
				t.Logf("round %d: ktrace -p took %v of a %d ms sleep; sleeping longer", round, took, ms)
			}
			if code := p.finish(time.Duration(ms)*time.Millisecond + 60*time.Second); code != 0 {
				t.Fatalf("attach_sleep exited %d; output %q", code, p.lines)
			}
			e.waitTracerGone(t, tp, tf)
		}
		atInSyscall(t, p.pid, unix.SYS_NANOSLEEP, unix.SYS_CLOCK_NANOSLEEP, unix.SYS_RESTART_SYSCALL)
		if code := p.finish(time.Duration(ms)*time.Millisecond + 60*time.Second); code != 0 {
			t.Fatalf("attach_sleep exited %d; output %q", code, p.lines)
		}
		var slept int
		if len(p.lines) != 2 || !strings.HasPrefix(p.lines[1], "slept ") {
			t.Fatalf("attach_sleep wrote %q, want ready, slept <ms>", p.lines)
		}
		// Not cut short by the attach (how much longer it ran is the
		// machine's load, not ktrace's doing).
		slept, _ = strconv.Atoi(strings.TrimPrefix(p.lines[1], "slept "))
		if slept < ms {
			t.Errorf("the traced nanosleep of %d ms lasted %d ms", ms, slept)
		}
		all := testutil.ReadTrace(t, tf)
		atStartsWithEmul(t, all, p.pid)
		testutil.CheckPairs(t, all, testutil.FromAttach)
		c := &testutil.Cursor{TB: t, Name: fmt.Sprintf("pid %d", p.pid), Recs: testutil.OfPID(all, p.pid)}
		line := p.lines[1] + "\n"
		c.Find(fmt.Sprintf("GIO fd 1 wrote %q", line), testutil.IsData(1, true, line))
		c.Find("CALL exit_group(0)", testutil.IsCallArgs("exit_group", 0))
		for _, l := range all {
			if l.Failed() {
				t.Errorf("a failed call in the traced sleeper: %s", &l)
			}
		}
		e.waitTracerGone(t, tp, tf)
	})
}

// TestAttachStderrReleased: ktrace -p returns, and its caller reading its
// output through a pipe (out=$(ktrace -p PID 2>&1)) sees the end of it:
// the background tracer must not keep the caller's stdout or stderr open
// for as long as it traces.
func TestAttachStderrReleased(t *testing.T) {
	e := atSetup(t)
	tf := e.path("stderr.out")
	p := atLoop(t, "e", 40, 0, nil)
	pid := strconv.Itoa(p.pid)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var pipeIno uint64
	if st, err := w.Stat(); err == nil {
		pipeIno = st.Sys().(*syscall.Stat_t).Ino
	}
	cmd := exec.Command(e.ktrace, "-f", tf, "-p", pid)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := itWaitTimeout(t, cmd, 10*time.Second); err != nil {
		t.Fatalf("ktrace -f %s -p %s: %v", tf, pid, err)
	}
	e.remember(tf)
	tp := e.tracerOf(t, p.pid)
	done := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	select {
	case b := <-done:
		if len(b) != 0 {
			t.Errorf("ktrace -p wrote %q", b)
		}
	case <-time.After(time.Second):
		var held []string
		for fd, l := range testutil.FDTargets(tp) {
			if l == fmt.Sprintf("pipe:[%d]", pipeIno) {
				held = append(held, fd)
			}
		}
		t.Errorf("ktrace -p has exited, but its stdout/stderr pipe stays open: the tracer %d holds it as fds %v", tp, held)
	}
	e.mustKt(t, "-c", "-p", pid)
	e.waitTracerGone(t, tp, tf)
	if code := p.finish(10 * time.Second); code != 0 {
		t.Errorf("attach_loop exited %d", code)
	}
	atCheckLoopOutput(t, p.lines, "e", 40)
}

// TestAttachIdleProcess: requests to the tracer of a process that makes
// no system call (blocked in read) are served at once: attach, add and
// remove facilities, clear, again and again, each within 3 s.
func TestAttachIdleProcess(t *testing.T) {
	e := atSetup(t)
	e.timeout = 3 * time.Second
	tf := e.path("idle.out")
	p := atStart(t, true, nil, testutil.Prog(t, "attach_readline"))
	p.waitLine("ready")
	atInSyscall(t, p.pid, unix.SYS_READ)
	pid := strconv.Itoa(p.pid)
	for i := 0; i < 10; i++ {
		e.mustKt(t, "-f", tf, "-t", "c", "-p", pid)
		tp := e.tracerOf(t, p.pid)
		atInSyscall(t, p.pid, unix.SYS_READ) // not disturbed
		e.mustKt(t, "-a", "-f", tf, "-t", "i", "-p", pid)
		e.mustKt(t, "-c", "-t", "i", "-p", pid)
		if got := e.tracerOf(t, p.pid); got != tp {
			t.Fatalf("round %d: traced by %d, was %d", i, got, tp)
		}
		e.mustKt(t, "-c", "-p", pid)
		atRequireUntraced(t, p.pid, fmt.Sprintf("round %d: after ktrace -c -p", i))
		e.waitTracerGone(t, tp, tf)
		atInSyscall(t, p.pid, unix.SYS_READ)
	}
	if _, err := io.WriteString(p.in, "bye\n"); err != nil {
		t.Fatal(err)
	}
	if code := p.finish(10 * time.Second); code != 5 {
		t.Errorf("attach_readline exited %d, want 5", code)
	}
	if strings.Join(p.lines, "\n") != "ready\ngot bye" {
		t.Errorf("attach_readline wrote %q", p.lines)
	}
}

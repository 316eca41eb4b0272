package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// Helpers of the integration tests. Their names start with "it" so that
// they cannot clash with the command's own names in package main.

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// itEnv is what an integration test needs: the built ktrace and kdump and
// a directory of its own.
type itEnv struct {
	t      *testing.T
	ktrace string
	kdump  string
	dir    string
}

// itSetup builds the binaries (once), skips the test if ptrace is not
// allowed, and checks when the test ends that no tracer was left behind.
func itSetup(t *testing.T) *itEnv {
	t.Helper()
	e := &itEnv{
		t:      t,
		ktrace: testutil.Tool(t, "ktrace"),
		kdump:  testutil.Tool(t, "kdump"),
	}
	testutil.RequirePtrace(t)
	e.dir = t.TempDir()
	t.Cleanup(func() { testutil.CheckNoStrays(t, e.ktrace) })
	return e
}

// sub returns a copy of e for the subtest t.
func (e *itEnv) sub(t *testing.T) *itEnv {
	c := *e
	c.t = t
	return &c
}

// path returns name inside the test's directory.
func (e *itEnv) path(name string) string { return filepath.Join(e.dir, name) }

// cmd returns the command "ktrace flags... argv...".
func (e *itEnv) cmd(flags []string, argv ...string) *exec.Cmd {
	args := append(append([]string{}, flags...), argv...)
	return exec.Command(e.ktrace, args...)
}

// trace runs "ktrace -f file flags... argv..." to completion.
func (e *itEnv) trace(file string, flags []string, argv ...string) *testutil.Result {
	e.t.Helper()
	return testutil.Run(e.t, 0, e.cmd(append([]string{"-f", file}, flags...), argv...))
}

// mustTrace is trace that fails the test unless the command exits 0.
func (e *itEnv) mustTrace(file string, flags []string, argv ...string) *testutil.Result {
	e.t.Helper()
	res := e.trace(file, flags, argv...)
	if res.Err != nil {
		e.t.Fatalf("ktrace -f %s %s %s: %s", file, strings.Join(flags, " "), strings.Join(argv, " "), res)
	}
	return res
}

// untraced runs argv without ktrace.
func (e *itEnv) untraced(argv ...string) *testutil.Result {
	e.t.Helper()
	return testutil.Run(e.t, 0, exec.Command(argv[0], argv[1:]...))
}

// requireInt80 builds the int80 program and runs it untraced, skipping t
// where the kernel cannot run 32-bit int $0x80 calls from a 64-bit
// process: without IA32 emulation (or with ia32_emulation=0) the program
// dies of SIGSEGV or its getpid fails (exit 77).
func (e *itEnv) requireInt80(t *testing.T) string {
	t.Helper()
	prog := testutil.Prog(t, "int80")
	plain := e.untraced(prog)
	switch {
	case plain.Signaled() != 0:
		t.Skipf("this kernel cannot run int $0x80 from a 64-bit program: untraced, int80 died of %v", plain.Signaled())
	case plain.ExitCode() == 77:
		t.Skipf("this kernel has no 32-bit emulation: %s", plain.Stderr)
	case plain.Err != nil:
		t.Fatalf("int80 untraced: %s", plain)
	}
	return prog
}

// dump runs kdump on file and returns its records.
func (e *itEnv) dump(file string, flags ...string) []testutil.Line {
	e.t.Helper()
	return testutil.Kdump(e.t, e.kdump, file, flags...)
}

// itOnly returns the records for which keep is true.
func itOnly(lines []testutil.Line, keep func(*testutil.Line) bool) []testutil.Line {
	var out []testutil.Line
	for i := range lines {
		if keep(&lines[i]) {
			out = append(out, lines[i])
		}
	}
	return out
}

// itRecords returns the records of lines that are not START records
// (session headers).
func itRecords(lines []testutil.Line) []testutil.Line {
	return itOnly(lines, func(l *testutil.Line) bool { return l.Type != "START" })
}

// itOfTID returns the records of thread tid (kdump -H output).
func itOfTID(lines []testutil.Line, tid int) []testutil.Line {
	return itOnly(lines, func(l *testutil.Line) bool { return l.TID == tid })
}

// itOfPID returns the records of process pid.
func itOfPID(lines []testutil.Line, pid int) []testutil.Line {
	return itOnly(lines, func(l *testutil.Line) bool { return l.PID == pid && l.Type != "START" })
}

// itCallName returns the system call name of a CALL or RET record.
func itCallName(l *testutil.Line) string {
	switch l.Type {
	case "CALL":
		if i := strings.IndexByte(l.Body, '('); i >= 0 {
			return l.Body[:i]
		}
	case "RET":
		if i := strings.IndexByte(l.Body, ' '); i >= 0 {
			return l.Body[:i]
		}
	}
	return ""
}

// itCallArgs returns the arguments of a CALL record as printed.
func itCallArgs(l *testutil.Line) []string {
	i, j := strings.IndexByte(l.Body, '('), strings.LastIndexByte(l.Body, ')')
	if l.Type != "CALL" || i < 0 || j < i {
		return nil
	}
	if j == i+1 {
		return []string{}
	}
	return strings.Split(l.Body[i+1:j], ",")
}

// itRetValue returns the value text of a RET record ("3", "20/0x14",
// "-1 errno 2 No such file or directory").
func itRetValue(l *testutil.Line) string {
	if i := strings.IndexByte(l.Body, ' '); l.Type == "RET" && i >= 0 {
		return l.Body[i+1:]
	}
	return ""
}

// itNum parses an argument or value as kdump prints numbers: hex with
// 0x, octal with a leading 0, else decimal; a "<...>" decoding or a
// "/0x..." suffix is ignored.
func itNum(s string) (int64, bool) {
	if i := strings.IndexAny(s, "</"); i > 0 {
		s = s[:i]
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		u, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			return 0, false
		}
		v = int64(u)
	}
	return v, true
}

// itIsCall returns a matcher for the CALL of one of names.
func itIsCall(names ...string) func(*testutil.Line) bool {
	return func(l *testutil.Line) bool {
		if l.Type != "CALL" {
			return false
		}
		n := itCallName(l)
		for _, want := range names {
			if n == want {
				return true
			}
		}
		return false
	}
}

// itIs returns a matcher for a record of type typ with exactly body.
func itIs(typ, body string) func(*testutil.Line) bool {
	return func(l *testutil.Line) bool { return l.Type == typ && l.Body == body }
}

// itIsData returns a matcher for a GIO record on fd in direction write
// whose data decodes to data (all of the transfer, not cut).
func itIsData(fd int, write bool, data string) func(*testutil.Line) bool {
	return func(l *testutil.Line) bool {
		g, ok := l.ParseGenio()
		if !ok || g.FD != fd || g.Write != write || g.Len != len(data) {
			return false
		}
		d, _, err := l.Data()
		return err == nil && string(d) == data
	}
}

// itCursor walks a thread's records in order.
type itCursor struct {
	t     *testing.T
	lines []testutil.Line
	i     int
}

// fail reports what was expected with the records around the cursor.
func (c *itCursor) fail(what string) {
	c.t.Helper()
	lo, hi := max(0, c.i-8), min(len(c.lines), c.i+12)
	c.t.Fatalf("expected %s at record %d of %d; records around it:\n%s", what, c.i, len(c.lines), testutil.Dump(c.lines[lo:hi]))
}

// next requires the next record to match and returns it.
func (c *itCursor) next(what string, match func(*testutil.Line) bool) *testutil.Line {
	c.t.Helper()
	if c.i >= len(c.lines) || !match(&c.lines[c.i]) {
		c.fail(what + " as the next record")
	}
	c.i++
	return &c.lines[c.i-1]
}

// find moves to the next record that matches and returns it.
func (c *itCursor) find(what string, match func(*testutil.Line) bool) *testutil.Line {
	c.t.Helper()
	for j := c.i; j < len(c.lines); j++ {
		if match(&c.lines[j]) {
			c.i = j + 1
			return &c.lines[j]
		}
	}
	c.fail(what + " (searched to the end)")
	return nil
}

// itCheckPairs checks that in every thread each CALL is followed by its
// own RET before the next CALL: a syscall is never lost or doubled. A
// thread's last CALL may lack its RET (exit, exit_group, a thread killed by
// another thread's exit or execve); a new process may start with the RET of
// the fork, vfork or clone that made it; after an execve from another
// thread the leader gets the RET execve (the tid switch).
func itCheckPairs(t *testing.T, lines []testutil.Line) {
	t.Helper()
	type key struct{ pid, tid int }
	pending := map[key]*testutil.Line{}
	seen := map[key]bool{}
	for i := range lines {
		l := &lines[i]
		if l.Type != "CALL" && l.Type != "RET" {
			continue
		}
		k := key{l.PID, l.TID}
		first := !seen[k]
		seen[k] = true
		p := pending[k]
		if l.Type == "CALL" {
			if p != nil {
				t.Errorf("thread %d: %q at line %d has no RET before the next CALL %q at line %d", l.TID, p.Body, p.Num, l.Body, l.Num)
			}
			pending[k] = l
			continue
		}
		name := itCallName(l)
		switch {
		case p != nil && itCallName(p) == name:
			delete(pending, k)
		case p == nil && first && (name == "fork" || name == "vfork" || name == "clone" || name == "clone3"):
			// A new process or thread starts returning from its creation.
		case name == "execve" || name == "execveat":
			// The tid switch: the leader returns from another thread's
			// execve.
			for pk, pl := range pending {
				if pk.pid == l.PID && itCallName(pl) == name {
					delete(pending, pk)
				}
			}
			delete(pending, k)
		case p == nil:
			t.Errorf("thread %d: RET %q at line %d without a CALL", l.TID, l.Body, l.Num)
		default:
			t.Errorf("thread %d: RET %q at line %d after CALL %q at line %d", l.TID, l.Body, l.Num, p.Body, p.Num)
			delete(pending, k)
		}
	}
}

// itLineReader delivers the lines a process writes to a pipe.
type itLineReader struct {
	t     *testing.T
	lines chan string
	all   strings.Builder // everything read, for failure messages
}

// itReadLines starts reading lines from r in the background.
func itReadLines(t *testing.T, r io.Reader) *itLineReader {
	lr := &itLineReader{t: t, lines: make(chan string, 1000)}
	go func() {
		defer close(lr.lines)
		br := bufio.NewReader(r)
		for {
			s, err := br.ReadString('\n')
			if s != "" {
				lr.lines <- s
			}
			if err != nil {
				return
			}
		}
	}()
	return lr
}

// next returns the next line, failing the test after timeout.
func (lr *itLineReader) next(timeout time.Duration) string {
	lr.t.Helper()
	select {
	case s, ok := <-lr.lines:
		if !ok {
			lr.t.Fatalf("output ended; read so far:\n%s", lr.all.String())
		}
		lr.all.WriteString(s)
		return s
	case <-time.After(timeout):
		lr.t.Fatalf("no output line within %v; read so far:\n%s", timeout, lr.all.String())
	}
	return ""
}

// expect requires the next line to be want (without its newline).
func (lr *itLineReader) expect(want string, timeout time.Duration) {
	lr.t.Helper()
	if got := lr.next(timeout); got != want+"\n" {
		lr.t.Fatalf("got line %q, want %q", got, want)
	}
}

// itStart starts cmd with its stdout read line by line, and makes sure
// it is killed and waited for when the test ends.
func itStart(t *testing.T, cmd *exec.Cmd) *itLineReader {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Stderr == nil {
		cmd.Stderr = new(strings.Builder)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return itReadLines(t, out)
}

// itWaitTimeout waits for cmd with a deadline, killing it past that.
func itWaitTimeout(t *testing.T, cmd *exec.Cmd, timeout time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not finish within %v", strings.Join(cmd.Args, " "), timeout)
	}
	return nil
}

// itWait4 waits with wait4(pid, options) for a state change of a child
// (WUNTRACED: stopped, WCONTINUED: continued) and returns its status,
// failing the test after 10 seconds.
func itWait4(t *testing.T, pid, options int, what string) syscall.WaitStatus {
	t.Helper()
	type result struct {
		ws  syscall.WaitStatus
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, options, nil)
		ch <- result{ws, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("wait4 for %s: %v", what, r.err)
		}
		return r.ws
	case <-time.After(10 * time.Second):
		t.Fatalf("process %d was not seen %s within 10s (%s)", pid, what, testutil.ProcStat(pid))
	}
	return 0
}

// itSelfStat returns field n (1-based, counting the state as field 3, as
// proc(5) does) of /proc/self/stat.
func itSelfStat(t *testing.T, n int) int {
	t.Helper()
	s := testutil.ProcStat(os.Getpid())
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	if n-3 >= len(f) {
		t.Fatalf("short /proc/self/stat: %q", s)
	}
	v, err := strconv.Atoi(f[n-3])
	if err != nil {
		t.Fatalf("/proc/self/stat field %d: %v", n, err)
	}
	return v
}

// itExpectNotRun reports a failure if the command under test created marker.
func itExpectNotRun(t *testing.T, marker string) {
	t.Helper()
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the command ran (it created %s)", marker)
	}
}

// itPattern returns the n bytes bigwrite writes.
func itPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// itDescribe formats a record list for a message.
func itDescribe(lines []testutil.Line) string {
	return fmt.Sprintf("%d records:\n%s", len(lines), testutil.Dump(lines))
}

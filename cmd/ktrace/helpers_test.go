package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/format"
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

// nativeABI is this machine's native system call ABI.
var nativeABI = testutil.NativeABI()

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

// siUser is the si_code of a signal sent by kill(2).
const siUser = 0

// itSentBy returns the PSIG of signal sig, with action a, sent by kill(2)
// from process pid of this test's user.
func itSentBy(sig syscall.Signal, a format.SigAction, pid int) format.Psig {
	return format.Psig{Signal: int32(sig), Action: a, Code: siUser, Known: format.KnownSender, Sender: int32(pid), UID: uint32(os.Getuid())}
}

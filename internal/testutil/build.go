// Package testutil holds helpers for the integration tests and benchmarks:
// building the ktrace and kdump binaries and the C test programs of
// testdata/progs once per test binary, running commands with a deadline,
// checking that ptrace is allowed, parsing kdump's text output, and
// running headless Chromium on a page.
package testutil

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/internal/stdfds"
)

var (
	workMu  sync.Mutex
	workDir string // where binaries are built; set by Main
	built   = map[string]*buildResult{}
)

type buildResult struct {
	once sync.Once
	path string
	err  error
	skip string // reason to skip instead of failing
}

// Main runs the tests of m with a scratch directory for the binaries that
// Tool and Prog build, and removes it afterwards. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "ktrace-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testutil:", err)
		return 1
	}
	workMu.Lock()
	workDir = dir
	workMu.Unlock()
	code := m.Run()
	os.RemoveAll(dir)
	return code
}

// dir returns the scratch directory, creating one that outlives the test
// binary when Main was not used.
func dir(tb testing.TB) string {
	workMu.Lock()
	defer workMu.Unlock()
	if workDir == "" {
		d, err := os.MkdirTemp("", "ktrace-test-")
		if err != nil {
			tb.Fatal(err)
		}
		workDir = d
	}
	return workDir
}

// result returns the shared build result for key.
func result(key string) *buildResult {
	workMu.Lock()
	defer workMu.Unlock()
	r := built[key]
	if r == nil {
		r = &buildResult{}
		built[key] = r
	}
	return r
}

// ModuleRoot returns the directory holding the module's go.mod, found by
// walking up from the current directory (a test runs in its package's
// directory).
func ModuleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("go.mod not found above the working directory")
		}
		d = parent
	}
}

// Prebuilt returns dir/name when the environment variable env names a
// directory dir, and "" when env is unset. It is how the tests run where
// nothing can be built: make test-arm64 runs them in an arm64 guest that
// has neither a Go toolchain nor a C compiler, with the binaries built on
// the host in the directories that KTRACE_TEST_BIN (ktrace, kdump) and
// KTRACE_TEST_PROGS (the C test programs) name. A missing file fails tb.
func Prebuilt(tb testing.TB, env, name string) string {
	tb.Helper()
	dir := os.Getenv(env)
	if dir == "" {
		return ""
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("%s=%s: no prebuilt %s: %v", env, dir, name, err)
	}
	return p
}

// linkFlags returns the link flags of the command name, as the Makefile
// gives them (LDFLAGS_name).
func linkFlags(name string) string {
	if name == "ktrace" {
		return stdfds.FrontLinkFlag
	}
	return ""
}

// Tool builds the command ./cmd/name of this module once per test binary
// and returns the path of the executable. A build failure fails tb. With
// KTRACE_TEST_BIN set, it returns the prebuilt $KTRACE_TEST_BIN/name.
func Tool(tb testing.TB, name string) string {
	tb.Helper()
	if p := Prebuilt(tb, "KTRACE_TEST_BIN", name); p != "" {
		return p
	}
	r := result("tool:" + name)
	r.once.Do(func() {
		root, err := ModuleRoot()
		if err != nil {
			r.err = err
			return
		}
		out := filepath.Join(dir(tb), name)
		cmd := exec.Command("go", "build", "-ldflags="+linkFlags(name), "-o", out, "./cmd/"+name)
		cmd.Dir = root
		// Static, as make builds them.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			r.err = fmt.Errorf("go build ./cmd/%s: %v\n%s", name, err, b)
			return
		}
		r.path = out
	})
	if r.err != nil {
		tb.Fatal(r.err)
	}
	return r.path
}

// Prog compiles testdata/progs/name.c with the system C compiler (-O2
// -pthread) once per test binary and returns the executable's path. It
// skips tb when there is no C compiler and fails it when compiling fails.
// With KTRACE_TEST_PROGS set, it returns the prebuilt
// $KTRACE_TEST_PROGS/name.
func Prog(tb testing.TB, name string) string {
	tb.Helper()
	if p := Prebuilt(tb, "KTRACE_TEST_PROGS", name); p != "" {
		return p
	}
	r := result("prog:" + name)
	r.once.Do(func() {
		cc := ""
		for _, c := range []string{os.Getenv("CC"), "cc", "gcc", "clang"} {
			if c == "" {
				continue
			}
			if p, err := exec.LookPath(c); err == nil {
				cc = p
				break
			}
		}
		if cc == "" {
			r.skip = "no C compiler (cc, gcc or clang) on PATH"
			return
		}
		root, err := ModuleRoot()
		if err != nil {
			r.err = err
			return
		}
		src := filepath.Join(root, "testdata", "progs", name+".c")
		out := filepath.Join(dir(tb), "progs", name)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			r.err = err
			return
		}
		cmd := exec.Command(cc, "-O2", "-Wall", "-pthread", "-o", out, src)
		if b, err := cmd.CombinedOutput(); err != nil {
			r.err = fmt.Errorf("%s %s: %v\n%s", cc, src, err, b)
			return
		}
		r.path = out
	})
	if r.skip != "" {
		tb.Skip(r.skip)
	}
	if r.err != nil {
		tb.Fatal(r.err)
	}
	return r.path
}

// RequirePtrace skips tb unless this process may trace its children: it
// starts /bin/true with PTRACE_TRACEME, waits for its exec stop and
// detaches.
func RequirePtrace(tb testing.TB) {
	tb.Helper()
	r := result("ptrace")
	r.once.Do(func() { r.skip = ptraceProbe() })
	if r.skip != "" {
		tb.Skip(r.skip)
	}
}

// ptraceProbe returns why ptrace cannot be used, or "".
func ptraceProbe() string {
	truePath, err := exec.LookPath("true")
	if err != nil {
		return "no true(1) to probe ptrace with"
	}
	// PTRACE_DETACH must come from the thread that is the tracer.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := exec.Command(truePath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
	if err := cmd.Start(); err != nil {
		return fmt.Sprintf("ptrace not permitted here: %v", err)
	}
	pid := cmd.Process.Pid
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Sprintf("ptrace probe: wait: %v", err)
	}
	if !ws.Stopped() {
		cmd.Wait()
		return fmt.Sprintf("ptrace probe: child not stopped at exec (status %#x)", uint32(ws))
	}
	err = syscall.PtraceDetach(pid)
	if err != nil {
		cmd.Process.Kill()
	}
	cmd.Wait()
	if err != nil {
		return fmt.Sprintf("ptrace probe: detach: %v", err)
	}
	return ""
}

// Result is what a finished command left.
type Result struct {
	Stdout, Stderr []byte
	Err            error // from Wait: nil, *exec.ExitError, or a start failure
	Pid            int   // process id, 0 if it did not start
}

// ExitCode returns the exit status, or -1 when the process was killed by a
// signal or did not start.
func (r *Result) ExitCode() int {
	if r.Err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(r.Err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// Signaled returns the signal that killed the process, or 0.
func (r *Result) Signaled() syscall.Signal {
	var ee *exec.ExitError
	if errors.As(r.Err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return ws.Signal()
		}
	}
	return 0
}

// String describes the result for failure messages.
func (r *Result) String() string {
	return fmt.Sprintf("err=%v\nstdout:\n%s\nstderr:\n%s", r.Err, Clip(r.Stdout, 2000), Clip(r.Stderr, 2000))
}

// Clip returns b as a string, shortened to about max bytes.
func Clip(b []byte, max int) string {
	if len(b) <= max {
		return string(b)
	}
	return fmt.Sprintf("%s\n... (%d more bytes)", b[:max], len(b)-max)
}

// DefaultTimeout bounds each command Run starts.
const DefaultTimeout = 60 * time.Second

// Run runs cmd to completion with stdout and stderr captured (unless the
// caller set them), killing it if it is still running after timeout (0 is
// DefaultTimeout). A command that cannot be started is a Result with Err
// set and Pid 0.
func Run(tb testing.TB, timeout time.Duration, cmd *exec.Cmd) *Result {
	tb.Helper()
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	var stdout, stderr bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &stdout
	}
	if cmd.Stderr == nil {
		cmd.Stderr = &stderr
	}
	res := &Result{}
	if err := cmd.Start(); err != nil {
		res.Err = err
		return res
	}
	res.Pid = cmd.Process.Pid
	done := make(chan struct{})
	timer := time.AfterFunc(timeout, func() {
		tb.Errorf("%s still running after %v: killing it", strings.Join(cmd.Args, " "), timeout)
		cmd.Process.Kill()
		close(done)
	})
	cmd.WaitDelay = 5 * time.Second
	res.Err = cmd.Wait()
	if !timer.Stop() {
		<-done
	}
	res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	return res
}

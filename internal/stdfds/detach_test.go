package stdfds

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// buildDetachProg builds testdata/detachprog, linked with LinkFlag or not.
func buildDetachProg(t *testing.T, linked bool) string {
	t.Helper()
	if linked {
		return buildTestProg(t, "detachprog", LinkFlag)
	}
	return buildTestProg(t, "detachprog", "")
}

// buildTestProg returns testdata/name linked with ldflags (LinkFlag,
// FrontLinkFlag, or "" for none): the one prebuilt in $KTRACE_TEST_PROGS
// (make test-arm64: NAME linked, NAME.plain not), or one it builds.
func buildTestProg(t *testing.T, name, ldflags string) string {
	t.Helper()
	if dir := os.Getenv("KTRACE_TEST_PROGS"); dir != "" {
		if ldflags == "" {
			name += ".plain"
		}
		prog := filepath.Join(dir, name)
		if _, err := os.Stat(prog); err != nil {
			t.Skipf("no prebuilt test program: %v", err)
		}
		return prog
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain to build the test program (a prebuilt test run)")
	}
	out := filepath.Join(t.TempDir(), name)
	args := []string{"build", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags="+ldflags)
	}
	cmd := exec.Command("go", append(args, "./testdata/"+name)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// detachReport is what a run of detachprog says.
type detachReport struct {
	started int   // the pid it was started as
	err     error // how that process ended
	// What the program printed: its pid, parent, process group, session,
	// CanDetach and first environment variable.
	pid, ppid, pgid, sid int
	canDetach            bool
	env0                 string
}

// runDetachProg runs prog with env and reads what it, or its detached
// child, printed: to the end, so that the child has exited too.
func runDetachProg(t *testing.T, prog string, env ...string) detachReport {
	t.Helper()
	cmd := exec.Command(prog)
	cmd.Env = env
	var out strings.Builder
	cmd.Stdout = &out
	var r detachReport
	r.err = cmd.Run()
	r.started = cmd.Process.Pid
	if _, err := fmt.Sscanf(out.String(), "%d %d %d %d %t %s", &r.pid, &r.ppid, &r.pgid, &r.sid, &r.canDetach, &r.env0); err != nil {
		t.Fatalf("%s printed %q: %v", prog, out.String(), err)
	}
	return r
}

// TestDetach: a program linked with LinkFlag and started with DetachEnv
// first in its environment exits at once with status 0, and a child of
// it, reparented and in a process group of its own in our session, runs
// the program with the environment it was given.
func TestDetach(t *testing.T) {
	prog := buildDetachProg(t, true)
	mySid, err := unix.Getsid(0)
	if err != nil {
		t.Fatal(err)
	}
	r := runDetachProg(t, prog, DetachEnv, "B=2")
	if r.err != nil {
		t.Fatalf("the detaching process: %v", r.err)
	}
	if r.pid == r.started || r.ppid == r.started || r.ppid == os.Getpid() {
		t.Errorf("started %d: the program ran as %d, child of %d: not detached", r.started, r.pid, r.ppid)
	}
	if r.pgid != r.pid || r.sid != mySid {
		t.Errorf("detached program %d is in process group %d and session %d, want its own group in our session %d", r.pid, r.pgid, r.sid, mySid)
	}
	if !r.canDetach || r.env0 != DetachEnv {
		t.Errorf("CanDetach() = %t, first environment variable %q", r.canDetach, r.env0)
	}
	// DetachEnv not first, or another value: no fork.
	for _, env := range [][]string{{"A=1", DetachEnv}, {DetachEnv + "0"}, {"KTRACE_DETACH=2"}, nil} {
		r := runDetachProg(t, prog, env...)
		if r.err != nil || r.pid != r.started || r.ppid != os.Getpid() || r.sid != mySid || r.pgid != unix.Getpgrp() {
			t.Errorf("environment %q: %v, ran as %d (started %d), parent %d, group %d (ours %d), session %d (ours %d)",
				env, r.err, r.pid, r.started, r.ppid, r.pgid, unix.Getpgrp(), r.sid, mySid)
		}
	}
}

// TestNoDetachWithoutEntry: linked without LinkFlag, a program cannot
// detach and says so.
func TestNoDetachWithoutEntry(t *testing.T) {
	if CanDetach() {
		t.Error("CanDetach() in this test program, linked without LinkFlag")
	}
	r := runDetachProg(t, buildDetachProg(t, false), DetachEnv)
	if r.err != nil || r.pid != r.started || r.canDetach {
		t.Errorf("without the entry point: %v, ran as %d (started %d), CanDetach() = %t", r.err, r.pid, r.started, r.canDetach)
	}
}

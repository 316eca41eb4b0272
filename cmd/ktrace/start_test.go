package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// TestCommandTracerDetached: the tracer of a command is nobody's child
// (the command, which has ktrace's pid, cannot wait for it), in a process
// group of its own in ktrace's session and scheduling group, whether
// ktrace starts it detached from its entry point (linked with
// stdfds.LinkFlag, as make builds it) or, linked without it (a plain go
// build), through its spawn helper. The command is traced from its execve
// either way.
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
	for _, c := range []struct{ name, ktrace string }{{"entry point", e.ktrace}, {"spawn helper", plain}} {
		t.Run(c.name, func(t *testing.T) {
			if c.ktrace == "" {
				t.Skip("no go toolchain to build ktrace without its entry point (a prebuilt test run)")
			}
			file := e.path(c.name + ".out")
			cmd := exec.Command(c.ktrace, "-f", file, "/bin/sh", "-c", "echo ready; read x; echo done")
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
				testutil.CheckTracerPlace(t, tp, testutil.StatField(os.Getpid(), 6), pid)
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

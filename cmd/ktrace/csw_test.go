package main

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/procfs"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// TestCommandContextSwitches runs a command with -t w, BSD's context
// switch facility: its sleeps in nanosleep and read show as CSW stop and
// resume pairs with the call it slept in as the wait reason.
func TestCommandContextSwitches(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "csw_sleep")
	file := e.path("w.out")
	cmd := e.cmd([]string{"-f", file, "-t", "w"}, prog, "200")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	lr := itStart(t, cmd)
	// Feed the pipe once the program sleeps in its read, however slow
	// the machine.
	testutil.WaitFor(t, 30*time.Second, "the program to block in its read", func() bool { return blockedInPipeRead(cmd.Process.Pid, prog) })
	_, _ = io.WriteString(in, "x")
	in.Close()
	lr.expect("done", 10*time.Second)
	if err := itWaitTimeout(t, cmd, 10*time.Second); err != nil {
		t.Fatalf("ktrace -t w: %v", err)
	}
	lines := testutil.ReadTrace(t, file)
	count := func(waitFor string) int {
		return testutil.Count(lines, func(l *testutil.Rec) bool {
			return l.Type == format.TypeCsw && l.Csw.Out && !l.Csw.User && l.WaitFor == waitFor
		})
	}
	if n := count("clock_nanosleep"); n != 3 {
		t.Errorf("%d CSW stops in clock_nanosleep, want 3:\n%s", n, testutil.Describe(lines))
	}
	if n := count("read"); n != 1 {
		t.Errorf("%d CSW stops in read, want 1:\n%s", n, testutil.Describe(lines))
	}
	for _, l := range lines {
		if l.Type != format.TypeCsw && l.Type != format.TypeEmul {
			t.Errorf("-t w wrote a %s record: %s", l.Type, &l)
		}
		if l.Type == format.TypeCsw && l.Csw.Out && !l.Csw.User && l.WaitFor == "" {
			t.Errorf("voluntary stop without its wait reason: %s", &l)
		}
	}
}

// blockedInPipeRead reports whether pid runs prog and sleeps reading a
// pipe: before its execve, ktrace, with the same pid, waits in a pipe read
// for its tracer.
func blockedInPipeRead(pid int, prog string) bool {
	exe, err := os.Readlink(procfs.Path(pid, "exe"))
	return err == nil && exe == prog && strings.Contains(testutil.Wchan(pid, pid), "pipe_read")
}

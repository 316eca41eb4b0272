package main

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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
	deadline := time.Now().Add(30 * time.Second)
	for !blockedInPipeRead(cmd.Process.Pid) {
		if time.Now().After(deadline) {
			t.Fatal("the program never blocked in its read")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, _ = io.WriteString(in, "x")
	in.Close()
	lr.expect("done", 10*time.Second)
	if err := itWaitTimeout(t, cmd, 10*time.Second); err != nil {
		t.Fatalf("ktrace -t w: %v", err)
	}
	lines := itRecords(e.dump(file))
	count := func(body string) int { return len(itOnly(lines, itIs("CSW", body))) }
	if n := count(`stop kernel "clock_nanosleep"`); n != 3 {
		t.Errorf("%d CSW stops in clock_nanosleep, want 3:\n%s", n, itDescribe(lines))
	}
	if n := count(`stop kernel "read"`); n != 1 {
		t.Errorf("%d CSW stops in read, want 1:\n%s", n, itDescribe(lines))
	}
	for _, l := range lines {
		if l.Type != "CSW" && l.Type != "EMUL" {
			t.Errorf("-t w wrote a %s record: %s", l.Type, l.String())
		}
		if strings.HasPrefix(l.Body, "stop kernel") && !strings.Contains(l.Body, `"`) {
			t.Errorf("voluntary stop without its wait reason: %s", l.String())
		}
	}
}

// blockedInPipeRead reports whether pid sleeps reading a pipe.
func blockedInPipeRead(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "wchan"))
	return err == nil && strings.Contains(string(b), "pipe_read")
}

package testutil

import (
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestProcs reads /proc for a sleep(1) this test starts.
func TestProcs(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := cmd.Process.Pid
	WaitFor(t, 10*time.Second, "sleep to sleep", func() bool { return ProcState(pid) == 'S' })
	if pp := StatField(pid, 4); pp != os.Getpid() {
		t.Errorf("StatField ppid %d, want %d", pp, os.Getpid())
	}
	if g := StatField(pid, 5); g != pid {
		t.Errorf("StatField pgrp %d, want %d", g, pid)
	}
	if StatField(pid, 2) != -1 || StatField(pid, 999) != -1 {
		t.Error("StatField of the comm or past the end is not -1")
	}
	if tids := Threads(pid); !slices.Equal(tids, []int{pid}) {
		t.Errorf("Threads %v, want [%d]", tids, pid)
	}
	if _, ok := Syscall(pid, pid); !ok {
		t.Errorf("Syscall: sleep is in none (%q)", SyscallText(pid, pid))
	}
	if tp := TracerPid(pid); tp != 0 {
		t.Errorf("TracerPid %d, want 0", tp)
	}
	if c := Cmdline(pid); c != "sleep 30" {
		t.Errorf("Cmdline %q", c)
	}
	if !slices.Contains(Pids(), pid) {
		t.Error("Pids lacks the sleep")
	}
	if fds := FDTargets(os.Getpid()); len(fds) == 0 {
		t.Error("FDTargets of this process is empty")
	}
	cmd.Process.Kill()
	cmd.Wait()
	if ProcState(pid) != 0 || TracerPid(pid) != -1 || StatField(pid, 4) != -1 || Threads(pid) != nil {
		t.Errorf("a reaped process still reads: %q", ProcStat(pid))
	}
	if Poll(20*time.Millisecond, func() bool { return false }) {
		t.Error("Poll of a false condition")
	}
}

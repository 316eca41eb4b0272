package testutil

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ProcsRunning returns the ids of the processes whose executable is exe.
func ProcsRunning(exe string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		link, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil {
			continue
		}
		if strings.TrimSuffix(link, " (deleted)") == exe {
			pids = append(pids, pid)
		}
	}
	return pids
}

// CheckNoStrays fails tb if processes running exe are still there after a
// grace period, and kills them (they were started, directly or not, by
// the test). A ktrace tracer must be gone once its traced command has
// exited and been waited for.
func CheckNoStrays(tb testing.TB, exe string) {
	tb.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		pids := ProcsRunning(exe)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				tb.Errorf("process %d (%s) still running after the traced command ended: %s; killing it",
					pid, exe, ProcStat(pid))
				syscall.Kill(pid, syscall.SIGKILL)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ProcState returns the state letter of /proc/PID/stat (R, S, T, t, Z,
// ...) or 0 when the process is gone.
func ProcState(pid int) byte {
	s := ProcStat(pid)
	// The comm field is in parentheses and may hold spaces: the state
	// follows the last ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return 0
	}
	return s[i+2]
}

// ProcStat returns the text of /proc/PID/stat, or "" when it is gone.
func ProcStat(pid int) string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// TracerPid returns the TracerPid of /proc/PID/status: the pid of the
// process tracing pid, 0 when none does, -1 when pid is gone.
func TracerPid(pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "TracerPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return -1
}

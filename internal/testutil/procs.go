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
	var pids []int
	for _, pid := range Pids() {
		if pid == os.Getpid() {
			continue
		}
		link, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
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

// StatField returns field n of /proc/PID/stat, numbered from 1 as in
// proc(5) (1 pid, 3 state, 4 ppid, 5 pgrp, 6 session), for the numeric
// fields from 4 on; -1 when the process is gone or the field is not a
// number.
func StatField(pid, n int) int {
	s := ProcStat(pid)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if n < 4 || n-3 >= len(f) {
		return -1
	}
	v, err := strconv.Atoi(f[n-3])
	if err != nil {
		return -1
	}
	return v
}

// Threads returns the thread ids of process pid (/proc/PID/task).
func Threads(pid int) []int {
	ents, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	var tids []int
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids
}

// Syscall returns the number of the system call thread tid of process pid
// is in (/proc/PID/task/TID/syscall), and false when it runs in user
// space, is gone or the file does not say.
func Syscall(pid, tid int) (int, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(tid), "syscall"))
	f := strings.Fields(string(b))
	if err != nil || len(f) == 0 {
		return 0, false
	}
	nr, err := strconv.Atoi(f[0])
	return nr, err == nil
}

// SyscallText returns /proc/PID/task/TID/syscall as it reads, for
// messages.
func SyscallText(pid, tid int) string {
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(tid), "syscall"))
	return strings.TrimSpace(string(b))
}

// Wchan returns what thread tid of process pid waits in
// (/proc/PID/task/TID/wchan), or "".
func Wchan(pid, tid int) string {
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(tid), "wchan"))
	return string(b)
}

// Cmdline returns the command line of process pid, its arguments joined
// by spaces.
func Cmdline(pid int) string {
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	return strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
}

// Pids returns the ids of all processes.
func Pids() []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// FDTargets returns the targets of the links in /proc/PID/fd by
// descriptor name.
func FDTargets(pid int) map[string]string {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	ents, _ := os.ReadDir(dir)
	m := map[string]string{}
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil {
			m[e.Name()] = l
		}
	}
	return m
}

// ListeningUnixSockets returns the names of the listening Unix sockets
// of this network namespace (/proc/net/unix) that start with prefix
// (abstract names start with "@").
func ListeningUnixSockets(prefix string) []string {
	b, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		// Num RefCount Protocol Flags Type St Inode Path; a listening
		// socket has __SO_ACCEPTCON (0x10000) in Flags.
		if len(f) < 8 || !strings.HasPrefix(f[7], prefix) {
			continue
		}
		if fl, err := strconv.ParseUint(f[3], 16, 32); err == nil && fl&0x10000 != 0 {
			out = append(out, f[7])
		}
	}
	return out
}

// YamaPtraceScope returns the Yama ptrace_scope setting
// (/proc/sys/kernel/yama/ptrace_scope), and false without Yama.
func YamaPtraceScope() (string, bool) {
	b, err := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope")
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

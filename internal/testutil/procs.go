package testutil

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/procfs"
	ktracer "github.com/ktrace-linux/ktrace/tracer"
)

// ProcsRunning returns the ids of the processes whose executable is exe.
func ProcsRunning(exe string) []int {
	var pids []int
	for _, pid := range Pids() {
		if pid == os.Getpid() {
			continue
		}
		link, err := os.Readlink(procfs.Path(pid, "exe"))
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
	st, err := procfs.ReadStat(pid)
	if err != nil {
		return 0
	}
	return st.State
}

// ProcStat returns the text of /proc/PID/stat, or "" when it is gone.
func ProcStat(pid int) string {
	b, err := os.ReadFile(procfs.Path(pid, "stat"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// TracerPid returns the TracerPid of /proc/PID/status: the pid of the
// process tracing pid, 0 when none does, -1 when pid is gone.
func TracerPid(pid int) int {
	st, err := procfs.ReadStatus(pid, make([]byte, 4096))
	if err != nil {
		return -1
	}
	return st.TracerPid
}

// StatField returns field n of /proc/PID/stat, numbered from 1 as in
// proc(5): 4 ppid, 5 pgrp, 6 session; -1 when the process is gone or n is
// another field.
func StatField(pid, n int) int {
	st, err := procfs.ReadStat(pid)
	if err != nil {
		return -1
	}
	switch n {
	case 4:
		return st.PPid
	case 5:
		return st.Pgrp
	case 6:
		return st.Sid
	}
	return -1
}

// CheckTracerPlace fails t unless tracer is placed as ktrace places its
// background tracer: its thread (the main one) asks for a short time slice
// (tracer.ThreadSlice), where the kernel keeps one (CustomSlices); it is
// in a process group of its own (terminal signals go to
// the foreground group), in the session of the process that started it,
// sid, and, where the kernel groups sessions for the scheduler
// (/proc/PID/autogroup), in the same scheduling group as its tracee: a
// tracer in a group of its own gets as much CPU as all its tracees and
// takes their stops one at a time.
func CheckTracerPlace(t testing.TB, tracer, sid, tracee int) {
	t.Helper()
	if pg := StatField(tracer, 5); pg != tracer {
		t.Errorf("tracer %d is in process group %d, want a group of its own", tracer, pg)
	}
	if s := StatField(tracer, 6); s != sid {
		t.Errorf("tracer %d is in session %d, want %d (where ktrace ran)", tracer, s, sid)
	}
	if CustomSlices() {
		if attr, err := unix.SchedGetAttr(tracer, 0); err != nil {
			t.Errorf("tracer %d: sched_getattr: %v", tracer, err)
		} else if time.Duration(attr.Runtime) != ktracer.ThreadSlice {
			t.Errorf("tracer %d's thread has a time slice of %v, want %v", tracer, time.Duration(attr.Runtime), ktracer.ThreadSlice)
		}
	}
	ag, err := os.ReadFile(procfs.Path(tracer, "autogroup"))
	if err != nil {
		return // no autogroups here (or the tracer is gone: the checks above said so)
	}
	if tag, err := os.ReadFile(procfs.Path(tracee, "autogroup")); err == nil && !bytes.Equal(firstField(ag), firstField(tag)) {
		t.Errorf("tracer %d is in autogroup %s, its tracee %d in %s: want the same", tracer, firstField(ag), tracee, firstField(tag))
	}
}

// CustomSlices reports whether this kernel keeps the time slice the
// tracer thread asks for (tracer.AskThreadSlice; Linux 6.12 and later). It
// asks on a thread of its own, which ends with the answer.
func CustomSlices() bool {
	kept := make(chan bool)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread goes away with its slice
		kept <- ktracer.AskThreadSlice()
	}()
	return <-kept
}

// Holds reports whether process pid has a descriptor open on target (as
// /proc/PID/fd shows it: a path, "pipe:[N]", "socket:[N]").
func Holds(pid int, target string) bool {
	dir := procfs.Path(pid, "fd")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if t, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && t == target {
			return true
		}
	}
	return false
}

// firstField returns the first space-separated field of b.
func firstField(b []byte) []byte {
	if f := bytes.Fields(b); len(f) > 0 {
		return f[0]
	}
	return nil
}

// Threads returns the thread ids of process pid (/proc/PID/task).
func Threads(pid int) []int {
	tids, _ := procfs.Threads(pid)
	return tids
}

// Syscall returns the number of the system call thread tid of process pid
// is in (/proc/PID/task/TID/syscall), and false when it runs in user
// space, is gone or the file does not say.
func Syscall(pid, tid int) (int, bool) {
	b, err := os.ReadFile(procfs.TaskPath(pid, tid, "syscall"))
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
	b, _ := os.ReadFile(procfs.TaskPath(pid, tid, "syscall"))
	return strings.TrimSpace(string(b))
}

// Wchan returns what thread tid of process pid waits in
// (/proc/PID/task/TID/wchan), or "".
func Wchan(pid, tid int) string {
	b, _ := os.ReadFile(procfs.TaskPath(pid, tid, "wchan"))
	return string(b)
}

// Comm returns the name of process pid (/proc/PID/comm), or "" when it is
// gone.
func Comm(pid int) string {
	b, err := os.ReadFile(procfs.Path(pid, "comm"))
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

// Cmdline returns the command line of process pid, its arguments joined
// by spaces.
func Cmdline(pid int) string {
	b, _ := os.ReadFile(procfs.Path(pid, "cmdline"))
	return strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
}

// Pids returns the ids of all processes.
func Pids() []int {
	pids, _ := procfs.PIDs()
	return pids
}

// FDTargets returns the targets of the links in /proc/PID/fd by
// descriptor name.
func FDTargets(pid int) map[string]string {
	dir := procfs.Path(pid, "fd")
	ents, _ := os.ReadDir(dir)
	m := map[string]string{}
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil {
			m[e.Name()] = l
		}
	}
	return m
}

// ListeningAbstractSockets returns the names (without the leading '@')
// of the listening abstract Unix sockets of this network namespace that
// start with prefix.
func ListeningAbstractSockets(prefix string) []string {
	names, _ := procfs.ListeningAbstract(prefix)
	return names
}

// YamaPtraceScope returns the Yama ptrace_scope setting, and false
// without Yama.
func YamaPtraceScope() (int, bool) { return procfs.PtraceScope() }

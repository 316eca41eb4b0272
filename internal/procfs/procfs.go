// Package procfs reads what ktrace needs of /proc: a process's stat line
// and status fields, its threads and command name, the process list, the
// context-switch counters of a thread, listening abstract sockets and
// Yama's ptrace_scope.
//
// The readers used while tracing take caller-owned buffers and allocate
// nothing; the rest are for start-up and tools. Errors keep their errno
// (errors.Is(err, unix.ENOENT) for a process that is gone).
package procfs

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Path returns /proc/ID/name.
func Path(id int, name string) string {
	return "/proc/" + strconv.Itoa(id) + "/" + name
}

// TaskPath returns /proc/PID/task/TID/name.
func TaskPath(pid, tid int, name string) string {
	return "/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid) + "/" + name
}

// ReadSmall reads the file at path into buf and returns what it read:
// at most len(buf) bytes, without allocating.
func ReadSmall(path string, buf []byte) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err != nil {
			return nil, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return buf[:n], nil
}

// Comm reads the command name of thread tid into dst, using scratch (64
// bytes or more). It leaves dst as it was and reports false when the
// thread is gone.
func Comm(tid int, dst *[16]byte, scratch []byte) bool {
	b, err := ReadSmall(Path(tid, "comm"), scratch[:64])
	if err != nil {
		return false
	}
	b = bytes.TrimSuffix(b, []byte{'\n'})
	*dst = [16]byte{}
	copy(dst[:], b)
	return true
}

// Status holds the fields of /proc/PID/status that ktrace uses.
type Status struct {
	Tgid, PPid, TracerPid  int
	SigBlk, SigIgn, SigCgt uint64
}

// ReadStatus parses /proc/TID/status, using scratch (4 KiB is enough).
func ReadStatus(tid int, scratch []byte) (Status, error) {
	b, err := ReadSmall(Path(tid, "status"), scratch)
	if err != nil {
		return Status{}, err
	}
	return ParseStatus(b), nil
}

// ParseStatus parses the text of a status file.
func ParseStatus(b []byte) Status {
	var st Status
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch string(k) {
		case "Tgid":
			st.Tgid = atoi(v)
		case "PPid":
			st.PPid = atoi(v)
		case "TracerPid":
			st.TracerPid = atoi(v)
		case "SigBlk":
			st.SigBlk = hexval(v)
		case "SigIgn":
			st.SigIgn = hexval(v)
		case "SigCgt":
			st.SigCgt = hexval(v)
		}
	}
	return st
}

// Stat holds the fields of /proc/PID/stat that ktrace uses.
type Stat struct {
	PID   int
	Comm  string
	State byte // R, S, D, T, t, Z, X, ...
	PPid  int
	Pgrp  int
	Sid   int
}

// ReadStat parses /proc/PID/stat.
func ReadStat(pid int) (Stat, error) {
	var buf [1024]byte
	b, err := ReadSmall(Path(pid, "stat"), buf[:])
	if err != nil {
		return Stat{}, err
	}
	st, ok := ParseStat(b)
	if !ok {
		return Stat{}, fmt.Errorf("%s: %w", Path(pid, "stat"), unix.EINVAL)
	}
	return st, nil
}

// ParseStat parses a stat line: "pid (comm) state ppid pgrp session ...".
// The command name may hold spaces and parentheses: it ends at the last
// ')'.
func ParseStat(b []byte) (Stat, bool) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return Stat{}, false
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 4 || len(f[0]) != 1 {
		return Stat{}, false
	}
	pid, err1 := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	ppid, err2 := strconv.Atoi(f[1])
	pgrp, err3 := strconv.Atoi(f[2])
	sid, err4 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return Stat{}, false
	}
	return Stat{PID: pid, Comm: string(b[open+1 : end]), State: f[0][0], PPid: ppid, Pgrp: pgrp, Sid: sid}, true
}

// IsZombie reports whether pid has exited and waits for its parent.
func IsZombie(pid int) bool {
	st, err := ReadStat(pid)
	return err == nil && st.State == 'Z'
}

// Threads returns the thread ids of process pid.
func Threads(pid int) ([]int, error) {
	return numberedEntries(Path(pid, "task"))
}

// PIDs returns the ids of the processes in /proc.
func PIDs() ([]int, error) {
	return numberedEntries("/proc")
}

// numberedEntries returns the entries of dir whose names are numbers. It
// reads the directory with getdents itself, into a buffer on the stack:
// an os.File would try the runtime's poller first (an epoll_ctl, which
// fails for a directory, and the poller's set-up the first time) and
// keep every name. A tracer lists a process's threads as it seizes it.
func numberedEntries(dir string) ([]int, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	var buf [8192]byte
	var ids []int
	names := make([]string, 0, 64)
	for {
		n, err := unix.ReadDirent(fd, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "readdirent", Path: dir, Err: err}
		}
		if n <= 0 {
			return ids, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names[:0])
		for _, name := range names {
			if id, err := strconv.Atoi(name); err == nil {
				ids = append(ids, id)
			}
		}
	}
}

// All returns the stat of every process; those that exit while it reads
// are left out.
func All() ([]Stat, error) {
	pids, err := PIDs()
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	out := make([]Stat, 0, len(pids))
	for _, pid := range pids {
		if st, err := ReadStat(pid); err == nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// ProcessGroup returns the processes of all in process group pgrp.
func ProcessGroup(all []Stat, pgrp int) []int {
	var pids []int
	for _, p := range all {
		if p.Pgrp == pgrp {
			pids = append(pids, p.PID)
		}
	}
	return pids
}

// WithDescendants returns pids and every descendant of them in all,
// parents before their children.
func WithDescendants(all []Stat, pids []int) []int {
	children := map[int][]int{}
	for _, p := range all {
		children[p.PPid] = append(children[p.PPid], p.PID)
	}
	seen := map[int]bool{}
	var out []int
	queue := append([]int(nil), pids...)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		out = append(out, pid)
		queue = append(queue, children[pid]...)
	}
	return out
}

// PtraceScope returns Yama's ptrace_scope (0 to 3), or false where Yama
// is not there.
func PtraceScope() (int, bool) { return sysctlInt("kernel/yama/ptrace_scope") }

// PerfEventParanoid returns kernel.perf_event_paranoid, who may use perf
// events, and false where it cannot be read.
func PerfEventParanoid() (int, bool) { return sysctlInt("kernel/perf_event_paranoid") }

// sysctlInt reads the number in /proc/sys/name.
func sysctlInt(name string) (int, bool) {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return n, err == nil
}

// ListeningAbstract returns the names (without the leading '@') of the
// listening abstract Unix sockets of this network namespace whose names
// start with prefix, each once.
func ListeningAbstract(prefix string) ([]string, error) {
	b, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		return nil, err
	}
	return parseListeningAbstract(b, prefix), nil
}

// parseListeningAbstract is ListeningAbstract on the text of
// /proc/net/unix.
func parseListeningAbstract(b []byte, prefix string) []string {
	seen := map[string]bool{}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		// Num RefCount Protocol Flags Type St Inode Path
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		name, ok := strings.CutPrefix(f[len(f)-1], "@")
		// A listening socket has the __SO_ACCEPTCON flag (0x10000).
		if !ok || !strings.HasPrefix(name, prefix) || f[3] != "00010000" || seen[name] {
			continue
		}
		seen[name] = true
		names = append(names, name)
	}
	return names
}

// SwitchCounts returns the voluntary and nonvoluntary context-switch
// counts from the text of a status file, without allocating.
func SwitchCounts(b []byte) (vol, invol uint64, ok bool) {
	vol, ok1 := statusNumber(b, volField)
	invol, ok2 := statusNumber(b, involField)
	return vol, invol, ok1 && ok2
}

// Fields of /proc/PID/task/TID/status with the switch counters.
var (
	volField   = []byte("\nvoluntary_ctxt_switches:")
	involField = []byte("\nnonvoluntary_ctxt_switches:")
)

// SchedRuns returns the number of times a thread was switched in, the
// third field of the text of its schedstat file, without allocating.
func SchedRuns(b []byte) (uint64, bool) {
	for i := 0; i < 2; i++ {
		j := bytes.IndexByte(b, ' ')
		if j < 0 {
			return 0, false
		}
		b = b[j+1:]
	}
	return leadingNumber(b)
}

// statusNumber returns the decimal number after field in a status file.
func statusNumber(b, field []byte) (uint64, bool) {
	i := bytes.Index(b, field)
	if i < 0 {
		return 0, false
	}
	b = b[i+len(field):]
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return leadingNumber(b)
}

// leadingNumber returns the decimal number b starts with.
func leadingNumber(b []byte) (uint64, bool) {
	var v uint64
	digits := 0
	for ; digits < len(b) && b[digits] >= '0' && b[digits] <= '9'; digits++ {
		v = v*10 + uint64(b[digits]-'0')
	}
	return v, digits > 0
}

func atoi(b []byte) int {
	n, _ := strconv.Atoi(string(b))
	return n
}

func hexval(b []byte) uint64 {
	n, _ := strconv.ParseUint(string(b), 16, 64)
	return n
}

package tracer

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Clear stops tracing the processes pids for fac (every facility when
// 0), whichever tracer of ours traces them. It returns when each is
// released and its records are in its file. Processes not traced by
// ktrace are left alone.
func Clear(pids []int, fac Facilities) error {
	byTracer, err := tracersOf(pids)
	if err != nil {
		return err
	}
	for sock, ps := range byTracer {
		if err := ask(sock, &Request{Op: "clear", PIDs: ps, Facilities: fac}); err != nil {
			return err
		}
	}
	return nil
}

// ClearFile stops tracing every process traced to the file at path.
func ClearFile(path string) error {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return fmt.Errorf("%s: %w", path, syscallErrText(errnoOf(err)))
	}
	return ask(socketName(os.Geteuid(), st.Dev, st.Ino), &Request{Op: "clear"})
}

// ClearAll stops all tracing the caller may stop: every ktrace tracer of
// the caller's, or of anyone's for root.
func ClearAll() error {
	uid := os.Geteuid()
	if uid == 0 {
		uid = -1
	}
	socks, err := listTracerSockets(uid)
	if err != nil {
		return err
	}
	var first error
	for _, s := range socks {
		if err := ask(s, &Request{Op: "clear"}); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ask sends req to the tracer listening on sock; no tracer there is no
// error (it has just exited).
func ask(sock string, req *Request) error {
	c, err := dial(sock)
	if err != nil || c == nil {
		return err
	}
	rep, err := call(c, req, nil)
	if err == errRetry {
		return nil
	}
	if err != nil {
		return err
	}
	if !rep.OK {
		return errors.New(rep.Error)
	}
	return nil
}

// tracersOf groups pids by the control socket of the ktrace tracer that
// traces each. Processes that do not exist are an error; those not
// traced, or traced by another program, are left out.
func tracersOf(pids []int) (map[string][]int, error) {
	var scratch [4096]byte
	tracerPid := map[int]int{}
	for _, pid := range pids {
		st, ok := readStatus(pid, scratch[:])
		if !ok {
			return nil, fmt.Errorf("%d: %w", pid, syscallErrText(unix.ESRCH))
		}
		if st.tracerPid != 0 {
			tracerPid[pid] = st.tracerPid
		}
	}
	out := map[string][]int{}
	if len(tracerPid) == 0 {
		return out, nil
	}
	uid := os.Geteuid()
	if uid == 0 {
		uid = -1
	}
	socks, err := listTracerSockets(uid)
	if err != nil {
		return nil, err
	}
	for _, sock := range socks {
		c, err := dial(sock)
		if err != nil || c == nil {
			continue
		}
		cred, err := peerCred(c)
		c.Close()
		if err != nil {
			continue
		}
		for pid, tp := range tracerPid {
			if tp == int(cred.Pid) {
				out[sock] = append(out[sock], pid)
			}
		}
	}
	return out, nil
}

// releaseElsewhere has the ktrace tracers of other files let go of pids,
// so that the tracer of the socket ours can take them.
func releaseElsewhere(pids []int, ours string) error {
	byTracer, err := tracersOf(pids)
	if err != nil {
		return err
	}
	for sock, ps := range byTracer {
		if sock == ours {
			continue
		}
		if err := ask(sock, &Request{Op: "clear", PIDs: ps}); err != nil {
			return err
		}
	}
	return nil
}

// procStat holds the fields of /proc/PID/stat used to find processes.
type procStat struct {
	pid, ppid, pgrp int
}

// allProcesses reads the stat line of every process.
func allProcesses() ([]procStat, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var out []procStat
	var buf [1024]byte
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		b, err := readSmallFile(procPath(pid, "stat"), buf[:])
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parens.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pgrp, _ := strconv.Atoi(f[2])
		out = append(out, procStat{pid: pid, ppid: ppid, pgrp: pgrp})
	}
	return out, nil
}

// ProcessGroup returns the processes of process group pgrp.
func ProcessGroup(pgrp int) ([]int, error) {
	procs, err := allProcesses()
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var pids []int
	for _, p := range procs {
		if p.pgrp == pgrp {
			pids = append(pids, p.pid)
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("process group %d: %w", pgrp, syscallErrText(unix.ESRCH))
	}
	return pids, nil
}

// WithDescendants returns pids and every current descendant of them.
func WithDescendants(pids []int) ([]int, error) {
	procs, err := allProcesses()
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	children := map[int][]int{}
	for _, p := range procs {
		children[p.ppid] = append(children[p.ppid], p.pid)
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
	return out, nil
}

// CheckProcesses returns an error naming the first of pids that does not
// exist.
func CheckProcesses(pids []int) error {
	for _, pid := range pids {
		if err := unix.Kill(pid, 0); err == unix.ESRCH {
			return fmt.Errorf("%d: %w", pid, syscallErrText(unix.ESRCH))
		}
	}
	return nil
}

func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EINVAL
}

package session

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/procfs"
	"github.com/ktrace-linux/ktrace/tracer"
)

// Clear stops tracing the processes pids for fac (every facility when
// 0), whichever tracer of ours traces them. It returns when each is
// released and its records are in its file. Processes not traced by
// ktrace are left alone.
func Clear(pids []int, fac tracer.Facilities) error {
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
		return fmt.Errorf("%s: %w", path, err)
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
		return rep.err()
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
		st, err := procfs.ReadStatus(pid, scratch[:])
		if err != nil {
			return nil, fmt.Errorf("%d: %w", pid, unix.ESRCH)
		}
		if st.TracerPid != 0 {
			tracerPid[pid] = st.TracerPid
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

// ProcessGroup returns the processes of process group pgrp.
func ProcessGroup(pgrp int) ([]int, error) {
	all, err := procfs.All()
	if err != nil {
		return nil, err
	}
	pids := procfs.ProcessGroup(all, pgrp)
	if len(pids) == 0 {
		return nil, fmt.Errorf("process group %d: %w", pgrp, unix.ESRCH)
	}
	return pids, nil
}

// WithDescendants returns pids and every current descendant of them.
func WithDescendants(pids []int) ([]int, error) {
	all, err := procfs.All()
	if err != nil {
		return nil, err
	}
	return procfs.WithDescendants(all, pids), nil
}

// CheckProcesses returns an error naming the first of pids that does not
// exist.
func CheckProcesses(pids []int) error {
	for _, pid := range pids {
		if err := unix.Kill(pid, 0); err == unix.ESRCH {
			return fmt.Errorf("%d: %w", pid, unix.ESRCH)
		}
	}
	return nil
}

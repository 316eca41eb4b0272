package session

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"unsafe"

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
	c, err := findTracer(filePrefix(os.Geteuid(), st.Dev, st.Ino))
	if err != nil || c == nil {
		return err // no tracer: nothing traced to the file
	}
	return askOn(c, &Request{Op: "clear"})
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
	c, err := dialTracer(sock)
	if err != nil || c == nil {
		return err
	}
	return askOn(c, req)
}

// askOn sends req to the tracer on c; one that is exiting is no error
// (its processes are being released anyway).
func askOn(c *tracerConn, req *Request) error {
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
// traces each. Processes that are gone, not traced, or traced by another
// program are left out.
func tracersOf(pids []int) (map[string][]int, error) {
	var scratch [4096]byte
	tracerPid := map[int]int{}
	for _, pid := range pids {
		st, err := procfs.ReadStatus(pid, scratch[:])
		if err != nil {
			continue // gone since it was named: nothing to release
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
		c, err := dialTracer(sock)
		if err != nil || c == nil {
			continue
		}
		c.Close()
		for pid, tp := range tracerPid {
			if tp == c.pid {
				out[sock] = append(out[sock], pid)
			}
		}
	}
	return out, nil
}

// releaseElsewhere has the ktrace tracers of other files let go of pids,
// so that the tracer of the sockets of prefix ours can take them.
func releaseElsewhere(pids []int, ours string) error {
	byTracer, err := tracersOf(pids)
	if err != nil {
		return err
	}
	for sock, ps := range byTracer {
		if strings.HasPrefix(sock, ours) {
			continue
		}
		if err := ask(sock, &Request{Op: "clear", PIDs: ps}); err != nil {
			return err
		}
	}
	return nil
}

// Targets returns the processes to trace for ktrace's -p (pids, each a
// process or a thread of one), -g (pgrp, when not 0) and -d (descend):
// the processes named, or the group's, with their current descendants
// under descend. A pid that names no process, or a group with none, is
// an error. ktrace's own tracers are never traced (two tracers tracing
// each other would freeze both and everything they trace): naming one is
// an error, and they are left out of groups and trees.
func Targets(pids []int, pgrp int, descend bool) ([]int, error) {
	var named []int
	for _, pid := range pids {
		tgid, err := processOf(pid)
		if err != nil {
			return nil, err
		}
		if isTracer(tgid) {
			return nil, fmt.Errorf("%d: a ktrace tracer: ktrace does not trace its tracers", pid)
		}
		if !slices.Contains(named, tgid) {
			named = append(named, tgid)
		}
	}
	if pgrp == 0 && !descend {
		return named, nil
	}
	all, err := procfs.All()
	if err != nil {
		return nil, err
	}
	if pgrp != 0 {
		named = procfs.ProcessGroup(all, pgrp)
		if len(named) == 0 {
			return nil, fmt.Errorf("process group %d: %w", pgrp, unix.ESRCH)
		}
	}
	if descend {
		named = procfs.WithDescendants(all, named)
	}
	return slices.DeleteFunc(named, isTracer), nil
}

// processOf returns the process of pid, a process or a thread id.
func processOf(pid int) (int, error) {
	var scratch [4096]byte
	st, err := procfs.ReadStatus(pid, scratch[:])
	if err != nil || st.Tgid == 0 {
		return 0, fmt.Errorf("%d: %w", pid, unix.ESRCH)
	}
	return st.Tgid, nil
}

// TracerName is the name (comm) of ktrace's background tracers, which
// they give themselves (nameTracer): ps shows it, and a ktrace tells its
// tracers by it.
const TracerName = "ktrace-tracer"

// nameTracer gives the calling thread, the tracer's main thread, the name
// TracerName (/proc/PID/comm).
func nameTracer() {
	name := []byte(TracerName + "\x00")
	_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&name[0])), 0, 0, 0)
}

// isTracer reports whether pid is one of ktrace's background tracers: by
// its name (a tracer forked at ktrace's start has ktrace's environment),
// or by the environment of a helper (a tracer of an older ktrace). A
// process whose name and environment cannot be read is none of ours to
// worry about: it cannot be traced either.
func isTracer(pid int) bool {
	if comm, err := os.ReadFile(procfs.Path(pid, "comm")); err == nil && string(bytes.TrimSuffix(comm, []byte("\n"))) == TracerName {
		return true
	}
	env, err := os.ReadFile(procfs.Path(pid, "environ"))
	if err != nil {
		return false
	}
	for _, kv := range bytes.Split(env, []byte{0}) {
		if bytes.HasPrefix(kv, []byte(helperEnv+"=")) {
			return true
		}
	}
	return false
}

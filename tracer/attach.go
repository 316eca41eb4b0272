package tracer

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// errBusy reports that another tracer already serves the trace file.
var errBusy = errors.New("another tracer serves this file")

// clearWaiter is a clear request waiting for its processes to be
// released.
type clearWaiter struct {
	pids  []int
	reply chan *Reply
}

// Listen makes t the tracer of file: it takes the file's control socket
// and answers requests from other ktrace commands between stops. It
// returns errBusy when another tracer serves file.
func (t *Tracer) Listen(file *os.File, name string) error {
	sock, err := fileSocketName(file)
	if err != nil {
		return err
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: "@" + sock, Net: "unix"})
	if err != nil {
		if errors.Is(err, unix.EADDRINUSE) {
			return errBusy
		}
		return fmt.Errorf("control socket: %w", err)
	}
	t.file, t.fileName, t.listener = file, name, l
	t.reqs = make(chan pending, 16)
	t.ring = ringDoorbell
	go serveControl(l, t.reqs, t.ring)
	return nil
}

// ringDoorbell wakes the tracer thread from wait4: it starts a child that
// exits at once, whose exit wait4 reports. The tracer's wait4 reaps it:
// nothing else may wait for it, or wait4 could sleep on.
func ringDoorbell() {
	_ = startHelper("/proc/self/exe", []byte(`{"Role":"exit"}`), os.Stderr, nil, false, false)
}

// serveRequests answers the requests that have arrived.
func (t *Tracer) serveRequests() {
	for t.reqs != nil {
		select {
		case p := <-t.reqs:
			if rep := t.Handle(p.req, p.reply); rep != nil {
				p.reply <- rep
			}
		default:
			return
		}
	}
}

// Handle carries out a request. It returns the reply, or nil when the
// reply is sent on reply later (a clear waits for its processes).
func (t *Tracer) Handle(req *Request, reply chan *Reply) *Reply {
	fail := func(err error) *Reply { return &Reply{Error: err.Error()} }
	if req.Truncate {
		if err := t.truncate(); err != nil {
			return fail(err)
		}
	}
	s := Settings{Facilities: req.Facilities, Inherit: req.Inherit, GenioSize: req.GenioSize,
		Syscalls: req.Syscalls}
	switch req.Op {
	case "command":
		s.Seccomp = req.Seccomp
		if len(req.PIDs) != 1 {
			return fail(errors.New("command: one pid expected"))
		}
		if err := t.SeizeCommand(req.PIDs[0], s); err != nil {
			return fail(err)
		}
	case "attach":
		if err := t.AttachAll(req.PIDs, s); err != nil {
			return fail(err)
		}
	case "clear":
		return t.clear(req.PIDs, req.Facilities, reply)
	case "status":
		rep := &Reply{OK: true, File: t.fileName}
		for pid := range t.procs {
			rep.Traced = append(rep.Traced, pid)
		}
		return rep
	default:
		return fail(fmt.Errorf("unknown request %q", req.Op))
	}
	t.flush()
	return &Reply{OK: true}
}

// truncate empties the trace file and starts it anew.
func (t *Tracer) truncate() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_ = t.w.Flush()
	if t.file == nil {
		return nil
	}
	if err := t.file.Truncate(0); err != nil {
		return fmt.Errorf("%s: %w", t.fileName, err)
	}
	// The new file needs the ABI of each thread again.
	for _, th := range t.threads {
		th.lastABI = 0
	}
	return WriteStart(t.w)
}

// AttachAll traces the processes pids, every thread of each, with s. A
// process already traced here gets s's facilities added. Either all are
// traced or, on an error, none of those not traced before.
func (t *Tracer) AttachAll(pids []int, s Settings) error {
	var done []*process
	for _, pid := range pids {
		if p := t.procs[pid]; p != nil {
			p.setFacilities(p.Facilities | s.Facilities)
			if s.GenioSize != p.GenioSize {
				p.GenioSize = s.GenioSize
			}
			if s.Inherit && !p.Inherit {
				p.Inherit = true
				for _, th := range t.threads {
					if th.proc == p {
						th.newOptions = true
						_ = ptrace(ptInterrupt, th.tid, 0, 0)
					}
				}
			}
			continue
		}
		p, err := t.seizeProcess(pid, s)
		if err != nil {
			for _, d := range done {
				t.releaseNow(d)
			}
			return err
		}
		done = append(done, p)
	}
	// A thread is traced once its first stop has been seen and it runs on
	// under PTRACE_SYSCALL: before that, a call it finishes would go
	// unrecorded. Wait for those stops, handling whatever comes first.
	for _, p := range done {
		for _, th := range t.threads {
			for th.proc == p && !th.stopped {
				var ws unix.WaitStatus
				tid, err := unix.Wait4(th.tid, &ws, unix.WALL, nil)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					break
				}
				t.handle(tid, ws)
				if ws.Exited() || ws.Signaled() {
					break
				}
			}
		}
	}
	return nil
}

// seizeProcess seizes every thread of process pid and has each stop once
// so that it runs on under the tracer.
func (t *Tracer) seizeProcess(pid int, s Settings) (*process, error) {
	opts := ptraceOptions(s)
	var seized []int
	has := func(tid int) bool {
		for _, x := range seized {
			if x == tid {
				return true
			}
		}
		return false
	}
	// Threads may be created while we seize: list them again until no
	// new one shows up. Those made by seized threads are attached by
	// PTRACE_O_TRACECLONE anyway.
	for {
		tids, err := listThreads(pid)
		if err != nil {
			t.releaseTids(seized)
			return nil, fmt.Errorf("%d: %w", pid, syscallErrText(unix.ESRCH))
		}
		added := 0
		for _, tid := range tids {
			if has(tid) {
				continue
			}
			if err := ptrace(ptSeize, tid, 0, opts); err != nil {
				if tid == pid || err != unix.ESRCH {
					t.releaseTids(seized)
					return nil, attachError(pid, err)
				}
				continue // the thread exited meanwhile
			}
			seized = append(seized, tid)
			added++
		}
		if added == 0 {
			break
		}
	}
	p := newProcess(pid, s, true)
	t.procs[pid] = p
	for _, tid := range seized {
		t.addThread(tid, p, nil)
		_ = ptrace(ptInterrupt, tid, 0, 0)
	}
	return p, nil
}

// releaseTids detaches threads just seized, before their first stop.
func (t *Tracer) releaseTids(tids []int) {
	for _, tid := range tids {
		_ = ptrace(ptInterrupt, tid, 0, 0)
	}
	for _, tid := range tids {
		t.waitAndDetach(tid)
	}
}

// waitAndDetach waits for tid's next stop and detaches it there, passing
// on a signal that was about to be delivered.
func (t *Tracer) waitAndDetach(tid int) {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(tid, &ws, unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || !ws.Stopped() {
			return
		}
		var sig unix.Signal
		if int(ws)>>16 == 0 && ws.StopSignal() != unix.SIGTRAP|0x80 {
			sig = ws.StopSignal()
		}
		_ = ptrace(ptDetach, tid, 0, uintptr(sig))
		return
	}
}

// releaseNow detaches every thread of p before returning.
func (t *Tracer) releaseNow(p *process) {
	var tids []int
	for _, th := range t.threads {
		if th.proc == p {
			tids = append(tids, th.tid)
		}
	}
	for _, tid := range tids {
		delete(t.threads, tid)
	}
	delete(t.procs, p.pid)
	t.releaseTids(tids)
}

// startDetach begins releasing p: each of its threads is interrupted and
// detached at its next stop.
func (t *Tracer) startDetach(p *process) {
	if p.detaching {
		return
	}
	p.detaching = true
	for _, th := range t.threads {
		if th.proc == p {
			_ = ptrace(ptInterrupt, th.tid, 0, 0)
		}
	}
}

// detachAtStop detaches a thread of a process being released. A signal
// about to be delivered is delivered; a thread in a group-stop stays
// stopped.
func (t *Tracer) detachAtStop(th *thread, sig unix.Signal, event int) {
	var deliver unix.Signal
	if event == 0 && sig != unix.SIGTRAP|0x80 {
		deliver = sig
	}
	t.flush()
	t.detach(th, deliver)
}

// clear stops tracing pids (every process when empty) for fac (all
// facilities when 0). A process left with no facility is released; the
// reply waits until it is.
func (t *Tracer) clear(pids []int, fac Facilities, reply chan *Reply) *Reply {
	if len(pids) == 0 {
		for pid := range t.procs {
			pids = append(pids, pid)
		}
	}
	var waitFor []int
	for _, pid := range pids {
		p := t.procs[pid]
		if p == nil {
			continue
		}
		if fac != 0 {
			if left := p.Facilities &^ fac; left != 0 {
				p.setFacilities(left)
				continue
			}
		}
		t.startDetach(p)
		waitFor = append(waitFor, pid)
	}
	if len(waitFor) == 0 {
		t.flush()
		return &Reply{OK: true}
	}
	t.waiters = append(t.waiters, clearWaiter{pids: waitFor, reply: reply})
	return nil
}

// processReleased answers the clear requests whose processes are all gone.
func (t *Tracer) processReleased() {
	kept := t.waiters[:0]
	for _, w := range t.waiters {
		left := false
		for _, pid := range w.pids {
			if t.procs[pid] != nil {
				left = true
				break
			}
		}
		if left {
			kept = append(kept, w)
			continue
		}
		t.flush()
		w.reply <- &Reply{OK: true}
	}
	t.waiters = kept
}

// shutdown stops serving: the control socket closes, and requests that
// came too late are told to ask again.
func (t *Tracer) shutdown() {
	if t.listener != nil {
		t.listener.Close()
		t.listener = nil
	}
	for _, w := range t.waiters {
		w.reply <- &Reply{OK: true}
	}
	t.waiters = nil
	for t.reqs != nil {
		select {
		case p := <-t.reqs:
			p.reply <- &Reply{Retry: true}
		default:
			return
		}
	}
}

// listThreads returns the thread ids of process pid.
func listThreads(pid int) ([]int, error) {
	f, err := os.Open(procPath(pid, "task"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	tids := make([]int, 0, len(names))
	for _, n := range names {
		if tid, err := strconv.Atoi(n); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}

// isZombie reports whether pid has exited and waits for its parent.
func isZombie(pid int) bool {
	b, err := os.ReadFile(procPath(pid, "stat"))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// syscallErrText returns the C library's text for an errno, such as "No
// such process".
func syscallErrText(e unix.Errno) error {
	s := e.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return errors.New(s)
}

// attachError explains why pid could not be traced.
func attachError(pid int, err error) error {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return fmt.Errorf("%d: %w", pid, err)
	}
	msg := syscallErrText(errno).Error()
	if errno == unix.EPERM {
		if isZombie(pid) {
			return fmt.Errorf("%d: %s (the process has exited)", pid, msg)
		}
		var scratch [4096]byte
		if st, ok := readStatus(pid, scratch[:]); ok && st.tracerPid != 0 {
			var comm [16]byte
			readComm(st.tracerPid, &comm, scratch[:])
			return fmt.Errorf("%d: %s (already traced by %s, pid %d)", pid, msg, cstr(comm[:]), st.tracerPid)
		}
		if b, err := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope"); err == nil {
			switch strings.TrimSpace(string(b)) {
			case "1":
				return fmt.Errorf("%d: %s (Yama ptrace_scope is 1: only a process's ancestors, or root, may trace it)", pid, msg)
			case "2":
				return fmt.Errorf("%d: %s (Yama ptrace_scope is 2: only root may trace)", pid, msg)
			case "3":
				return fmt.Errorf("%d: %s (Yama ptrace_scope is 3: tracing is disabled)", pid, msg)
			}
		}
	}
	return fmt.Errorf("%d: %s", pid, msg)
}

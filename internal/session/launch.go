package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/syslog"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/procfs"
	"github.com/ktrace-linux/ktrace/internal/stdfds"
	"github.com/ktrace-linux/ktrace/tracer"
)

// helperEnv names the environment variable that turns the ktrace binary
// into one of its helper processes.
const helperEnv = stdfds.HelperEnv

// Helper roles.
const (
	roleSpawn = "spawn" // starts the tracer, detached, and exits
	roleServe = "serve" // the background tracer of one trace file
	roleExit  = "exit"  // exits at once: the tracer's doorbell
)

// helperConfig is what ktrace passes to its helpers.
type helperConfig struct {
	Role           string
	File           string // trace file name, for messages
	ForceRegisters bool
	Req            *Request // the first request
	// NoGo says ktrace has nothing to do with the tracer's pid before
	// the tracer acts on Req: the tracer does not wait for its go.
	NoGo bool
}

// File descriptors the helpers receive.
const (
	fdTraceFile  = 3
	fdFromKtrace = 4
	fdToKtrace   = 5
)

// serveFds are the descriptors a tracer serves with: the trace file and
// the two ends of the handshake with the ktrace that started it.
type serveFds struct {
	traceFile, fromKtrace, toKtrace int
}

// helperFds are the descriptors of a tracer started as a helper.
var helperFds = serveFds{fdTraceFile, fdFromKtrace, fdToKtrace}

// ExecTraced makes the calling process run cmdPath traced to the trace
// file at path, as BSD ktrace does: the tracer of that file (started if
// there is none) seizes this process, and this process then executes
// cmdPath, keeping its pid, parent, process group, terminal and exit
// status. Records start at the execve. On success ExecTraced does not
// return.
//
// It must be called from the main thread (see runtime.LockOSThread in an
// init function), the thread the tracer seizes.
func ExecTraced(path string, appendTo bool, s tracer.Settings, opts tracer.Options, cmdPath string, argv, env []string) error {
	if unix.Gettid() != os.Getpid() {
		return errors.New("ExecTraced must run on the main thread")
	}
	// Where the facilities need only some calls, a seccomp filter keeps
	// the others from stopping at all. It is built now, so that nothing
	// is traced if it cannot be, and loaded once we are traced.
	filter, err := commandFilter(s, opts)
	if err != nil {
		return err
	}
	// The command inherits no child of ours (before we are traced: the
	// wait would stop).
	stdfds.ReapStandbyParent()
	req := commandRequest(os.Getpid(), path, s, filter)
	f, err := OpenTraceFile(path, appendTo)
	if err != nil {
		return err
	}
	// Yama's ptrace_scope=1 lets only a declared tracer trace us.
	allow := func(tracerPid int) { _ = unix.Prctl(unix.PR_SET_PTRACER, uintptr(tracerPid), 0, 0, 0) }
	// From here on this thread may be traced: every system call it
	// makes stops until its execve, which closes the trace file (opened
	// close-on-exec) and the handshake's pipes.
	if err := requestFileTracer(f, path, req, opts, allow, !appendTo); err != nil {
		f.Close()
		return err
	}
	if filter != nil {
		// The tracer seized us with PTRACE_O_EXITKILL: failing here
		// ends this process, which it sees exit.
		if err := tracer.LoadSeccompFilter(filter); err != nil {
			return err
		}
	}
	// The command starts with the standard descriptors that were closed
	// when ktrace started closed, not on the runtime's /dev/null.
	if err := stdfds.CloseRuntimeOpened(); err != nil {
		return fmt.Errorf("standard descriptors: %w", err)
	}
	return &ExecError{Name: argv[0], Err: syscall.Exec(cmdPath, argv, env)}
}

// commandFilter returns the seccomp filter of a command traced with s
// (nil when every call must stop, or opts says none).
func commandFilter(s tracer.Settings, opts tracer.Options) ([]unix.SockFilter, error) {
	if opts.NoSeccomp {
		return nil, nil
	}
	return tracer.SeccompFilter(s)
}

// commandRequest returns the request that traces the process pid, about
// to execute a command under filter, with s to the trace file at path.
func commandRequest(pid int, path string, s tracer.Settings, filter []unix.SockFilter) *Request {
	return &Request{Op: "command", PIDs: []int{pid}, Facilities: s.Facilities,
		Inherit: s.Inherit, GenioSize: s.GenioSize, Syscalls: s.Syscalls, Seccomp: filter != nil, File: path,
		Comm: threadName()}
}

// handshakePipes returns the pipes of a tracer's handshake, raw and
// close-on-exec: to carries ktrace's go to the tracer, from the tracer's
// lines.
func handshakePipes() (to, from [2]int, err error) {
	if err := unix.Pipe2(to[:], unix.O_CLOEXEC); err != nil {
		return to, from, fmt.Errorf("start tracer: %w", err)
	}
	if err := unix.Pipe2(from[:], unix.O_CLOEXEC); err != nil {
		unix.Close(to[0])
		unix.Close(to[1])
		return to, from, fmt.Errorf("start tracer: %w", err)
	}
	return to, from, nil
}

// threadName returns the calling thread's name (PR_GET_NAME), or "" for
// one a Request in JSON cannot carry as it is (invalid UTF-8): the
// tracer then reads it.
func threadName() string {
	var b [16]byte
	if err := unix.Prctl(unix.PR_GET_NAME, uintptr(unsafe.Pointer(&b[0])), 0, 0, 0); err != nil {
		return ""
	}
	if name := unix.ByteSliceToString(b[:]); utf8.ValidString(name) {
		return name
	}
	return ""
}

// ExecError reports a command that could not be executed once tracing
// was in place.
type ExecError struct {
	Name string
	Err  error
}

func (e *ExecError) Error() string { return "exec " + e.Name + ": " + e.Err.Error() }

// Unwrap returns the execve error.
func (e *ExecError) Unwrap() error { return e.Err }

// Attach traces the processes pids to the trace file at path, joining
// the tracer that serves it or starting one. It returns once every thread
// of every process is traced.
func Attach(path string, appendTo bool, pids []int, s tracer.Settings, opts tracer.Options) error {
	if len(pids) == 0 {
		return errors.New("no process to trace")
	}
	f, err := OpenTraceFile(path, appendTo)
	if err != nil {
		return err
	}
	defer f.Close()
	ours, err := fileSocketPrefix(f)
	if err != nil {
		return err
	}
	// A process traced to another file moves here: its tracer lets it go.
	if err := releaseElsewhere(pids, ours); err != nil {
		return err
	}
	req := &Request{Op: "attach", PIDs: pids, Facilities: s.Facilities, Inherit: s.Inherit,
		GenioSize: s.GenioSize, Syscalls: s.Syscalls, File: path}
	return requestFileTracer(f, path, req, opts, nil, !appendTo)
}

// reachTimeout bounds how long a ktrace waits for a tracer that is
// exiting to make room for a new one.
const reachTimeout = 30 * time.Second

// requestFileTracer sends req to the tracer of the open trace file f at
// path, starting one when there is none. before runs with the tracer's
// pid before it acts on the request. A tracer on its way out (it has
// just released its last process) is waited for: its successor is
// started once it is gone. fresh says f was made anew (OpenTraceFile
// without appendTo): no tracer can serve it yet, unless another ktrace
// has just opened it with -a and started one, which ours then finds
// serving it (busy) and leaves it to; so a tracer is started without
// looking for one first (reading /proc/net/unix, whose length grows with
// the sockets of the machine).
func requestFileTracer(f *os.File, path string, req *Request, opts tracer.Options, before func(int), fresh bool) error {
	prefix, err := fileSocketPrefix(f)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(reachTimeout)
	for {
		var c *tracerConn
		if !fresh {
			if c, err = findTracer(prefix); err != nil {
				return err
			}
		}
		fresh = false
		if c != nil {
			rep, err := call(c, req, before)
			switch {
			case err == errRetry:
			case err != nil:
				return err
			case !rep.OK:
				return rep.err()
			default:
				return nil
			}
		} else if err := startTracer(f, path, req, opts, before); err != errBusy {
			return err
		}
		// The tracer is exiting, or another ktrace started one just
		// now and it is not listening yet: ask again.
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: could not reach or start its tracer", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startTracer starts the background tracer of file with req as its first
// request. The tracer is no child of ours (we may become a traced command
// that waits for its children), and in a process group of its own in our
// session, so that terminal signals do not reach it and the scheduler
// counts it with its tracees (see stdfds.DetachEnv). It is the standby
// forked at our start (see stdfds.TakeStandby), or, without one, a process
// started detached (stdfds.DetachEnv: the process we start forks it before
// its runtime starts, and exits), or, in a ktrace linked without the entry
// point that does those, one a short-lived helper starts before it exits.
func startTracer(file *os.File, path string, req *Request, opts tracer.Options, before func(int)) (err error) {
	detach := stdfds.CanDetach()
	role := roleSpawn
	if detach {
		role = roleServe
	}
	// The tracer waits for our go after saying its pid only when we
	// must declare it our tracer first: under Yama's ptrace_scope 1.
	noGo := before == nil || !yamaRelational(yamaPtraceScope)
	cfg := helperConfig{Role: role, File: path, ForceRegisters: opts.ForceRegisters, Req: req, NoGo: noGo}
	// The tracer of a command may report on the command's stderr, which
	// the command holds anyway. One started by ktrace -p must not keep
	// our stderr open once we return (a pipe would never see its end),
	// unless it is a terminal: it reports there, and to the system log.
	stderr := os.Stderr
	if req.Op != "command" && !isTerminal(stderr) {
		if stderr, err = os.Open(os.DevNull); err != nil {
			return err
		}
		defer stderr.Close()
	}
	// The standby forked at our start becomes the tracer if it can; a
	// standby that took nothing (gone before it could: it exits at once
	// where the kernel lacks close_range) leaves the job to a helper.
	link, tracerPid, err := launchTracer(cfg, file, stderr, detach)
	if errors.Is(err, errStandbyGone) {
		link, tracerPid, err = launchTracer(cfg, file, stderr, detach)
	}
	if err != nil {
		return err
	}
	defer func() {
		// A command's thread leaves them to its execve (see launchTracer).
		if err != nil || req.Op != "command" {
			link.close()
		}
	}()
	if !noGo {
		before(tracerPid)
		if err := writeAll(link.to, []byte{'g'}); err != nil {
			return fmt.Errorf("start tracer: %w", err)
		}
	}
	// The tracer takes the file's control socket (or says busy), acts on
	// req and says ok.
	line, err := link.h.readLine()
	switch strings.TrimSpace(line) {
	case "ok":
		return nil
	case "busy":
		return errBusy
	}
	return errors.New(tracerMessage(line, err))
}

// errStandbyGone reports a standby that took the configuration sent to it,
// or seemed to, and ended without a word.
var errStandbyGone = errors.New("the standby tracer is gone")

// tracerLink is the handshake with a starting tracer: our end of the pipe
// to it, and the lines it writes on the other.
type tracerLink struct {
	to int
	h  *handshake
}

// close closes our ends of the handshake.
func (l tracerLink) close() {
	unix.Close(l.to)
	unix.Close(l.h.from)
}

// launchTracer starts a tracer with configuration cfg, the trace file and
// stderr, as this process's standby if it was not taken yet, else as a
// helper; it returns the handshake and the pid the tracer says first. A
// standby that ends without saying it fails with errStandbyGone: it did
// not seize anything, and another tracer may be started.
func launchTracer(cfg helperConfig, file, stderr *os.File, detach bool) (link tracerLink, pid int, err error) {
	// Raw blocking pipes, closed on exec: the handshake runs on the
	// calling thread alone, with no help from the runtime's poller, and
	// the thread of a command waits in read when it is seized. From
	// there, every system call it makes before its execve stops for the
	// tracer, even closing these: they are left to the execve.
	to, from, err := handshakePipes()
	if err != nil {
		return link, 0, err
	}
	link = tracerLink{to: to[1], h: &handshake{from: from[0]}}
	helper := 0
	standby := false
	if sb, ok := stdfds.TakeStandby(); ok {
		standby = sendStandby(sb, appendConfig(nil, &cfg), [sbFds]int{int(file.Fd()), to[0], from[1], int(stderr.Fd())}) == nil
		unix.Close(sb)
	}
	if !standby {
		mode := helperWait
		if detach {
			mode = helperDetach
		}
		var self string
		if self, err = os.Executable(); err != nil {
			err = fmt.Errorf("find own executable: %w", err)
		} else {
			b, _ := json.Marshal(cfg)
			helper, err = startHelper(self, b, stderr, []int{int(file.Fd()), to[0], from[1]}, mode)
		}
	}
	unix.Close(to[0])
	unix.Close(from[1])
	if err != nil {
		link.close()
		return link, 0, fmt.Errorf("start tracer: %w", err)
	}
	// The tracer says its pid (then waits for our go unless the
	// configuration says noGo).
	line, err := link.h.readLine()
	if detach && !standby {
		// The process we started has forked the tracer and exited, or
		// failed to fork (the line is then missing).
		if werr := waitHelper(helper); werr != nil {
			link.close()
			return link, 0, fmt.Errorf("start tracer: %w", werr)
		}
	}
	pidStr, ok := strings.CutPrefix(strings.TrimSpace(line), "pid ")
	pid, perr := strconv.Atoi(pidStr)
	if err != nil || !ok || perr != nil {
		link.close()
		if standby && line == "" && err == io.EOF {
			return link, 0, errStandbyGone
		}
		return link, 0, fmt.Errorf("start tracer: %s", tracerMessage(line, err))
	}
	return link, pid, nil
}

// handshake reads the lines a starting tracer writes on a raw pipe.
type handshake struct {
	from int
	buf  []byte
}

// readLine returns the next line, newline included; at the end of the
// pipe, what came before it and io.EOF.
func (h *handshake) readLine() (string, error) {
	for {
		if i := bytes.IndexByte(h.buf, '\n'); i >= 0 {
			line := string(h.buf[:i+1])
			h.buf = h.buf[i+1:]
			return line, nil
		}
		var b [256]byte
		n, err := unix.Read(h.from, b[:])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return string(h.buf), err
		case n == 0:
			return string(h.buf), io.EOF
		}
		h.buf = append(h.buf, b[:n]...)
	}
}

// writeAll writes b to the raw descriptor fd.
func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// yamaPtraceScope is the file of Yama's ptrace restriction.
const yamaPtraceScope = "/proc/sys/kernel/yama/ptrace_scope"

// yamaRelational reports whether Yama lets a process be traced only by
// its ancestors and the tracer it declares (ptrace_scope 1, read from
// the file scope), or may: a scope that cannot be read counts as 1 if the
// file is there.
func yamaRelational(scope string) bool {
	var buf [16]byte
	b, err := procfs.ReadSmall(scope, buf[:])
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	return strings.TrimSpace(string(b)) == "1"
}

// tracerMessage turns what the tracer said, or did not say, into an error
// message.
func tracerMessage(line string, err error) string {
	if msg, ok := strings.CutPrefix(strings.TrimSpace(line), "error: "); ok {
		return msg
	}
	if err == io.EOF || err == nil {
		return "tracer exited before tracing started"
	}
	return err.Error()
}

// HelperMain runs this process as one of ktrace's helpers if the
// environment says so: it returns false at once otherwise. The returned
// code is the process's exit status.
func HelperMain() (isHelper bool, code int) {
	if fr, ok := WaitingFront(); ok {
		return true, fr.Release()
	}
	if sock, ok := stdfds.StandbyFd(); ok {
		return true, standbyMain(sock)
	}
	v, ok := os.LookupEnv(helperEnv)
	if !ok {
		return false, 0
	}
	var cfg helperConfig
	if err := json.Unmarshal([]byte(v), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "ktrace: bad helper configuration: %v\n", err)
		return true, 2
	}
	switch cfg.Role {
	case roleExit:
		return true, 0
	case roleSpawn:
		return true, spawnTracer(cfg)
	case roleServe:
		ignoreSignals()
		return true, serveMain(cfg, helperFds, nil)
	}
	fmt.Fprintf(os.Stderr, "ktrace: unknown helper role %q\n", cfg.Role)
	return true, 2
}

// spawnTracer starts the tracer in a process group of its own and exits: the
// tracer is reparented to init (or the nearest subreaper). It serves a
// ktrace linked without stdfds.LinkFlag, which cannot start the tracer
// detached.
func spawnTracer(cfg helperConfig) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ktrace: find own executable: %v\n", err)
		return 1
	}
	cfg.Role = roleServe
	b, _ := json.Marshal(cfg)
	if _, err := startHelper(self, b, os.Stderr, []int{fdTraceFile, fdFromKtrace, fdToKtrace}, helperSetpgid); err != nil {
		fmt.Fprintf(os.Stderr, "ktrace: start tracer: %v\n", err)
		return 1
	}
	return 0
}

// How startHelper starts a helper.
type helperMode int

const (
	helperChild   helperMode = iota // a child of ours, in our session
	helperSetpgid                   // a child of ours, in a process group of its own
	helperWait                      // a child of ours whose exit (status 0) is waited for
	// helperDetach: a child of ours that forks the helper, detached
	// (stdfds.DetachEnv), and exits; the caller reaps it with
	// waitHelper.
	helperDetach
)

// startHelper starts this binary as a helper with configuration cfg,
// standard input and output on /dev/null, stderr, and extra as
// descriptors 3 and up, as mode says, and returns the pid of the process
// it started. It uses syscall.ForkExec rather than os/exec, which probes
// the kernel for pidfd support by forking the first time it starts a
// process: a start-up cost ktrace would pay twice for nothing.
func startHelper(self string, cfg []byte, stderr *os.File, extra []int, mode helperMode) (int, error) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	fds := []uintptr{null.Fd(), null.Fd(), stderr.Fd()}
	for _, fd := range extra {
		fds = append(fds, uintptr(fd))
	}
	env := []string{helperEnv + "=" + string(cfg)}
	if mode == helperDetach {
		env = append([]string{stdfds.DetachEnv}, env...)
	}
	pid, err := syscall.ForkExec(self, []string{self}, &syscall.ProcAttr{
		Env:   env,
		Files: fds,
		Sys:   &syscall.SysProcAttr{Setpgid: mode == helperSetpgid},
	})
	if err != nil || mode != helperWait {
		return pid, err
	}
	return pid, waitHelper(pid)
}

// waitHelper waits for the helper pid to exit, and fails if it did not
// exit 0.
func waitHelper(pid int) error {
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if !ws.Exited() || ws.ExitStatus() != 0 {
			return fmt.Errorf("helper %d ended with status %#x", pid, int(ws))
		}
		return nil
	}
}

// ignoreSignals ignores the signals a background tracer must not die or
// stop of: its stderr gone, its terminal's, its session's end.
func ignoreSignals() {
	signal.Ignore(syscall.SIGPIPE, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT,
		syscall.SIGTSTP, syscall.SIGTTOU, syscall.SIGTTIN)
}

// serveMain is the background tracer of one trace file. The caller has
// ignored the tracer's signals (ignoreSignals). ready, if not nil, is
// called once the request is done, before ok is said and tracing starts:
// a waiting front told to execute then runs before whoever reads the ok,
// whose thread shares its CPU for a while (stdfds.HelpersPinned).
func serveMain(cfg helperConfig, fds serveFds, ready func()) int {
	runtime.LockOSThread()
	// In a standby whose runtime started on one CPU, the tracer may run
	// on any (or spins for stops in vain, see tracer.waiter); failing,
	// it stays there, which costs time only.
	_ = stdfds.UnpinThread()
	nameTracer()
	file := os.NewFile(uintptr(fds.traceFile), cfg.File)
	from := os.NewFile(uintptr(fds.fromKtrace), "from-ktrace")
	to := os.NewFile(uintptr(fds.toKtrace), "to-ktrace")
	fail := func(err error) int {
		fmt.Fprintf(to, "error: %v\n", err)
		return 1
	}
	_, _ = to.WriteString("pid " + strconv.Itoa(os.Getpid()) + "\n")
	if cfg.NoGo {
		// ktrace writes nothing, but holds the other end until it
		// execs or returns: if it is closed already, ktrace is gone
		// and its pid must not be seized.
		pfd := []unix.PollFd{{Fd: int32(fds.fromKtrace), Events: unix.POLLIN}}
		if n, _ := unix.Poll(pfd, 0); n > 0 && pfd[0].Revents&unix.POLLHUP != 0 {
			return 1
		}
	} else {
		var b [1]byte
		if n, _ := from.Read(b[:]); n != 1 {
			return 1 // ktrace is gone
		}
	}
	from.Close()
	if cfg.Req == nil {
		return fail(errors.New("no request"))
	}
	w := format.NewWriter(file)
	// Appended to a version 1 trace, records stay in version 1, so
	// that the file stays one an older kdump reads. A new file (empty)
	// is written in the current version without a read.
	var st unix.Stat_t
	if err := unix.Fstat(fds.traceFile, &st); err != nil || st.Size > 0 {
		if err := w.SetVersion(format.AppendVersion(io.NewSectionReader(file, 0, format.MaxRecordLen))); err != nil {
			return fail(err)
		}
	}
	t, err := tracer.New(w, tracer.Options{ForceRegisters: cfg.ForceRegisters})
	if err != nil {
		return fail(err)
	}
	srv, err := listen(t, file, cfg.File)
	if err != nil {
		if err == errBusy {
			fmt.Fprintln(to, "busy")
			return 0
		}
		return fail(err)
	}
	if err := tracer.WriteStart(w); err != nil {
		srv.Shutdown()
		return fail(err)
	}
	if rep := srv.handle(cfg.Req, nil); rep == nil || !rep.OK {
		srv.Shutdown()
		if rep == nil {
			return fail(errors.New("request not done"))
		}
		return fail(errors.New(rep.Error))
	}
	if ready != nil {
		ready()
	}
	to.Write([]byte("ok\n"))
	to.Close()
	// The tracer holds the command's stderr: whoever reads the command's
	// output to its end (a shell's $(...), a test harness) waits for the
	// tracer too. Let it go as soon as the trace is written, rather than
	// once the control socket's goroutine and the flusher have stopped
	// (handoffs between threads), or when the exit has stopped the
	// runtime's threads and unmapped their memory (the kernel closes
	// descriptors last). Tracing that stops on an error keeps it, to say
	// why.
	closeStderr := sync.OnceFunc(func() { _ = unix.Close(2) })
	srv.ended = closeStderr
	code := 0
	if err := t.Run(srv); err != nil {
		report(ErrorText(err), cfg.Req.Op == "command")
		code = 1
	}
	closeStderr()
	return code
}

// report says why tracing stopped. A command's tracer says it on the
// command's stderr. One started by ktrace -p or -g has no one waiting for
// it: it says it on the terminal of the ktrace that started it (its
// stderr, kept only when that is a terminal), and in the system log
// (syslog with the tag ktrace, or the kernel log where there is no
// syslog), as ktrace(1) says.
func report(msg string, command bool) {
	if command || isTerminal(os.Stderr) {
		fmt.Fprintf(os.Stderr, "ktrace: %s\n", msg)
	}
	if command {
		return
	}
	if l, err := syslog.New(syslog.LOG_ERR|syslog.LOG_USER, "ktrace"); err == nil {
		_ = l.Err(msg)
		l.Close()
		return
	}
	if kmsg, err := os.OpenFile("/dev/kmsg", os.O_WRONLY, 0); err == nil {
		fmt.Fprintf(kmsg, "<3>ktrace[%d]: %s\n", os.Getpid(), msg)
		kmsg.Close()
	}
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

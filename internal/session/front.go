package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/stdfds"
	"github.com/ktrace-linux/ktrace/tracer"
)

// Front is the ktrace process that forked this standby and waits, before
// its runtime starts, for the standby to run its command line (see
// stdfds.WaitingFront). Running a command, the standby becomes the
// command's tracer and has the front execute it: a traced command then
// waits for one Go runtime's start, not two. Any other command line the
// front runs itself, once told to (Release).
type Front struct {
	sock int // reaches the front
	pid  int // the front's
}

// WaitingFront returns the front that waits for this process, if this
// process is the standby of one, and has the threads of its runtime,
// started on the front's CPU (see stdfds), given every CPU back
// stdfds.HelpersPinned later.
func WaitingFront() (*Front, bool) {
	sock, pid, ok := stdfds.WaitingFront()
	if !ok {
		return nil, false
	}
	time.AfterFunc(stdfds.HelpersPinned, unpinHelpers)
	return &Front{sock: sock, pid: pid}, true
}

// unpinHelpers gives the threads of a standby whose runtime started on one
// CPU (see stdfds) the whole mask back, the tracer's own having left that
// CPU as it started (serveMain). The runtime chose GOMAXPROCS from the one
// CPU: it takes the default for the whole mask, or keeps what it has if
// that is more (the tracer's least, see tracer.waiter).
func unpinHelpers() {
	_ = stdfds.UnpinThreads() // a thread left pinned costs time only
	n := runtime.GOMAXPROCS(0)
	runtime.SetDefaultGOMAXPROCS()
	if runtime.GOMAXPROCS(0) < n {
		runtime.GOMAXPROCS(n)
	}
}

// Release tells the front to run its command line itself, and goes on as
// its standby: it returns this process's exit status.
func (fr *Front) Release() int {
	if err := fr.send([]byte{stdfds.FrontRun}); err != nil {
		return 0 // the front is gone
	}
	// The front's standard error was kept for this process's messages
	// as the command's tracer: a standby holds none of the front's files.
	if null, err := unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0); err == nil {
		_ = unix.Dup3(null, 2, 0)
		unix.Close(null)
	}
	return standbyMain(fr.sock)
}

// send sends the front msg.
func (fr *Front) send(msg []byte) error {
	for {
		err := unix.Sendmsg(fr.sock, msg, nil, nil, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			return err
		}
	}
}

// ExecTraced is ExecTraced for the front: the front executes cmdPath,
// with the arguments from argv[argIndex] of its own, traced to the trace
// file at path (appended to with appendTo) by this process, or by the
// tracer that serves it already. It returns false, having done nothing,
// where the front must run its command line itself (Release): under
// Yama's ptrace_scope 1 (the front would have to declare its tracer
// first), or when anything fails before the trace file is open, so that
// the front says why. Otherwise it returns this process's exit status
// once tracing ends.
func (fr *Front) ExecTraced(path string, appendTo bool, s tracer.Settings, opts tracer.Options, cmdPath string, argIndex int) (code int, ok bool) {
	if yamaRelational(yamaPtraceScope) || argIndex <= 0 || argIndex >= len(os.Args) {
		return 0, false
	}
	filter, err := commandFilter(s, opts)
	if err != nil {
		return 0, false
	}
	msg, ok := execMessage(filter, cmdPath, argIndex, os.Geteuid() != 0)
	if !ok || fr.gone() {
		return 0, false
	}
	// With -a, a tracer may serve the file already: this one finds it
	// busy and leaves the front to that one (follow).
	f, err := OpenTraceFile(path, appendTo)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	// The tracer serves a descriptor of its own: it closes it, and f's
	// finalizer must not close another file that takes its number.
	traceFd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return fr.fail(fmt.Errorf("%s: %w", path, err), 1), true
	}
	to, from, err := handshakePipes()
	if err != nil {
		unix.Close(traceFd)
		return fr.fail(err, 1), true
	}
	req := commandRequest(fr.pid, path, s, filter)
	req.StopsItself = true // see execMessage
	cfg := helperConfig{Role: roleServe, File: path, ForceRegisters: opts.ForceRegisters, Req: req, NoGo: true}
	// This thread (the main one) serves as the tracer, and has the front
	// execute the command once it is traced (sent, then the tracer's ok
	// said). Another takes the tracer's answers as the front's ktrace
	// would, and then the front's.
	done := make(chan int, 1)
	sent := make(chan error, 1)
	go func() {
		defer unix.Close(to[1])
		done <- fr.follow(&handshake{from: from[0]}, f, path, req, opts, msg, argIndex, sent)
	}()
	ignoreSignals()
	code = serveMain(cfg, serveFds{traceFile: traceFd, fromKtrace: to[0], toKtrace: from[1]}, func() { sent <- fr.send(msg) })
	if fcode := <-done; fcode != 0 {
		code = fcode
	}
	return code, true
}

// follow reads the answers of the tracer started for the front on h, as
// startTracer does: before its ok, the tracer sends the front msg (and
// what that gave on sent). A tracer that finds the file served
// already (another ktrace added to it just now) leaves the front to that
// one's tracer, asked as requestFileTracer asks, and follow sends msg.
// Failures are the front's: follow says them on the standard error (the
// front's) and has the front exit, with 1, or 126 or 127 for an execve
// that failed as the shell's would. It returns the status it had the
// front exit with, or 0.
func (fr *Front) follow(h *handshake, f *os.File, path string, req *Request, opts tracer.Options, msg []byte, argIndex int, sent <-chan error) int {
	defer unix.Close(h.from)
	line, err := h.readLine()
	if strings.HasPrefix(line, "pid ") {
		line, err = h.readLine()
	}
	switch strings.TrimSpace(line) {
	case "ok":
		err = <-sent
	case "busy":
		if err := requestFileTracer(f, path, req, opts, nil, false); err != nil {
			return fr.fail(err, 1)
		}
		err = fr.send(msg)
	default:
		return fr.fail(errors.New(tracerMessage(line, err)), 1)
	}
	if err != nil {
		return 0 // the front is gone: its tracer sees it
	}
	var reply [stdfds.FrontReplyLen]byte
	n, err := unix.Read(fr.sock, reply[:])
	for err == unix.EINTR {
		n, err = unix.Read(fr.sock, reply[:])
	}
	if n != len(reply) || reply[0] != stdfds.FrontFailed {
		return 0 // the front executed the command, or is gone
	}
	errno := syscall.Errno(binary.NativeEndian.Uint32(reply[4:]))
	switch reply[1] {
	case stdfds.FrontStepNoNewPrivs:
		return fr.fail(fmt.Errorf("seccomp: no_new_privs: %w", errno), 1)
	case stdfds.FrontStepFilter:
		return fr.fail(fmt.Errorf("seccomp: load filter: %w", errno), 1)
	}
	code := 126
	if errno == unix.ENOENT {
		code = 127
	}
	fmt.Fprintf(os.Stderr, "ktrace: %v\n", &ExecError{Name: os.Args[argIndex], Err: errno})
	fr.quit(code)
	return code
}

// fail says err as ktrace does and has the front exit with code, which it
// returns. A front that is gone (killed) hears nothing of it.
func (fr *Front) fail(err error, code int) int {
	if fr.gone() {
		return code
	}
	fmt.Fprintf(os.Stderr, "ktrace: %s\n", ErrorText(err))
	fr.quit(code)
	return code
}

// quit has the front exit with code.
func (fr *Front) quit(code int) { _ = fr.send([]byte{stdfds.FrontQuit, byte(code)}) }

// gone reports whether the front is gone (its end of the pair closed):
// its pid must not be seized then.
func (fr *Front) gone() bool {
	pfd := []unix.PollFd{{Fd: int32(fr.sock), Events: unix.POLLIN}}
	n, _ := unix.Poll(pfd, 0)
	return n > 0 && pfd[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0
}

// execMessage returns the stdfds.FrontExec message for cmdPath, argv from
// the front's argv[argIndex] and filter (none if empty), with no_new_privs
// set first if noNewPrivs, in the host's byte order; false if it is too
// long for the front. Without a filter the front stops itself before its
// execve (stdfds.FrontStopSelf); with one the execve stops there: either
// way its tracer need not stop it (Request.StopsItself).
func execMessage(filter []unix.SockFilter, cmdPath string, argIndex int, noNewPrivs bool) ([]byte, bool) {
	n := stdfds.FrontExecHeader + 8*len(filter) + len(cmdPath) + 1
	if n > stdfds.FrontMsgMax || len(filter) > 0xffff || strings.IndexByte(cmdPath, 0) >= 0 {
		return nil, false
	}
	msg := make([]byte, stdfds.FrontExecHeader, n)
	msg[0] = stdfds.FrontExec
	switch {
	case len(filter) == 0:
		msg[1] = stdfds.FrontStopSelf
	case noNewPrivs:
		msg[1] = stdfds.FrontNoNewPrivs
	}
	binary.NativeEndian.PutUint16(msg[2:], uint16(len(filter)))
	binary.NativeEndian.PutUint32(msg[4:], uint32(argIndex))
	for _, ins := range filter {
		msg = binary.NativeEndian.AppendUint16(msg, ins.Code)
		msg = append(msg, ins.Jt, ins.Jf)
		msg = binary.NativeEndian.AppendUint32(msg, ins.K)
	}
	msg = append(msg, cmdPath...)
	return append(msg, 0), true
}

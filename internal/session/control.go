// Package session is ktrace's background tracer and its clients: one
// tracer process per trace file, found through a control socket named
// after the file, that runs the ptrace engine (package tracer) and takes
// requests (trace a command, attach, clear, status) from ktrace commands.
// The client side starts that tracer, or joins it, and clears tracing.
package session

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/procfs"
	"github.com/ktrace-linux/ktrace/tracer"
)

// Each background tracer serves one trace file. It holds an exclusive
// flock on the file, so that one tracer serves it, and listens on an
// abstract Unix socket named after the file's owner and identity with a
// random suffix: "ktrace.<uid>.<dev>.<ino>.<random>". A ktrace that needs
// the file's tracer lists the listening sockets of that prefix and takes
// the one whose peer is a process of the uid the name says. Anyone can
// bind any abstract name, but a name of another uid's prefix is not
// taken, and the random suffix leaves nothing to squat: no user can keep
// another from reaching or starting a tracer. Abstract sockets leave
// nothing in the file system, and the server checks every peer's
// credentials: only the tracer's owner, or root, may command it.

// socketPrefix starts the name of every tracer's control socket.
const socketPrefix = "ktrace."

// filePrefix returns the start of the control socket names of the tracer
// of uid that serves the file with identity dev, ino.
func filePrefix(uid int, dev, ino uint64) string {
	return fmt.Sprintf("%s%d.%d.%d.", socketPrefix, uid, dev, ino)
}

// fileSocketPrefix returns filePrefix for the caller and an open trace
// file.
func fileSocketPrefix(f *os.File) (string, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return "", fmt.Errorf("%s: %w", f.Name(), err)
	}
	return filePrefix(os.Geteuid(), st.Dev, st.Ino), nil
}

// newSocketName returns a fresh control socket name of prefix: 64 bits
// from the kernel's random source (getrandom(2), what crypto/rand reads
// on Linux: the package, and the cryptography packages it brings, would
// cost every ktrace start their initialisation).
func newSocketName(prefix string) (string, error) {
	var b [8]byte
	for n := 0; n < len(b); {
		m, err := unix.Getrandom(b[n:], 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("control socket name: %w", err)
		}
		n += m
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

// socketUID returns the uid a control socket name says, or -1.
func socketUID(name string) int {
	owner, _, _ := strings.Cut(strings.TrimPrefix(name, socketPrefix), ".")
	uid, err := strconv.Atoi(owner)
	if err != nil || !strings.HasPrefix(name, socketPrefix) {
		return -1
	}
	return uid
}

// Request is a command sent to a tracer.
type Request struct {
	// Op is "command" (trace a process about to exec, from its execve),
	// "attach", "clear" or "status".
	Op   string
	PIDs []int
	// Facilities to add (command, attach) or remove (clear; 0 removes
	// all).
	Facilities tracer.Facilities
	Inherit    bool
	GenioSize  int
	// Syscalls restricts the records to these calls (see Settings).
	Syscalls []string
	// Seccomp says the command will run under ktrace's seccomp filter
	// ("command" only).
	Seccomp bool
	// File is the trace file's name, for messages.
	File string
	// Comm is the name of the process of a "command", which its
	// execve's records carry; "" leaves the tracer to read it.
	Comm string `json:",omitempty"`
	// StopsItself says the process of a "command" stops by itself
	// before its execve (a waiting front, see stdfds.FrontStopSelf):
	// the tracer seizes it without stopping it.
	StopsItself bool `json:",omitempty"`
}

// Reply is a tracer's answer.
type Reply struct {
	OK bool
	// Error says what failed, ready to print after "ktrace: ", and
	// Errno is the errno behind it, or 0.
	Error string
	Errno int
	// Retry says the tracer is exiting: ask again (a new tracer starts).
	Retry bool
	// PID is the tracer's pid and Traced the processes it traces
	// (status).
	PID    int
	Traced []int
	File   string
}

// errorReply returns the reply that reports err.
func errorReply(err error) *Reply {
	rep := &Reply{Error: ErrorText(err)}
	var errno unix.Errno
	if errors.As(err, &errno) {
		rep.Errno = int(errno)
	}
	return rep
}

// err returns the error a failed reply reports, with its errno.
func (r *Reply) err() error {
	return &replyError{msg: r.Error, errno: unix.Errno(r.Errno)}
}

// replyError is an error reported by a tracer.
type replyError struct {
	msg   string
	errno unix.Errno
}

func (e *replyError) Error() string { return e.msg }

// Unwrap returns the errno behind the error, if any.
func (e *replyError) Unwrap() error {
	if e.errno == 0 {
		return nil
	}
	return e.errno
}

// ErrorText returns the message for err as ktrace prints it: an errno's
// text is the C library's, capitalised ("4242: No such process").
func ErrorText(err error) string {
	msg := err.Error()
	var errno unix.Errno
	if errors.As(err, &errno) {
		if text := errno.Error(); text != "" {
			if i := strings.LastIndex(msg, text); i >= 0 {
				msg = msg[:i] + strings.ToUpper(text[:1]) + msg[i+1:]
			}
		}
	}
	return msg
}

// errRetry reports a tracer that is on its way out.
var errRetry = errors.New("tracer is exiting")

// tracerConn is a connection to a tracer's control socket.
type tracerConn struct {
	*net.UnixConn
	pid int // the tracer's
}

// dialTracer connects to the control socket name, and checks that a
// process of the uid the name says listens there. It returns nil and no
// error when no tracer of that uid listens there (it has just exited, or
// the name was taken by another user).
func dialTracer(name string) (*tracerConn, error) {
	uid := socketUID(name)
	if uid < 0 {
		return nil, nil
	}
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: "@" + name, Net: "unix"})
	if err != nil {
		// Only a lack of resources on our side is an error. A socket that
		// refuses us (gone, or a squatter's whose backlog it keeps full,
		// EAGAIN) is no tracer of ours: a tracer accepts at once, and its
		// listen backlog is the system's largest.
		if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) ||
			errors.Is(err, unix.ENOMEM) || errors.Is(err, unix.ENOBUFS) {
			return nil, fmt.Errorf("connect to tracer: %w", err)
		}
		return nil, nil
	}
	cred, err := peerCred(c)
	if err != nil || int(cred.Uid) != uid {
		c.Close()
		return nil, nil
	}
	return &tracerConn{UnixConn: c, pid: int(cred.Pid)}, nil
}

// peerCred returns the credentials of the process at the other end of c.
func peerCred(c *net.UnixConn) (*unix.Ucred, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var cerr error
	err = raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err == nil {
		err = cerr
	}
	return cred, err
}

// findTracer returns a connection to the tracer whose control socket
// names start with prefix, or nil when there is none.
func findTracer(prefix string) (*tracerConn, error) {
	names, err := procfs.ListeningAbstract(prefix)
	if err != nil {
		return nil, fmt.Errorf("list tracers: %w", err)
	}
	for _, name := range names {
		c, err := dialTracer(name)
		if err != nil {
			return nil, err
		}
		if c != nil {
			return c, nil
		}
	}
	return nil, nil
}

// call sends req on c and reads the reply. before runs once the tracer's
// pid is known, before the request is sent (to allow it to trace us). A
// tracer that goes away while we ask, or says it is exiting, is errRetry.
func call(c *tracerConn, req *Request, before func(tracerPid int)) (*Reply, error) {
	defer c.Close()
	if before != nil {
		before(c.pid)
	}
	if err := json.NewEncoder(c).Encode(req); err != nil {
		return nil, errRetry
	}
	var rep Reply
	if err := json.NewDecoder(bufio.NewReader(c)).Decode(&rep); err != nil {
		return nil, errRetry
	}
	rep.PID = c.pid
	if rep.Retry {
		return nil, errRetry
	}
	return &rep, nil
}

// listTracerSockets returns the names of the tracer control sockets on
// this machine (in this network namespace) of uid, or of every uid when
// uid is -1.
func listTracerSockets(uid int) ([]string, error) {
	prefix := socketPrefix
	if uid >= 0 {
		prefix += strconv.Itoa(uid) + "."
	}
	names, err := procfs.ListeningAbstract(prefix)
	if err != nil {
		return nil, fmt.Errorf("list tracers: %w", err)
	}
	return names, nil
}

// serveControl accepts commands on l and hands them to the tracer thread
// through reqs, ringing the doorbell so that it wakes from wait4. It
// returns when l is closed.
func serveControl(l *net.UnixListener, reqs chan<- pending, ring func()) {
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			enc := json.NewEncoder(c)
			cred, err := peerCred(c)
			if err != nil || (int(cred.Uid) != os.Geteuid() && cred.Uid != 0) {
				_ = enc.Encode(Reply{Error: "permission denied: not the tracer's owner"})
				return
			}
			var req Request
			if err := json.NewDecoder(c).Decode(&req); err != nil {
				return
			}
			p := pending{req: &req, caller: int(cred.Pid), reply: make(chan *Reply, 1)}
			reqs <- p
			ring()
			_ = c.SetDeadline(time.Time{})
			_ = enc.Encode(<-p.reply)
		}()
	}
}

// pending is a request waiting for the tracer thread.
type pending struct {
	req    *Request
	caller int // pid of the requesting ktrace
	reply  chan *Reply
}

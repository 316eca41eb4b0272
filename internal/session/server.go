package session

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/tracer"
)

// errBusy reports that another tracer already serves the trace file.
var errBusy = errors.New("another tracer serves this file")

// server is the background tracer's side of a session: it owns the trace
// file's control socket and drives the engine with the requests that
// come in, from the engine's thread (it is the engine's Controller).
type server struct {
	t        *tracer.Tracer
	file     *os.File
	fileName string
	listener net.Listener
	reqs     chan pending
	waiters  []clearWaiter
	// ended is called when tracing ended with the trace written (see
	// tracer.Controller), or is nil.
	ended func()
}

// clearWaiter is a clear request waiting for its processes to be
// released.
type clearWaiter struct {
	pids  []int // those not yet released
	reply chan *Reply
}

// listen makes a server for t of file: it locks the file, so that no
// other tracer serves it, and listens on a new control socket. It
// returns errBusy when another tracer serves file.
func listen(t *tracer.Tracer, file *os.File, name string) (*server, error) {
	if err := unix.Flock(int(file.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		if err == unix.EWOULDBLOCK {
			return nil, errBusy
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	prefix, err := fileSocketPrefix(file)
	if err != nil {
		return nil, err
	}
	var l *net.UnixListener
	for attempt := 0; ; attempt++ {
		sock, err := newSocketName(prefix)
		if err != nil {
			return nil, err
		}
		l, err = listenAbstract(sock)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EADDRINUSE) || attempt == 3 {
			return nil, fmt.Errorf("control socket: %w", err)
		}
	}
	s := &server{t: t, file: file, fileName: name, listener: l, reqs: make(chan pending, 16)}
	go serveControl(l, s.reqs, ringDoorbell)
	return s, nil
}

// controlBacklog is the control socket's backlog: ktrace commands that may
// wait to be accepted at once.
const controlBacklog = 128

// listenAbstract listens on a new stream socket bound to the abstract
// name, without what net.ListenUnix does at its first call in a process,
// which a traced command waits for: read the system's largest backlog
// from /proc.
func listenAbstract(name string) (*net.UnixListener, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "@"+name)
	defer f.Close()
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: "@" + name}); err != nil {
		return nil, err
	}
	if err := unix.Listen(fd, controlBacklog); err != nil {
		return nil, err
	}
	l, err := net.FileListener(f) // a non-blocking duplicate of fd
	if err != nil {
		return nil, err
	}
	return l.(*net.UnixListener), nil
}

// ringDoorbell wakes the tracer thread from wait4: it starts a child that
// exits at once, whose exit wait4 reports. The tracer's wait4 reaps it:
// nothing else may wait for it, or wait4 could sleep on.
func ringDoorbell() {
	_, _ = startHelper("/proc/self/exe", []byte(`{"Role":"exit"}`), os.Stderr, nil, helperChild)
}

// Serve answers the requests that have arrived. It runs after every stop,
// and almost every time there is none: the channel's length says so
// before a select. A request sent meanwhile is not lost: its sender rings
// the doorbell once it is in the channel, and the wake-up from wait4
// comes back here.
func (s *server) Serve() {
	if len(s.reqs) == 0 {
		return
	}
	for {
		select {
		case p := <-s.reqs:
			if rep := s.handle(p.req, p.reply); rep != nil {
				p.reply <- rep
			}
		default:
			return
		}
	}
}

// handle carries out a request. It returns the reply, or nil when the
// reply is sent on reply later (a clear waits for its processes).
func (s *server) handle(req *Request, reply chan *Reply) *Reply {
	set := tracer.Settings{Facilities: req.Facilities, Inherit: req.Inherit, GenioSize: req.GenioSize,
		Syscalls: req.Syscalls}
	switch req.Op {
	case "command":
		set.Seccomp = req.Seccomp
		if len(req.PIDs) != 1 {
			return errorReply(errors.New("command: one pid expected"))
		}
		seize := s.t.SeizeCommand
		if req.StopsItself {
			seize = s.t.SeizeStoppingCommand
		}
		if err := seize(req.PIDs[0], req.Comm, set); err != nil {
			return errorReply(err)
		}
	case "attach":
		if err := s.t.AttachAll(req.PIDs, set); err != nil {
			return errorReply(err)
		}
	case "clear":
		releasing := s.t.Release(req.PIDs, req.Facilities)
		if len(releasing) > 0 {
			s.waiters = append(s.waiters, clearWaiter{pids: releasing, reply: reply})
			return nil
		}
	case "status":
		return &Reply{OK: true, File: s.fileName, Traced: s.t.Traced()}
	default:
		return errorReply(fmt.Errorf("unknown request %q", req.Op))
	}
	s.t.Flush()
	return &Reply{OK: true}
}

// Released answers the clear requests whose processes are all released.
// A waiter counts each of its processes once it has been released: one
// traced again since (by another request) is not waited for again.
func (s *server) Released(pid int) {
	kept := s.waiters[:0]
	for _, w := range s.waiters {
		w.pids = slices.DeleteFunc(w.pids, func(p int) bool { return p == pid })
		if len(w.pids) > 0 {
			kept = append(kept, w)
			continue
		}
		s.t.Flush()
		w.reply <- &Reply{OK: true}
	}
	s.waiters = kept
}

// Ended runs the server's ended function, if it has one.
func (s *server) Ended() {
	if s.ended != nil {
		s.ended()
	}
}

// Shutdown stops serving: the control socket closes, and requests that
// came too late are told to ask again.
func (s *server) Shutdown() {
	if s.listener != nil {
		s.listener.Close()
		s.listener = nil
	}
	for _, w := range s.waiters {
		w.reply <- &Reply{OK: true}
	}
	s.waiters = nil
	for {
		select {
		case p := <-s.reqs:
			p.reply <- &Reply{Retry: true}
		default:
			return
		}
	}
}

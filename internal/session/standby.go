package session

import (
	"errors"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// The standby (see stdfds): a process forked at ktrace's start, before
// either runtime, that becomes the background tracer when this ktrace
// needs one. startTracer sends it the tracer's configuration and
// descriptors in one message on the socket pair, instead of starting a
// helper; a standby that gets nothing (this ktrace needed no tracer, or
// joined one that runs) sees the end of the socket and exits.

// The descriptors a standby receives, in the order they are sent. It
// serves with them where they land (the runtime may hold descriptors of
// its own by then, its poller's, so none is moved to a number of our
// choosing), but for the standard error, which goes to descriptor 2.
const (
	sbTraceFile = iota
	sbFromKtrace
	sbToKtrace
	sbStderr
	sbFds
)

// maxStandbyMsg bounds the configuration a standby receives. A larger one
// (a -g of many thousand processes) is not sent, and the tracer is started
// as a helper instead.
const maxStandbyMsg = 128 << 10

// sendStandby sends the standby reached by sock its configuration cfg and
// descriptors fds (by the sb constants). It fails if the standby is gone,
// or cfg is too large.
func sendStandby(sock int, cfg []byte, fds [sbFds]int) error {
	if len(cfg) > maxStandbyMsg {
		return unix.EMSGSIZE
	}
	err := unix.Sendmsg(sock, cfg, unix.UnixRights(fds[:]...), nil, unix.MSG_NOSIGNAL)
	for err == unix.EINTR {
		err = unix.Sendmsg(sock, cfg, unix.UnixRights(fds[:]...), nil, unix.MSG_NOSIGNAL)
	}
	return err
}

// standbyMain is the standby process: it waits on sock for the
// configuration of a tracer and its descriptors, puts them where a helper
// started with them would have them, and serves as that tracer. It exits
// quietly at the end of the socket.
func standbyMain(sock int) int {
	ignored := make(chan struct{})
	go warmUp(ignored)
	buf := make([]byte, maxStandbyMsg)
	oob := make([]byte, unix.CmsgSpace(4*sbFds))
	var n, oobn, flags int
	var err error
	for {
		n, oobn, flags, _, err = unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	unix.Close(sock)
	if err != nil || n == 0 {
		return 0 // ktrace needed no tracer, or is gone
	}
	fds, ferr := receivedFds(oob[:oobn])
	cfg, cerr := parseConfig(buf[:n])
	if ferr != nil || flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0 || cerr != nil || cfg.Role != roleServe {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return 2
	}
	if err := unix.Dup3(fds[sbStderr], 2, 0); err != nil {
		return 1
	}
	unix.Close(fds[sbStderr])
	<-ignored
	return serveMain(cfg, serveFds{fds[sbTraceFile], fds[sbFromKtrace], fds[sbToKtrace]}, nil)
}

// warmUp does, while the standby waits, what the calls a tracer makes
// between taking its configuration and answering ktrace do only the first
// time in a process, and ktrace's command waits for that answer: the
// runtime starts the thread it starts threads from at the first
// runtime.LockOSThread and its poller at the first descriptor it is
// given, the kernel sets up a process's first getrandom (the control
// socket's name). What they return is thrown away. First it ignores the
// signals a tracer ignores (ignoreSignals, which serveMain wants done),
// and closes ignored.
func warmUp(ignored chan<- struct{}) {
	ignoreSignals()
	close(ignored)
	runtime.LockOSThread()
	runtime.UnlockOSThread()
	if f, err := os.Open(os.DevNull); err == nil {
		f.Close()
	}
	var b [8]byte
	_, _ = unix.Getrandom(b[:], unix.GRND_NONBLOCK)
}

// receivedFds returns the descriptors of the SCM_RIGHTS message in oob,
// which must be sbFds of them.
func receivedFds(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, err
	}
	var fds []int
	for i := range msgs {
		if r, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, r...)
		}
	}
	if len(fds) != sbFds {
		return fds, errors.New("standby: " + strconv.Itoa(len(fds)) + " descriptors received")
	}
	return fds, nil
}

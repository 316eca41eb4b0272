package tracer

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelSigaction is the kernel's struct sigaction for rt_sigaction on
// amd64 and arm64.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// sigDfl is SIG_DFL, the default action, as a handler.
const sigDfl = 0

// defaultSIGCHLD gives SIGCHLD its default action in the tracer's
// process, so that the kernel drops the SIGCHLD a tracee's stop or end
// sends the tracer before it reaches any thread. wait4 is woken all the
// same. The Go runtime catches every signal, SIGCHLD too: each one would
// interrupt some thread of the runtime, often wake it on another CPU, run
// the runtime's handler and send the thread back to sleep, for nothing
// (the tracer asks for no SIGCHLD). In a fork tree that was one signal
// per process: 6% of the traced tree's time on two CPUs, 0.4-0.7 ms of
// a traced true(1); on one CPU shared with the tracees, no gain (the
// tree took 2-3% longer in some runs, within this machine's noise).
//
// The default action, not SIG_IGN: an ignored SIGCHLD would also have
// the kernel reap the tracer's own children (its doorbell) before wait4
// sees them. Children the tracer starts get the default anyway at their
// execve.
func defaultSIGCHLD() error {
	act := kernelSigaction{handler: sigDfl}
	const size = 8 // sizeof(sigset_t) as the kernel wants it
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD),
		uintptr(unsafe.Pointer(&act)), 0, size, 0, 0)
	if e != 0 {
		return fmt.Errorf("rt_sigaction SIGCHLD: %w", e)
	}
	return nil
}

package tracer

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// saNoCldStop is SA_NOCLDSTOP, the same on every Linux architecture.
const saNoCldStop = 1

// kernelSigaction is the kernel's struct sigaction for rt_sigaction on
// amd64 and arm64.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// quietSIGCHLD stops the kernel from sending the tracer a SIGCHLD at
// every ptrace stop of every tracee. wait4 is woken all the same, but
// each signal would interrupt some thread of the Go runtime, wake it and
// send it back to sleep: a context switch, often on another CPU, per stop.
// It adds SA_NOCLDSTOP to the handler the runtime installed; exits are
// still signalled.
func quietSIGCHLD() error {
	var act kernelSigaction
	const size = 8 // sizeof(sigset_t) as the kernel wants it
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), 0,
		uintptr(unsafe.Pointer(&act)), size, 0, 0)
	if e != 0 {
		return fmt.Errorf("rt_sigaction SIGCHLD: %w", e)
	}
	act.flags |= saNoCldStop
	_, _, e = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD),
		uintptr(unsafe.Pointer(&act)), 0, size, 0, 0)
	if e != 0 {
		return fmt.Errorf("rt_sigaction SIGCHLD: %w", e)
	}
	return nil
}

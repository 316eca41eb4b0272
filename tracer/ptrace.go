package tracer

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ptrace requests and options used here, from the kernel's uapi.
const (
	ptSyscall       = unix.PTRACE_SYSCALL
	ptCont          = unix.PTRACE_CONT
	ptDetach        = unix.PTRACE_DETACH
	ptSeize         = unix.PTRACE_SEIZE
	ptInterrupt     = unix.PTRACE_INTERRUPT
	ptListen        = unix.PTRACE_LISTEN
	ptGetEventMsg   = unix.PTRACE_GETEVENTMSG
	ptGetSiginfo    = unix.PTRACE_GETSIGINFO
	ptGetSyscallInf = 0x420e // PTRACE_GET_SYSCALL_INFO, Linux 5.3
	ptGetRegset     = unix.PTRACE_GETREGSET
	ptSetRegset     = unix.PTRACE_SETREGSET
	ptPeekData      = unix.PTRACE_PEEKDATA

	optSysGood  = unix.PTRACE_O_TRACESYSGOOD
	optFork     = unix.PTRACE_O_TRACEFORK
	optVfork    = unix.PTRACE_O_TRACEVFORK
	optClone    = unix.PTRACE_O_TRACECLONE
	optExec     = unix.PTRACE_O_TRACEEXEC
	optSeccomp  = unix.PTRACE_O_TRACESECCOMP
	optExitKill = unix.PTRACE_O_EXITKILL
	optExit     = unix.PTRACE_O_TRACEEXIT

	evFork    = unix.PTRACE_EVENT_FORK
	evVfork   = unix.PTRACE_EVENT_VFORK
	evClone   = unix.PTRACE_EVENT_CLONE
	evExec    = unix.PTRACE_EVENT_EXEC
	evSeccomp = unix.PTRACE_EVENT_SECCOMP
	evStop    = unix.PTRACE_EVENT_STOP
	evExit    = unix.PTRACE_EVENT_EXIT

	ntPrstatus = 1 // NT_PRSTATUS regset
)

// ptrace issues a ptrace request without allocating. The requests used
// here never sleep, so they go through RawSyscall: the Go scheduler's
// bookkeeping for blocking calls stays off the per-stop path.
func ptrace(req int, tid int, addr, data uintptr) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, data, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// syscallInfo is struct ptrace_syscall_info.
type syscallInfo struct {
	buf [88]byte
}

// syscall info ops.
const (
	infoNone    = 0
	infoEntry   = 1
	infoExit    = 2
	infoSeccomp = 3
)

// get fills si for tid; it returns the op.
func (si *syscallInfo) get(tid int) (int, error) {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, ptGetSyscallInf, uintptr(tid),
		uintptr(len(si.buf)), uintptr(unsafe.Pointer(&si.buf[0])), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(si.buf[0]), nil
}

func (si *syscallInfo) auditArch() uint32 { return binary.LittleEndian.Uint32(si.buf[4:]) }

// nr and args are valid for entry and seccomp stops.
func (si *syscallInfo) nr() uint64 { return binary.LittleEndian.Uint64(si.buf[24:]) }
func (si *syscallInfo) args(dst *[6]uint64) {
	for i := range dst {
		dst[i] = binary.LittleEndian.Uint64(si.buf[32+8*i:])
	}
}

// rval is valid for exit stops.
func (si *syscallInfo) rval() int64 { return int64(binary.LittleEndian.Uint64(si.buf[24:])) }

// siginfo is a siginfo_t as PTRACE_GETSIGINFO returns it.
type siginfo struct {
	buf [128]byte
}

func (s *siginfo) get(tid int) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, ptGetSiginfo, uintptr(tid), 0, uintptr(unsafe.Pointer(&s.buf[0])), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func (s *siginfo) signo() int32 { return int32(binary.LittleEndian.Uint32(s.buf[0:])) }
func (s *siginfo) code() int32  { return int32(binary.LittleEndian.Uint32(s.buf[8:])) }
func (s *siginfo) pid() int32   { return int32(binary.LittleEndian.Uint32(s.buf[16:])) }
func (s *siginfo) uid() uint32  { return binary.LittleEndian.Uint32(s.buf[20:]) }

// hasSender reports whether si_pid and si_uid are meaningful: signals
// sent by kill, tkill, sigqueue and the like, and SIGCHLD.
func (s *siginfo) hasSender() bool {
	c := s.code()
	return c <= 0 || s.signo() == int32(unix.SIGCHLD)
}

func eventMsg(tid int) (uint64, error) {
	var msg uint64
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, ptGetEventMsg, uintptr(tid), 0, uintptr(unsafe.Pointer(&msg)), 0, 0)
	if e != 0 {
		return 0, e
	}
	return msg, nil
}

// Audit architecture values in ptrace_syscall_info.arch.
const (
	auditArchX8664   = 0xc000003e
	auditArchI386    = 0x40000003
	auditArchAarch64 = 0xc00000b7
)

// getRegs reads tid's general registers (the per-architecture regs type)
// with PTRACE_GETREGSET and NT_PRSTATUS: arm64 has no PTRACE_GETREGS.
func getRegs(tid int, r *regs) error { return regset(ptGetRegset, tid, r) }

// setRegs writes the general registers of a stopped tracee.
func setRegs(tid int, r *regs) error { return regset(ptSetRegset, tid, r) }

// regset reads or writes (req) the general registers of tid.
func regset(req, tid int, r *regs) error {
	iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(r))}
	iov.SetLen(int(unsafe.Sizeof(*r)))
	// The pointer conversions stay inside the RawSyscall6 call so that
	// the stack-allocated iovec cannot move before the kernel uses it.
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), ntPrstatus, uintptr(unsafe.Pointer(&iov)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

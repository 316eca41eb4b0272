package tracer

import "github.com/ktrace-linux/ktrace/arch/arm64"

// regs holds the registers of the last stop read without
// PTRACE_GET_SYSCALL_INFO.
type regs = arm64.Regs

// readSyscallRegs is readSyscall from registers. x0 is overwritten by
// the return value, so the arguments are kept from the entry. At a
// syscall stop the kernel sets x7 to 0 at entry and to 1 at exit
// (report_syscall in arch/arm64/kernel/ptrace.c), so that a thread seized
// inside a call, or stopping at the end of the execve that started it, is
// not taken for entering one. Seccomp stops, always entries, leave x7
// alone: under a filter, entry and exit stops alternate.
func (t *Tracer) readSyscallRegs(th *thread) (entry bool, ok bool) {
	if err := getRegs(th.tid, &t.regs); err != nil {
		return false, false
	}
	exit := th.phase.inCall()
	if !th.proc.Seccomp {
		exit = t.regs.X[7] == 1
	}
	if exit {
		return false, true
	}
	th.abi = t.regs.ABI()
	nr, args := t.regs.Entry()
	th.nr, th.args = uint32(nr), args
	return true, true
}

// returnRegs reads the return value from the registers read at this stop.
func (t *Tracer) returnRegs(th *thread) (int64, bool) {
	return t.regs.Return(), true
}

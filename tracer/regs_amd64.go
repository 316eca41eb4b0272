package tracer

import (
	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch/amd64"
)

// regs holds the registers of the last stop read without
// PTRACE_GET_SYSCALL_INFO.
type regs = amd64.Regs

// readSyscallRegs is readSyscall from registers: entry and exit stops
// alternate, and the ABI of a call from a 64-bit process is told by the
// instruction that entered the kernel.
func (t *Tracer) readSyscallRegs(th *thread) (entry bool, ok bool) {
	if err := getRegs(th.tid, &t.regs); err != nil {
		return false, false
	}
	// The kernel enters every call with rax set to -ENOSYS, so a stop
	// with any other rax is an exit, whatever the phase says: a thread
	// seized inside a call (a command blocked in a read until it may
	// exec) stops first at that call's exit. -ENOSYS is an entry unless
	// the thread is in a call, whose result may be ENOSYS.
	if th.phase.inCall() || int64(t.regs.Rax) != -int64(unix.ENOSYS) {
		return false, true
	}
	var insn [2]byte
	if rip := t.regs.InstructionPointer(); rip >= 2 {
		_, _ = t.mem.read(th.tid, rip-2, insn[:])
	}
	th.abi = t.regs.ABI(insn)
	nr, args := t.regs.Entry(th.abi)
	th.nr, th.args = uint32(nr), args
	return true, true
}

// returnRegs reads the return value from the registers read at this stop.
func (t *Tracer) returnRegs(th *thread) (int64, bool) {
	return t.regs.Return(th.abi), true
}

package arm64

import "github.com/ktrace-linux/ktrace/arch"

// Regs is the AArch64 struct user_pt_regs, as PTRACE_GETREGSET with
// NT_PRSTATUS returns it. It is used when the kernel lacks
// PTRACE_GET_SYSCALL_INFO. arm64 has no PTRACE_GETREGS, and x0 holds the
// first argument at entry but the return value at exit, so a tracer must
// keep the arguments it reads at entry.
type Regs struct {
	X      [31]uint64
	Sp     uint64
	Pc     uint64
	Pstate uint64
}

// ABI tells the system call convention of the stopped call: always
// arm64 (32-bit compat tasks are not traced).
func (r *Regs) ABI() arch.ABI { return arch.ABIArm64 }

// Entry returns the system call number (x8) and arguments (x0..x5) at a
// syscall-entry stop.
func (r *Regs) Entry() (nr uint64, args [6]uint64) {
	return r.X[8], [6]uint64{r.X[0], r.X[1], r.X[2], r.X[3], r.X[4], r.X[5]}
}

// Return returns the return value (x0) at a syscall-exit stop.
func (r *Regs) Return() int64 { return int64(r.X[0]) }

// SetReturn sets the return value of the call the registers are stopped
// at the exit of.
func (r *Regs) SetReturn(v int64) { r.X[0] = uint64(v) }

// InstructionPointer returns pc.
func (r *Regs) InstructionPointer() uint64 { return r.Pc }

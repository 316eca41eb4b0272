package amd64

import "github.com/ktrace-linux/ktrace/arch"

// Regs is the x86-64 struct user_regs_struct, as PTRACE_GETREGSET with
// NT_PRSTATUS returns it. It is used when the kernel lacks
// PTRACE_GET_SYSCALL_INFO.
type Regs struct {
	R15, R14, R13, R12, Rbp, Rbx, R11, R10 uint64
	R9, R8, Rax, Rcx, Rdx, Rsi, Rdi        uint64
	OrigRax, Rip, Cs, Eflags, Rsp, Ss      uint64
	FsBase, GsBase, Ds, Es, Fs, Gs         uint64
}

// Code segment selectors of 64-bit and 32-bit user mode.
const (
	cs64 = 0x33
	cs32 = 0x23
)

// Instruction encodings that enter the kernel.
var (
	insnInt80    = [2]byte{0xcd, 0x80}
	insnSysenter = [2]byte{0x0f, 0x34}
)

// ABI tells the system call convention of the call the registers are
// stopped in. insn holds the two bytes before the instruction pointer;
// a 64-bit process that enters the kernel with int 0x80 or sysenter uses
// the i386 convention.
func (r *Regs) ABI(insn [2]byte) arch.ABI {
	if r.Cs == cs32 || insn == insnInt80 || insn == insnSysenter {
		return arch.ABII386
	}
	return arch.ABIAmd64
}

// Entry returns the system call number and arguments at a syscall-entry
// stop under abi.
func (r *Regs) Entry(abi arch.ABI) (nr uint64, args [6]uint64) {
	if abi == arch.ABII386 {
		return r.OrigRax & 0xffffffff, [6]uint64{
			r.Rbx & 0xffffffff, r.Rcx & 0xffffffff, r.Rdx & 0xffffffff,
			r.Rsi & 0xffffffff, r.Rdi & 0xffffffff, r.Rbp & 0xffffffff,
		}
	}
	return r.OrigRax, [6]uint64{r.Rdi, r.Rsi, r.Rdx, r.R10, r.R8, r.R9}
}

// Return returns the return value at a syscall-exit stop under abi.
func (r *Regs) Return(abi arch.ABI) int64 {
	if abi == arch.ABII386 {
		return int64(int32(r.Rax))
	}
	return int64(r.Rax)
}

// SetReturn sets the return value of the call the registers are stopped
// at the exit of.
func (r *Regs) SetReturn(v int64) { r.Rax = uint64(v) }

// InstructionPointer returns rip.
func (r *Regs) InstructionPointer() uint64 { return r.Rip }

package amd64

import (
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

// TestRegsI386 proves the register path of 32-bit calls from a 64-bit
// process without running one (many kernels cannot: no IA32 emulation):
// the ABI is told by the code segment or the instruction before rip,
// numbers and arguments are the low halves of the i386 registers, and
// return values are sign-extended from 32 bits.
func TestRegsI386(t *testing.T) {
	r := Regs{
		OrigRax: 0xdead_0000_0004, // garbage above the 32-bit number
		Rbx:     0xffff_ffff_0000_0001, Rcx: 0x1_0804_a000, Rdx: 12,
		Rsi: 4, Rdi: 5, Rbp: 0xffff_ffff_ffff_ffff,
		R10: 0x77, R8: 0x88, R9: 0x99, // 64-bit argument registers, unused
		Rax: 0xffff_ffff_ffff_fff2, Cs: cs64,
	}
	for _, c := range []struct {
		name string
		cs   uint64
		insn [2]byte
		want arch.ABI
	}{
		{"syscall", cs64, [2]byte{0x0f, 0x05}, arch.ABIAmd64},
		{"int 0x80", cs64, insnInt80, arch.ABII386},
		{"sysenter", cs64, insnSysenter, arch.ABII386},
		{"32-bit code segment", cs32, [2]byte{0x0f, 0x05}, arch.ABII386},
	} {
		r.Cs = c.cs
		if got := r.ABI(c.insn); got != c.want {
			t.Errorf("%s: ABI %v, want %v", c.name, got, c.want)
		}
	}
	nr, args := r.Entry(arch.ABII386)
	if nr != 4 {
		t.Errorf("i386 number %#x, want 4 (write)", nr)
	}
	if want := [6]uint64{1, 0x0804_a000, 12, 4, 5, 0xffff_ffff}; args != want {
		t.Errorf("i386 arguments %#x, want %#x", args, want)
	}
	if got := r.Return(arch.ABII386); got != -14 {
		t.Errorf("i386 return %d, want -14 (EFAULT)", got)
	}
	r.Rax = 0xffff_ffff_0000_000c
	if got := r.Return(arch.ABII386); got != 12 {
		t.Errorf("i386 return of %#x: %d, want 12", r.Rax, got)
	}
	nr, args = r.Entry(arch.ABIAmd64)
	if nr != r.OrigRax || args != [6]uint64{r.Rdi, r.Rsi, r.Rdx, r.R10, r.R8, r.R9} {
		t.Errorf("amd64 entry %#x %#x: not the 64-bit registers", nr, args)
	}
	if got := r.Return(arch.ABIAmd64); got != int64(r.Rax) {
		t.Errorf("amd64 return %d, want %d", got, int64(r.Rax))
	}
}

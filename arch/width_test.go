package arch_test

import (
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/amd64"
	"github.com/ktrace-linux/ktrace/arch/arm64"
)

// TestArgValue checks that arguments are read at the width the kernel reads
// them: C ints from the low 32 bits, sign-extended; unsigned ints
// zero-extended; longs and pointers whole (on i386, whose registers are 32
// bits, zero-extended from 32).
func TestArgValue(t *testing.T) {
	const garbage = 0xfacefeed00000000
	for _, c := range []struct {
		abi  arch.ABI
		a    arch.Arg
		reg  uint64
		want uint64
	}{
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgFD}, 0xffffffff00000000, 0},
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgDirFD}, 0xffffff9c, 0xffffffffffffff9c},
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgPID}, garbage | 0xffffffff, 0xffffffffffffffff},
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgEnum}, 0xffffffff00000001, 1},
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgFlags}, 0xffffffff00000800, 0x800},
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgFlags}, 0xffffffff80000000, 0x80000000},
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgMode}, garbage | 0o644, 0o644},
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgFlags, Long: true}, garbage | 1, garbage | 1},
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgInt, Long: true}, garbage, garbage},
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgPtr}, garbage, garbage},
		{arch.ABIAmd64, arch.Arg{Kind: arch.ArgSize}, garbage, garbage},
		{arch.ABIArm64, arch.Arg{Kind: arch.ArgSignal}, garbage | 9, 9},
		{arch.ABIArm64, arch.Arg{Kind: arch.ArgInt}, garbage | 0xfffffffe, 0xfffffffffffffffe},
		{arch.ABIArm64, arch.Arg{Kind: arch.ArgOff}, 0xffffffffffffffff, 0xffffffffffffffff},
		{arch.ABII386, arch.Arg{Kind: arch.ArgFD}, 0xffffffff, 0xffffffffffffffff},
		{arch.ABII386, arch.Arg{Kind: arch.ArgFlags}, 0x80000000, 0x80000000},
		{arch.ABII386, arch.Arg{Kind: arch.ArgInt, Long: true}, 0xffffffff, 0xffffffff},
		{arch.ABII386, arch.Arg{Kind: arch.ArgOff}, garbage | 0x80000000, 0x80000000},
		{arch.ABII386, arch.Arg{Kind: arch.ArgPtr}, garbage | 0x1000, 0x1000},
	} {
		if got := c.a.Value(c.abi, c.reg); got != c.want {
			t.Errorf("%v %v long=%v: Value(%#x) = %#x, want %#x", c.abi, c.a.Kind, c.a.Long, c.reg, got, c.want)
		}
	}
}

// TestArgWidths checks the signature table's widths against the kernel's
// SYSCALL_DEFINE types for the calls of issue 10 and the long exceptions.
func TestArgWidths(t *testing.T) {
	for _, c := range []struct {
		tab  *arch.Table
		name string
		long []bool // per argument: read whole
	}{
		{amd64.Table, "fcntl", []bool{false, false, true}},  // unsigned int fd, cmd; unsigned long arg
		{amd64.Table, "madvise", []bool{true, true, false}}, // int behavior
		{amd64.Table, "pipe2", []bool{true, false}},         // int flags
		{amd64.Table, "openat", []bool{false, true, false, false}},
		{amd64.Table, "clone", []bool{true, true, true, true, true}}, // unsigned long clone_flags
		{arm64.Table, "clone", []bool{true, true, true, true, true}},
		{amd64.Table, "prctl", []bool{false, true, true, true, true}},
		{arm64.Table, "mmap", []bool{true, true, true, true, false, true}}, // unsigned long prot, flags
		{amd64.Table, "mprotect", []bool{true, true, true}},
		{amd64.Table, "unshare", []bool{true}},
		{amd64.Table, "personality", []bool{false}}, // unsigned int
		{amd64.Table, "kill", []bool{false, false}},
		{amd64.Table, "mount", []bool{true, true, true, true, true}},
		{amd64.Table386, "fcntl64", []bool{false, false, true}},
	} {
		s, ok := c.tab.ByName(c.name)
		if !ok || len(s.Args) != len(c.long) {
			t.Errorf("%v: %s: %+v, want %d arguments", c.tab.ABI(), c.name, s, len(c.long))
			continue
		}
		for i, a := range s.Args {
			const reg = 0xffffffff00000001
			if whole := a.Value(arch.ABIAmd64, reg) == reg; whole != c.long[i] {
				t.Errorf("%v: %s argument %d (%v, long=%v): read whole %v, want %v",
					c.tab.ABI(), c.name, i, a.Kind, a.Long, whole, c.long[i])
			}
		}
	}
}

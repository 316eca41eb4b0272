package tracer

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// TestBuildFilter runs the filter buildFilter assembles in x/net's BPF
// machine on seccomp_data of several calls: the named calls and numbers
// trap, the others run, and calls of another ABI or x32 trap.
func TestBuildFilter(t *testing.T) {
	audit, ok := nativeAuditArch()
	if !ok {
		t.Skip("no seccomp filter on this machine")
	}
	tab := tables.Native()
	nr := func(name string) uint32 {
		c, ok := tab.ByName(name)
		if !ok {
			t.Fatalf("no %s on this ABI", name)
		}
		return c.Number
	}
	prog, err := buildFilter([]string{"openat", "execve", "no_such_call", "openat"}, []uint32{arch.UtraceNumber})
	if err != nil {
		t.Fatal(err)
	}
	insts := make([]bpf.Instruction, len(prog))
	for i, f := range prog {
		insts[i] = bpf.RawInstruction{Op: f.Code, Jt: f.Jt, Jf: f.Jf, K: f.K}.Disassemble()
	}
	vm, err := bpf.NewVM(insts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		arch, nr  uint32
		wantTrace bool
	}{
		{"openat", audit, nr("openat"), true},
		{"execve", audit, nr("execve"), true},
		{"utrace", audit, arch.UtraceNumber, true},
		{"getppid", audit, nr("getppid"), false},
		{"read", audit, nr("read"), false},
		{"x32 openat", audit, nr("openat") | 0x40000000, true},
		{"another ABI", 0x40000003, 1, true},
	} {
		// struct seccomp_data; x/net's machine loads words big-endian,
		// the kernel's in the machine's order.
		data := make([]byte, 64)
		binary.BigEndian.PutUint32(data[0:], c.nr)
		binary.BigEndian.PutUint32(data[4:], c.arch)
		got, err := vm.Run(data)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		want := unix.SECCOMP_RET_ALLOW
		if c.wantTrace {
			want = unix.SECCOMP_RET_TRACE
		}
		if uint32(got) != uint32(want) {
			t.Errorf("%s: filter returns %#x, want %#x", c.what, got, want)
		}
	}
}

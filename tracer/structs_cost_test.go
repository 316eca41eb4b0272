package tracer

import (
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// BenchmarkStructsNoStruct measures what the t facility adds to a system
// call that passes no structure (getppid, read, write, openat, close):
// the entry and exit scans of its arguments for structure kinds, which
// find none and record nothing. A ptrace stop costs microseconds; this
// is the part of the STRU cost (cmd/ktrace's BenchmarkStructCost) that
// every call pays.
func BenchmarkStructsNoStruct(b *testing.B) {
	tab := tables.Native()
	if tab == nil {
		b.Skip("no system call table for this machine")
	}
	var calls []*arch.Syscall
	for _, name := range []string{"getppid", "read", "write", "openat", "close"} {
		sc, ok := tab.ByName(name)
		if !ok || sc.HasStruct() {
			b.Fatalf("%s: missing, or passes a structure", name)
		}
		calls = append(calls, sc)
	}
	t := &Tracer{}
	th := &thread{abi: tab.ABI(), args: [6]uint64{3, 0x7ffc0000, 64}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		th.call = calls[i%len(calls)]
		t.structs(th, arch.StructIn, 0)
		t.structs(th, arch.StructOut, 0)
	}
}

package arch_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

// TestTablesMatchSpec checks that the system calls compiled into each
// generated table are those syscalls.txt says, as SyscallsFromSpec reads
// it: run `make generate` after editing syscalls.txt.
func TestTablesMatchSpec(t *testing.T) {
	text, err := os.ReadFile("syscalls.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tab := range allTables {
		calls := tab.Syscalls()
		names := make([]string, calls[len(calls)-1].Number+1)
		for _, c := range calls {
			names[c.Number] = c.Name
		}
		want, err := arch.SyscallsFromSpec(tab.ABI(), names, string(text))
		if err != nil {
			t.Fatal(err)
		}
		for nr, w := range want {
			got := tab.Lookup(uint32(nr))
			var g arch.Syscall
			if got != nil {
				g = *got
				g.Dep = nil // depends.txt's (TestDependsConstsResolve)
			}
			switch {
			case w.Name == "" && got != nil:
				t.Errorf("%v: call %d is %s in the table, none in the spec", tab.ABI(), nr, got.Name)
			case w.Name != "" && (got == nil || !reflect.DeepEqual(g, w)):
				t.Errorf("%v: call %d is %+v in the table, %+v in syscalls.txt: run make generate", tab.ABI(), nr, got, w)
			}
		}
	}
}

// TestSyscallsFromSpecErrors checks that the generator's reading of
// syscalls.txt refuses names package arch does not know.
func TestSyscallsFromSpecErrors(t *testing.T) {
	for _, text := range []string{"read(nosuchkind)\n", "read(fd) !nosuchtrait\n", "read(long ptr)\n", "read(\n"} {
		if _, err := arch.SyscallsFromSpec(arch.ABIAmd64, []string{"read"}, text); err == nil {
			t.Errorf("SyscallsFromSpec(%q) accepted it", text)
		}
	}
	calls, err := arch.SyscallsFromSpec(arch.ABII386, []string{"", "read", "write"},
		"read(fd, bufout, size) %stat\nread@i386(fd) !exec\nread@arm64(int)\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []arch.Syscall{{}, {Number: 1, Name: "read", Known: true, Traits: arch.ClassStat | arch.TraitExecs,
		Args: []arch.Arg{{Kind: arch.ArgFD, Len: -1}}}, {Number: 2, Name: "write"}}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("SyscallsFromSpec = %+v, want %+v", calls, want)
	}
}

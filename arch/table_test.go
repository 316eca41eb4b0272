package arch_test

import (
	"os"
	"slices"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/amd64"
	"github.com/ktrace-linux/ktrace/arch/arm64"
	"github.com/ktrace-linux/ktrace/arch/internal/spec"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// allTables lists every generated table.
var allTables = []*arch.Table{amd64.Table, amd64.Table386, arm64.Table}

func readSignatures(t *testing.T) []spec.Signature {
	t.Helper()
	text, err := os.ReadFile("syscalls.txt")
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := spec.ParseSignatures("syscalls.txt", string(text))
	if err != nil {
		t.Fatal(err)
	}
	return sigs
}

func readSets(t *testing.T) []spec.Set {
	t.Helper()
	text, err := os.ReadFile("sets.txt")
	if err != nil {
		t.Fatal(err)
	}
	sets, _, err := spec.ParseSets("sets.txt", string(text))
	if err != nil {
		t.Fatal(err)
	}
	return sets
}

func TestLookup(t *testing.T) {
	cases := []struct {
		tab   *arch.Table
		abi   arch.ABI
		calls map[uint32]string
	}{
		{amd64.Table, arch.ABIAmd64, map[uint32]string{0: "read", 1: "write", 2: "open", 59: "execve",
			257: "openat", 231: "exit_group", 56: "clone", 262: "newfstatat", 435: "clone3"}},
		{amd64.Table386, arch.ABII386, map[uint32]string{3: "read", 5: "open", 11: "execve",
			295: "openat", 252: "exit_group", 102: "socketcall", 117: "ipc", 192: "mmap2", 140: "_llseek"}},
		{arm64.Table, arch.ABIArm64, map[uint32]string{63: "read", 64: "write", 56: "openat",
			221: "execve", 94: "exit_group", 79: "newfstatat", 80: "fstat"}},
	}
	for _, c := range cases {
		if c.tab.ABI() != c.abi {
			t.Errorf("table ABI %v, want %v", c.tab.ABI(), c.abi)
		}
		for nr, name := range c.calls {
			s := c.tab.Lookup(nr)
			if s == nil || s.Name != name || s.Number != nr {
				t.Errorf("%v: Lookup(%d) = %+v, want %s", c.abi, nr, s, name)
				continue
			}
			if !s.Known {
				t.Errorf("%v: %s has no signature", c.abi, name)
			}
			if b, ok := c.tab.ByName(name); !ok || b != s {
				t.Errorf("%v: ByName(%q) = %v, %v; want number %d", c.abi, name, b, ok, nr)
			}
		}
		for _, nr := range []uint32{100000, 1 << 31, ^uint32(0)} {
			if s := c.tab.Lookup(nr); s != nil {
				t.Errorf("%v: Lookup(%d) = %v, want nil", c.abi, nr, s)
			}
		}
	}
	if _, ok := arm64.Table.ByName("open"); ok {
		t.Error("arm64 has an open system call")
	}
	if _, ok := arm64.Table.ByName("arch_specific_syscall"); ok {
		t.Error("arm64 lists arch_specific_syscall")
	}
	if _, ok := amd64.Table.ByName("nosuchcall"); ok {
		t.Error("ByName found nosuchcall")
	}
}

func TestSignatureDetails(t *testing.T) {
	kinds := func(s *arch.Syscall) []arch.ArgKind {
		var k []arch.ArgKind
		for _, a := range s.Args {
			k = append(k, a.Kind)
		}
		return k
	}
	check := func(tab *arch.Table, name string, want ...arch.ArgKind) {
		t.Helper()
		s, ok := tab.ByName(name)
		if !ok {
			t.Errorf("%v: no %s", tab.ABI(), name)
			return
		}
		if got := kinds(s); !slices.Equal(got, want) || s.NArgs() != len(want) {
			t.Errorf("%v: %s kinds %v (NArgs %d), want %v", tab.ABI(), name, got, s.NArgs(), want)
		}
	}
	check(amd64.Table, "read", arch.ArgFD, arch.ArgBufOut, arch.ArgSize)
	check(amd64.Table, "openat", arch.ArgDirFD, arch.ArgPath, arch.ArgFlags, arch.ArgMode)
	check(amd64.Table, "execve", arch.ArgPath, arch.ArgArgv, arch.ArgEnvp)
	check(amd64.Table, "linkat", arch.ArgDirFD, arch.ArgPath, arch.ArgDirFD, arch.ArgPath, arch.ArgFlags)
	check(amd64.Table, "getpid")
	check(amd64.Table, "pread64", arch.ArgFD, arch.ArgBufOut, arch.ArgSize, arch.ArgOff)
	check(amd64.Table386, "pread64", arch.ArgFD, arch.ArgBufOut, arch.ArgSize, arch.ArgOff, arch.ArgOff)
	check(amd64.Table386, "mmap", arch.ArgPtr)
	check(arm64.Table, "mmap", arch.ArgPtr, arch.ArgSize, arch.ArgFlags, arch.ArgFlags, arch.ArgFD, arch.ArgOff)
	check(amd64.Table386, "fanotify_mark", arch.ArgFD, arch.ArgFlags, arch.ArgFlags, arch.ArgInt, arch.ArgDirFD, arch.ArgPath)
	check(amd64.Table, "fanotify_mark", arch.ArgFD, arch.ArgFlags, arch.ArgFlags, arch.ArgDirFD, arch.ArgPath)

	r, _ := amd64.Table.ByName("read")
	if r.Args[1].Len != 2 || r.Args[0].Len != -1 {
		t.Errorf("read Len indexes %d %d, want -1 2", r.Args[0].Len, r.Args[1].Len)
	}
	o, _ := amd64.Table.ByName("openat")
	if o.Args[2].Set != "open" {
		t.Errorf("openat flags set %q", o.Args[2].Set)
	}
	// A number with no signature still prints six registers.
	for _, tab := range allTables {
		for _, s := range tab.Syscalls() {
			if !s.Known && (s.NArgs() != 6 || s.Args != nil) {
				t.Errorf("%v: unknown %s: NArgs %d", tab.ABI(), s.Name, s.NArgs())
			}
		}
	}
}

func TestSyscallsSorted(t *testing.T) {
	for _, tab := range allTables {
		all := tab.Syscalls()
		if len(all) < 300 {
			t.Errorf("%v: only %d system calls", tab.ABI(), len(all))
		}
		known := 0
		for i, s := range all {
			if i > 0 && all[i-1].Number >= s.Number {
				t.Errorf("%v: Syscalls not sorted at %d", tab.ABI(), i)
			}
			if tab.Lookup(s.Number) != s {
				t.Errorf("%v: Lookup(%d) is not %s", tab.ABI(), s.Number, s.Name)
			}
			if s.Known {
				known++
			}
		}
		// Every call Linux implements has a signature; a handful of
		// never-implemented numbers (afs_syscall, tuxcall ...) need none.
		if known < len(all)-25 {
			t.Errorf("%v: %d of %d system calls have a signature", tab.ABI(), known, len(all))
		}
		all[0] = nil
		if tab.Syscalls()[0] == nil {
			t.Errorf("%v: Syscalls returns the table's own slice", tab.ABI())
		}
	}
	if n := len(readSignatures(t)); n < 250 {
		t.Errorf("only %d signatures", n)
	}
}

func TestSignaturesExist(t *testing.T) {
	for _, s := range readSignatures(t) {
		found := false
		for _, tab := range allTables {
			short := map[arch.ABI]string{arch.ABIAmd64: "amd64", arch.ABII386: "i386", arch.ABIArm64: "arm64"}[tab.ABI()]
			if !spec.Applies(s.ABIs, short) {
				continue
			}
			if _, ok := tab.ByName(s.Name); ok {
				found = true
			}
		}
		if !found {
			t.Errorf("syscalls.txt:%d: %s%v is in no table it applies to", s.Line, s.Name, s.ABIs)
		}
	}
}

func TestLenIndexes(t *testing.T) {
	needLen := map[arch.ArgKind]bool{arch.ArgBufIn: true, arch.ArgBufOut: true, arch.ArgIovIn: true,
		arch.ArgIovOut: true, arch.ArgSockaddr: true, arch.ArgSockaddrOut: true, arch.ArgPollfdInOut: true,
		// Time, select, epoll and output-buffer structures (issue 12, time).
		arch.ArgFdsetInOut: true, arch.ArgFutexTimeoutIn: true, arch.ArgFutexTimeout64In: true}
	for _, tab := range allTables {
		for _, s := range tab.Syscalls() {
			if len(s.Args) > 6 {
				t.Errorf("%v %s: %d arguments", tab.ABI(), s.Name, len(s.Args))
			}
			for i, a := range s.Args {
				if a.Len < 0 {
					if needLen[a.Kind] {
						t.Errorf("%v %s: argument %d (%v) has no length argument", tab.ABI(), s.Name, i, a.Kind)
					}
					continue
				}
				if !needLen[a.Kind] {
					t.Errorf("%v %s: argument %d (%v) has a length", tab.ABI(), s.Name, i, a.Kind)
				}
				if int(a.Len) >= len(s.Args) || int(a.Len) == i {
					t.Errorf("%v %s: argument %d Len %d out of range", tab.ABI(), s.Name, i, a.Len)
					continue
				}
				k := s.Args[a.Len].Kind
				if st := arch.StructArgOf(a.Kind); st != nil && st.Len == arch.LenPointer {
					if k != arch.ArgPtr {
						t.Errorf("%v %s: argument %d Len %d points to a %v, not a ptr", tab.ABI(), s.Name, i, a.Len, k)
					}
					continue
				}
				if st := arch.StructArgOf(a.Kind); st != nil && st.If != nil {
					continue // the argument the condition tests: any kind
				}
				if k != arch.ArgSize && k != arch.ArgInt {
					t.Errorf("%v %s: argument %d Len %d points to a %v", tab.ABI(), s.Name, i, a.Len, k)
				}
			}
		}
	}
}

func TestSetsExist(t *testing.T) {
	isEnum := map[string]bool{}
	for _, s := range readSets(t) {
		isEnum[s.Name] = s.Enum
	}
	for _, tab := range allTables {
		for _, s := range tab.Syscalls() {
			for i, a := range s.Args {
				switch a.Kind {
				case arch.ArgFlags, arch.ArgEnum:
					enum, ok := isEnum[a.Set]
					switch {
					case !ok || tab.Set(a.Set) == nil:
						t.Errorf("%v %s: argument %d: no set %q", tab.ABI(), s.Name, i, a.Set)
					case enum != (a.Kind == arch.ArgEnum):
						t.Errorf("%v %s: argument %d: %v of set %q (enum %v)", tab.ABI(), s.Name, i, a.Kind, a.Set, enum)
					case tab.Set(a.Set).Name != a.Set:
						t.Errorf("set %q is named %q", a.Set, tab.Set(a.Set).Name)
					}
				default:
					if a.Set != "" {
						t.Errorf("%v %s: argument %d: %v with set %q", tab.ABI(), s.Name, i, a.Kind, a.Set)
					}
				}
			}
		}
	}
	if amd64.Table.Set("nosuchset") != nil {
		t.Error("Set found nosuchset")
	}
}

// TestConstsResolve checks that every constant sets.txt names has a value
// on amd64 (on the other ABIs some, like MAP_32BIT, legitimately do not).
func TestConstsResolve(t *testing.T) {
	var missing []string
	for _, s := range readSets(t) {
		for _, n := range s.ConstNames() {
			if _, ok := amd64.Table.Const(n); !ok {
				missing = append(missing, s.Name+"."+n)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("constants with no amd64 value (add a const line or fix the name, then go generate): %v", missing)
	}
	for _, tab := range allTables {
		for _, n := range []string{"O_CREAT", "PROT_READ", "SIGCHLD_NOT_A_CONST"} {
			_, ok := tab.Const(n)
			if ok != (n != "SIGCHLD_NOT_A_CONST") {
				t.Errorf("%v: Const(%s) ok = %v", tab.ABI(), n, ok)
			}
		}
	}
}

func TestConstValuesPerABI(t *testing.T) {
	cases := []struct {
		tab  *arch.Table
		name string
		want uint64
	}{
		{amd64.Table, "O_DIRECTORY", 0x10000},
		{arm64.Table, "O_DIRECTORY", 0x4000},
		{amd64.Table386, "O_DIRECTORY", 0x10000},
		{amd64.Table386, "O_LARGEFILE", 0x8000},
		{amd64.Table, "O_LARGEFILE", 0x8000},
		{arm64.Table, "O_LARGEFILE", 0x20000},
		{amd64.Table386, "F_GETLK", 5},
		{amd64.Table386, "F_GETLK64", 12},
		{amd64.Table, "__WALL", 0x40000000},
		{amd64.Table, "AT_FDCWD_IS_NOT_HERE", 0},
	}
	for _, c := range cases {
		v, ok := c.tab.Const(c.name)
		if c.want == 0 {
			if ok {
				t.Errorf("%v: Const(%s) = %#x, want none", c.tab.ABI(), c.name, v)
			}
			continue
		}
		if !ok || v != c.want {
			t.Errorf("%v: Const(%s) = %#x, %v; want %#x", c.tab.ABI(), c.name, v, ok, c.want)
		}
	}
	if _, ok := arm64.Table.Const("MAP_32BIT"); ok {
		t.Error("arm64 has MAP_32BIT")
	}
}

func TestTables(t *testing.T) {
	for abi, want := range map[arch.ABI]*arch.Table{
		arch.ABIAmd64: amd64.Table, arch.ABII386: amd64.Table386, arch.ABIArm64: arm64.Table,
		arch.ABIUnknown: nil, arch.ABI(99): nil,
	} {
		if got := tables.For(abi); got != want {
			t.Errorf("For(%v) wrong table", abi)
		}
	}
	if n := tables.Native(); n == nil || (n != amd64.Table && n != arm64.Table) {
		t.Errorf("Native() = %v", n)
	}
}

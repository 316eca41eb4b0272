package arch_test

import (
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/amd64"
	"github.com/ktrace-linux/ktrace/arch/arm64"
)

// TestDependsConstsResolve: every selector constant of depends.txt has a
// value on amd64 and arm64, and the generated tables give a Dependent to
// the calls depends.txt names, and to no other.
func TestDependsConstsResolve(t *testing.T) {
	for _, tab := range []*arch.Table{amd64.Table, arm64.Table} {
		named := map[string]bool{}
		for _, name := range arch.DependsCalls() {
			named[name] = true
		}
		for _, sc := range tab.Syscalls() {
			if sc.Dep != nil && !named[sc.Name] {
				t.Errorf("%v: %s has a Dependent, but depends.txt does not name it: run make generate", tab.ABI(), sc.Name)
			}
		}
		for _, n := range arch.DependsConstNames() {
			if _, ok := tab.Const(n); !ok {
				t.Errorf("%v: depends.txt names %s, which has no value (fix the name or add a const to sets.txt)", tab.ABI(), n)
			}
		}
		for _, name := range arch.DependsCalls() {
			sc, ok := tab.ByName(name)
			if !ok {
				continue // fcntl64 is i386's only
			}
			if sc.Dep == nil {
				t.Errorf("%v: %s has no dependent arguments: run make generate", tab.ABI(), name)
			}
		}
	}
}

// depArgs returns the six registers of a call whose selectors hold the
// constants named (index: name).
func depArgs(t *testing.T, tab *arch.Table, sel map[int]string) *[6]uint64 {
	t.Helper()
	var args [6]uint64
	for i, name := range sel {
		v, ok := tab.Const(name)
		if !ok {
			t.Fatalf("%v: no constant %s", tab.ABI(), name)
		}
		args[i] = v
	}
	return &args
}

// TestDependsFind: the case a call's selectors pick, on each ABI, and
// the sizes of the structures it records.
func TestDependsFind(t *testing.T) {
	type want struct {
		arg    int // -1: the result
		kind   arch.ArgKind
		set    string
		stru   string
		size   int
		len    arch.StructLen
		dir    arch.StructDir
		isText bool
	}
	for _, c := range []struct {
		tab  *arch.Table
		call string
		sel  map[int]string
		want []want
	}{
		{amd64.Table, "fcntl", map[int]string{1: "F_SETFL"}, []want{{arg: 2, kind: arch.ArgFlags, set: "open"}}},
		{arm64.Table, "fcntl", map[int]string{1: "F_GETFL"}, []want{{arg: -1, kind: arch.ArgFlags, set: "open"}}},
		{amd64.Table, "fcntl", map[int]string{1: "F_GETFD"}, []want{{arg: -1, kind: arch.ArgFlags, set: "fdflags"}}},
		{amd64.Table, "fcntl", map[int]string{1: "F_DUPFD_CLOEXEC"}, []want{{arg: 2, kind: arch.ArgFD}, {arg: -1, kind: arch.ArgFD}}},
		{amd64.Table, "fcntl", map[int]string{1: "F_SETOWN"}, []want{{arg: 2, kind: arch.ArgPID}}},
		{amd64.Table, "fcntl", map[int]string{1: "F_SETSIG"}, []want{{arg: 2, kind: arch.ArgSignal}}},
		{amd64.Table, "fcntl", map[int]string{1: "F_ADD_SEALS"}, []want{{arg: 2, kind: arch.ArgFlags, set: "seals"}}},
		{amd64.Table, "fcntl", map[int]string{1: "F_GETLK"}, []want{{arg: 2, kind: arch.ArgPtr, stru: "flock", size: 32, dir: arch.StructIn | arch.StructOut}}},
		{arm64.Table, "fcntl", map[int]string{1: "F_SETLK"}, []want{{arg: 2, kind: arch.ArgPtr, stru: "flock", size: 32, dir: arch.StructIn}}},
		// i386: struct flock has 32-bit offsets, struct flock64 64-bit.
		{amd64.Table386, "fcntl64", map[int]string{1: "F_SETLK"}, []want{{arg: 2, kind: arch.ArgPtr, stru: "flock", size: 16, dir: arch.StructIn}}},
		{amd64.Table386, "fcntl64", map[int]string{1: "F_SETLK64"}, []want{{arg: 2, kind: arch.ArgPtr, stru: "flock", size: 24, dir: arch.StructIn}}},
		{amd64.Table386, "fcntl64", map[int]string{1: "F_OFD_GETLK"}, []want{{arg: 2, kind: arch.ArgPtr, stru: "flock", size: 24, dir: arch.StructIn | arch.StructOut}}},
		// The kernel's struct termios: 36 bytes; termios2 has the speeds.
		{amd64.Table, "ioctl", map[int]string{1: "TCGETS"}, []want{{arg: 2, kind: arch.ArgPtr, stru: "termios", size: 36, dir: arch.StructOut}}},
		{amd64.Table386, "ioctl", map[int]string{1: "TCSETS"}, []want{{arg: 2, kind: arch.ArgPtr, stru: "termios", size: 36, dir: arch.StructIn}}},
		{arm64.Table, "ioctl", map[int]string{1: "TCGETS2"}, []want{{arg: 2, kind: arch.ArgPtr, stru: "termios2", size: 44, dir: arch.StructOut}}},
		{arm64.Table, "ioctl", map[int]string{1: "TIOCGWINSZ"}, []want{{arg: 2, kind: arch.ArgPtr, stru: "winsize", size: 8, dir: arch.StructOut}}},
		{amd64.Table, "ioctl", map[int]string{1: "FIONREAD"}, []want{{arg: 2, kind: arch.ArgPtr, stru: "int", size: 4, dir: arch.StructOut}}},
		{amd64.Table, "ioctl", map[int]string{1: "TCFLSH"}, []want{{arg: 2, kind: arch.ArgEnum, set: "tcflush"}}},
		{amd64.Table, "prctl", map[int]string{0: "PR_SET_NAME"}, []want{{arg: 1, kind: arch.ArgPtr, stru: "name", size: 16, dir: arch.StructIn, isText: true}}},
		{arm64.Table, "prctl", map[int]string{0: "PR_GET_NAME"}, []want{{arg: 1, kind: arch.ArgPtr, stru: "name", size: 16, dir: arch.StructOut, isText: true}}},
		{amd64.Table, "prctl", map[int]string{0: "PR_SET_PDEATHSIG"}, []want{{arg: 1, kind: arch.ArgSignal}}},
		{amd64.Table, "setsockopt", map[int]string{1: "SOL_SOCKET", 2: "SO_REUSEADDR"}, []want{
			{arg: 2, kind: arch.ArgEnum, set: "sockopt"},
			{arg: 3, kind: arch.ArgPtr, stru: "int", size: 4, len: arch.LenValue, dir: arch.StructIn}}},
		{arm64.Table, "getsockopt", map[int]string{1: "SOL_SOCKET", 2: "SO_RCVBUF"}, []want{
			{arg: 3, kind: arch.ArgPtr, stru: "int", size: 4, len: arch.LenPointer, dir: arch.StructOut}}},
		{amd64.Table, "setsockopt", map[int]string{1: "SOL_TCP", 2: "TCP_NODELAY"}, []want{
			{arg: 2, kind: arch.ArgEnum, set: "tcpopt"},
			{arg: 3, kind: arch.ArgPtr, stru: "int", size: 4, len: arch.LenValue, dir: arch.StructIn}}},
		// An option whose value is not decoded still has its name.
		{amd64.Table, "getsockopt", map[int]string{1: "SOL_TCP", 2: "TCP_INFO"}, []want{{arg: 2, kind: arch.ArgEnum, set: "tcpopt"}}},
		{amd64.Table, "setsockopt", map[int]string{1: "SOL_SOCKET", 2: "SO_LINGER"}, []want{{arg: 3, kind: arch.ArgPtr, stru: "linger", size: 8, len: arch.LenValue, dir: arch.StructIn}}},
		{amd64.Table386, "getsockopt", map[int]string{1: "SOL_SOCKET", 2: "SO_RCVTIMEO"}, []want{{arg: 3, kind: arch.ArgPtr, stru: "timeval", size: 8, len: arch.LenPointer, dir: arch.StructOut}}},
	} {
		sc, ok := c.tab.ByName(c.call)
		if !ok {
			t.Fatalf("%v: no %s", c.tab.ABI(), c.call)
		}
		m := sc.Dep.Find(depArgs(t, c.tab, c.sel))
		if !m.Found() {
			t.Errorf("%v %s %v: no case", c.tab.ABI(), c.call, c.sel)
			continue
		}
		for _, w := range c.want {
			a := m.Ret()
			if w.arg >= 0 {
				a = m.Arg(w.arg)
			}
			if a == nil {
				t.Errorf("%v %s %v: argument %d has no kind", c.tab.ABI(), c.call, c.sel, w.arg)
				continue
			}
			if a.Arg.Kind != w.kind || a.Arg.Set != w.set {
				t.Errorf("%v %s %v: argument %d is %v:%s, want %v:%s", c.tab.ABI(), c.call, c.sel, w.arg, a.Arg.Kind, a.Arg.Set, w.kind, w.set)
			}
			if w.stru == "" {
				if a.Struct != nil {
					t.Errorf("%v %s %v: argument %d records %s", c.tab.ABI(), c.call, c.sel, w.arg, a.Struct.Name)
				}
				continue
			}
			if a.Struct == nil {
				t.Errorf("%v %s %v: argument %d records no structure, want %s", c.tab.ABI(), c.call, c.sel, w.arg, w.stru)
				continue
			}
			s := a.Struct
			if s.Name != w.stru || s.SizeOn(c.tab.ABI()) != w.size || s.Len != w.len || s.Dir != w.dir || a.String != w.isText {
				t.Errorf("%v %s %v: argument %d records %s of %d bytes, len %d, dir %d, string %v; want %s of %d, len %d, dir %d, string %v",
					c.tab.ABI(), c.call, c.sel, w.arg, s.Name, s.SizeOn(c.tab.ABI()), s.Len, s.Dir, a.String, w.stru, w.size, w.len, w.dir, w.isText)
			}
		}
	}
	// F_GETFL reads no third argument: kdump shows two; F_SETFL does.
	fcntl, _ := amd64.Table.ByName("fcntl")
	for _, c := range []struct {
		cmd  string
		want int
	}{{"F_GETFL", 2}, {"F_SETFL", 3}} {
		if n := fcntl.Dep.Find(depArgs(t, amd64.Table, map[int]string{1: c.cmd})).Shown(3); n != c.want {
			t.Errorf("fcntl %s: %d arguments shown, want %d", c.cmd, n, c.want)
		}
	}
	// No case: a request nobody described, and a call without a table.
	ioctl, _ := amd64.Table.ByName("ioctl")
	if m := ioctl.Dep.Find(&[6]uint64{1, 0xdead}); m.Found() || m.Arg(2) != nil || m.Ret() != nil {
		t.Errorf("ioctl 0xdead matched")
	}
	read, _ := amd64.Table.ByName("read")
	if m := read.Dep.Find(&[6]uint64{}); m.Found() {
		t.Errorf("read matched a dependent case")
	}
	if !ioctl.HasStruct() || read.HasStruct() {
		t.Errorf("HasStruct: ioctl %v, read %v; want true, false", ioctl.HasStruct(), read.HasStruct())
	}
}

// TestDependsFindAllocs: finding a call's case allocates nothing.
func TestDependsFindAllocs(t *testing.T) {
	sc, _ := amd64.Table.ByName("setsockopt")
	args := depArgs(t, amd64.Table, map[int]string{1: "SOL_SOCKET", 2: "SO_RCVBUF"})
	if n := testing.AllocsPerRun(100, func() {
		if sc.Dep.Find(args).Arg(3) == nil {
			t.Fatal("no case")
		}
	}); n != 0 {
		t.Errorf("Find allocates %v times", n)
	}
}

// BenchmarkDependsFind: the case of a setsockopt option, at a stop.
func BenchmarkDependsFind(b *testing.B) {
	sc, _ := amd64.Table.ByName("setsockopt")
	var args [6]uint64
	for i, name := range map[int]string{1: "SOL_SOCKET", 2: "SO_RCVBUF"} {
		args[i], _ = amd64.Table.Const(name)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if sc.Dep.Find(&args).Arg(3) == nil {
			b.Fatal("no case")
		}
	}
}

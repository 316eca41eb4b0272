package arch_test

import (
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

// TestSysStructSizes checks the sizes the tracer reads of the signal,
// limit and system structures against their layouts: generated from
// x/sys where it has the type, else declared (arch.DeclaredStruct), on
// every ABI; and that the declared layouts' members lie inside their
// structure, in order, without overlapping.
func TestSysStructSizes(t *testing.T) {
	for _, c := range []struct {
		kind     arch.ArgKind
		layout   string
		declared []arch.ABI // the ABIs where x/sys has no type for it
	}{
		{arch.ArgSigactionIn, "sigaction", []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}},
		{arch.ArgSigactionOut, "sigaction", []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}},
		{arch.ArgRlimitIn, "rlimit", []arch.ABI{arch.ABII386}},
		{arch.ArgRlimitOut, "rlimit", []arch.ABI{arch.ABII386}},
		{arch.ArgRlimit64In, "rlimit", nil}, // x/sys's Rlimit is struct rlimit64
		{arch.ArgRlimit64Out, "rlimit", nil},
		{arch.ArgUtsnameOut, "utsname", nil},
		{arch.ArgSysinfoOut, "sysinfo", nil},
		{arch.ArgOpenHowIn, "open_how", nil},
		{arch.ArgCloneArgsIn, "clone_args", []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}},
	} {
		st := arch.StructArgOf(c.kind)
		if st == nil {
			t.Errorf("%v: no structure", c.kind)
			continue
		}
		for _, tab := range allTables {
			abi := tab.ABI()
			l := tab.Struct(c.layout)
			from := "generated"
			for _, d := range c.declared {
				if d == abi {
					l, from = arch.DeclaredStruct(abi, c.layout), "declared"
				}
			}
			if l == nil {
				t.Errorf("%v %v: no %s layout", abi, c.kind, c.layout)
				continue
			}
			if got := st.SizeOn(abi); got != l.Size {
				t.Errorf("%v %v: size %d, the %s %s layout %d", abi, c.kind, got, from, c.layout, l.Size)
			}
		}
	}
	for _, abi := range []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64} {
		for _, name := range []string{"sigaction", "rlimit", "clone_args"} {
			l := arch.DeclaredStruct(abi, name)
			if l == nil {
				if name != "rlimit" || abi == arch.ABII386 {
					t.Errorf("%v: no declared %s", abi, name)
				}
				continue
			}
			end := 0
			for _, f := range l.Fields {
				if f.Off < end || f.Size <= 0 || f.Off+f.Size > l.Size {
					t.Errorf("%v %s: member %s at %d+%d overlaps or lies outside (end %d, size %d)", abi, name, f.Name, f.Off, f.Size, end, l.Size)
				}
				end = f.Off + f.Size
			}
		}
	}
	if l := arch.DeclaredStruct(arch.ABIAmd64, "stat"); l != nil {
		t.Errorf("declared stat %v: x/sys has the type", l)
	}
}

// TestSignalSetName checks the names of a signal set's members as strace
// prints them.
func TestSignalSetName(t *testing.T) {
	for sig, want := range map[int]string{1: "HUP", 2: "INT", 15: "TERM", 31: "SYS", 32: "RTMIN", 33: "RT_1", 64: "RT_32", 0: "", 65: "", -1: ""} {
		if got := arch.SignalSetName(sig); got != want {
			t.Errorf("SignalSetName(%d) = %q, want %q", sig, got, want)
		}
	}
}

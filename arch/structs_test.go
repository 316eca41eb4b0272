package arch_test

import (
	"slices"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

// TestStructArgs checks that every structure kind has a name and a size on
// each ABI, and that the signatures use it.
func TestStructArgs(t *testing.T) {
	used := map[arch.ArgKind]bool{}
	for _, tab := range allTables {
		for _, s := range tab.Syscalls() {
			for _, a := range s.Args {
				if a.Kind.IsStruct() {
					used[a.Kind] = true
				}
			}
		}
	}
	n := 0
	for k := arch.ArgKind(0); k < 255; k++ {
		st := arch.StructArgOf(k)
		if st == nil {
			continue
		}
		n++
		if st.Dir == 0 {
			t.Errorf("%v: no direction", k)
		}
		for _, abi := range []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64} {
			if st.SizeOn(abi) == 0 {
				t.Errorf("%v: no size on %v", k, abi)
			}
		}
		if !used[k] {
			t.Errorf("%v: used by no signature", k)
		}
	}
	if n < 10 {
		t.Errorf("%d structure kinds, want at least 10", n)
	}
}

// TestStructSizesMatchLayouts checks the sizes the tracer reads against
// the layouts the generator computed from x/sys's types, where x/sys has
// the structure (i386's old struct stat it has not).
func TestStructSizesMatchLayouts(t *testing.T) {
	for _, c := range []struct {
		kind   arch.ArgKind
		layout string
		abis   []arch.ABI
	}{
		{arch.ArgStatOut, "stat", []arch.ABI{arch.ABIAmd64, arch.ABIArm64}},
		{arch.ArgStat64Out, "stat", []arch.ABI{arch.ABII386}},
		{arch.ArgStatxOut, "statx", []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}},
		{arch.ArgTimespecIn, "timespec", []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}},
		{arch.ArgTimespecOut, "timespec", []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}},
		{arch.ArgPollfdInOut, "pollfd", []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}},
		// msghdr (issue 12)
		{arch.ArgMsgIn, "msghdr", []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}},
		{arch.ArgMsgOut, "msghdr", []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}},
	} {
		for _, tab := range allTables {
			if !slices.Contains(c.abis, tab.ABI()) {
				continue
			}
			l := tab.Struct(c.layout)
			if l == nil {
				t.Errorf("%v: no %s layout", tab.ABI(), c.layout)
				continue
			}
			if got := arch.StructArgOf(c.kind).SizeOn(tab.ABI()); got != l.Size {
				t.Errorf("%v %v: size %d, the generated %s layout %d", tab.ABI(), c.kind, got, c.layout, l.Size)
			}
		}
	}
}

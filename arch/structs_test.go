package arch_test

import (
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

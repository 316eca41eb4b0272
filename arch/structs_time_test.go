package arch_test

import (
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

func TestFdsetBytes(t *testing.T) {
	for _, c := range []struct {
		abi  arch.ABI
		nfds int64
		want int
	}{
		{arch.ABIAmd64, 0, 0}, {arch.ABIAmd64, -1, 0}, {arch.ABIAmd64, 1, 8}, {arch.ABIAmd64, 64, 8},
		{arch.ABIAmd64, 65, 16}, {arch.ABIArm64, 5, 8}, {arch.ABII386, 1, 4}, {arch.ABII386, 33, 8},
		{arch.ABII386, 65, 12},
	} {
		if got := arch.FdsetBytes(c.abi, c.nfds); got != c.want {
			t.Errorf("FdsetBytes(%v, %d) = %d, want %d", c.abi, c.nfds, got, c.want)
		}
	}
}

// TestFutexTimeoutApplies: futex's fourth argument is a timespec for the
// commands that wait, with or without FUTEX_PRIVATE_FLAG and
// FUTEX_CLOCK_REALTIME, and no structure for the others.
func TestFutexTimeoutApplies(t *testing.T) {
	for _, tab := range allTables {
		sc, ok := tab.ByName("futex")
		if !ok {
			t.Fatalf("%v: no futex", tab.ABI())
		}
		a := sc.Args[3]
		for _, c := range []struct {
			op   uint64
			want bool
		}{
			{0, true},             // FUTEX_WAIT
			{128, true},           // FUTEX_WAIT_PRIVATE
			{9 | 128 | 256, true}, // FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME
			{6, true},             // FUTEX_LOCK_PI
			{1, false},            // FUTEX_WAKE
			{4 | 128, false},      // FUTEX_CMP_REQUEUE_PRIVATE: val2
		} {
			args := []uint64{0x1000, c.op, 0, 0x2000, 0, 0}
			if got := a.Applies(tab.ABI(), args, 3); got != c.want {
				t.Errorf("%v futex op %#x: timeout recorded %v, want %v", tab.ABI(), c.op, got, c.want)
			}
		}
		if a.Applies(tab.ABI(), []uint64{0x1000, 0, 0, 0, 0, 0}, 3) {
			t.Errorf("%v: a NULL timeout recorded", tab.ABI())
		}
	}
}

package arch_test

import (
	"slices"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

// TestTimeStructSizes checks the sizes the tracer reads for the time,
// select and epoll kinds against the layouts the generator computed from
// x/sys's types: count layouts of the name make one record.
func TestTimeStructSizes(t *testing.T) {
	all := []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}
	wide := []arch.ABI{arch.ABIAmd64, arch.ABIArm64} // i386's layout is the 32-bit one
	for _, c := range []struct {
		kind   arch.ArgKind
		layout string
		count  int
		abis   []arch.ABI
	}{
		{arch.ArgTimevalIn, "timeval", 1, all},
		{arch.ArgTimevalOut, "timeval", 1, all},
		{arch.ArgTimevalInOut, "timeval", 1, all},
		{arch.ArgTimespecInOut, "timespec", 1, all},
		{arch.ArgTimespec64InOut, "timespec", 1, wide},
		{arch.ArgTimeval2In, "timeval", 2, all},
		{arch.ArgTimespec2In, "timespec", 2, all},
		{arch.ArgTimespec64x2In, "timespec", 2, wide},
		{arch.ArgItimerspecIn, "itimerspec", 1, all},
		{arch.ArgItimerspecOut, "itimerspec", 1, all},
		{arch.ArgItimerspec64In, "itimerspec", 1, wide},
		{arch.ArgItimerspec64Out, "itimerspec", 1, wide},
		{arch.ArgItimervalIn, "itimerval", 1, all},
		{arch.ArgItimervalOut, "itimerval", 1, all},
		{arch.ArgFutexTimeoutIn, "timespec", 1, all},
		{arch.ArgFutexTimeout64In, "timespec", 1, wide},
		{arch.ArgEpollEventIn, "epoll_event", 1, all},
		{arch.ArgEpollEventsOut, "epoll_event", 1, all},
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
			if got := arch.StructArgOf(c.kind).SizeOn(tab.ABI()); got != c.count*l.Size {
				t.Errorf("%v %v: size %d, want %d × the generated %s layout's %d", tab.ABI(), c.kind, got, c.count, c.layout, l.Size)
			}
		}
	}
}

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

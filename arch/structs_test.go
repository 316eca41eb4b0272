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
// the structure (i386's old struct stat it has not): count layouts of the
// name make one record.
func TestStructSizesMatchLayouts(t *testing.T) {
	all := []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64}
	wide := []arch.ABI{arch.ABIAmd64, arch.ABIArm64} // i386's layout is the 32-bit one
	for _, c := range []struct {
		kind   arch.ArgKind
		layout string
		count  int
		abis   []arch.ABI
	}{
		{arch.ArgStatOut, "stat", 1, wide},
		{arch.ArgStat64Out, "stat", 1, []arch.ABI{arch.ABII386}},
		{arch.ArgStatxOut, "statx", 1, all},
		{arch.ArgTimespecIn, "timespec", 1, all},
		{arch.ArgTimespecOut, "timespec", 1, all},
		{arch.ArgPollfdInOut, "pollfd", 1, all},
		// msghdr (issue 12)
		{arch.ArgMsgIn, "msghdr", 1, all},
		{arch.ArgMsgOut, "msghdr", 1, all},
		// the time, select and epoll kinds (issue 12)
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

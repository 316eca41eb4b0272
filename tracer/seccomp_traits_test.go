package tracer

import (
	"slices"
	"testing"

	"github.com/ktrace-linux/ktrace/arch/tables"
)

// TestFilterNamesTraits checks the calls a seccomp filter traps, now that
// they come from traits, against the name lists the filter had before.
func TestFilterNamesTraits(t *testing.T) {
	tab := tables.Native()
	always := []string{"execve", "execveat", "exit", "exit_group", "prctl"}
	got := filterNames(tab, Settings{Facilities: FacNamei, Syscalls: []string{"getpid"}})
	if want := slices.Sorted(slices.Values(append([]string{"getpid"}, always...))); !slices.Equal(got, want) {
		t.Errorf("--syscalls getpid: filter traps %v, want %v", got, want)
	}
	got = filterNames(tab, Settings{Facilities: FacNamei | FacPsig})
	for _, n := range append([]string{"rt_sigaction", "openat"}, always...) {
		if !slices.Contains(got, n) {
			t.Errorf("-t np: filter does not trap %s", n)
		}
	}
	if got = filterNames(tab, Settings{Facilities: FacNamei}); slices.Contains(got, "rt_sigaction") {
		t.Error("-t n: filter traps rt_sigaction")
	}
}

// TestFilterNamesStructs checks that -t t traps the calls with structure
// arguments, and only with t.
func TestFilterNamesStructs(t *testing.T) {
	tab := tables.Native()
	got := filterNames(tab, Settings{Facilities: FacStruct})
	for _, n := range []string{"connect", "accept4", "getsockname", "newfstatat", "statx", "pipe2",
		"socketpair", "clock_gettime", "clock_nanosleep", "ppoll"} {
		if !slices.Contains(got, n) {
			t.Errorf("-t t: filter does not trap %s", n)
		}
	}
	if slices.Contains(got, "getpid") || slices.Contains(got, "read") {
		t.Errorf("-t t: filter traps getpid or read: %v", got)
	}
	if got = filterNames(tab, Settings{Facilities: FacNamei}); slices.Contains(got, "clock_gettime") {
		t.Error("-t n: filter traps clock_gettime")
	}
}

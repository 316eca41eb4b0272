package arch_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/amd64"
	"github.com/ktrace-linux/ktrace/arch/arm64"
)

// withTraits returns the names of the calls of tab that have one of tr.
func withTraits(tab *arch.Table, tr arch.Traits) []string {
	var names []string
	for _, s := range tab.Syscalls() {
		if s.Traits&tr != 0 {
			names = append(names, s.Name)
		}
	}
	slices.Sort(names)
	return names
}

// TestTraits checks the calls of every trait on every ABI, and the trait
// sets the tracer uses against the name lists it had before the traits.
func TestTraits(t *testing.T) {
	both := []*arch.Table{amd64.Table, amd64.Table386}
	cases := []struct {
		tr     arch.Traits
		tables []*arch.Table
		want   []string
	}{
		{arch.TraitExecs, allTables, []string{"execve", "execveat"}},
		{arch.TraitForks, both, []string{"clone", "clone3", "fork", "vfork"}},
		{arch.TraitForks, []*arch.Table{arm64.Table}, []string{"clone", "clone3"}},
		{arch.TraitCloneFlags, allTables, []string{"clone"}},
		{arch.TraitCloneArgs, allTables, []string{"clone3"}},
		{arch.TraitExitThread, allTables, []string{"exit"}},
		{arch.TraitExitProcess, allTables, []string{"exit_group"}},
		{arch.TraitSigHandler, allTables, []string{"rt_sigaction"}},
		{arch.TraitRenames, allTables, []string{"prctl"}},
		{arch.TraitSigDispositions, []*arch.Table{amd64.Table, arm64.Table}, []string{"rt_sigaction"}},
		{arch.TraitSigDispositions, []*arch.Table{amd64.Table386}, []string{"rt_sigaction", "sigaction", "signal"}},
		{arch.TraitSigMask, []*arch.Table{amd64.Table, arm64.Table},
			[]string{"epoll_pwait", "epoll_pwait2", "io_pgetevents", "ppoll", "pselect6", "rt_sigsuspend"}},
		{arch.TraitSigMask, []*arch.Table{amd64.Table386}, []string{"epoll_pwait", "epoll_pwait2",
			"io_pgetevents", "io_pgetevents_time64", "ppoll", "ppoll_time64", "pselect6", "pselect6_time64",
			"rt_sigsuspend", "sigsuspend"}},
		// needExit's list before the traits.
		{arch.TraitsSeenReturning, allTables, []string{"execve", "execveat", "prctl", "rt_sigaction"}},
		// The seccomp filter's alwaysTrapped before the traits.
		{arch.TraitsAlwaysTrapped, allTables, []string{"execve", "execveat", "exit", "exit_group", "prctl"}},
	}
	for _, c := range cases {
		for _, tab := range c.tables {
			if got := withTraits(tab, c.tr); !slices.Equal(got, c.want) {
				t.Errorf("%v: calls with %v: %v, want %v", tab.ABI(), c.tr, got, c.want)
			}
		}
	}
}

// TestTraitsAllABIs checks that a trait written on a line without @abi
// holds on the ABIs whose signature comes from an @abi line.
func TestTraitsAllABIs(t *testing.T) {
	for _, tab := range allTables {
		c, ok := tab.ByName("clone")
		if !ok {
			t.Fatalf("%v: no clone", tab.ABI())
		}
		want := arch.TraitForks | arch.TraitCloneFlags | arch.ClassProcess
		if c.Traits != want {
			t.Errorf("%v: clone traits %v, want %v", tab.ABI(), c.Traits, want)
		}
	}
	m, _ := amd64.Table386.ByName("mmap")
	if m.Traits != arch.ClassMemory || len(m.Args) != 1 {
		t.Errorf("i386 mmap: traits %v, %d arguments; want %%memory, 1", m.Traits, len(m.Args))
	}
}

// TestEveryTraitUsed checks that every trait and class is given to some
// call and has a name.
func TestEveryTraitUsed(t *testing.T) {
	var used arch.Traits
	for _, tab := range allTables {
		for _, s := range tab.Syscalls() {
			used |= s.Traits
		}
	}
	for tr := arch.Traits(1); tr <= arch.ClassCreds; tr <<= 1 {
		if used&tr == 0 {
			t.Errorf("no call has %v", tr)
		}
		if s := tr.String(); strings.HasPrefix(s, "!bit") || strings.Contains(s, " ") {
			t.Errorf("trait %#x prints as %q", uint32(tr), s)
		}
	}
	if used >= arch.ClassCreds<<1 {
		t.Errorf("unknown traits used: %v", used)
	}
}

func TestTraitsString(t *testing.T) {
	for tr, want := range map[arch.Traits]string{
		0:                                   "",
		arch.TraitExecs | arch.ClassProcess: "!exec %process",
		arch.TraitCloneArgs:                 "!clone-args",
		arch.ClassIPC | arch.ClassNet:       "%net %ipc",
		1 << 31:                             "!bit31",
	} {
		if got := tr.String(); got != want {
			t.Errorf("Traits(%#x).String() = %q, want %q", uint32(tr), got, want)
		}
	}
}

// The strace groups as hand lists, as groups.go had them before the
// classes came to syscalls.txt (commit 571e095).
var legacyGroups = map[string][]string{
	"net": {
		"socket", "socketpair", "bind", "connect", "listen", "accept", "accept4",
		"getsockname", "getpeername", "send", "sendto", "sendmsg", "sendmmsg",
		"recv", "recvfrom", "recvmsg", "recvmmsg", "shutdown", "setsockopt",
		"getsockopt", "socketcall",
	},
	"process": {
		"fork", "vfork", "clone", "clone3", "execve", "execveat", "exit", "exit_group",
		"wait4", "waitpid", "waitid", "kill", "tkill", "tgkill", "rt_sigqueueinfo",
		"rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
		"unshare", "setns",
	},
	"signal": {
		"kill", "tkill", "tgkill", "signal", "sigaction", "rt_sigaction", "sigprocmask",
		"rt_sigprocmask", "sigpending", "rt_sigpending", "sigsuspend", "rt_sigsuspend",
		"sigreturn", "rt_sigreturn", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
		"rt_sigtimedwait", "rt_sigtimedwait_time64", "sigaltstack", "signalfd",
		"signalfd4", "pause", "pidfd_send_signal", "sgetmask", "ssetmask",
	},
	"memory": {
		"brk", "mmap", "mmap2", "old_mmap", "munmap", "mremap", "mprotect",
		"pkey_mprotect", "madvise", "process_madvise", "msync", "mlock", "mlock2",
		"munlock", "mlockall", "munlockall", "mincore", "remap_file_pages", "mbind",
		"get_mempolicy", "set_mempolicy", "set_mempolicy_home_node", "migrate_pages",
		"move_pages", "memfd_secret", "map_shadow_stack", "mseal",
	},
	"ipc": {
		"ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
		"semtimedop_time64", "semctl", "shmget", "shmat", "shmdt", "shmctl",
	},
}

// legacyGroup is Group as it was before the classes.
func legacyGroup(tab *arch.Table, name string) []*arch.Syscall {
	var out []*arch.Syscall
	for _, s := range tab.Syscalls() {
		var in bool
		switch name {
		case "file":
			in = s.HasKind(arch.ArgPath)
		case "desc":
			in = s.HasKind(arch.ArgFD, arch.ArgDirFD)
		default:
			in = slices.Contains(legacyGroups[name], s.Name)
		}
		if in {
			out = append(out, s)
		}
	}
	return out
}

// newGroups are the groups added after the hand lists: strace's stat,
// clock, pure and creds classes.
var newGroups = []string{"%stat", "%statfs", "clock", "creds", "fstat", "fstatfs", "lstat", "pure", "stat", "statfs"}

// TestGroupsUnchanged compares every group of every ABI with what the
// hand lists gave.
func TestGroupsUnchanged(t *testing.T) {
	wantNames := []string{"desc", "file"}
	for n := range legacyGroups {
		wantNames = append(wantNames, n)
	}
	legacy := slices.Clone(wantNames)
	wantNames = append(wantNames, newGroups...)
	slices.Sort(wantNames)
	if got := arch.GroupNames(); !slices.Equal(got, wantNames) {
		t.Errorf("GroupNames() = %v, want %v", got, wantNames)
	}
	for _, tab := range allTables {
		for _, g := range legacy {
			want := legacyGroup(tab, g)
			for _, name := range []string{g, "%" + g} {
				got, ok := tab.Group(name)
				if !ok || !slices.Equal(got, want) {
					t.Errorf("%v: Group(%q) = %v, %v; want %v", tab.ABI(), name, names(got), ok, names(want))
				}
			}
			if len(want) == 0 {
				t.Errorf("%v: group %s is empty", tab.ABI(), g)
			}
		}
		if got, ok := tab.Group("%nosuchgroup"); ok || got != nil {
			t.Errorf("%v: Group(%%nosuchgroup) = %v, %v", tab.ABI(), names(got), ok)
		}
	}
}

func names(calls []*arch.Syscall) []string {
	var out []string
	for _, s := range calls {
		out = append(out, s.Name)
	}
	return out
}

// TestTraitsNoAlloc checks that reading a call's traits on the hot path
// (Lookup, then a bit test) does not allocate.
func TestTraitsNoAlloc(t *testing.T) {
	execve, _ := amd64.Table.ByName("execve")
	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		if s := amd64.Table.Lookup(execve.Number); s != nil && s.Traits&arch.TraitExecs != 0 {
			n++
		}
	})
	if allocs != 0 || n == 0 {
		t.Errorf("Lookup and a trait test: %v allocations, %d hits", allocs, n)
	}
}

// TestNewGroups checks the strace classes added later on the amd64 table:
// a few members and non-members each, and the unions.
func TestNewGroups(t *testing.T) {
	for group, want := range map[string][]string{
		"%stat":    {"stat"},
		"%lstat":   {"lstat"},
		"%fstat":   {"fstat", "newfstatat", "statx"},
		"%%stat":   {"fstat", "lstat", "newfstatat", "stat", "statx"},
		"%statfs":  {"statfs"},
		"%fstatfs": {"fstatfs"},
		"%%statfs": {"fstatfs", "statfs", "ustat"},
		"%clock":   {"adjtimex", "clock_adjtime", "clock_getres", "clock_gettime", "clock_nanosleep", "clock_settime", "gettimeofday", "settimeofday", "time"},
		"%pure":    {"getegid", "geteuid", "getgid", "getpgrp", "getpid", "getppid", "gettid", "getuid"},
		"%creds":   {"capget", "capset", "getegid", "geteuid", "getgid", "getgroups", "getresgid", "getresuid", "getuid", "prctl", "setfsgid", "setfsuid", "setgid", "setgroups", "setregid", "setresgid", "setresuid", "setreuid", "setuid"},
	} {
		got, ok := amd64.Table.Group(group)
		if !ok {
			t.Errorf("no group %s", group)
			continue
		}
		gn := names(got)
		slices.Sort(gn)
		if !slices.Equal(gn, want) {
			t.Errorf("group %s = %v, want %v", group, gn, want)
		}
	}
}

package arch

import (
	"fmt"
	"math/bits"
	"strings"
)

// Traits is a set of facts about a system call that the tracer and the
// strace-style groups act on. They are declared in syscalls.txt after a
// signature ("execve(path, argv, envp) !exec %process") and are the same
// on every ABI that has the call, unless written on an @abi line.
//
// A trait (written "!name") says what a call does that the tracer must
// know of; a class (written "%name") puts the call in the group Group
// returns for that name. Testing one is a bit test: Syscall.Traits&T != 0.
type Traits uint32

// The traits.
const (
	// TraitExecs marks the calls that replace the program: execve,
	// execveat. (!exec)
	TraitExecs Traits = 1 << iota
	// TraitForks marks the calls that make a process or a thread: fork,
	// vfork, clone, clone3. (!fork)
	TraitForks
	// TraitCloneFlags marks the calls whose argument 0 holds clone flags
	// (CLONE_THREAD and the rest): clone. (!clone-flags)
	TraitCloneFlags
	// TraitCloneArgs marks the calls whose argument 0 points to a struct
	// clone_args, its first 64-bit word the clone flags: clone3.
	// (!clone-args)
	TraitCloneArgs
	// TraitExitThread marks the calls that end the calling thread, and
	// its process with its last thread: exit. (!exit-thread)
	TraitExitThread
	// TraitExitProcess marks the calls that end the whole process:
	// exit_group. (!exit-process)
	TraitExitProcess
	// TraitSigHandler marks the calls that install a signal handler given
	// by a pointer in argument 1 to a struct whose first word is the
	// handler: rt_sigaction. (!sighandler) The i386 sigaction and signal
	// calls are left out: the tracer does not read their arguments.
	TraitSigHandler
	// TraitRenames marks the calls that may rename the calling thread:
	// prctl (PR_SET_NAME). (!rename)
	TraitRenames
	// TraitSigMask marks the calls that wait with a signal mask given in
	// an argument in place of the thread's own: rt_sigsuspend, ppoll,
	// pselect6, epoll_pwait and the like. (!sigmask) While a signal
	// interrupts one, the mask the thread has is not the one
	// PTRACE_GETSIGMASK returns.
	TraitSigMask
	// TraitSigDispositions marks the calls that may change what the
	// process does with a signal: rt_sigaction, and i386's sigaction and
	// signal. (!sigdisp)
	TraitSigDispositions

	// ClassNet puts a call in strace's %net group.
	ClassNet
	// ClassProcess puts a call in strace's %process group.
	ClassProcess
	// ClassSignal puts a call in strace's %signal group.
	ClassSignal
	// ClassMemory puts a call in strace's %memory group.
	ClassMemory
	// ClassIPC puts a call in strace's %ipc group.
	ClassIPC
	// ClassStat puts a call in strace's %stat group (stat variants).
	ClassStat
	// ClassLstat puts a call in strace's %lstat group (lstat variants).
	ClassLstat
	// ClassFstat puts a call in strace's %fstat group (fstat, fstatat
	// and statx variants).
	ClassFstat
	// ClassStatfs puts a call in strace's %statfs group.
	ClassStatfs
	// ClassFstatfs puts a call in strace's %fstatfs group.
	ClassFstatfs
	// ClassStatfsAny puts a call only in strace's %%statfs group (ustat).
	ClassStatfsAny
	// ClassClock puts a call in strace's %clock group (calls that read or
	// set system clocks).
	ClassClock
	// ClassPure puts a call in strace's %pure group (calls without
	// arguments that always succeed).
	ClassPure
	// ClassCreds puts a call in strace's %creds group (user and group ids,
	// capabilities).
	ClassCreds

	traitEnd // one past the last trait
)

// Sets of traits that say what the tracer does with a call.
const (
	// TraitsSeenReturning are the traits of calls whose return the tracer
	// must see for what it learns from the result: a new program, a
	// signal handler installed, a new thread name.
	TraitsSeenReturning = TraitExecs | TraitSigHandler | TraitRenames
	// TraitsAlwaysTrapped are the traits of calls a seccomp filter always
	// sends to the tracer: the exec family (a new program, a new EMUL, a
	// new command name), renames, and the exits (records are flushed
	// before a process ends).
	TraitsAlwaysTrapped = TraitExecs | TraitRenames | TraitExitThread | TraitExitProcess
)

// traitNames holds the name of each trait as syscalls.txt writes it, by
// bit number.
var traitNames = [...]string{
	"!exec", "!fork", "!clone-flags", "!clone-args", "!exit-thread",
	"!exit-process", "!sighandler", "!rename", "!sigmask", "!sigdisp",
	"%net", "%process", "%signal", "%memory", "%ipc",
	"%stat", "%lstat", "%fstat", "%statfs", "%fstatfs", "%%statfs",
	"%clock", "%pure", "%creds",
}

// Every trait has a name: with traitNames too short the array length
// below is negative, too long it is not 0, and this does not compile.
var _ [0]struct{} = [1<<len(traitNames) - int(traitEnd)]struct{}{}

// String returns the traits as syscalls.txt writes them, separated by
// spaces ("!exec %process"); bits without a name print as "!bitN".
func (t Traits) String() string {
	var names []string
	for t != 0 {
		i := bits.TrailingZeros32(uint32(t))
		t &^= 1 << i
		if i < len(traitNames) {
			names = append(names, traitNames[i])
		} else {
			names = append(names, fmt.Sprintf("!bit%d", i))
		}
	}
	return strings.Join(names, " ")
}

// parseTrait returns the trait written name ("!exec", "%net").
func parseTrait(name string) (Traits, bool) {
	for i, n := range traitNames {
		if n == name {
			return 1 << i, true
		}
	}
	return 0, false
}

// classes returns the group names of the classes ("net") and their bits.
func classes() ([]string, []Traits) {
	var names []string
	var bits []Traits
	for i, n := range traitNames {
		if g, ok := strings.CutPrefix(n, "%"); ok {
			names = append(names, g)
			bits = append(bits, 1<<i)
		}
	}
	return names, bits
}

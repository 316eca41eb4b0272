package stdfds

// Detaching. ktrace's background tracer must be nobody's child: the
// command ktrace becomes could otherwise wait for it, or be told of its
// end. A Go program cannot fork without executing something, so the
// entry point does it before the runtime starts, when the first
// environment variable of the process is DetachEnv: the process forks;
// the parent exits at once (status 0, or 1 if the fork failed), and the
// child, reparented to init or the nearest subreaper, makes a process
// group of its own (setpgid(0, 0)) and starts the runtime. The program
// that starts such a process waits for its quick exit, and the detached
// child goes on with the environment, descriptors and arguments it was
// given.
//
// A process group of its own, not a session: the terminal's signals go
// to its foreground group, which the child is not in, but the child stays
// in the session of whoever started it. With the kernel's autogroups
// (CONFIG_SCHED_AUTOGROUP, on by default) a session is a scheduling group:
// a tracer in a session of its own got as much CPU as all its tracees
// together and ran after each of their stops, one stop at a time, which
// made a process tree on one CPU 2-3 times slower to trace.

// detachEnv is DetachEnv as the entry point compares it, NUL-terminated.
var detachEnv = [...]byte{'K', 'T', 'R', 'A', 'C', 'E', '_', 'D', 'E', 'T', 'A', 'C', 'H', '=', '1', 0}

// DetachEnv is the environment variable that, first in the environment of
// a program linked with LinkFlag, makes it detach before it starts.
var DetachEnv = string(detachEnv[:len(detachEnv)-1])

// detach is the detaching part of the entry point (detach_*.s).
func detach()

// The detaching code is called by no Go code.
var _ = detach

// CanDetach reports whether this program was linked with LinkFlag, so
// that it detaches when started with DetachEnv first in its environment.
func CanDetach() bool { return atStart&entryRan != 0 }

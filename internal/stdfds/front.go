package stdfds

// The waiting front. A program linked with FrontLinkFlag, started with a
// command line that may run a command (the entry point's guess, below),
// does not start its own runtime at once: after forking its standby (and
// reaping the standby's parent) it waits, at the entry point, for the
// standby to say what to do. The standby, whose runtime then starts with
// no other one beside it, reads the same command line and either sends
// the front a command to execute, having made everything ready for it
// (ktrace: the standby seized the front and traces it), or tells it to
// start its runtime and run its command line itself, then goes on as an
// ordinary standby. A front that runs a traced command so never starts a
// runtime: it executes the command from the entry point, with the
// descriptors, arguments and environment it was started with.
//
// The guess: the front waits when its arguments, up to the first operand
// (one that does not start with '-' and is not the value of -f, -t,
// --f..., --t..., --g... or --s...), hold no option naming something else
// to do than running a command (-p, -g, -c, -C, -h in a short option,
// --p..., --c..., --h..., --v... in a long one), and such an operand
// exists. A wrong guess costs time, never behaviour: the standby decides.
//
// The messages the standby sends on the socket pair, one each (the socket
// keeps their bounds), starting with a byte:
//
//	'R'  run the command line: the front starts its runtime.
//	'Q'  exit with the status in byte 1.
//	'X'  execute a command: byte 1 holds flags (FrontNoNewPrivs,
//	     FrontStopSelf), bytes
//	     2-3 the number of instructions of a seccomp filter to load first
//	     (0 for none), bytes 4-7 the index in the front's argv of the
//	     command's argv[0] (its argv is the rest), then the filter's
//	     instructions (struct sock_filter), then the path to execute,
//	     NUL-terminated; numbers in the host's byte order.
//
// A front that fails to execute (or to load the filter) answers with 8
// bytes: 'e', the step that failed (FrontStepNoNewPrivs, FrontStepFilter,
// FrontStepExec), two zero bytes and the errno (int32), and waits for the
// next message. One that executes its command closes its end of the pair
// (close-on-exec). A front that finds the pair's end (its standby is gone)
// or a message it does not know starts its runtime.

// FrontLinkFlag is LinkFlag for a program whose front may wait for its
// standby (see above): the program must then call WaitingFront first
// thing in main.
const FrontLinkFlag = LinkFlag + " -X=github.com/ktrace-linux/ktrace/internal/stdfds.frontWaits=1"

// The front's messages (see above).
const (
	FrontRun  = 'R'
	FrontQuit = 'Q'
	FrontExec = 'X'
	// FrontNoNewPrivs, in byte 1 of FrontExec, sets no_new_privs before
	// the filter is loaded.
	FrontNoNewPrivs = 1
	// FrontStopSelf, in byte 1 of FrontExec, has the front stop once
	// right before its execve: it sends itself SIGURG (see frontURG), a
	// signal its tracer sees in a signal-delivery-stop, and that does
	// nothing when delivered (the front has no handler for it). A tracer
	// that seized the front without stopping it (PTRACE_INTERRUPT) has it
	// run on from that stop with PTRACE_SYSCALL, and so sees the execve's
	// entry: two stops instead of the four of an interrupt in the read
	// where the front waits for this message (its stop, the restarted
	// read's entry and exit, the execve's entry). Ignored with a filter:
	// the execve stops there by itself (SECCOMP_RET_TRACE).
	FrontStopSelf = 2
	// FrontExecHeader is the length of FrontExec before the filter.
	FrontExecHeader = 8
	// FrontMsgMax bounds a message to the front.
	FrontMsgMax = len(frontMsg)
	// FrontFailed starts the front's answer to a FrontExec it failed.
	FrontFailed = 'e'
	// FrontReplyLen is the length of that answer.
	FrontReplyLen = len(frontReply)
)

// The steps of FrontExec, as the front's answer names them.
const (
	FrontStepNoNewPrivs = 1 + iota
	FrontStepFilter
	FrontStepExec
)

// frontSIGURG is SIGURG's number, 23 on amd64 and arm64, which the front
// sends itself (FrontStopSelf).
const frontSIGURG = 23

// frontMsgLen is the size of the front's buffer for a message.
const frontMsgLen = 40 << 10

// frontWaits is set (FrontLinkFlag) in a program whose front may wait.
var frontWaits string

// frontWaiting says the entry point chose to wait (both processes see it);
// frontPid is the front's pid; frontMsg holds the message the front read,
// frontProg the seccomp program it loads (struct sock_fprog), frontReply
// its answer; frontURG is the signal mask of SIGURG alone, and
// frontMask the front's signal mask before it unblocks SIGURG to stop
// itself (FrontStopSelf), restored after if SIGURG was blocked in it, so
// that the command starts with the mask ktrace was started with.
var (
	frontWaiting uint8
	frontPid     int32
	frontMsg     [frontMsgLen]byte
	frontProg    [2]uint64
	frontReply   [8]byte
	frontURG     = uint64(1) << (frontSIGURG - 1)
	frontMask    uint64
)

// frontWait is the waiting front (front_*.s).
func frontWait()

// The waiting front's code is called by no Go code, and reads its data
// there.
var (
	_ = frontWait
	_ = frontWaits
	_ = frontProg
	_ = frontURG
	_ = frontMask
)

// WaitingFront reports whether this process is the standby of a front
// that waits for it (see above), and returns the descriptor that reaches
// the front and the front's pid. The standby must then tell the front
// what to do. Its standard error is the front's (a standby otherwise holds
// /dev/null there), for what it says as the command's tracer: one that
// tells the front to run its command line must put /dev/null there.
func WaitingFront() (fd, pid int, ok bool) {
	if standby != standbyChild || frontWaiting == 0 {
		return -1, 0, false
	}
	return int(standbyPair[1]), int(frontPid), true
}

// FrontWaited reports whether this process is a front that waited for its
// standby, which then told it to run its command line.
func FrontWaited() bool { return standby == standbyFront && frontWaiting != 0 }

// Package arch describes Linux system call conventions as data: the ABIs
// ktrace knows, the kinds of arguments each system call takes, its traits
// (what it does that the tracer acts on, the strace groups it is in), the
// flag and value sets used to print arguments symbolically, and errno and
// signal names.
//
// The per-ABI tables (numbers, names, signatures and traits from
// syscalls.txt, and constant values) are generated into
// the subpackages arch/amd64 (which also holds the i386 table used for 32-bit
// calls on amd64) and arch/arm64; package arch/tables maps an ABI to its
// table. Everything here is plain data that does not depend on the machine
// the code runs on, so a trace recorded on arm64 decodes on amd64.
package arch

import "fmt"

// ABI identifies a system call convention. Its value is stored in every
// trace record, so the numbers below never change.
type ABI uint8

// The ABIs ktrace records.
const (
	ABIUnknown ABI = 0 // not known
	ABIAmd64   ABI = 1 // x86-64 native calls
	ABII386    ABI = 2 // 32-bit calls (int 0x80) made on amd64
	ABIArm64   ABI = 3 // AArch64 native calls
)

var abiNames = [...]string{
	ABIUnknown: "linux-unknown",
	ABIAmd64:   "linux-amd64",
	ABII386:    "linux-i386",
	ABIArm64:   "linux-arm64",
}

// String returns the emulation name kdump prints, such as "linux-amd64".
func (a ABI) String() string {
	if int(a) < len(abiNames) {
		return abiNames[a]
	}
	return fmt.Sprintf("linux-abi%d", uint8(a))
}

// ParseABI returns the ABI whose String is name.
func ParseABI(name string) (ABI, bool) {
	for i, n := range abiNames {
		if n == name && i != int(ABIUnknown) {
			return ABI(i), true
		}
	}
	return ABIUnknown, false
}

// Machine identifies the machine architecture a trace was recorded on. It is
// stored in the trace file's start record.
type Machine uint16

// The machines ktrace runs on.
const (
	MachineUnknown Machine = 0
	MachineAmd64   Machine = 1
	MachineArm64   Machine = 2
)

// String returns the GOARCH-style name of m.
func (m Machine) String() string {
	switch m {
	case MachineAmd64:
		return "amd64"
	case MachineArm64:
		return "arm64"
	}
	return fmt.Sprintf("machine%d", uint16(m))
}

// NativeABI returns the native system call ABI of machine m.
func (m Machine) NativeABI() ABI {
	switch m {
	case MachineAmd64:
		return ABIAmd64
	case MachineArm64:
		return ABIArm64
	}
	return ABIUnknown
}

// ArgKind says how a system call argument is interpreted, by the tracer
// (which arguments are paths and buffers to copy out of the tracee) and by
// kdump (how to print the raw register value).
type ArgKind uint8

// Argument kinds. Kinds that carry data out of the tracee name the argument
// holding the length in Arg.Len.
const (
	ArgInt      ArgKind = iota // plain integer, printed in hex
	ArgFD                      // file descriptor
	ArgDirFD                   // directory fd of an *at call: AT_FDCWD by name
	ArgPath                    // NUL-terminated path name: recorded as NAMI
	ArgString                  // NUL-terminated string that is not a path
	ArgBufIn                   // buffer the caller passes in (write); length in Len
	ArgBufOut                  // buffer the kernel fills (read); length is the return value
	ArgIovIn                   // struct iovec array passed in; count in Len
	ArgIovOut                  // struct iovec array filled by the kernel; count in Len
	ArgMsgIn                   // struct msghdr sent (sendmsg)
	ArgMsgOut                  // struct msghdr received into (recvmsg)
	ArgSockaddr                // struct sockaddr passed in; length in Len (AF_UNIX paths recorded as NAMI)
	ArgSize                    // a byte count
	ArgFlags                   // bit flags of the set named in Set
	ArgEnum                    // one value of the set named in Set
	ArgMode                    // file mode bits, printed in octal
	ArgSignal                  // signal number
	ArgPID                     // process or thread id
	ArgPtr                     // other pointer
	ArgArgv                    // NULL-terminated array of strings (execve argv)
	ArgEnvp                    // NULL-terminated array of strings (execve envp)
	ArgOff                     // file offset

	// Structure kinds: the tracer records the structure as a STRU record
	// when the t facility is on (see StructArgOf).
	ArgSockaddrOut   // struct sockaddr the kernel fills; Len names the socklen_t pointer
	ArgStatOut       // struct stat the kernel fills (the ABI's stat, fstat, newfstatat)
	ArgStat64Out     // struct stat64 the kernel fills (i386's stat64 calls)
	ArgStatxOut      // struct statx the kernel fills
	ArgFds2Out       // int[2] of descriptors the kernel fills (pipe, socketpair)
	ArgTimespecIn    // struct timespec passed in (long seconds and nanoseconds)
	ArgTimespecOut   // struct timespec the kernel fills
	ArgTimespec64In  // struct __kernel_timespec passed in (64-bit members on every ABI)
	ArgTimespec64Out // struct __kernel_timespec the kernel fills
	ArgPollfdInOut   // struct pollfd array read and updated (revents); count in Len

	// Time, select, epoll and output-buffer structures (issue 12, time).
	ArgTimevalIn        // struct timeval passed in
	ArgTimevalOut       // struct timeval the kernel fills
	ArgTimevalInOut     // struct timeval read and updated (select's timeout)
	ArgTimespecInOut    // struct timespec read and updated (pselect6's timeout)
	ArgTimespec64InOut  // struct __kernel_timespec read and updated (pselect6_time64)
	ArgTimeval2In       // struct timeval[2] passed in (utimes)
	ArgTimespec2In      // struct timespec[2] passed in (utimensat)
	ArgTimespec64x2In   // struct __kernel_timespec[2] passed in (utimensat_time64)
	ArgItimerspecIn     // struct itimerspec passed in
	ArgItimerspecOut    // struct itimerspec the kernel fills
	ArgItimerspec64In   // struct __kernel_itimerspec passed in
	ArgItimerspec64Out  // struct __kernel_itimerspec the kernel fills
	ArgItimervalIn      // struct itimerval passed in
	ArgItimervalOut     // struct itimerval the kernel fills
	ArgFutexTimeoutIn   // struct timespec of a futex command that waits; Len names the op
	ArgFutexTimeout64In // struct __kernel_timespec of a futex command that waits; Len names the op
	ArgFdsetInOut       // fd_set read and updated; Len names nfds (a count of bits)
	ArgEpollEventIn     // struct epoll_event passed in (epoll_ctl)
	ArgEpollEventsOut   // struct epoll_event array filled; the return value counts them
	ArgTextOut          // bytes the kernel fills; the return value counts them (readlink, getcwd)
	ArgDirents64Out     // struct linux_dirent64 entries filled; the return value counts bytes
	ArgDirentsOut       // struct linux_dirent entries filled (getdents); the return value counts bytes
	// siginfo and wait status (issue 12, msghdr/siginfo area).
	ArgSiginfoIn     // siginfo_t passed in (rt_sigqueueinfo)
	ArgSiginfoOut    // siginfo_t the kernel fills (rt_sigtimedwait, waitid)
	ArgWaitStatusOut // int wait status the kernel fills when the call returns a pid (wait4)
	// Signals, limits and system structures (issue 12, sys area).
	ArgSigactionIn  // struct sigaction passed in (rt_sigaction's act)
	ArgSigactionOut // struct sigaction the kernel fills (rt_sigaction's oldact)
	ArgSigsetIn     // sigset_t passed in; Len names the sigsetsize argument
	ArgSigsetOut    // sigset_t the kernel fills; Len names the sigsetsize argument
	ArgRlimitIn     // struct rlimit passed in (unsigned long members)
	ArgRlimitOut    // struct rlimit the kernel fills
	ArgRlimit64In   // struct rlimit64 passed in (prlimit64: 64-bit members on every ABI)
	ArgRlimit64Out  // struct rlimit64 the kernel fills
	ArgUtsnameOut   // struct new_utsname the kernel fills (uname)
	ArgSysinfoOut   // struct sysinfo the kernel fills
	ArgOpenHowIn    // struct open_how passed in (openat2); Len names the size argument
	ArgCloneArgsIn  // struct clone_args passed in (clone3); Len names the size argument
	// File system statistics (issue 12, polish).
	ArgStatfsOut // struct statfs the kernel fills (x/sys Statfs_t: i386's statfs64)
)

var argKindNames = [...]string{
	ArgInt: "int", ArgFD: "fd", ArgDirFD: "dirfd", ArgPath: "path", ArgString: "string",
	ArgBufIn: "bufin", ArgBufOut: "bufout", ArgIovIn: "iovin", ArgIovOut: "iovout",
	ArgMsgIn: "msgin", ArgMsgOut: "msgout", ArgSockaddr: "sockaddr", ArgSize: "size",
	ArgFlags: "flags", ArgEnum: "enum", ArgMode: "mode", ArgSignal: "signal", ArgPID: "pid",
	ArgPtr: "ptr", ArgArgv: "argv", ArgEnvp: "envp", ArgOff: "off",
	ArgSockaddrOut: "sockaddr_out", ArgStatOut: "stat_out", ArgStat64Out: "stat64_out",
	ArgStatxOut: "statx_out", ArgFds2Out: "fds2_out", ArgTimespecIn: "timespec_in",
	ArgTimespecOut: "timespec_out", ArgTimespec64In: "timespec64_in",
	ArgTimespec64Out: "timespec64_out", ArgPollfdInOut: "pollfd_inout",
	// Time, select, epoll and output-buffer structures (issue 12, time).
	ArgTimevalIn: "timeval_in", ArgTimevalOut: "timeval_out", ArgTimevalInOut: "timeval_inout",
	ArgTimespecInOut: "timespec_inout", ArgTimespec64InOut: "timespec64_inout",
	ArgTimeval2In: "timeval2_in", ArgTimespec2In: "timespec2_in", ArgTimespec64x2In: "timespec64x2_in",
	ArgItimerspecIn: "itimerspec_in", ArgItimerspecOut: "itimerspec_out",
	ArgItimerspec64In: "itimerspec64_in", ArgItimerspec64Out: "itimerspec64_out",
	ArgItimervalIn: "itimerval_in", ArgItimervalOut: "itimerval_out",
	ArgFutexTimeoutIn: "futex_timeout_in", ArgFutexTimeout64In: "futex_timeout64_in",
	ArgFdsetInOut: "fdset_inout", ArgEpollEventIn: "epoll_event_in", ArgEpollEventsOut: "epoll_events_out",
	ArgTextOut: "text_out", ArgDirents64Out: "dirents64_out",
	ArgDirentsOut: "dirents_out",
	// siginfo and wait status (issue 12, msghdr/siginfo area).
	ArgSiginfoIn: "siginfo_in", ArgSiginfoOut: "siginfo_out", ArgWaitStatusOut: "wstatus_out",
	// Signals, limits and system structures (issue 12, sys area).
	ArgSigactionIn: "sigaction_in", ArgSigactionOut: "sigaction_out", ArgSigsetIn: "sigset_in",
	ArgSigsetOut: "sigset_out", ArgRlimitIn: "rlimit_in", ArgRlimitOut: "rlimit_out",
	ArgRlimit64In: "rlimit64_in", ArgRlimit64Out: "rlimit64_out", ArgUtsnameOut: "utsname_out",
	ArgSysinfoOut: "sysinfo_out", ArgOpenHowIn: "open_how_in", ArgCloneArgsIn: "clone_args_in",
	// File system statistics (issue 12, polish).
	ArgStatfsOut: "statfs_out",
}

// String returns the kind's name as used in the signature table.
func (k ArgKind) String() string {
	if int(k) < len(argKindNames) {
		return argKindNames[k]
	}
	return fmt.Sprintf("kind%d", uint8(k))
}

// argWidth is how wide the kernel reads an argument of some kind.
type argWidth uint8

const (
	widthLong argWidth = iota // the whole register: long, pointers, sizes
	widthInt                  // the low 32 bits, sign-extended: C int
	widthUint                 // the low 32 bits, zero-extended: C unsigned int
)

// kindWidths says how wide the kernel reads each kind of argument unless a
// signature marks it long (SYSCALL_DEFINE types, include/linux/syscalls.h).
// Kinds not listed are read whole.
var kindWidths = [...]argWidth{
	ArgInt: widthInt, ArgFD: widthInt, ArgDirFD: widthInt, ArgSignal: widthInt,
	ArgPID: widthInt, ArgEnum: widthInt, ArgFlags: widthUint, ArgMode: widthUint,
}

// IntSized reports whether the kernel reads arguments of kind k as a C int
// or unsigned int unless the signature marks them long.
func (k ArgKind) IntSized() bool { return k.width() != widthLong }

func (k ArgKind) width() argWidth {
	if int(k) < len(kindWidths) {
		return kindWidths[k]
	}
	return widthLong
}

// Arg describes one system call argument.
type Arg struct {
	Kind ArgKind
	// Set names the flag or value set (see Sets) for ArgFlags and ArgEnum.
	Set string
	// Len is the index of the argument holding this one's length or
	// count, or -1 when there is none.
	Len int8
	// Long marks an argument of an int-sized kind (see ArgKind.IntSized)
	// that the kernel reads as a long: clone's flags, prctl's arguments.
	Long bool
}

// Value returns reg, the register that held the argument in a call of abi,
// as the kernel reads it: the low 32 bits, sign-extended for a C int and
// zero-extended for an unsigned int, or the whole register for a long or
// pointer (its low 32 bits, zero-extended, on i386, whose registers are 32
// bits wide).
func (a Arg) Value(abi ABI, reg uint64) uint64 {
	w := a.Kind.width()
	if a.Long {
		w = widthLong
	}
	switch {
	case w == widthInt:
		return uint64(int64(int32(reg)))
	case w == widthUint, abi == ABII386:
		return uint64(uint32(reg))
	}
	return reg
}

// Syscall describes one system call of one ABI.
type Syscall struct {
	Number uint32
	Name   string
	// Args lists the arguments the call takes, in order; their count is
	// the call's argument count.
	Args []Arg
	// Known reports whether Args come from the signature table; when false
	// the argument count is not known and all six registers are shown.
	Known bool
	// Traits are what the signature table says the call does and the
	// groups it is in; none when the call has no signature.
	Traits Traits
	// Dep, when not nil, gives the arguments whose meaning depends on
	// other arguments their kinds (depends.txt). The generated tables
	// set it, with its cases for the table's ABI, for every call
	// depends.txt names.
	Dep *Dependent
}

// NArgs returns the number of arguments to record and print for s.
func (s *Syscall) NArgs() int {
	if !s.Known {
		return 6
	}
	return len(s.Args)
}

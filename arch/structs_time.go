package arch

// Structure sizes of the time, select, epoll and output-buffer kinds
// (issue 12), and the mechanisms they add to StructArg.

// More structure sizes (see StructLen).
const (
	// LenBits: argument Len counts bits (select's nfds); the bytes
	// recorded are that many bits rounded up to the ABI's long, at most
	// Size.
	LenBits StructLen = LenCount + 1 + iota
	// LenRet: the return value of a successful call counts elements of
	// Size bytes (bytes when Size is 1), at most Max (see StructArg.Max).
	LenRet
	// LenString: a NUL-terminated string, at most Size bytes recorded
	// (the NUL is not).
	LenString
)

// StructCond limits a structure argument to some calls: those whose
// argument Len (of the signature), masked with Mask, is one of Values.
type StructCond struct {
	Mask   uint64
	Values []uint64
}

// Holds reports whether the condition holds for an argument value v.
func (c *StructCond) Holds(v uint64) bool {
	for _, x := range c.Values {
		if v&c.Mask == x {
			return true
		}
	}
	return false
}

// Futex commands (include/uapi/linux/futex.h) whose fourth argument is
// a timeout: FUTEX_WAIT, FUTEX_LOCK_PI, FUTEX_WAIT_BITSET,
// FUTEX_WAIT_REQUEUE_PI and FUTEX_LOCK_PI2. Other commands read it as
// an integer (val2) or not at all.
var futexWaits = StructCond{Mask: 0x7f /* FUTEX_CMD_MASK */, Values: []uint64{0, 6, 9, 11, 13}}

var (
	// longPair is the size of a pair of longs: struct timeval, or the
	// struct timespec of calls that are not *_time64.
	longPair = [abiCount]uint16{ABIAmd64: 16, ABII386: 8, ABIArm64: 16}
	// longQuad is two pairs of longs: struct itimerspec, itimerval,
	// timeval[2], timespec[2].
	longQuad = [abiCount]uint16{ABIAmd64: 32, ABII386: 16, ABIArm64: 32}
	// epollEventSize is sizeof(struct epoll_event): packed on x86 (both
	// ABIs), 16 bytes elsewhere.
	epollEventSize = [abiCount]uint16{ABIAmd64: 12, ABII386: 12, ABIArm64: 16}
)

// Bounds of the records of the kinds above.
const (
	maxFdsetBytes  = 1024 // 8192 descriptors
	maxEpollEvents = 1024
	maxStringArg   = 4096
)

// Applies reports whether a call with arguments args has the structure
// argument a points to recorded: a has a structure kind, the pointer is
// not NULL, and the kind's condition, if any, holds. abi is the call's.
func (a Arg) Applies(abi ABI, args []uint64, i int) bool {
	st := StructArgOf(a.Kind)
	if st == nil || i >= len(args) || args[i] == 0 {
		return false
	}
	if st.If != nil {
		if a.Len < 0 || int(a.Len) >= len(args) {
			return false
		}
		return st.If.Holds(args[a.Len])
	}
	return true
}

// WordSize returns the size of a C long (and a pointer) on abi.
func (a ABI) WordSize() int {
	if a == ABII386 {
		return 4
	}
	return 8
}

// FdsetBytes returns how many bytes of an fd_set select reads for nfds
// descriptors on abi: nfds bits rounded up to whole longs.
func FdsetBytes(abi ABI, nfds int64) int {
	if nfds <= 0 {
		return 0
	}
	bits := int64(8 * abi.WordSize())
	return int((nfds + bits - 1) / bits * int64(abi.WordSize()))
}

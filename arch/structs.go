package arch

// StructDir says when the tracer records the structure an argument points
// to.
type StructDir uint8

// Structure directions; a structure read and updated by the kernel has
// both.
const (
	StructIn  StructDir = 1 << iota // after the CALL: what the caller passes in
	StructOut                       // before the RET of a successful call: what the kernel filled
)

// StructLen says where the size of a structure argument comes from.
type StructLen uint8

// Structure sizes.
const (
	LenFixed   StructLen = iota // Size on the call's ABI
	LenValue                    // the value of argument Len, at most Size (struct sockaddr passed in)
	LenPointer                  // the socklen_t argument Len points to after the call, at most Size
	LenCount                    // argument Len counts elements of Size bytes (struct pollfd arrays)
)

// StructArg describes the structure an argument of a structure kind
// points to, as the tracer records it in a STRU record.
type StructArg struct {
	// Name is the STRU record's name, the structure's C tag: kdump
	// decodes the records by it.
	Name string
	Dir  StructDir
	Len  StructLen
	// Size is the structure's size in bytes by ABI (the element's size
	// for LenCount and LenRet, the most recorded for LenValue,
	// LenPointer, LenBits and LenString).
	Size [abiCount]uint16
	// Max is the most elements recorded for LenRet (more are recorded
	// cut); 0 bounds them as I/O data, by the genio size.
	Max uint16
	// If, when set, limits the record to calls whose argument Len has
	// one of its values.
	If *StructCond
}

// abiCount bounds the ABI values.
const abiCount = ABIArm64 + 1

// sizes gives the same size on every ABI.
func sizes(n uint16) [abiCount]uint16 { return [abiCount]uint16{n, n, n, n} }

// sockaddrMax is sizeof(struct sockaddr_storage), the most a socket
// address takes.
const sockaddrMax = 128

// structArgs describes the structure kinds, from ArgSockaddr on; kinds
// that are no structures have no Name. Sizes are those of the kernel's
// UAPI structures on each ABI (struct stat: arch/x86/include/uapi/asm/stat.h
// and include/uapi/asm-generic/stat.h; i386's timespec is old_timespec32).
var structArgs = [...]StructArg{
	ArgSockaddr:      {Name: "sockaddr", Dir: StructIn, Len: LenValue, Size: sizes(sockaddrMax)},
	ArgSockaddrOut:   {Name: "sockaddr", Dir: StructOut, Len: LenPointer, Size: sizes(sockaddrMax)},
	ArgStatOut:       {Name: "stat", Dir: StructOut, Size: [abiCount]uint16{ABIAmd64: 144, ABII386: 64, ABIArm64: 128}},
	ArgStat64Out:     {Name: "stat", Dir: StructOut, Size: [abiCount]uint16{ABIAmd64: 144, ABII386: 96, ABIArm64: 128}},
	ArgStatxOut:      {Name: "statx", Dir: StructOut, Size: sizes(256)},
	ArgFds2Out:       {Name: "fd_pair", Dir: StructOut, Size: sizes(8)},
	ArgTimespecIn:    {Name: "timespec", Dir: StructIn, Size: [abiCount]uint16{ABIAmd64: 16, ABII386: 8, ABIArm64: 16}},
	ArgTimespecOut:   {Name: "timespec", Dir: StructOut, Size: [abiCount]uint16{ABIAmd64: 16, ABII386: 8, ABIArm64: 16}},
	ArgTimespec64In:  {Name: "timespec", Dir: StructIn, Size: sizes(16)},
	ArgTimespec64Out: {Name: "timespec", Dir: StructOut, Size: sizes(16)},
	ArgPollfdInOut:   {Name: "pollfd", Dir: StructIn | StructOut, Len: LenCount, Size: sizes(8)},
	// Time, select, epoll and output-buffer structures (issue 12, time):
	// see structs_time.go.
	ArgTimevalIn:        {Name: "timeval", Dir: StructIn, Size: longPair},
	ArgTimevalOut:       {Name: "timeval", Dir: StructOut, Size: longPair},
	ArgTimevalInOut:     {Name: "timeval", Dir: StructIn | StructOut, Size: longPair},
	ArgTimespecInOut:    {Name: "timespec", Dir: StructIn | StructOut, Size: longPair},
	ArgTimespec64InOut:  {Name: "timespec", Dir: StructIn | StructOut, Size: sizes(16)},
	ArgTimeval2In:       {Name: "timeval[2]", Dir: StructIn, Size: longQuad},
	ArgTimespec2In:      {Name: "timespec[2]", Dir: StructIn, Size: longQuad},
	ArgTimespec64x2In:   {Name: "timespec[2]", Dir: StructIn, Size: sizes(32)},
	ArgItimerspecIn:     {Name: "itimerspec", Dir: StructIn, Size: longQuad},
	ArgItimerspecOut:    {Name: "itimerspec", Dir: StructOut, Size: longQuad},
	ArgItimerspec64In:   {Name: "itimerspec", Dir: StructIn, Size: sizes(32)},
	ArgItimerspec64Out:  {Name: "itimerspec", Dir: StructOut, Size: sizes(32)},
	ArgItimervalIn:      {Name: "itimerval", Dir: StructIn, Size: longQuad},
	ArgItimervalOut:     {Name: "itimerval", Dir: StructOut, Size: longQuad},
	ArgFutexTimeoutIn:   {Name: "timespec", Dir: StructIn, Size: longPair, If: &futexWaits},
	ArgFutexTimeout64In: {Name: "timespec", Dir: StructIn, Size: sizes(16), If: &futexWaits},
	ArgFdsetInOut:       {Name: "fd_set", Dir: StructIn | StructOut, Len: LenBits, Size: sizes(maxFdsetBytes)},
	ArgEpollEventIn:     {Name: "epoll_event", Dir: StructIn, Size: epollEventSize},
	ArgEpollEventsOut:   {Name: "epoll_event", Dir: StructOut, Len: LenRet, Size: epollEventSize, Max: maxEpollEvents},
	ArgString:           {Name: "string", Dir: StructIn, Len: LenString, Size: sizes(maxStringArg)},
	ArgTextOut:          {Name: "string", Dir: StructOut, Len: LenRet, Size: sizes(1)},
	ArgDirents64Out:     {Name: "dirent64", Dir: StructOut, Len: LenRet, Size: sizes(1)},
	ArgDirentsOut:       {Name: "dirent", Dir: StructOut, Len: LenRet, Size: sizes(1)},
}

// StructArgOf returns the structure an argument of kind k points to, or
// nil when k is no structure kind.
func StructArgOf(k ArgKind) *StructArg {
	if int(k) < len(structArgs) && structArgs[k].Name != "" {
		return &structArgs[k]
	}
	return nil
}

// IsStruct reports whether arguments of kind k point to a structure the
// tracer records with the t facility.
func (k ArgKind) IsStruct() bool { return StructArgOf(k) != nil }

// SizeOn returns the structure's size on abi (see Size).
func (s *StructArg) SizeOn(abi ABI) int {
	if abi < abiCount {
		return int(s.Size[abi])
	}
	return 0
}

// HasStruct reports whether s takes an argument the tracer records as a
// STRU record.
func (s *Syscall) HasStruct() bool {
	for _, a := range s.Args {
		if a.Kind.IsStruct() {
			return true
		}
	}
	return false
}

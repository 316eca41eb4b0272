package arch

// Sizes of the signal, limit and system structures (issue 12, sys area)
// the tracer records; the generated layouts (struct rlimit64, utsname,
// sysinfo, open_how) and the declared ones below have the same, as
// structs_sys_test.go checks.
var (
	// sigactionSizes: the kernel's struct sigaction of rt_sigaction,
	// with its 8-byte sigset_t (rt_sigaction fails with EINVAL for any
	// other sigsetsize).
	sigactionSizes = [abiCount]uint16{ABIAmd64: 32, ABII386: 20, ABIArm64: 32}
	// rlimitSizes: struct rlimit of getrlimit, setrlimit and i386's
	// ugetrlimit, two unsigned longs.
	rlimitSizes = [abiCount]uint16{ABIAmd64: 16, ABII386: 8, ABIArm64: 16}
)

const (
	// sigsetSize is the kernel's sigset_t, _NSIG (64) bits on every ABI:
	// the most recorded of a set, whose sigsetsize argument gives its
	// size.
	sigsetSize = 8
	// openHowSize is OPEN_HOW_SIZE_VER0, the struct open_how openat2
	// knows; a larger size argument has zeros past it (or the call
	// fails with E2BIG).
	openHowSize = 24
	// cloneArgsSize is CLONE_ARGS_SIZE_VER2, struct clone_args up to
	// its cgroup member; clone3's size argument says how much of it the
	// caller passes (VER0 64 bytes, VER1 80).
	cloneArgsSize = 88
)

// declaredStructs holds the layouts of the structures the tracer records
// that golang.org/x/sys/unix has no type for, so that the generator
// cannot compute them (arch/internal/gen reads only x/sys's ztypes
// files); they are written here from the kernel's headers, by ABI:
//
//   - sigaction: x/sys declares no struct sigaction for Linux (the Go
//     runtime keeps its own). The kernel's, as rt_sigaction reads and
//     writes it (include/linux/signal_types.h, with sa_restorer where
//     the architecture defines SA_RESTORER, as x86 and arm64 do): on
//     amd64 and arm64 sa_handler, sa_flags (unsigned long), sa_restorer
//     and sa_mask (sigset_t, 64 bits); on i386 struct compat_sigaction
//     (include/linux/compat.h), the same members 32 bits wide but the
//     mask, two 32-bit words.
//   - clone_args: x/sys has only its CLONE_ARGS_SIZE_VER* constants.
//     include/uapi/linux/sched.h declares every member __aligned_u64,
//     so it is the same on every ABI.
//   - i386's struct rlimit (struct compat_rlimit, two 32-bit words) of
//     getrlimit, setrlimit and ugetrlimit: x/sys's Rlimit has 64-bit
//     members on every GOARCH (glibc's struct rlimit with 64-bit
//     rlim_t, that is the kernel's struct rlimit64), and its 32-bit
//     rlimit32 is an unexported type outside the ztypes files.
//
// Member names follow x/sys's style (the C name, capitalised).
var declaredStructs = [abiCount][]StructLayout{
	ABIAmd64: {sigaction64, cloneArgs},
	ABII386:  {sigactionCompat, rlimitCompat, cloneArgs},
	ABIArm64: {sigaction64, cloneArgs},
}

var (
	sigaction64 = StructLayout{Name: "sigaction", Size: 32, Fields: []StructField{
		{"Handler", 0, 8}, {"Flags", 8, 8}, {"Restorer", 16, 8}, {"Mask", 24, 8}}}
	sigactionCompat = StructLayout{Name: "sigaction", Size: 20, Fields: []StructField{
		{"Handler", 0, 4}, {"Flags", 4, 4}, {"Restorer", 8, 4}, {"Mask", 12, 8}}}
	rlimitCompat = StructLayout{Name: "rlimit", Size: 8, Fields: []StructField{
		{"Cur", 0, 4}, {"Max", 4, 4}}}
	cloneArgs = StructLayout{Name: "clone_args", Size: cloneArgsSize, Fields: []StructField{
		{"Flags", 0, 8}, {"Pidfd", 8, 8}, {"Child_tid", 16, 8}, {"Parent_tid", 24, 8},
		{"Exit_signal", 32, 8}, {"Stack", 40, 8}, {"Stack_size", 48, 8}, {"Tls", 56, 8},
		{"Set_tid", 64, 8}, {"Set_tid_size", 72, 8}, {"Cgroup", 80, 8}}}
)

// DeclaredStruct returns the declared layout of the structure called
// name (its C tag) on abi, one x/sys has no type for, or nil. A
// structure may have a generated layout of another size under the same
// name (i386's struct rlimit beside the generated 64-bit one): the
// reader of a record picks the layout of its size.
func DeclaredStruct(abi ABI, name string) *StructLayout {
	if abi >= abiCount {
		return nil
	}
	for i := range declaredStructs[abi] {
		if l := &declaredStructs[abi][i]; l.Name == name {
			return l
		}
	}
	return nil
}

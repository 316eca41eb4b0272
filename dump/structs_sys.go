package dump

import (
	"math/bits"
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// The signal, limit and system structures kdump decodes (issue 12, sys
// area), by STRU name:
//
//	sigaction   the kernel's struct sigaction of rt_sigaction (amd64 and
//	            arm64: 32 bytes, i386: 20): sa_handler (SIG_DFL and
//	            SIG_IGN by name), sa_mask as a signal set, sa_flags by
//	            SA_* name, sa_restorer
//	sigset      sigset_t (at most 8 bytes), a value (see valueDecoders):
//	            shown as strace does, [INT TERM], ~[RTMIN RT_1] for a set
//	            with most signals in it
//	rlimit      struct rlimit: 16 bytes, or i386's 8 (RLIM_INFINITY by name)
//	rlimit64    struct rlimit64 of prlimit64
//	utsname     struct new_utsname of uname
//	sysinfo     struct sysinfo
//	open_how    struct open_how of openat2: flags by O_* name, mode in
//	            octal, resolve by RESOLVE_* name
//	clone_args  struct clone_args of clone3, as much of it as the call
//	            passed (64, 80 or 88 bytes): flags by CLONE_* name, the
//	            exit signal by name, pointers in hex
//
// Layouts come from the generated tables where x/sys has the type, else
// from arch.DeclaredStruct.

// sysLayout returns the layout of the structure called name on abi
// that is size bytes long: the generated one, else the declared one, or
// nil.
func sysLayout(abi arch.ABI, name string, size int) *arch.StructLayout {
	if l := structLayout(abi, name); l != nil && l.Size == size {
		return l
	}
	if l := arch.DeclaredStruct(abi, name); l != nil && l.Size == size {
		return l
	}
	return nil
}

// getField reads member name of l from p, and returns its size (0, 0
// when l has no such member).
func getField(l *arch.StructLayout, name string, p []byte) (uint64, int) {
	f := fieldOf(l, name)
	return f.get(p), f.size
}

// addr appends a pointer member: hex in text, a decimal string in JSON
// whatever its width (addresses may exceed 2^53).
func (w *structOut) addr(name string, v uint64) {
	if w.isNull(v) { // structs_polish.go
		w.key(name)
		w.b = append(w.b, "NULL"...)
		return
	}
	w.addrNotNull(name, v)
}

// addrNotNull appends a member as addr does, 0 as a number.
func (w *structOut) addrNotNull(name string, v uint64) {
	w.key(name)
	if w.json {
		w.b = append(w.b, '"')
		w.b = strconv.AppendUint(w.b, v, 10)
		w.b = append(w.b, '"')
		return
	}
	w.b = appendCHex(w.b, v)
}

// sigsetBits returns the signal set in p (little-endian, at most 64
// bits) and its width in bits, rounded up to 32-bit words as strace
// counts them.
func sigsetBits(p []byte) (mask uint64, nbits int) {
	p = p[:min(len(p), 8)]
	for i, c := range p {
		mask |= uint64(c) << (8 * i)
	}
	return mask, (len(p) + 3) / 4 * 32
}

// sigset appends a signal set. In text as strace shows it: the signals
// by name in brackets ("[INT TERM]", "[]"), or, when two thirds of the
// set's bits or more are set, "~" and the signals not in it; numbers
// instead of names when raw. In JSON the signal numbers.
func (w *structOut) sigset(name string, p []byte) {
	mask, nbits := sigsetBits(p)
	w.key(name)
	if w.json {
		w.b = append(w.b, '[')
		for m := mask; m != 0; m &= m - 1 {
			if m != mask {
				w.b = append(w.b, ',')
			}
			w.b = strconv.AppendInt(w.b, int64(bits.TrailingZeros64(m)+1), 10)
		}
		w.b = append(w.b, ']')
		return
	}
	w.b = appendSigset(w.b, mask, nbits, w.o.Raw)
}

// appendSigset appends the signal set mask of nbits bits as strace does.
func appendSigset(b []byte, mask uint64, nbits int, raw bool) []byte {
	valid := ^uint64(0)
	if nbits < 64 {
		valid = 1<<nbits - 1
	}
	mask &= valid
	if bits.OnesCount64(mask) >= nbits*2/3 {
		b = append(b, '~')
		mask = ^mask & valid
	}
	b = append(b, '[')
	for m := mask; m != 0; m &= m - 1 {
		if m != mask {
			b = append(b, ' ')
		}
		sig := bits.TrailingZeros64(m) + 1
		if name := arch.SignalSetName(sig); name != "" && !raw {
			b = append(b, name...)
		} else {
			b = strconv.AppendInt(b, int64(sig), 10)
		}
	}
	return append(b, ']')
}

// appendSigsetText appends a sigset_t value as -r and --calls show it:
// "[INT TERM]".
func appendSigsetText(b []byte, data []byte, o *Options) ([]byte, bool) {
	if len(data) == 0 || len(data) > 8 {
		return b, false
	}
	mask, nbits := sigsetBits(data)
	return appendSigset(b, mask, nbits, o.Raw), true
}

// sigsetMembers writes a sigset_t value's JSON members: "signals":[2,15].
func sigsetMembers(w *structOut, data []byte) bool {
	if len(data) == 0 || len(data) > 8 {
		return false
	}
	w.sigset("signals", data)
	return true
}

// Special handlers of struct sigaction, the same on every ABI.
var handlerNames = [...]string{0: "SIG_DFL", 1: "SIG_IGN"}

// decodeSigaction decodes the kernel's struct sigaction as strace shows
// it: sa_handler, sa_mask, sa_flags, sa_restorer.
func decodeSigaction(w *structOut, abi arch.ABI, data []byte) bool {
	l := sysLayout(abi, "sigaction", len(data))
	if l == nil {
		return false
	}
	handler, _ := getField(l, "Handler", data)
	switch {
	case handler < uint64(len(handlerNames)) && w.json:
		w.addr("sa_handler", handler)
		w.str("sa_handler_name", []byte(handlerNames[handler]), false)
	case handler < uint64(len(handlerNames)) && !w.o.Raw:
		w.str("sa_handler", []byte(handlerNames[handler]), true)
	default:
		w.addr("sa_handler", handler)
	}
	mask := fieldOf(l, "Mask")
	w.sigset("sa_mask", data[mask.off:mask.off+mask.size])
	flags, size := getField(l, "Flags", data)
	w.flags("sa_flags", tables.For(abi), "sigaction", flags, size)
	restorer, _ := getField(l, "Restorer", data)
	w.addr("sa_restorer", restorer)
	return true
}

// rlimValue appends a limit: RLIM_INFINITY by name unless raw (in i386's
// 32-bit struct rlimit, 0xffffffff, which the kernel takes for it).
func (w *structOut) rlimValue(name string, abi arch.ABI, v uint64, size int) {
	inf := v == ^uint64(0) || size == 4 && v == 1<<32-1
	if inf && !w.json && !w.o.Raw {
		if vs := tableSet(tables.For(abi), "rlim"); vs != nil {
			mark := len(w.b)
			w.key(name)
			var ok bool
			if w.b, ok = vs.AppendFormat(w.b, ^uint64(0)); ok {
				return
			}
			w.b = w.b[:mark]
		}
	}
	w.uint(name, v, size)
}

// decodeRlimit decodes struct rlimit: rlim_cur, rlim_max, unsigned
// longs (x/sys's 64-bit Rlimit, or i386's declared 32-bit one).
func decodeRlimit(w *structOut, abi arch.ABI, data []byte) bool {
	return rlimitMembers(w, abi, sysLayout(abi, "rlimit", len(data)), data)
}

// decodeRlimit64 decodes prlimit64's struct rlimit64, x/sys's Rlimit on
// every ABI.
func decodeRlimit64(w *structOut, abi arch.ABI, data []byte) bool {
	l := structLayout(abi, "rlimit")
	if l == nil || l.Size != len(data) {
		return false
	}
	return rlimitMembers(w, abi, l, data)
}

// rlimitMembers writes rlim_cur and rlim_max of data in the layout l.
func rlimitMembers(w *structOut, abi arch.ABI, l *arch.StructLayout, data []byte) bool {
	if l == nil {
		return false
	}
	for _, m := range [...]struct{ name, member string }{{"rlim_cur", "Cur"}, {"rlim_max", "Max"}} {
		v, size := getField(l, m.member, data)
		w.rlimValue(m.name, abi, v, size)
	}
	return true
}

// cString returns p up to its first NUL.
func cString(p []byte) []byte {
	if i := indexByte(p, 0); i >= 0 {
		return p[:i]
	}
	return p
}

// decodeUtsname decodes struct new_utsname: its six strings.
func decodeUtsname(w *structOut, abi arch.ABI, data []byte) bool {
	l := sysLayout(abi, "utsname", len(data))
	if l == nil {
		return false
	}
	for _, m := range [...]struct{ name, member string }{
		{"sysname", "Sysname"}, {"nodename", "Nodename"}, {"release", "Release"},
		{"version", "Version"}, {"machine", "Machine"}, {"domainname", "Domainname"},
	} {
		f := fieldOf(l, m.member)
		w.str(m.name, cString(data[f.off:f.off+f.size]), false)
	}
	return true
}

// decodeSysinfo decodes struct sysinfo, its members as strace names
// them; loads are the kernel's fixed-point numbers (1.0 is 65536).
func decodeSysinfo(w *structOut, abi arch.ABI, data []byte) bool {
	l := sysLayout(abi, "sysinfo", len(data))
	if l == nil {
		return false
	}
	up, size := getField(l, "Uptime", data)
	w.int("uptime", up, size)
	loads := fieldOf(l, "Loads")
	elem := loads.size / 3
	w.key("loads")
	w.b = append(w.b, '[')
	for i := 0; i < 3; i++ {
		if i > 0 {
			w.b = append(w.b, ',')
			if !w.json {
				w.b = append(w.b, ' ')
			}
		}
		w.number(field{loads.off + i*elem, elem}.get(data), false, elem)
	}
	w.b = append(w.b, ']')
	for _, m := range [...]struct{ name, member string }{
		{"totalram", "Totalram"}, {"freeram", "Freeram"}, {"sharedram", "Sharedram"},
		{"bufferram", "Bufferram"}, {"totalswap", "Totalswap"}, {"freeswap", "Freeswap"},
		{"procs", "Procs"}, {"totalhigh", "Totalhigh"}, {"freehigh", "Freehigh"}, {"mem_unit", "Unit"},
	} {
		v, size := getField(l, m.member, data)
		w.uint(m.name, v, size)
	}
	return true
}

// decodeOpenHow decodes struct open_how: flags by O_* name, mode in
// octal, resolve by RESOLVE_* name.
func decodeOpenHow(w *structOut, abi arch.ABI, data []byte) bool {
	l := structLayout(abi, "open_how")
	if l == nil || len(data) != l.Size {
		return false
	}
	flags, size := getField(l, "Flags", data)
	w.flags("flags", tables.For(abi), "open", flags, size)
	mode, _ := getField(l, "Mode", data)
	w.key("mode")
	if w.json {
		w.number(mode, false, 8)
	} else {
		w.b = appendOctal(w.b, mode)
	}
	resolve, size := getField(l, "Resolve", data)
	w.flags("resolve", tables.For(abi), "resolve", resolve, size)
	return true
}

// decodeCloneArgs decodes the members of struct clone_args that the call
// passed: 64 bytes (CLONE_ARGS_SIZE_VER0) or more, in whole members.
func decodeCloneArgs(w *structOut, abi arch.ABI, data []byte) bool {
	l := arch.DeclaredStruct(abi, "clone_args")
	const ver0 = 64
	if l == nil || len(data) < ver0 || len(data) > l.Size || len(data)%8 != 0 {
		return false
	}
	get := func(member string) (uint64, bool) {
		f := fieldOf(l, member)
		if f.size == 0 || f.off+f.size > len(data) {
			return 0, false
		}
		return f.get(data), true
	}
	flags, _ := get("Flags")
	w.flags("flags", tables.For(abi), "clone3", flags, 8)
	for _, m := range [...]struct{ name, member string }{
		{"pidfd", "Pidfd"}, {"child_tid", "Child_tid"}, {"parent_tid", "Parent_tid"},
	} {
		v, _ := get(m.member)
		w.addr(m.name, v)
	}
	sig, _ := get("Exit_signal")
	w.signal64("exit_signal", sig)
	for _, m := range [...]struct{ name, member string }{
		{"stack", "Stack"}, {"stack_size", "Stack_size"}, {"tls", "Tls"}, {"set_tid", "Set_tid"},
	} {
		if v, ok := get(m.member); ok && m.name == "stack_size" {
			w.addrNotNull(m.name, v) // a size: never NULL (structs_polish.go)
		} else if ok {
			w.addr(m.name, v)
		}
	}
	if v, ok := get("Set_tid_size"); ok {
		w.uint("set_tid_size", v, 8)
	}
	if v, ok := get("Cgroup"); ok {
		w.uint("cgroup", v, 8)
	}
	return true
}

// signal64 appends a 64-bit member holding a signal number: its name in
// text unless raw (a number when it is none), in JSON the number and
// its name.
func (w *structOut) signal64(name string, v uint64) {
	sigName := ""
	if v <= 64 {
		sigName = arch.SignalName(int(v))
	}
	switch {
	case w.json:
		w.uint(name, v, 8)
		if sigName != "" {
			w.str(name+"_name", []byte(sigName), false)
		}
	case sigName != "" && !w.o.Raw:
		w.str(name, []byte(sigName), true)
	default:
		w.uint(name, v, 8)
	}
}

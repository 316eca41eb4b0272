package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
	"github.com/ktrace-linux/ktrace/format"
)

// atFDCWD is AT_FDCWD, the same on every Linux ABI.
const atFDCWD = -100

// tableCache remembers the system call table of each ABI met.
type tableCache struct {
	tabs   [4]*arch.Table
	looked [4]bool
}

// get returns the table of abi, or nil when there is none.
func (c *tableCache) get(abi arch.ABI) *arch.Table {
	if int(abi) >= len(c.tabs) {
		return tables.For(abi)
	}
	if !c.looked[abi] {
		c.tabs[abi] = tables.For(abi)
		c.looked[abi] = true
	}
	return c.tabs[abi]
}

// lookup returns the description of system call nr of abi, or nil.
func (c *tableCache) lookup(abi arch.ABI, nr uint32) *arch.Syscall {
	if t := c.get(abi); t != nil {
		return t.Lookup(nr)
	}
	return nil
}

// appendSyscallName appends the name of nr (SYS_nr when unknown) and,
// with -S, the number in brackets.
func appendSyscallName(b []byte, sc *arch.Syscall, nr uint32, o *Options) []byte {
	if sc != nil && sc.Name != "" {
		b = append(b, sc.Name...)
	} else {
		b = append(b, "SYS_"...)
		b = strconv.AppendUint(b, uint64(nr), 10)
	}
	if o.SyscallNumbers {
		b = append(b, '[')
		b = strconv.AppendUint(b, uint64(nr), 10)
		b = append(b, ']')
	}
	return b
}

// callArgCount returns how many arguments of c to show: those of the
// signature when it is known, else all that were recorded. As FreeBSD
// kdump does, the mode of open and openat is left out unless the flags
// create a file (O_CREAT, O_TMPFILE), except in raw mode.
func callArgCount(sc *arch.Syscall, tab *arch.Table, c *format.Call, o *Options) int {
	n := c.NArg
	if sc == nil || !sc.Known {
		return n
	}
	n = min(n, len(sc.Args))
	if !o.Raw {
		n = depFind(sc, c).Shown(n) // not those the call does not read (deps.go)
	}
	if o.Raw || n < 2 || tab == nil {
		return n
	}
	mode, flags := sc.Args[n-1], sc.Args[n-2]
	if mode.Kind != arch.ArgMode || flags.Kind != arch.ArgFlags || flags.Set != openFlagsSet {
		return n
	}
	f := flags.Value(tab.ABI(), c.Args[n-2])
	if creat, ok := tab.Const("O_CREAT"); ok && f&creat != 0 {
		return n
	}
	if tmp, ok := tab.Const("O_TMPFILE"); ok && f&tmp == tmp {
		return n
	}
	return n - 1
}

// openFlagsSet is the value set of open's flags.
const openFlagsSet = "open"

// argOf returns the description of argument i of sc (a plain integer,
// the whole register, when not known).
func argOf(sc *arch.Syscall, i int) arch.Arg {
	if sc != nil && sc.Known && i < len(sc.Args) {
		return sc.Args[i]
	}
	return arch.Arg{Kind: arch.ArgInt, Len: -1, Long: true}
}

// tableABI returns the ABI of tab, ABIUnknown when there is no table.
func tableABI(tab *arch.Table) arch.ABI {
	if tab == nil {
		return arch.ABIUnknown
	}
	return tab.ABI()
}

// numberKind says how an argument prints as a plain number.
type numberKind uint8

const (
	numSigned64 numberKind = iota // int, off_t
	numSigned32                   // fd, pid, signal: C int
	numUnsigned                   // size_t
	numPointer                    // addresses: always hex
)

// numberKinds maps argument kinds to how they print as numbers; the
// structure kinds (arch.ArgKind.IsStruct) are pointers.
var numberKinds = [...]numberKind{
	arch.ArgInt: numSigned64, arch.ArgFD: numSigned32, arch.ArgDirFD: numSigned32,
	arch.ArgPath: numPointer, arch.ArgString: numPointer, arch.ArgBufIn: numPointer,
	arch.ArgBufOut: numPointer, arch.ArgIovIn: numPointer, arch.ArgIovOut: numPointer,
	arch.ArgMsgIn: numPointer, arch.ArgMsgOut: numPointer, arch.ArgSockaddr: numPointer,
	arch.ArgSize: numUnsigned, arch.ArgFlags: numPointer, arch.ArgEnum: numSigned64,
	arch.ArgMode: numUnsigned, arch.ArgSignal: numSigned32, arch.ArgPID: numSigned32,
	arch.ArgPtr: numPointer, arch.ArgArgv: numPointer, arch.ArgEnvp: numPointer,
	arch.ArgOff: numSigned64,
}

// appendNumber appends v as an argument of kind k: hex (%#x), or decimal
// with -d except for pointers and flag words. Descriptors, process ids
// and signal numbers (C ints that are counted, not masks or addresses)
// are decimal always, as strace shows them: read(3,...), kill(-1,...).
func appendNumber(b []byte, v uint64, k arch.ArgKind, o *Options) []byte {
	nk := numSigned64
	switch {
	case k.IsStruct():
		nk = numPointer
	case int(k) < len(numberKinds):
		nk = numberKinds[k]
	}
	if !o.Decimal && nk != numSigned32 {
		return appendCHex(b, v)
	}
	switch nk {
	case numSigned32:
		return strconv.AppendInt(b, int64(int32(v)), 10)
	case numUnsigned:
		return strconv.AppendUint(b, v, 10)
	case numPointer:
		return appendCHex(b, v)
	}
	return strconv.AppendInt(b, int64(v), 10)
}

// appendArg appends one CALL argument, held in register v, as kdump shows
// it: read at the width the kernel reads it (see arch.Arg.Value), except
// in raw mode, which shows the whole register.
func appendArg(b []byte, tab *arch.Table, a arch.Arg, v uint64, o *Options) []byte {
	if o.Raw {
		if o.Decimal {
			return strconv.AppendInt(b, int64(v), 10)
		}
		return appendCHex(b, v)
	}
	v = a.Value(tableABI(tab), v)
	switch a.Kind {
	case arch.ArgDirFD:
		if int32(v) == atFDCWD {
			return append(b, "AT_FDCWD"...)
		}
	case arch.ArgFlags:
		return appendSetNames(appendCHex(b, v), tableSet(tab, a.Set), v)
	case arch.ArgEnum:
		if set := tableSet(tab, a.Set); set != nil {
			mark := len(b)
			var ok bool
			if b, ok = set.AppendFormat(b, v); ok {
				return b
			}
			b = b[:mark]
		}
	case arch.ArgMode:
		return appendOctal(b, v)
	case arch.ArgSignal:
		if name := arch.SignalName(int(int32(v))); name != "" {
			return append(b, name...)
		}
	}
	return appendNumber(b, v, a.Kind, o)
}

// tableSet returns the value set name of tab, or nil.
func tableSet(tab *arch.Table, name string) *arch.ValueSet {
	if tab == nil || name == "" {
		return nil
	}
	return tab.Set(name)
}

// appendCallText appends name(args) for a CALL record; names, when not
// nil, are what the descriptor arguments refer to (-y).
func appendCallText(b []byte, sc *arch.Syscall, tab *arch.Table, c *format.Call, o *Options, names *[6]string) []byte {
	b = appendSyscallName(b, sc, c.Number, o)
	b = append(b, '(')
	n := callArgCount(sc, tab, c, o)
	m := depFind(sc, c) // arguments other arguments give a meaning
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendArg(b, tab, callArg(sc, m, i), c.Args[i], o)
		if names != nil && i < len(names) {
			b = appendFDName(b, names[i])
		}
	}
	return append(b, ')')
}

// appendRetValue appends the outcome of a RET record: the value in
// decimal (then /%#x when negative or above 9), "-1 errno N text", or
// RESTART for the kernel's restart codes.
func appendRetValue(b []byte, r *format.Ret, o *Options) []byte {
	switch {
	case r.Error == 0:
		if o.Raw {
			if o.Decimal {
				return strconv.AppendInt(b, r.Value, 10)
			}
			return appendCHex(b, uint64(r.Value))
		}
		b = strconv.AppendInt(b, r.Value, 10)
		if r.Value < 0 || r.Value > 9 {
			b = append(b, '/')
			b = appendCHex(b, uint64(r.Value))
		}
		return b
	case arch.IsRestart(int(r.Error)):
		b = append(b, "RESTART"...)
		if o.Raw {
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(r.Error), 10)
		}
		return b
	}
	b = append(b, "-1 errno "...)
	b = strconv.AppendInt(b, int64(r.Error), 10)
	if !o.Raw {
		if text := arch.ErrnoText(int(r.Error)); text != "" {
			b = append(b, ' ')
			b = append(b, text...)
		}
	}
	return b
}

// signalName returns the name of sig, or "" when raw or unknown.
func signalName(sig int32, o *Options) string {
	if o.Raw {
		return ""
	}
	return arch.SignalName(int(sig))
}

// sigCodeName returns the name of si_code code of signal sig, or "".
func sigCodeName(sig, code int32, o *Options) string {
	if o.Raw {
		return ""
	}
	return arch.SigCodeName(int(sig), int(code))
}

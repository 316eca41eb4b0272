package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// The records of this file (issue 12, polish): values strace shows in
// brackets, as the int a pointer argument points to.
//
//	signal    an int holding a signal number (PR_GET_PDEATHSIG's):
//	          "[SIGKILL]", "[0]" when none, "[9]" with -n

// appendSignalText appends a signal number held in an int as strace
// shows it: [SIGKILL].
func appendSignalText(b []byte, data []byte, o *Options) ([]byte, bool) {
	if len(data) != 4 {
		return b, false
	}
	sig := int(int32(le.Uint32(data)))
	b = append(b, '[')
	if name := arch.SignalName(sig); name != "" && sig != 0 && !o.Raw {
		b = append(b, name...)
	} else {
		b = strconv.AppendInt(b, int64(sig), 10)
	}
	return append(b, ']'), true
}

// signalMembers writes a signal number held in an int as JSON members:
// "signal":9,"signal_name":"SIGKILL".
func signalMembers(w *structOut, data []byte) bool {
	if len(data) != 4 {
		return false
	}
	sig := int(int32(le.Uint32(data)))
	w.int("signal", uint64(sig), 4)
	if name := arch.SignalName(sig); name != "" && sig != 0 {
		w.str("signal_name", []byte(name), false)
	}
	return true
}

// appendIntInline appends an int STRU record as strace shows the int a
// pointer argument points to, in --calls: [5].
func appendIntInline(b []byte, data []byte) ([]byte, bool) {
	switch len(data) {
	case 1, 2, 4, 8:
	default:
		return b, false
	}
	b = append(b, '[')
	b = strconv.AppendInt(b, signExtend(field{0, len(data)}.get(data), len(data)), 10)
	return append(b, ']'), true
}

// appendControlChars appends termios's c_cc by the names of its indexes
// (the termios_cc set of the ABI): [VINTR=0x3, VQUIT=0x1c, ..., VMIN=1,
// ...], the counts VTIME and VMIN in decimal, an index with no name as
// its number.
func appendControlChars(b []byte, abi arch.ABI, cc []byte) []byte {
	set := tableSet(tables.For(abi), "termios_cc")
	b = append(b, '[')
	for i, c := range cc {
		if i > 0 {
			b = append(b, ", "...)
		}
		mark := len(b)
		ok := false
		if set != nil {
			b, ok = set.AppendFormat(b, uint64(i))
		}
		if !ok {
			b = strconv.AppendInt(b[:mark], int64(i), 10)
		}
		b = append(b, '=')
		if name := string(b[mark : len(b)-1]); name == "VTIME" || name == "VMIN" || c == 0 {
			b = strconv.AppendUint(b, uint64(c), 10)
		} else {
			b = appendCHex(b, uint64(c))
		}
	}
	return append(b, ']')
}

// appendFdPairInline appends the descriptors pipe, pipe2 and socketpair
// returned as strace shows them, in --calls: [3, 4].
func appendFdPairInline(b []byte, data []byte) ([]byte, bool) {
	if len(data) != 8 {
		return b, false
	}
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(int32(le.Uint32(data))), 10)
	b = append(b, ", "...)
	b = strconv.AppendInt(b, int64(int32(le.Uint32(data[4:]))), 10)
	return append(b, ']'), true
}

// bareNames writes a flag member by its names alone, as strace shows it
// (SA_RESTORER|SA_RESTART, 0 for none), when the options ask for it
// (--calls) and every bit has a name; it reports whether it wrote it.
func (w *structOut) bareNames(name string, tab *arch.Table, set string, v uint64) bool {
	if !w.o.bareFlags || w.json || w.o.Raw {
		return false
	}
	if v == 0 {
		w.key(name)
		w.b = append(w.b, '0')
		return true
	}
	s := tableSet(tab, set)
	if s == nil {
		return false
	}
	mark := len(w.b)
	w.key(name)
	if !w.setName(s, v) {
		w.b = w.b[:mark] // the key too
		return false
	}
	return true
}

// isNull reports whether a pointer member holding v shows as NULL, as
// strace shows it: 0 in --calls text.
func (w *structOut) isNull(v uint64) bool {
	return v == 0 && w.o.bareFlags && !w.json && !w.o.Raw
}

// pointer appends a pointer member of size bytes: NULL when isNull, else
// in hex.
func (w *structOut) pointer(name string, v uint64, size int) {
	if w.isNull(v) {
		w.key(name)
		w.b = append(w.b, "NULL"...)
		return
	}
	w.hex(name, v, size)
}

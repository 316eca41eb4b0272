package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// The STRU names of dependent arguments (arch/depends.txt), which the
// tracer records when another argument selects them:
//
//	termios   the kernel's struct termios (TCGETS, TCSETS...): x/sys's
//	          Termios without c_ispeed and c_ospeed, 36 bytes
//	termios2  struct termios2 (TCGETS2...), x/sys's Termios, 44 bytes
//	winsize   struct winsize (TIOCGWINSZ, TIOCSWINSZ)
//	flock     struct flock (fcntl F_GETLK, F_SETLK, F_OFD_*): the ABI's
//	          generated layout, or i386's 16-byte one with 32-bit offsets
//	linger    struct linger (SO_LINGER)
//	int       an int (FIONREAD, a socket option), 1 to 8 bytes
//	name      a thread name, up to its NUL (PR_SET_NAME, PR_GET_NAME)
//
// timeval (SO_RCVTIMEO) is decoded with the other times.

// flockI386Size is the size of i386's struct flock of F_GETLK, F_SETLK
// and F_SETLKW (struct compat_flock: 32-bit l_start and l_len), which
// x/sys has no type for: its Flock_t is struct flock64.
const flockI386Size = 16

// flagSet writes a flag word of size bytes named by the set of abi: the
// names alone in text when every bit has one (c_lflag=ISIG|ICANON), else
// hex; a number in JSON.
func (w *structOut) flagSet(name string, abi arch.ABI, set string, v uint64, size int) {
	if w.json || w.o.Raw {
		w.hex(name, v, size)
		return
	}
	w.key(name)
	if w.setName(tableSet(tables.For(abi), set), v) {
		return
	}
	w.b = append0x(w.b, v)
}

// enumSet writes a value of an enum set: its name in text, else (and in
// JSON) the number.
func (w *structOut) enumSet(name string, abi arch.ABI, set string, v int64, size int) {
	if !w.json && !w.o.Raw {
		if s := tableSet(tables.For(abi), set); s != nil {
			w.key(name)
			if !w.setName(s, uint64(v)) {
				w.b = strconv.AppendInt(w.b, v, 10)
			}
			return
		}
	}
	w.int(name, uint64(v), size)
}

// decodeTermios decodes the kernel's struct termios (36 bytes) or, by
// its size, struct termios2 with the speeds: the flag words by name
// (c_cflag's speed and character size fields too), c_line and the
// control characters in hex.
func decodeTermios(w *structOut, abi arch.ABI, data []byte) bool {
	l := structLayout(abi, "termios")
	if l == nil {
		return false
	}
	speeds := len(data) == l.Size
	if !speeds && len(data) != l.Field("Ispeed").Off {
		return false
	}
	for _, f := range [...]struct{ name, member, set string }{
		{"c_iflag", "Iflag", "termios_iflag"}, {"c_oflag", "Oflag", "termios_oflag"},
		{"c_cflag", "Cflag", "termios_cflag"}, {"c_lflag", "Lflag", "termios_lflag"},
	} {
		fl := fieldOf(l, f.member)
		w.flagSet(f.name, abi, f.set, fl.get(data), fl.size)
	}
	line := l.Field("Line")
	w.uint("c_line", uint64(data[line.Off]), 1)
	cc := l.Field("Cc")
	w.key("c_cc")
	if w.json {
		w.b = append(w.b, '[')
		for i, c := range data[cc.Off : cc.Off+cc.Size] {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = strconv.AppendUint(w.b, uint64(c), 10)
		}
		w.b = append(w.b, ']')
	} else if w.o.Raw {
		w.b = appendHexString(w.b, data[cc.Off:cc.Off+cc.Size])
	} else {
		w.b = appendControlChars(w.b, abi, data[cc.Off:cc.Off+cc.Size]) // structs_polish.go
	}
	if speeds {
		for _, f := range [...]struct{ name, member string }{{"c_ispeed", "Ispeed"}, {"c_ospeed", "Ospeed"}} {
			fl := fieldOf(l, f.member)
			w.uint(f.name, fl.get(data), fl.size)
		}
	}
	return true
}

// decodeWinsize decodes struct winsize: rows, columns and pixels.
func decodeWinsize(w *structOut, abi arch.ABI, data []byte) bool {
	l := structLayout(abi, "winsize")
	if l == nil || len(data) != l.Size {
		return false
	}
	for _, f := range [...]struct{ name, member string }{
		{"ws_row", "Row"}, {"ws_col", "Col"}, {"ws_xpixel", "Xpixel"}, {"ws_ypixel", "Ypixel"},
	} {
		fl := fieldOf(l, f.member)
		w.uint(f.name, fl.get(data), fl.size)
	}
	return true
}

// decodeFlock decodes struct flock in the ABI's generated layout (struct
// flock64 on i386) or, on i386, the 16-byte one with 32-bit offsets:
// the lock's type and whence by name, start, length and holder.
func decodeFlock(w *structOut, abi arch.ABI, data []byte) bool {
	var typ, whence, start, length, pid field
	if l := structLayout(abi, "flock"); l != nil && len(data) == l.Size {
		typ, whence, start, length, pid = fieldOf(l, "Type"), fieldOf(l, "Whence"),
			fieldOf(l, "Start"), fieldOf(l, "Len"), fieldOf(l, "Pid")
	} else if abi == arch.ABII386 && len(data) == flockI386Size {
		typ, whence, start, length, pid = field{0, 2}, field{2, 2}, field{4, 4}, field{8, 4}, field{12, 4}
	} else {
		return false
	}
	w.enumSet("l_type", abi, "lease", signExtend(typ.get(data), typ.size), typ.size)
	w.enumSet("l_whence", abi, "whence", signExtend(whence.get(data), whence.size), whence.size)
	w.int("l_start", start.get(data), start.size)
	w.int("l_len", length.get(data), length.size)
	w.int("l_pid", pid.get(data), pid.size)
	return true
}

// decodeLinger decodes struct linger.
func decodeLinger(w *structOut, abi arch.ABI, data []byte) bool {
	l := structLayout(abi, "linger")
	if l == nil || len(data) != l.Size {
		return false
	}
	on, secs := fieldOf(l, "Onoff"), fieldOf(l, "Linger")
	w.int("l_onoff", on.get(data), on.size)
	w.int("l_linger", secs.get(data), secs.size)
	return true
}

// decodeInt decodes an int, or a socket option's value of 1, 2, 4 or 8
// bytes: "struct int { 5 }", {"value":5} in JSON.
func decodeInt(w *structOut, _ arch.ABI, data []byte) bool {
	var v uint64
	switch len(data) {
	case 1:
		v = uint64(data[0])
	case 2, 4, 8:
		v = field{0, len(data)}.get(data)
	default:
		return false
	}
	w.pos("value")
	w.number(v, true, len(data))
	return true
}

// decodeName decodes a thread name: the bytes up to the first NUL.
func decodeName(w *structOut, _ arch.ABI, data []byte) bool {
	if len(data) > 16 {
		return false
	}
	if i := indexByte(data, 0); i >= 0 {
		data = data[:i]
	}
	w.pos("name")
	if w.json {
		w.b = appendJSONString(w.b, data)
	} else {
		w.b = appendQuoted(w.b, data)
	}
	return true
}

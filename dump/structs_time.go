package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// The STRU names of time, select, epoll and output buffers (issue 12):
//
//	timeval[2]   struct timeval[2] (utimes, futimesat)
//	timespec[2]  struct timespec[2] (utimensat: 16 or 32 bytes on i386)
//	itimerspec   struct itimerspec (16 bytes on i386, 32 else and for
//	             i386's *_time64 calls)
//	itimerval    struct itimerval
//	epoll_event  an array of struct epoll_event (12 bytes on x86, 16 on
//	             arm64): epoll_ctl's, or the events epoll_wait returned
//	dirent64     the struct linux_dirent64 entries getdents64 filled
//	dirent       the struct linux_dirent entries getdents filled
//	fd_set       the bits of an fd_set (select, pselect6), as passed or as
//	             the kernel left them: a value, shown "[3 4]"
//	string       a string the call passed that is not a path
//	             (memfd_create's name), or one the kernel filled
//	             (readlink's target, getcwd's directory): a value, shown
//	             quoted
//
// Values are no C structures: -r shows them after their name
// ("fd_set [3 4]"), --calls alone in place of the pointer.

// valueDecoder decodes a STRU record that holds a value, not a C
// structure: text appends the value as -r shows it, members its JSON
// members (inside the object's braces).
type valueDecoder struct {
	text    func(b []byte, data []byte, o *Options) ([]byte, bool)
	members func(w *structOut, data []byte) bool
}

// valueDecoders maps the names of value records to their decoders.
var valueDecoders = map[string]valueDecoder{
	"fd_set": {appendFdsetText, fdsetMembers},
	"string": {appendStringText, stringMembers},
	// Signals, limits and system structures (issue 12, sys area).
	"sigset": {appendSigsetText, sigsetMembers},
	// A signal number in an int (issue 12, polish): structs_polish.go.
	"signal": {appendSignalText, signalMembers},
}

// timeDecoders are the structDecoders of this file.
var timeDecoders = map[string]structDecoder{
	"timeval[2]":  decodeTimeval2,
	"timespec[2]": decodeTimespec2,
	"itimerspec":  decodeItimerspec,
	"itimerval":   decodeItimerval,
	"epoll_event": decodeEpollEvents,
	"dirent64":    decodeDirents64,
	"dirent":      decodeDirents,
}

// decoderOf returns the decoder of the structure name.
func decoderOf(name []byte) (structDecoder, bool) {
	if dec, ok := structDecoders[string(name)]; ok {
		return dec, true
	}
	dec, ok := timeDecoders[string(name)]
	return dec, ok
}

// appendValue appends a value record: "name value", or the value alone
// when inline (--calls).
func appendValue(b []byte, name []byte, data []byte, o *Options, inline bool) ([]byte, bool) {
	v, ok := valueDecoders[string(name)]
	if !ok {
		return b, false
	}
	mark := len(b)
	if !inline {
		b = append(b, name...)
		b = append(b, ' ')
	}
	b, ok = v.text(b, data, o)
	if !ok {
		return b[:mark], false
	}
	return b, true
}

// appendValueJSON appends the members of a value record as a JSON
// object.
func appendValueJSON(b []byte, name []byte, data []byte, o *Options) ([]byte, bool) {
	v, ok := valueDecoders[string(name)]
	if !ok {
		return b, false
	}
	mark := len(b)
	w := structOut{b: append(b, '{'), json: true, o: o}
	if !v.members(&w, data) {
		return w.b[:mark], false
	}
	return append(w.b, '}'), true
}

// appendStructInline appends a STRU record's structure as --calls shows
// it in place of its pointer: a structure as -r shows it, a value alone.
func appendStructInline(b []byte, name []byte, abi arch.ABI, data []byte, o *Options) ([]byte, bool) {
	if _, ok := valueDecoders[string(name)]; ok {
		return appendValue(b, name, data, o, true)
	}
	if string(name) == "int" && !o.Raw {
		return appendIntInline(b, data) // structs_polish.go
	}
	if string(name) == "fd_pair" && !o.Raw {
		return appendFdPairInline(b, data) // structs_polish.go
	}
	return appendStruct(b, name, abi, data, o)
}

// fdsetFds calls f with each descriptor set in the fd_set bits data
// (longs of either width: the bits are in byte order on little-endian
// machines).
func fdsetFds(data []byte, f func(fd int)) {
	for i, c := range data {
		for bit := 0; c != 0; bit++ {
			if c&1 != 0 {
				f(8*i + bit)
			}
			c >>= 1
		}
	}
}

// appendFdsetText appends an fd_set as strace shows it: "[3 4]".
func appendFdsetText(b []byte, data []byte, _ *Options) ([]byte, bool) {
	b = append(b, '[')
	first := true
	fdsetFds(data, func(fd int) {
		if !first {
			b = append(b, ' ')
		}
		first = false
		b = strconv.AppendInt(b, int64(fd), 10)
	})
	return append(b, ']'), true
}

func fdsetMembers(w *structOut, data []byte) bool {
	w.key("fds")
	w.b = append(w.b, '[')
	first := true
	fdsetFds(data, func(fd int) {
		if !first {
			w.b = append(w.b, ',')
		}
		first = false
		w.b = strconv.AppendInt(w.b, int64(fd), 10)
	})
	w.b = append(w.b, ']')
	return true
}

// stringOf returns the string data holds: up to its first NUL (getcwd
// counts it).
func stringOf(data []byte) []byte {
	if i := indexByte(data, 0); i >= 0 {
		return data[:i]
	}
	return data
}

func appendStringText(b []byte, data []byte, _ *Options) ([]byte, bool) {
	return appendQuoted(b, stringOf(data)), true
}

func stringMembers(w *structOut, data []byte) bool {
	w.str("string", stringOf(data), false)
	return true
}

// sub starts a member that is a structure: "name={" in text, an object
// in JSON.
func (w *structOut) sub(name string) {
	w.key(name)
	w.b = append(w.b, '{')
	w.nested = true
}

// endSub ends a member started by sub.
func (w *structOut) endSub() {
	w.b = append(w.b, '}')
}

// timePair writes a struct timespec (frac "tv_nsec") or timeval
// ("tv_usec") of 8 or 16 bytes as the members of the current object.
func (w *structOut) timePair(data []byte, frac string) bool {
	sec, f, ok := secPair(data)
	if !ok {
		return false
	}
	size := len(data) / 2
	w.int("tv_sec", uint64(sec), size)
	switch {
	case frac != "tv_nsec" || w.json || w.o.Raw:
		w.int(frac, uint64(f), size)
	case f == utimeNow:
		w.str(frac, []byte("UTIME_NOW"), true)
	case f == utimeOmit:
		w.str(frac, []byte("UTIME_OMIT"), true)
	default:
		w.int(frac, uint64(f), size)
	}
	return true
}

// decodePairArray decodes two timespecs or timevals (frac names the
// fraction) of one width: entries in braces, an entries array in JSON.
func decodePairArray(w *structOut, data []byte, frac string) bool {
	if len(data) != 16 && len(data) != 32 {
		return false
	}
	half := len(data) / 2
	if w.json {
		w.key("entries")
		w.b = append(w.b, '[')
	}
	for i := 0; i < 2; i++ {
		w.entry(i)
		w.timePair(data[i*half:(i+1)*half], frac)
		w.endEntry()
	}
	if w.json {
		w.b = append(w.b, ']')
	}
	return true
}

func decodeTimeval2(w *structOut, _ arch.ABI, data []byte) bool {
	return decodePairArray(w, data, "tv_usec")
}

func decodeTimespec2(w *structOut, _ arch.ABI, data []byte) bool {
	return decodePairArray(w, data, "tv_nsec")
}

// decodeTimers decodes a struct itimerspec or itimerval: it_interval,
// then it_value (the order of x/sys's Interval and Value), each of half
// the bytes.
func decodeTimers(w *structOut, data []byte, frac string) bool {
	if len(data) != 16 && len(data) != 32 {
		return false
	}
	half := len(data) / 2
	for i, name := range [...]string{"it_interval", "it_value"} {
		w.sub(name)
		w.timePair(data[i*half:(i+1)*half], frac)
		w.endSub()
	}
	return true
}

func decodeItimerspec(w *structOut, _ arch.ABI, data []byte) bool {
	return decodeTimers(w, data, "tv_nsec")
}

func decodeItimerval(w *structOut, _ arch.ABI, data []byte) bool {
	return decodeTimers(w, data, "tv_usec")
}

// decodeEpollEvents decodes an array of struct epoll_event in the ABI's
// generated layout: events by name, data as strace shows it, {u32, u64}.
func decodeEpollEvents(w *structOut, abi arch.ABI, data []byte) bool {
	l := structLayout(abi, "epoll_event")
	if l == nil || len(data) == 0 || len(data)%l.Size != 0 {
		return false
	}
	events, fd := fieldOf(l, "Events"), fieldOf(l, "Fd")
	if fd.size == 0 || fd.off+8 > l.Size {
		return false
	}
	if w.json {
		w.key("entries")
		w.b = append(w.b, '[')
	}
	for i := 0; i < len(data)/l.Size; i++ {
		p := data[i*l.Size:]
		w.entry(i)
		w.flags("events", tables.For(abi), "epoll_events", events.get(p), events.size)
		w.sub("data")
		w.uint("u32", uint64(le.Uint32(p[fd.off:])), 4)
		w.uint("u64", le.Uint64(p[fd.off:]), 8)
		w.endSub()
		w.endEntry()
	}
	if w.json {
		w.b = append(w.b, ']')
	}
	return true
}

// direntLayout is where the members of a getdents entry are; the type
// of an old struct linux_dirent is its last byte (typeOff -1).
type direntLayout struct {
	ino, off, reclen field
	typeOff, nameOff int
}

// dirent64Layout returns the ABI's struct linux_dirent64 (x/sys's
// Dirent).
func dirent64Layout(abi arch.ABI) (direntLayout, bool) {
	l := structLayout(abi, "dirent64")
	if l == nil {
		return direntLayout{}, false
	}
	return direntLayout{ino: fieldOf(l, "Ino"), off: fieldOf(l, "Off"), reclen: fieldOf(l, "Reclen"),
		typeOff: l.Field("Type").Off, nameOff: l.Field("Name").Off}, true
}

// oldDirentLayout returns the ABI's struct linux_dirent (fs/readdir.c),
// which x/sys has no type for: two longs, the record length, the name;
// the type is the record's last byte.
func oldDirentLayout(abi arch.ABI) direntLayout {
	n := abi.WordSize()
	return direntLayout{ino: field{0, n}, off: field{n, n}, reclen: field{2 * n, 2},
		typeOff: -1, nameOff: 2*n + 2}
}

func decodeDirents64(w *structOut, abi arch.ABI, data []byte) bool {
	l, ok := dirent64Layout(abi)
	return ok && decodeDirentsOf(w, abi, data, l)
}

func decodeDirents(w *structOut, abi arch.ABI, data []byte) bool {
	return decodeDirentsOf(w, abi, data, oldDirentLayout(abi))
}

// decodeDirentsOf decodes the getdents entries in data of layout l, as
// strace shows them: d_ino, d_off, d_reclen, d_type by name, d_name; an
// entry cut short (a record kept to the genio size) ends the list with
// "...".
func decodeDirentsOf(w *structOut, abi arch.ABI, data []byte, l direntLayout) bool {
	if len(data) == 0 {
		return false
	}
	if w.json {
		w.key("entries")
		w.b = append(w.b, '[')
	}
	types := tableSet(tables.For(abi), "dirent_type")
	i, p := 0, data
	for ; len(p) >= l.nameOff; i++ {
		reclen := int(l.reclen.get(p))
		if reclen <= l.nameOff || reclen > len(p) {
			break
		}
		e := p[:reclen]
		p = p[reclen:]
		typ := uint64(0)
		name := e[l.nameOff:]
		if l.typeOff < 0 {
			typ = uint64(e[reclen-1])
			name = name[:len(name)-1]
		} else {
			typ = uint64(e[l.typeOff])
		}
		w.entry(i)
		w.uint("d_ino", l.ino.get(e), l.ino.size)
		w.int("d_off", l.off.get(e), l.off.size)
		w.uint("d_reclen", uint64(reclen), 2)
		w.key("d_type")
		switch {
		case w.json:
			w.b = strconv.AppendUint(w.b, typ, 10)
			if types != nil {
				var nb [16]byte
				if n, ok := types.AppendFormat(nb[:0], typ); ok {
					w.str("d_type_name", n, false)
				}
			}
		case w.o.Raw || types == nil:
			w.b = strconv.AppendUint(w.b, typ, 10)
		default:
			var ok bool
			mark := len(w.b)
			if w.b, ok = types.AppendFormat(w.b, typ); !ok {
				w.b = strconv.AppendUint(w.b[:mark], typ, 10)
			}
		}
		w.str("d_name", stringOf(name), false)
		w.endEntry()
	}
	if i == 0 {
		return false
	}
	if w.json {
		w.b = append(w.b, ']')
		if len(p) > 0 {
			w.key("partial")
			w.b = append(w.b, "true"...)
		}
	} else if len(p) > 0 {
		w.b = item(w.b)
		w.b = append(w.b, "..."...)
	}
	return true
}

// FormatStructJSON returns a STRU record's structure as kdump --json's
// "members" object, for a record named name of a call of abi, and
// whether kdump decodes such a structure of that size.
func FormatStructJSON(name string, abi arch.ABI, data []byte) (string, bool) {
	b, ok := appendStructJSON(nil, []byte(name), abi, data, &Options{})
	return string(b), ok
}

package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
)

// structOut receives the members of a decoded structure and writes them
// as kdump -r shows them (", name=value", positional members bare) or as
// the members of a JSON object (--json's "members"): integers of 64 bits
// as decimal strings (they may exceed 2^53), narrower ones as numbers,
// times as {"sec","nsec"}, device numbers as {"major","minor"}.
type structOut struct {
	b      []byte
	json   bool
	o      *Options
	nested bool // in an entry of an array of structures
}

// key starts the member called name.
func (w *structOut) key(name string) {
	if !w.json && w.nested && w.b[len(w.b)-1] == '{' {
		w.b = append(w.b, name...)
		w.b = append(w.b, '=')
		return
	}
	if !w.json {
		w.b = member(w.b, name)
		return
	}
	if w.b[len(w.b)-1] != '{' && w.b[len(w.b)-1] != '[' {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

// pos starts a member the text shows without its name (a socket
// address's family and address, a descriptor of a pair).
func (w *structOut) pos(name string) {
	if w.json {
		w.key(name)
		return
	}
	w.b = item(w.b)
}

// number appends the value of a member of size bytes, in JSON a string
// when it is 64 bits wide.
func (w *structOut) number(v uint64, signed bool, size int) {
	quote := w.json && size == 8
	if quote {
		w.b = append(w.b, '"')
	}
	if signed {
		w.b = strconv.AppendInt(w.b, signExtend(v, size), 10)
	} else {
		w.b = strconv.AppendUint(w.b, v, 10)
	}
	if quote {
		w.b = append(w.b, '"')
	}
}

// uint appends an unsigned member of size bytes.
func (w *structOut) uint(name string, v uint64, size int) {
	w.key(name)
	w.number(v, false, size)
}

// int appends a signed member of size bytes.
func (w *structOut) int(name string, v uint64, size int) {
	w.key(name)
	w.number(v, true, size)
}

// hex appends a mask or flag word of size bytes: 0x in text.
func (w *structOut) hex(name string, v uint64, size int) {
	w.key(name)
	if w.json {
		w.number(v, false, size)
		return
	}
	w.b = append0x(w.b, v)
}

// str appends a member that is a string: quoted in text unless bare.
func (w *structOut) str(name string, s []byte, bare bool) {
	w.key(name)
	if w.json {
		w.b = appendJSONString(w.b, s)
	} else if bare {
		w.b = append(w.b, s...)
	} else {
		w.b = appendQuoted(w.b, s)
	}
}

// jsonPair appends a JSON object of two integers.
func (w *structOut) jsonPair(k1 string, v1 int64, k2 string, v2 int64) {
	w.b = append(w.b, `{"`...)
	w.b = append(w.b, k1...)
	w.b = append(w.b, `":`...)
	w.b = strconv.AppendInt(w.b, v1, 10)
	w.b = append(w.b, `,"`...)
	w.b = append(w.b, k2...)
	w.b = append(w.b, `":`...)
	w.b = strconv.AppendInt(w.b, v2, 10)
	w.b = append(w.b, '}')
}

// time appends a timestamp.
func (w *structOut) time(name string, sec, nsec int64) {
	w.key(name)
	if w.json {
		w.jsonPair("sec", sec, "nsec", nsec)
	} else {
		w.b = appendTime(w.b, sec, nsec, w.o)
	}
}

// devPair appends a device number given as major and minor (each at
// most 32 bits).
func (w *structOut) devPair(name string, major, minor uint64) {
	w.key(name)
	if w.json {
		w.jsonPair("major", int64(major), "minor", int64(minor))
	} else {
		w.b = appendMajorMinor(w.b, major, minor)
	}
}

// dev appends a device number in the kernel's encoding: major,minor
// unless raw (then hex).
func (w *structOut) dev(name string, dev uint64) {
	if w.json || !w.o.Raw {
		// The kernel's new_encode_dev layout, as glibc's major()/minor().
		w.devPair(name, (dev>>8)&0xfff|(dev>>32)&^0xfff, dev&0xff|(dev>>12)&^0xff)
		return
	}
	w.key(name)
	w.b = append0x(w.b, dev)
}

// mode appends file mode bits: octal and, unless raw, as ls shows them
// in text; a number in JSON.
func (w *structOut) mode(name string, mode uint64) {
	w.key(name)
	if w.json {
		w.b = strconv.AppendUint(w.b, mode, 10)
		return
	}
	w.b = appendFileMode(w.b, mode, w.o)
}

// entry starts entry i of an array of structures: in text "{" after a
// separator, in JSON an object in the array the caller opened.
func (w *structOut) entry(i int) {
	if w.json {
		if i > 0 {
			w.b = append(w.b, ',')
		}
	} else {
		w.b = item(w.b)
	}
	w.b = append(w.b, '{')
	w.nested = true
}

// endEntry ends an entry of an array of structures.
func (w *structOut) endEntry() {
	w.b = append(w.b, '}')
	w.nested = false
}

// flags appends a flag word of size bytes: 0x40<MSG_TRUNC> in text
// unless raw, its bits named by the set called set of tab; a number in
// JSON.
func (w *structOut) flags(name string, tab *arch.Table, set string, v uint64, size int) {
	if w.bareNames(name, tab, set, v) { // --calls: structs_polish.go
		return
	}
	w.hex(name, v, size)
	if w.json || w.o.Raw || v == 0 {
		return
	}
	w.b = appendSetNames(w.b, tableSet(tab, set), v)
}

// appendSetNames appends v's names in set between angle brackets
// (<O_RDWR|O_APPEND>), or nothing when set is nil or cannot name v.
func appendSetNames(b []byte, set *arch.ValueSet, v uint64) []byte {
	if set == nil {
		return b
	}
	mark := len(b)
	b, ok := set.AppendFormat(append(b, '<'), v)
	if !ok {
		return b[:mark]
	}
	return append(b, '>')
}

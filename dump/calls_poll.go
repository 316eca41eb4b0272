package dump

import (
	"strconv"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// appendPollfds appends a struct pollfd array as strace shows it in
// --calls: what the call read, [{fd=3, events=POLLIN}, {fd=-1}] (a
// negative fd, which poll skips, without its events), or with revents
// set what the kernel left, only the entries it set:
// [{fd=3, revents=POLLIN}]. It reports false when data is no whole
// array of the ABI's layout.
func appendPollfds(b []byte, abi arch.ABI, data []byte, revents bool) ([]byte, bool) {
	l := structLayout(abi, "pollfd")
	if l == nil || l.Size == 0 || len(data) == 0 || len(data)%l.Size != 0 {
		return b, false
	}
	fd, events, rev := fieldOf(l, "Fd"), fieldOf(l, "Events"), fieldOf(l, "Revents")
	set := tableSet(tables.For(abi), "poll")
	b = append(b, '[')
	n := 0
	for i := 0; i < len(data)/l.Size; i++ {
		p := data[i*l.Size:]
		f := signExtend(fd.get(p), fd.size)
		v, name := events.get(p), "events"
		if revents {
			v, name = rev.get(p), "revents"
			if v == 0 {
				continue
			}
		}
		if n > 0 {
			b = append(b, ", "...)
		}
		n++
		b = append(b, "{fd="...)
		b = strconv.AppendInt(b, f, 10)
		if f >= 0 || revents {
			b = append(b, ", "...)
			b = append(b, name...)
			b = append(b, '=')
			b = appendPollBits(b, set, uint16(v))
		}
		b = append(b, '}')
	}
	return append(b, ']'), true
}

// appendPollBits appends poll event bits by name (POLLIN|POLLOUT) when
// all have one, else in hex.
func appendPollBits(b []byte, set *arch.ValueSet, v uint16) []byte {
	if set != nil && v != 0 {
		mark := len(b)
		var ok bool
		if b, ok = set.AppendFormat(b, uint64(v)); ok {
			return b
		}
		b = b[:mark]
	}
	if v == 0 {
		return append(b, '0')
	}
	return appendCHex(b, uint64(v))
}

package dump

import (
	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// structSlots places the STRU records of a call at its arguments: the
// tracer writes, after the CALL, the structures the call reads, in
// argument order, and before the RET of a successful call those it
// filled, in argument order. in and out hold, by argument, the index in
// the call's records of each, -1 for none.
type structSlots struct {
	in, out [6]int8
}

// slotsOf places oc's STRU records at the arguments of sc.
func slotsOf(oc *openCall, sc *arch.Syscall) structSlots {
	var s structSlots
	for i := range s.in {
		s.in[i], s.out[i] = -1, -1
	}
	k := 0
	for _, dir := range [...]arch.StructDir{arch.StructIn, arch.StructOut} {
		for i, a := range sc.Args {
			if i >= len(s.in) {
				break
			}
			st := arch.StructArgOf(a.Kind)
			if st == nil || st.Dir&dir == 0 || !a.Applies(oc.hdr.ABI, oc.call.Args[:], i) {
				continue
			}
			if k >= len(oc.structs) || string(oc.structs[k].name) != st.Name {
				continue // not recorded: unreadable size, nothing filled
			}
			if dir == arch.StructIn {
				s.in[i] = int8(k)
			} else {
				s.out[i] = int8(k)
			}
			k++
		}
	}
	return s
}

// structArg appends argument i of oc, of a structure kind, with its
// record in place (the one the call read, else the one it filled), and
// reports whether it was known: a NULL pointer or a structure the call
// does not take (a futex command that does not wait) is a plain value.
func (c *Calls) structArg(b []byte, oc *openCall, tab *arch.Table, sc *arch.Syscall, i int, cur *argCursor) ([]byte, bool) {
	a := argOf(sc, i)
	if !a.Applies(oc.hdr.ABI, oc.call.Args[:], i) {
		return c.appendPlainArg(b, tab, a, oc.call.Args[i]), true
	}
	if !cur.placed {
		cur.slots, cur.placed = slotsOf(oc, sc), true
	}
	if i >= len(cur.slots.in) {
		return b, false
	}
	k := cur.slots.in[i]
	if k < 0 {
		k = cur.slots.out[i]
	}
	if k < 0 {
		return b, false
	}
	return c.appendStructArg(b, &oc.structs[k], oc.hdr.ABI), true
}

// outLabels names the structures a call read and updated that --calls
// shows after its result, as strace does (select's "= 1 (in [3], left
// {...})"): by kind, the label of the kind's first, second...
// argument. Empty fd_sets are left out.
var outLabels = map[arch.ArgKind][]string{
	arch.ArgFdsetInOut:      {"in", "out", "except"},
	arch.ArgTimevalInOut:    {"left"},
	arch.ArgTimespecInOut:   {"left"},
	arch.ArgTimespec64InOut: {"left"},
}

// appendUpdated appends, after the result of a successful call, the
// structures it updated that outLabels names: " (in [3], left ...)".
func (c *Calls) appendUpdated(b []byte, oc *openCall, r *format.Ret) []byte {
	if r == nil || r.Error != 0 || !oc.entered {
		return b
	}
	sc := c.tabs.lookup(oc.hdr.ABI, oc.call.Number)
	if sc == nil || !sc.Known || !sc.HasStruct() {
		return b
	}
	var s structSlots
	placed := false
	first := true
	for i, a := range sc.Args {
		labels, ok := outLabels[a.Kind]
		if !ok || i >= len(s.out) {
			continue
		}
		n := 0
		for _, p := range sc.Args[:i] {
			if p.Kind == a.Kind {
				n++
			}
		}
		if n >= len(labels) {
			continue
		}
		if !placed {
			s, placed = slotsOf(oc, sc), true
		}
		k := s.out[i]
		if k < 0 {
			continue
		}
		st := &oc.structs[k]
		if string(st.name) == "fd_set" && !anyBit(st.data) {
			continue
		}
		if first {
			b = append(b, " ("...)
			first = false
		} else {
			b = append(b, ", "...)
		}
		b = append(b, labels[n]...)
		b = append(b, ' ')
		b = c.appendStructArg(b, st, oc.hdr.ABI)
	}
	if !first {
		b = append(b, ')')
	}
	return b
}

// anyBit reports whether any byte of p is not zero.
func anyBit(p []byte) bool {
	for _, c := range p {
		if c != 0 {
			return true
		}
	}
	return false
}

package arch

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/ktrace-linux/ktrace/arch/internal/spec"
)

// ValueSet is a named set of constants used to print an argument
// symbolically: either a bit set (flags, possibly with fields such as
// open's access mode) or an enumeration. Value sets are defined in
// sets.txt and resolved per ABI by Table.Set; they are read-only.
type ValueSet struct {
	// Name is the set's name as used by Arg.Set, such as "open".
	Name string

	enum bool
	// narrow: every value fits in 32 bits, so the argument is a C int and
	// a register holding it sign-extended (0xffffffff80000000) is read as
	// its low 32 bits.
	narrow bool
	items  []setItem  // flags: in the order listed
	zero   string     // flags: the name of 0 outside fields, if any
	values []setValue // enum: sorted by value, first listed on ties
}

// setItem is one bit group or field of a flags set.
type setItem struct {
	name    string
	value   uint64 // the bits, or a field's mask
	field   bool
	signal  bool       // a field holding a signal number
	members []setValue // a field's values, sorted
}

// setValue is one named value.
type setValue struct {
	value uint64
	name  string
}

// norm32 maps a sign-extended negative 32-bit value to its low 32 bits.
func norm32(v uint64) uint64 {
	if v>>32 == 0xffffffff && v&0x80000000 != 0 {
		return v & 0xffffffff
	}
	return v
}

// sortValues sorts vs by value and drops later duplicates, so the first
// name listed for a value wins.
func sortValues(vs []setValue) []setValue {
	slices.SortStableFunc(vs, func(a, b setValue) int { return cmp.Compare(a.value, b.value) })
	return slices.CompactFunc(vs, func(a, b setValue) bool { return a.value == b.value })
}

// newValueSet resolves s with the constant values of one ABI, leaving out
// names consts lacks.
func newValueSet(s *spec.Set, consts map[string]uint64) *ValueSet {
	vs := &ValueSet{Name: s.Name, enum: s.Enum, narrow: true}
	value := func(name string) (uint64, bool) {
		if v, err := spec.ParseNumber(name); err == nil {
			return norm32(v), true
		}
		v, ok := consts[name]
		if ok {
			v = norm32(v)
			if v>>32 != 0 {
				vs.narrow = false
			}
		}
		return v, ok
	}
	for _, it := range s.Items {
		if !it.IsField() {
			v, ok := value(it.Name)
			switch {
			case !ok:
			case vs.enum:
				vs.values = append(vs.values, setValue{v, it.Name})
			case v == 0:
				if vs.zero == "" {
					vs.zero = it.Name
				}
			default:
				vs.items = append(vs.items, setItem{name: it.Name, value: v})
			}
			continue
		}
		mask, ok := value(it.Mask)
		if !ok || mask == 0 {
			continue
		}
		f := setItem{name: it.Mask, value: mask, field: true, signal: it.Signal}
		for _, m := range it.Members {
			if v, ok := value(m); ok && v&^mask == 0 {
				f.members = append(f.members, setValue{v, m})
			}
		}
		f.members = sortValues(f.members)
		vs.items = append(vs.items, f)
	}
	vs.values = sortValues(vs.values)
	return vs
}

// find returns the name of v in the sorted vs.
func find(vs []setValue, v uint64) (string, bool) {
	lo, hi := 0, len(vs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if vs[m].value < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(vs) && vs[lo].value == v {
		return vs[lo].name, true
	}
	return "", false
}

// Format returns v printed symbolically and whether any name was found; if
// none was, it returns "" and false. An enum value prints as its name. A
// bit set prints its named bits and fields joined by "|" in the order the
// set lists them, then any unknown bits as one hex number:
// "O_RDONLY|O_CLOEXEC|0x100000".
func (s *ValueSet) Format(v uint64) (string, bool) {
	var buf [128]byte
	b, ok := s.AppendFormat(buf[:0], v)
	return string(b), ok
}

// AppendFormat appends what Format returns to dst. It does not allocate
// beyond growing dst; when no name is found it returns dst unchanged and
// false.
func (s *ValueSet) AppendFormat(dst []byte, v uint64) ([]byte, bool) {
	if s.narrow {
		v = norm32(v)
	}
	if s.enum {
		name, ok := find(s.values, v)
		if !ok {
			return dst, false
		}
		return append(dst, name...), true
	}
	start := len(dst)
	rem := v
	for i := range s.items {
		it := &s.items[i]
		var name string
		if it.field {
			fv := v & it.value
			rem &^= it.value
			switch {
			case it.signal && fv != 0:
				name = SignalName(int(fv))
			case !it.signal:
				name, _ = find(it.members, fv)
			}
			if name == "" {
				rem |= fv
				continue
			}
		} else {
			if rem&it.value != it.value {
				continue
			}
			rem &^= it.value
			name = it.name
		}
		if len(dst) > start {
			dst = append(dst, '|')
		}
		dst = append(dst, name...)
	}
	if len(dst) == start {
		if v == 0 && s.zero != "" {
			return append(dst, s.zero...), true
		}
		return dst, false
	}
	if rem != 0 {
		dst = append(dst, "|0x"...)
		dst = strconv.AppendUint(dst, rem, 16)
	}
	return dst, true
}

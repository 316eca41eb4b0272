package arch

// Dependent says how the arguments of a call, and its result, read when
// their meaning depends on the value of other arguments, its selectors
// (fcntl's command, ioctl's request, a socket option's level and name).
// The generated tables hold the Dependent of each call depends.txt
// names, resolved for their ABI by the generator (DependentsFromSpec):
// nothing is built at run time, and Find does not allocate. The fields
// are generated data and must not be changed.
type Dependent struct {
	// Sel are the selector arguments; Sel[1] is -1 when there is one.
	Sel [2]int8
	// Cases are sorted by Key; Wild, of calls with two selectors, are
	// the cases that match any value of the second, keyed by the first.
	Cases, Wild []DepCase
	// Structs says some case gives an argument a structure.
	Structs bool
}

// DepCase is what one value of the selectors (Key) gives.
type DepCase struct {
	Key uint64
	// Name is the selector constant, "LEVEL/NAME" for two.
	Name string
	// DepKinds are the kinds the case gives, shared by every case of
	// one depends.txt statement: a case stays small (a table holds
	// thousands).
	*DepKinds
}

// DepKinds are the kinds one depends.txt statement gives.
type DepKinds struct {
	// Args are the arguments given a kind, by index; Given marks them.
	Args [6]DepArg
	// Ret is how the result reads, when Ret.Given.
	Ret DepArg
}

// DepArg is the kind a dependent argument or result takes.
type DepArg struct {
	Given bool
	// Arg is how the value prints: an argument kind and set, ArgPtr for
	// a structure; Len names the length argument of a structure.
	Arg Arg
	// Struct, when not nil, is the structure the argument points to,
	// which the tracer records as a STRU record, its size on the table's
	// ABI in Size[abi].
	Struct *StructArg
	// String marks a structure that is a NUL-terminated string of at
	// most its size (a thread name): recorded up to its NUL when passed
	// in, whole when filled.
	String bool
	// Unused marks an argument the call does not read, nor those after
	// it (kind "none": F_GETFL's): kdump leaves them out, as FreeBSD's
	// kdump and strace do.
	Unused bool
}

// DepMatch is the case of the selectors' values in one call: the case
// naming them, and for two selectors the case of the first's value that
// matches any second; either may be nil.
type DepMatch struct {
	exact, wild *DepCase
}

// Found reports whether any case matched.
func (m DepMatch) Found() bool { return m.exact != nil || m.wild != nil }

// Arg returns the kind argument i takes, or nil when the match gives it
// none.
func (m DepMatch) Arg(i int) *DepArg {
	if i < 0 || i >= 6 {
		return nil
	}
	if m.exact != nil && m.exact.Args[i].Given {
		return &m.exact.Args[i]
	}
	if m.wild != nil && m.wild.Args[i].Given {
		return &m.wild.Args[i]
	}
	return nil
}

// Shown returns how many of a call's n arguments to show: those before
// the first the case says the call does not read.
func (m DepMatch) Shown(n int) int {
	for i := 0; i < n; i++ {
		if a := m.Arg(i); a != nil && a.Unused {
			return i
		}
	}
	return n
}

// Ret returns the kind the result takes, or nil.
func (m DepMatch) Ret() *DepArg {
	if m.exact != nil && m.exact.Ret.Given {
		return &m.exact.Ret
	}
	if m.wild != nil && m.wild.Ret.Given {
		return &m.wild.Ret
	}
	return nil
}

// HasStruct reports whether some case gives an argument a structure
// (the tracer asks at every stop of the call).
func (d *Dependent) HasStruct() bool { return d != nil && d.Structs }

// selValue returns the key part of selector register v: its low 32 bits
// (selectors are C ints, read as the kernel reads them).
func selValue(v uint64) uint64 { return uint64(uint32(v)) }

// Find returns the cases args (the call's argument registers) select.
// It does not allocate.
func (d *Dependent) Find(args *[6]uint64) DepMatch {
	var m DepMatch
	if d == nil {
		return m
	}
	k1 := selValue(args[d.Sel[0]])
	if d.Sel[1] < 0 {
		m.exact = search(d.Cases, k1)
		return m
	}
	m.exact = search(d.Cases, k1<<32|selValue(args[d.Sel[1]]))
	m.wild = search(d.Wild, k1)
	return m
}

// search returns the case of key in cases, sorted by key, or nil.
func search(cases []DepCase, key uint64) *DepCase {
	lo, hi := 0, len(cases)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if cases[h].Key < key {
			lo = h + 1
		} else {
			hi = h
		}
	}
	if lo < len(cases) && cases[lo].Key == key {
		return &cases[lo]
	}
	return nil
}

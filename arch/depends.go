package arch

import (
	_ "embed" // the dependent argument data
	"fmt"
	"slices"
	"sync"

	"github.com/ktrace-linux/ktrace/arch/internal/spec"
)

// The dependent arguments: see the header of depends.txt.
//
//go:embed depends.txt
var dependsText string

// loadDepends parses the embedded depends.txt once; like the other data
// files it is compiled in and checked by the tests, so an error is a
// programming error.
var loadDepends = sync.OnceValue(func() []spec.Depend {
	d, err := parseDepends(dependsText)
	if err != nil {
		panic("arch: " + err.Error())
	}
	return d
})

// parseDepends parses depends.txt and checks the kinds it gives.
func parseDepends(text string) ([]spec.Depend, error) {
	deps, err := spec.ParseDepends("depends.txt", text)
	if err != nil {
		return nil, err
	}
	for _, d := range deps {
		for _, a := range d.Assign {
			if _, _, err := depKind(a.Arg); err != nil {
				return nil, fmt.Errorf("depends.txt:%d: %w", d.Line, err)
			}
		}
	}
	return deps, nil
}

// Dependent says how the arguments of a call, and its result, read when
// their meaning depends on the value of other arguments, its selectors
// (fcntl's command, ioctl's request, a socket option's level and name).
// It is built once per table; Find does not allocate.
type Dependent struct {
	// Sel are the selector arguments; Sel[1] is -1 when there is one.
	Sel [2]int8
	// cases are sorted by key; wild, of calls with two selectors, are
	// the cases that match any value of the second, keyed by the first.
	cases, wild []DepCase
	// structs says some case gives an argument a structure.
	structs bool
}

// DepCase is what one value of the selectors (Key) gives.
type DepCase struct {
	Key uint64
	// Name is the selector constant, "LEVEL/NAME" for two.
	Name string
	// DepKinds are the kinds the case gives, shared by every case of
	// one depends.txt statement: a case stays small (sorting moves it,
	// and a table holds thousands, built by the tracer before its first
	// system call stop).
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
func (d *Dependent) HasStruct() bool { return d != nil && d.structs }

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
		m.exact = search(d.cases, k1)
		return m
	}
	m.exact = search(d.cases, k1<<32|selValue(args[d.Sel[1]]))
	m.wild = search(d.wild, k1)
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

// depKind returns the argument kind a of depends.txt gives, and the
// structure it points to (nil for a plain value).
func depKind(a spec.Arg) (Arg, *depStruct, error) {
	arg := Arg{Set: a.Set, Len: int8(a.Len)}
	if a.Kind == unusedKind {
		return Arg{Kind: ArgInt, Len: -1, Long: true}, nil, nil
	}
	// The structures of depends.txt first: timeval_in is one, sized by
	// a length argument, and a kind of syscalls.txt too.
	if ds, err := parseDepStruct(a.Kind); err == nil {
		arg.Kind = ArgPtr
		return arg, ds, nil
	}
	if k, ok := parseArgKind(a.Kind); ok {
		if k.IsStruct() {
			return arg, nil, fmt.Errorf("kind %s: use the structures of depends.txt", a.Kind)
		}
		if a.Len >= 0 {
			return arg, nil, fmt.Errorf("kind %s takes no length", a.Kind)
		}
		arg.Kind = k
		return arg, nil, nil
	}
	_, err := parseDepStruct(a.Kind)
	return arg, nil, err
}

// unusedKind is the kind of an argument the call does not read.
const unusedKind = "none"

// buildDeps gives the calls of t the cases of depends.txt that apply on
// t's ABI: those whose selector constants t has a value for.
func (t *Table) buildDeps() {
	byCall := map[string]*Dependent{}
	for _, d := range loadDepends() {
		for _, name := range d.Calls {
			sc, ok := t.byName[name]
			if !ok {
				continue
			}
			dep := byCall[name]
			if dep == nil {
				dep = &Dependent{Sel: [2]int8{int8(d.Sel[0].Index), -1}}
				if len(d.Sel) == 2 {
					dep.Sel[1] = int8(d.Sel[1].Index)
				}
				byCall[name] = dep
				sc.Dep = dep
			}
			t.addDepCases(dep, &d)
		}
	}
	for _, dep := range byCall {
		for _, cs := range []*[]DepCase{&dep.cases, &dep.wild} {
			// Stable: the first statement naming a value wins, as in
			// an enum set (F_GETLK64 is F_GETLK on 64-bit ABIs).
			slices.SortStableFunc(*cs, func(a, b DepCase) int {
				switch {
				case a.Key < b.Key:
					return -1
				case a.Key > b.Key:
					return 1
				}
				return 0
			})
			*cs = slices.CompactFunc(*cs, func(a, b DepCase) bool { return a.Key == b.Key })
			for i := range *cs {
				for _, a := range (*cs)[i].Args {
					dep.structs = dep.structs || a.Struct != nil
				}
			}
		}
	}
}

// addDepCases adds the cases of statement d to dep.
func (t *Table) addDepCases(dep *Dependent, d *spec.Depend) {
	c := DepCase{DepKinds: new(DepKinds)}
	for _, a := range d.Assign {
		arg, ds, _ := depKind(a.Arg) // checked by parseDepends
		da := DepArg{Given: true, Arg: arg, Unused: a.Arg.Kind == unusedKind}
		if ds != nil {
			da.Struct, da.String = ds.structArg(t, arg.Len), ds.isString
			if da.Struct == nil {
				return // no layout on this ABI
			}
		}
		if a.Index < 0 {
			c.Ret = da
		} else {
			c.Args[a.Index] = da
		}
	}
	for _, c1 := range d.Sel[0].Consts {
		v1, ok := t.values[c1]
		if !ok {
			continue
		}
		if len(d.Sel) == 1 {
			c.Key, c.Name = selValue(v1), c1
			dep.cases = append(dep.cases, c)
			continue
		}
		if d.Sel[1].Consts == nil {
			c.Key, c.Name = selValue(v1), c1+"/*"
			dep.wild = append(dep.wild, c)
			continue
		}
		for _, c2 := range d.Sel[1].Consts {
			if v2, ok := t.values[c2]; ok {
				c.Key, c.Name = selValue(v1)<<32|selValue(v2), c1+"/"+c2
				dep.cases = append(dep.cases, c)
			}
		}
	}
}

// DependsConstNames returns every selector constant depends.txt names,
// for the tests that check they resolve.
func DependsConstNames() []string {
	var names []string
	for _, d := range loadDepends() {
		names = append(names, d.ConstNames()...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// DependsCalls returns the calls depends.txt describes.
func DependsCalls() []string {
	var names []string
	for _, d := range loadDepends() {
		names = append(names, d.Calls...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

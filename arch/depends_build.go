package arch

import (
	"cmp"
	_ "embed" // the dependent argument data
	"fmt"
	"slices"
	"sync"

	"github.com/ktrace-linux/ktrace/arch/internal/spec"
)

// This file resolves depends.txt into the Dependents of a table: the
// generator writes the result into the generated tables, and the tests
// check those are what depends.txt gives. Nothing here runs in a tracer.

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

// DependentsFromSpec returns the Dependent of each call of t that depText
// (depends.txt) names, by call name, with the cases that apply on t's
// ABI: those whose selector constants t has a value for, and whose
// structures it has a layout for. Exact cases and wild ones are sorted by
// key; the first statement naming a value wins. The generator writes the
// result into the generated tables (Syscall.Dep); it needs t's calls,
// constants and layouts, and none of its Dependents.
func DependentsFromSpec(t *Table, depText string) (map[string]*Dependent, error) {
	deps, err := parseDepends(depText)
	if err != nil {
		return nil, err
	}
	calls := map[string]bool{}
	for i := range t.calls {
		calls[t.calls[i].Name] = t.calls[i].Name != ""
	}
	t.loadValues()
	out := map[string]*Dependent{}
	for _, d := range deps {
		for _, name := range d.Calls {
			if !calls[name] {
				continue // no such call here (fcntl64 is i386's)
			}
			dep := out[name]
			if dep == nil {
				dep = &Dependent{Sel: [2]int8{int8(d.Sel[0].Index), -1}}
				if len(d.Sel) == 2 {
					dep.Sel[1] = int8(d.Sel[1].Index)
				}
				out[name] = dep
			}
			t.addDepCases(dep, &d)
		}
	}
	for _, dep := range out {
		for _, cs := range []*[]DepCase{&dep.Cases, &dep.Wild} {
			// Stable: the first statement naming a value wins, as in
			// an enum set (F_GETLK64 is F_GETLK on 64-bit ABIs).
			slices.SortStableFunc(*cs, func(a, b DepCase) int { return cmp.Compare(a.Key, b.Key) })
			*cs = slices.Clip(slices.CompactFunc(*cs, func(a, b DepCase) bool { return a.Key == b.Key }))
			for i := range *cs {
				for _, a := range (*cs)[i].Args {
					dep.Structs = dep.Structs || a.Struct != nil
				}
			}
		}
	}
	return out, nil
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
			dep.Cases = append(dep.Cases, c)
			continue
		}
		if d.Sel[1].Consts == nil {
			c.Key, c.Name = selValue(v1), c1+"/*"
			dep.Wild = append(dep.Wild, c)
			continue
		}
		for _, c2 := range d.Sel[1].Consts {
			if v2, ok := t.values[c2]; ok {
				c.Key, c.Name = selValue(v1)<<32|selValue(v2), c1+"/"+c2
				dep.Cases = append(dep.Cases, c)
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

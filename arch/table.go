package arch

import (
	_ "embed" // the signature and value set data
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ktrace-linux/ktrace/arch/internal/spec"
)

// The value sets, parsed at run time on first use (Table.Set,
// Table.Const). The signature table, syscalls.txt, is compiled into the
// generated tables instead (see SyscallsFromSpec): a tracer looks up its
// first call without parsing anything.
//
//go:embed sets.txt
var setsText string

// specData is the parsed data files.
type specData struct {
	sigs   []spec.Signature
	traits []Traits // of sigs[i]
	sets   []spec.Set
}

// loadSets parses the embedded value sets once. The data is compiled in
// and checked by the tests, so a parse error is a programming error.
var loadSets = sync.OnceValue(func() []spec.Set {
	sets, _, err := spec.ParseSets("sets.txt", setsText)
	if err != nil {
		panic("arch: " + err.Error())
	}
	return sets
})

// parseSpec parses the two data files and checks what the spec parser
// leaves to package arch: argument kind and trait names.
func parseSpec(sigText, setText string) (*specData, error) {
	sigs, err := spec.ParseSignatures("syscalls.txt", sigText)
	if err != nil {
		return nil, err
	}
	sets, _, err := spec.ParseSets("sets.txt", setText)
	if err != nil {
		return nil, err
	}
	traits := make([]Traits, len(sigs))
	for j, s := range sigs {
		for i, a := range s.Args {
			k, ok := parseArgKind(a.Kind)
			if !ok {
				return nil, fmt.Errorf("syscalls.txt:%d: %s argument %d: unknown kind %q", s.Line, s.Name, i, a.Kind)
			}
			if a.Long && !k.IntSized() {
				return nil, fmt.Errorf("syscalls.txt:%d: %s argument %d: %s is long already", s.Line, s.Name, i, a.Kind)
			}
		}
		for _, name := range s.Traits {
			tr, ok := parseTrait(name)
			if !ok {
				return nil, fmt.Errorf("syscalls.txt:%d: %s: unknown trait %q (traits: %s)", s.Line, s.Name, name, Traits(traitEnd-1))
			}
			traits[j] |= tr
		}
	}
	return &specData{sigs: sigs, traits: traits, sets: sets}, nil
}

// parseArgKind returns the ArgKind whose String is name.
func parseArgKind(name string) (ArgKind, bool) {
	for k, n := range argKindNames {
		if n == name {
			return ArgKind(k), true
		}
	}
	return 0, false
}

// shortName returns the ABI name used in the data files ("amd64").
func (a ABI) shortName() string {
	return strings.TrimPrefix(a.String(), "linux-")
}

// Table is the system call table of one ABI: numbers, names, argument
// signatures, value sets and constant values. Tables are built once, by the
// generated packages arch/amd64 and arch/arm64, and are read-only after; any
// number of goroutines may use one.
type Table struct {
	abi ABI
	// What NewTable was given; the rest is built from it on first use,
	// so that a program pays only for what it uses.
	calls   []Syscall // by number; Name is "" where there is none
	consts  []Const
	structs []StructLayout

	once   sync.Once
	all    []*Syscall // sorted by number
	byName map[string]*Syscall

	valuesOnce sync.Once
	values     map[string]uint64 // consts by name

	setsOnce sync.Once
	sets     map[string]*ValueSet
}

// Const is the value of a named constant on one ABI.
type Const struct {
	Name  string
	Value uint64
}

// NewTable returns the table of abi. calls[n] is system call number n,
// with its signature and traits (its Name is "" where there is none), as
// SyscallsFromSpec makes it; consts the values of the constants the value
// sets name; structs the layouts of the structures kdump decodes. The
// generated packages call it. The value sets are resolved with consts on
// first use, leaving out constants consts lacks. NewTable keeps calls,
// consts and structs, which must not be changed afterwards. A table panics
// on first use of its value sets if the embedded sets.txt does not parse.
func NewTable(abi ABI, calls []Syscall, consts []Const, structs ...StructLayout) *Table {
	return &Table{abi: abi, calls: calls, consts: consts, structs: structs}
}

// StructLayout is the layout of a structure on one ABI, as the generator
// computes it from x/sys's types: its size and its named members.
type StructLayout struct {
	Name   string // the C tag: "stat", "statx", "timespec", "pollfd"
	Size   int
	Fields []StructField
}

// StructField is one member of a StructLayout: its x/sys name, prefixed
// with those of the structures it is nested in ("Atim.Sec"), and its
// offset and size in bytes.
type StructField struct {
	Name      string
	Off, Size int
}

// Field returns the member called name; a zero StructField when there is
// none.
func (l *StructLayout) Field(name string) StructField {
	for _, f := range l.Fields {
		if f.Name == name {
			return f
		}
	}
	return StructField{}
}

// Struct returns the layout of the structure called name (its C tag) on
// t's ABI, or nil when the table has none.
func (t *Table) Struct(name string) *StructLayout {
	for i := range t.structs {
		if t.structs[i].Name == name {
			return &t.structs[i]
		}
	}
	return nil
}

// load builds the name index the first time it is used.
func (t *Table) load() *Table {
	t.once.Do(func() {
		t.byName = make(map[string]*Syscall, len(t.calls))
		for i := range t.calls {
			sc := &t.calls[i]
			if sc.Name == "" {
				continue
			}
			t.all = append(t.all, sc)
			if _, dup := t.byName[sc.Name]; !dup {
				t.byName[sc.Name] = sc
			}
		}
	})
	return t
}

// loadValues indexes the constants by name the first time they are used.
func (t *Table) loadValues() *Table {
	t.valuesOnce.Do(func() {
		t.values = make(map[string]uint64, len(t.consts))
		for _, c := range t.consts {
			t.values[c.Name] = c.Value
		}
	})
	return t
}

// loadSets resolves the value sets the first time they are used.
func (t *Table) loadSets() *Table {
	t.setsOnce.Do(func() {
		sets := loadSets()
		t.loadValues()
		t.sets = make(map[string]*ValueSet, len(sets))
		for i := range sets {
			vs := newValueSet(&sets[i], t.values)
			t.sets[vs.Name] = vs
		}
	})
	return t
}

// SyscallsFromSpec returns the system calls of abi, indexed by number,
// with the signatures and traits sigText (syscalls.txt) gives them: names[n]
// is the name of call number n ("" where there is none, and the Syscall
// there has no Name). A call with no signature is not Known. On an ABI, a
// line restricted to it (name@abi) overrides the default line, and the
// traits are those of every line that applies. The generator writes the
// result into the generated tables, which NewTable takes.
func SyscallsFromSpec(abi ABI, names []string, sigText string) ([]Syscall, error) {
	d, err := parseSpec(sigText, "")
	if err != nil {
		return nil, err
	}
	short := abi.shortName()
	sigs := make(map[string]*spec.Signature, len(d.sigs))
	traits := make(map[string]Traits)
	for i := range d.sigs {
		s := &d.sigs[i]
		if !spec.Applies(s.ABIs, short) {
			continue
		}
		if d.traits[i] != 0 {
			traits[s.Name] |= d.traits[i] // the traits of every line that applies
		}
		if _, ok := sigs[s.Name]; ok && s.ABIs == nil {
			continue // an ABI-specific line overrides the default
		}
		sigs[s.Name] = s
	}
	calls := make([]Syscall, len(names))
	for nr, name := range names {
		if name == "" {
			continue
		}
		sc := Syscall{Number: uint32(nr), Name: name}
		if s, ok := sigs[name]; ok {
			sc.Known = true
			sc.Traits = traits[name]
			for _, a := range s.Args {
				k, _ := parseArgKind(a.Kind) // checked by parseSpec
				sc.Args = append(sc.Args, Arg{Kind: k, Set: a.Set, Len: int8(a.Len), Long: a.Long})
			}
		}
		calls[nr] = sc
	}
	return calls, nil
}

// ABI returns the ABI the table describes.
func (t *Table) ABI() ABI { return t.abi }

// Lookup returns system call number nr, or nil if the ABI has none. It does
// not allocate.
func (t *Table) Lookup(nr uint32) *Syscall {
	if uint64(nr) < uint64(len(t.calls)) && t.calls[nr].Name != "" {
		return &t.calls[nr]
	}
	return nil
}

// ByName returns the system call called name ("openat").
func (t *Table) ByName(name string) (*Syscall, bool) {
	s, ok := t.load().byName[name]
	return s, ok
}

// Syscalls returns every system call of the ABI, sorted by number. The
// slice is the caller's; the Syscalls it points to are shared and must not
// be changed.
func (t *Table) Syscalls() []*Syscall {
	return slices.Clone(t.load().all)
}

// Set returns the value set called name (as named by Arg.Set), or nil.
func (t *Table) Set(name string) *ValueSet {
	return t.loadSets().sets[name]
}

// Const returns the value on this ABI of a constant a value set names, such
// as "O_DIRECTORY".
func (t *Table) Const(name string) (uint64, bool) {
	v, ok := t.loadValues().values[name]
	return v, ok
}

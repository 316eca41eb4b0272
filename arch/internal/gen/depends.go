package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/ktrace-linux/ktrace/arch"
)

// This file writes the dependent arguments of depends.txt, resolved for
// one ABI by arch.DependentsFromSpec, as Go data: a tracer's first fcntl
// or ioctl stop finds its case in package data, with nothing to parse or
// build.

// resolveDependents gives the calls depends.txt names the Dependent
// depText makes of them on abi, with the constants and layouts of its
// table.
func resolveDependents(abi arch.ABI, calls []arch.Syscall, consts map[string]uint64, layouts []layout, depText string) error {
	var cs []arch.Const
	for _, name := range sortedNames(consts) {
		cs = append(cs, arch.Const{Name: name, Value: consts[name]})
	}
	ls := make([]arch.StructLayout, len(layouts))
	for i, l := range layouts {
		ls[i] = arch.StructLayout{Name: l.cName, Size: l.size}
		for _, f := range l.fields {
			ls[i].Fields = append(ls[i].Fields, arch.StructField{Name: f.name, Off: f.off, Size: f.size})
		}
	}
	deps, err := arch.DependentsFromSpec(arch.NewTable(abi, calls, cs, ls...), depText)
	if err != nil {
		return fmt.Errorf("dependent arguments of %v: %w", abi, err)
	}
	for i := range calls {
		calls[i].Dep = deps[calls[i].Name] // nil for the others
	}
	return nil
}

// sortedNames returns the keys of m, sorted.
func sortedNames(m map[string]uint64) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// depVar returns the name of the variable holding the Dependent of call.
func depVar(a abiGen, call string) string {
	var b strings.Builder
	b.WriteString(a.prefix + "Dep")
	for _, part := range strings.Split(call, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// dependsFile returns the source of the file holding the Dependents of
// calls: one variable a call, whose cases point to the kinds of their
// statement in <prefix>DepKinds (equal kinds are written once).
func dependsFile(header string, a abiGen, calls []arch.Syscall) ([]byte, error) {
	var kinds []string // literals, by index
	kindIndex := map[string]int{}
	var deps bytes.Buffer
	seen := map[*arch.Dependent]bool{}
	for _, c := range calls {
		d := c.Dep
		if d == nil || seen[d] {
			continue
		}
		seen[d] = true
		sel := fmt.Sprintf("argument %d", d.Sel[0])
		if d.Sel[1] >= 0 {
			sel = fmt.Sprintf("arguments %d and %d", d.Sel[0], d.Sel[1])
		}
		fmt.Fprintf(&deps, "\n// %s holds the cases of %s on %s, selected by %s.\n", depVar(a, c.Name), c.Name, a.short, sel)
		fmt.Fprintf(&deps, "var %s = arch.Dependent{Sel: [2]int8{%d, %d}", depVar(a, c.Name), d.Sel[0], d.Sel[1])
		if d.Structs {
			deps.WriteString(", Structs: true")
		}
		for _, l := range []struct {
			field string
			cases []arch.DepCase
		}{{"Cases", d.Cases}, {"Wild", d.Wild}} {
			if len(l.cases) == 0 {
				continue
			}
			fmt.Fprintf(&deps, ",\n%s: []arch.DepCase{\n", l.field)
			for _, dc := range l.cases {
				lit, comment, err := kindsLit(dc.DepKinds)
				if err != nil {
					return nil, fmt.Errorf("%s %s %s: %w", a.short, c.Name, dc.Name, err)
				}
				i, ok := kindIndex[lit]
				if !ok {
					i = len(kinds)
					kindIndex[lit] = i
					kinds = append(kinds, fmt.Sprintf("// %s\n%d: %s,\n", comment, i, lit))
				}
				fmt.Fprintf(&deps, "{Key: %#x, Name: %q, DepKinds: &%sDepKinds[%d]},\n", dc.Key, dc.Name, a.prefix, i)
			}
			deps.WriteString("}")
		}
		deps.WriteString("}\n")
	}
	var b bytes.Buffer
	b.WriteString(header)
	fmt.Fprintf(&b, "package %s\n\nimport \"github.com/ktrace-linux/ktrace/arch\"\n\n", a.pkg)
	fmt.Fprintf(&b, "// %sDepKinds holds the kinds the statements of depends.txt give on %s,\n", a.prefix, a.short)
	b.WriteString("// which their cases share: argument kinds and sets are numbers, followed\n// by a comment with their names.\n")
	fmt.Fprintf(&b, "var %sDepKinds = [...]arch.DepKinds{\n", a.prefix)
	for _, k := range kinds {
		b.WriteString(k)
	}
	b.WriteString("}\n")
	b.Write(deps.Bytes())
	return b.Bytes(), nil
}

// kindsLit returns the literal of k as an element of an array of
// arch.DepKinds, and a comment saying what it gives.
func kindsLit(k *arch.DepKinds) (lit, comment string, err error) {
	var b strings.Builder
	var what []string
	b.WriteString("{")
	sep := ""
	args := false
	for i, a := range k.Args {
		if !a.Given {
			continue
		}
		s, err := depArgLit(a)
		if err != nil {
			return "", "", fmt.Errorf("argument %d: %w", i, err)
		}
		if !args {
			b.WriteString("Args: [6]arch.DepArg{")
			args = true
		}
		fmt.Fprintf(&b, "%s%d: {%s}", sep, i, s)
		sep = ", "
		what = append(what, fmt.Sprintf("%d=%s", i, depArgName(a)))
	}
	if args {
		b.WriteString("}")
	}
	if k.Ret.Given {
		s, err := depArgLit(k.Ret)
		if err != nil {
			return "", "", fmt.Errorf("result: %w", err)
		}
		if args {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "Ret: arch.DepArg{%s}", s)
		what = append(what, "ret="+depArgName(k.Ret))
	}
	b.WriteString("}")
	return b.String(), strings.Join(what, " "), nil
}

// depArgName says what a gives, as depends.txt does.
func depArgName(a arch.DepArg) string {
	switch {
	case a.Unused:
		return "none"
	case a.Struct != nil:
		dir := map[arch.StructDir]string{arch.StructIn: "in", arch.StructOut: "out", arch.StructIn | arch.StructOut: "inout"}[a.Struct.Dir]
		s := fmt.Sprintf("%s_%s", a.Struct.Name, dir)
		if a.Arg.Len >= 0 {
			s += fmt.Sprintf("[len=%d]", a.Arg.Len)
		}
		return fmt.Sprintf("%s, %d bytes", s, maxSize(a.Struct))
	case a.Arg.Set != "":
		return a.Arg.Kind.String() + ":" + a.Arg.Set
	}
	return a.Arg.Kind.String()
}

// maxSize returns the size s gives its ABI (the only one set).
func maxSize(s *arch.StructArg) uint16 {
	var n uint16
	for _, v := range s.Size {
		n = max(n, v)
	}
	return n
}

// depArgLit returns the fields of a's literal.
func depArgLit(a arch.DepArg) (string, error) {
	var f []string
	f = append(f, "Given: true")
	arg := fmt.Sprintf("Kind: %d", a.Arg.Kind)
	if a.Arg.Set != "" {
		arg += fmt.Sprintf(", Set: %q", a.Arg.Set)
	}
	arg += fmt.Sprintf(", Len: %d", a.Arg.Len)
	if a.Arg.Long {
		arg += ", Long: true"
	}
	f = append(f, "Arg: arch.Arg{"+arg+"}")
	if s := a.Struct; s != nil {
		if s.Max != 0 || s.If != nil || s.Positive {
			return "", fmt.Errorf("structure %s: Max, If and Positive are not written", s.Name)
		}
		st := fmt.Sprintf("Name: %q, Dir: %d", s.Name, s.Dir)
		if s.Len != 0 {
			st += fmt.Sprintf(", Len: %d", s.Len)
		}
		var sizes []string
		for abi, n := range s.Size {
			if n != 0 {
				sizes = append(sizes, fmt.Sprintf("%d: %d", abi, n))
			}
		}
		st += fmt.Sprintf(", Size: [%d]uint16{%s}", len(s.Size), strings.Join(sizes, ", "))
		f = append(f, "Struct: &arch.StructArg{"+st+"}")
	}
	if a.String {
		f = append(f, "String: true")
	}
	if a.Unused {
		f = append(f, "Unused: true")
	}
	return strings.Join(f, ", "), nil
}

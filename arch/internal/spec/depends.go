package spec

import (
	"fmt"
	"strconv"
	"strings"
)

// Depend is one statement of depends.txt: for the calls named, when the
// selector arguments hold the constants given, the arguments (and the
// result) assigned have the kinds given.
type Depend struct {
	Calls []string
	// Sel are the selector arguments, in order, each with the constants
	// it may hold ("*" alone: any value, for the last selector only).
	Sel []Selector
	// Assign are the arguments given a kind; Index -1 is the result.
	Assign []Assign
	Line   int
}

// Selector is one "N=CONST,CONST" of a Depend.
type Selector struct {
	Index  int
	Consts []string // nil: any value ("*")
}

// Assign is one "N=kind" (or "ret=kind") of a Depend.
type Assign struct {
	Index int // -1: the result
	Arg   Arg
}

// ConstNames returns the constants d selects by.
func (d *Depend) ConstNames() []string {
	var names []string
	for _, s := range d.Sel {
		names = append(names, s.Consts...)
	}
	return names
}

// ParseDepends parses depends.txt; file names it in errors. Each
// statement is
//
//	CALL,... N=CONST,... [N=CONST,...|N=*]: M=kind ... [ret=kind]
//
// with argument indices N and M from 0; kinds are those of
// syscalls.txt's arguments (without "long"), package arch checks them.
// The statements of one call must select by the same arguments. A
// second selector "N=*" matches any value, and may itself be given a
// kind (how a socket option's name prints depends on its level).
func ParseDepends(file, text string) ([]Depend, error) {
	var deps []Depend
	sels := map[string]string{} // call: its selector indices
	for _, st := range statements(text) {
		d, err := parseDepend(st.text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, st.line, err)
		}
		d.Line = st.line
		var key strings.Builder
		for _, s := range d.Sel {
			key.WriteString(strconv.Itoa(s.Index) + " ")
		}
		for _, c := range d.Calls {
			if prev, ok := sels[c]; ok && prev != key.String() {
				return nil, fmt.Errorf("%s:%d: %s selects by arguments %s here and %s before", file, st.line, c, key.String(), prev)
			}
			sels[c] = key.String()
		}
		deps = append(deps, d)
	}
	return deps, nil
}

func parseDepend(s string) (Depend, error) {
	var d Depend
	head, body, ok := strings.Cut(s, ": ") // kinds hold colons too (flags:open)
	if !ok {
		head, ok = strings.CutSuffix(s, ":")
	}
	if !ok {
		return d, fmt.Errorf("want CALL N=CONST: M=kind ...: %q", s)
	}
	// A list of constants may go on on the next line.
	f := strings.Fields(strings.ReplaceAll(head, ", ", ","))
	if len(f) < 2 || len(f) > 3 {
		return d, fmt.Errorf("want the calls and one or two selectors: %q", head)
	}
	for _, c := range strings.Split(f[0], ",") {
		if !isIdent(c) {
			return d, fmt.Errorf("bad call name %q", c)
		}
		d.Calls = append(d.Calls, c)
	}
	for i, sel := range f[1:] {
		n, consts, ok := strings.Cut(sel, "=")
		idx, err := argIndex(n)
		if !ok || err != nil {
			return d, fmt.Errorf("want N=CONST,...: %q", sel)
		}
		s := Selector{Index: idx}
		if consts != "*" {
			for _, c := range strings.Split(consts, ",") {
				if !isIdent(c) {
					return d, fmt.Errorf("bad constant %q in %q", c, sel)
				}
				s.Consts = append(s.Consts, c)
			}
		} else if i != len(f)-2 || i == 0 {
			return d, fmt.Errorf("only a second selector may be *: %q", head)
		}
		d.Sel = append(d.Sel, s)
	}
	if len(d.Sel) == 2 && d.Sel[0].Index == d.Sel[1].Index {
		return d, fmt.Errorf("argument %d selects twice", d.Sel[0].Index)
	}
	seen := map[int]bool{}
	for _, a := range strings.Fields(body) {
		n, kind, ok := strings.Cut(a, "=")
		if !ok {
			return d, fmt.Errorf("want N=kind or ret=kind: %q", a)
		}
		idx := -1
		if n != "ret" {
			var err error
			if idx, err = argIndex(n); err != nil {
				return d, fmt.Errorf("want N=kind or ret=kind: %q", a)
			}
		}
		for _, s := range d.Sel {
			if s.Index == idx && s.Consts != nil {
				return d, fmt.Errorf("argument %d both selects and is selected", idx)
			}
		}
		if seen[idx] {
			return d, fmt.Errorf("%s given twice", n)
		}
		seen[idx] = true
		arg, err := parseArg(kind)
		if err != nil {
			return d, err
		}
		d.Assign = append(d.Assign, Assign{Index: idx, Arg: arg})
	}
	if len(d.Assign) == 0 {
		return d, fmt.Errorf("nothing given a kind: %q", s)
	}
	return d, nil
}

// argIndex parses an argument index, 0 to 5.
func argIndex(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 5 {
		return 0, fmt.Errorf("bad argument index %q", s)
	}
	return n, nil
}

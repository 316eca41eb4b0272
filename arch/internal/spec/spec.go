// Package spec parses the declarative system call data of package arch: the
// signature table (syscalls.txt) and the value sets with their constant
// definitions (sets.txt). It checks syntax only; package arch gives the
// names meaning and its tests check the data against the generated tables.
//
// The same parser is used by the generator, which compiles the signatures
// into the generated tables (through arch.SyscallsFromSpec) and needs to
// know which constants the value sets name, and by package arch at run time
// for the value sets (sets.txt is embedded there).
package spec

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ABIs lists the short ABI names the data files may use in @abi qualifiers.
var ABIs = []string{"amd64", "i386", "arm64"}

// Arg is one argument of a signature.
type Arg struct {
	Kind string // argument kind name, such as "fd" or "bufout"
	Set  string // value set of a "flags:" or "enum:" argument
	Len  int    // index of the length argument, or -1
	// Long marks an argument the kernel reads as a whole long ("long
	// kind"), where its kind is read as a C int by default.
	Long bool
}

// Signature is one line of syscalls.txt.
type Signature struct {
	Name string
	ABIs []string // ABIs the line is restricted to; nil for the default
	Args []Arg
	// Traits are the trait and class names after the argument list, as
	// written ("!exec", "%process"); package arch gives them meaning.
	Traits []string
	Line   int
}

// Item is one member of a value set: a single constant (Name), or a field
// (Mask set) whose value is one of Members or, with Signal, a signal number.
type Item struct {
	Name    string
	Mask    string
	Members []string
	Signal  bool
}

// IsField reports whether it is a field rather than a single constant.
func (it Item) IsField() bool { return it.Mask != "" }

// Set is one "flags" or "enum" statement of sets.txt.
type Set struct {
	Name  string
	Enum  bool
	Items []Item
	Line  int
}

// ConstNames returns every constant name s refers to, masks included, in
// order of appearance. Numeric masks are left out.
func (s *Set) ConstNames() []string {
	var names []string
	for _, it := range s.Items {
		if !it.IsField() {
			names = append(names, it.Name)
			continue
		}
		if !IsNumber(it.Mask) {
			names = append(names, it.Mask)
		}
		names = append(names, it.Members...)
	}
	return names
}

// Const is one "const" statement of sets.txt: a constant that x/sys/unix
// lacks, or whose x/sys value (glibc's) differs from the kernel's.
type Const struct {
	Name  string
	ABIs  []string // nil: every ABI
	Value string   // a number, or the name of another constant
	Line  int
}

// Applies reports whether a statement restricted to abis (nil: all) applies
// to abi.
func Applies(abis []string, abi string) bool {
	if abis == nil {
		return true
	}
	for _, a := range abis {
		if a == abi {
			return true
		}
	}
	return false
}

// IsNumber reports whether s is an integer literal as ParseNumber accepts.
func IsNumber(s string) bool {
	_, err := ParseNumber(s)
	return err == nil
}

// ParseNumber parses a decimal, 0x hex or 0 octal literal, optionally
// negative; negative values are returned in two's complement.
func ParseNumber(s string) (uint64, error) {
	neg := strings.HasPrefix(s, "-")
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "-"), 0, 64)
	if err != nil {
		return 0, err
	}
	if neg {
		v = -v
	}
	return v, nil
}

// stmt is one statement of a data file and the line it starts on.
type stmt struct {
	text string
	line int
}

// statements returns the statements of text: comments stripped, blank lines
// dropped, and lines that start with white space joined to the one before.
func statements(text string) []stmt {
	var out []stmt
	for i, l := range strings.Split(text, "\n") {
		if j := strings.IndexByte(l, '#'); j >= 0 {
			l = l[:j]
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1].text += " " + strings.TrimSpace(l)
			continue
		}
		out = append(out, stmt{strings.TrimSpace(l), i + 1})
	}
	return out
}

// isIdent reports whether s is a C identifier.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// splitABIs splits "name@abi,abi" into the name and its ABI list.
func splitABIs(s string) (string, []string, error) {
	name, q, ok := strings.Cut(s, "@")
	if !isIdent(name) {
		return "", nil, fmt.Errorf("bad name %q", name)
	}
	if !ok {
		return name, nil, nil
	}
	var abis []string
	for _, a := range strings.Split(q, ",") {
		a = strings.TrimSpace(a)
		if !Applies(ABIs, a) {
			return "", nil, fmt.Errorf("unknown ABI %q (want one of %s)", a, strings.Join(ABIs, ", "))
		}
		abis = append(abis, a)
	}
	return name, abis, nil
}

// ParseSignatures parses the signature table; file names it in errors.
// Each statement is "name(arg, ...)" or "name@abi,...(arg, ...)", followed
// by any number of traits "!trait" and classes "%class" (lower-case words
// with dashes), each at most once; an arg is "kind", "kind[len=N]",
// "flags:set" or "enum:set", optionally after the word "long".
func ParseSignatures(file, text string) ([]Signature, error) {
	var sigs []Signature
	seen := map[string]bool{}
	for _, st := range statements(text) {
		sig, err := parseSignature(st.text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, st.line, err)
		}
		sig.Line = st.line
		key := sig.Name + "@" + strings.Join(sig.ABIs, ",")
		if seen[key] {
			return nil, fmt.Errorf("%s:%d: %s declared twice", file, st.line, key)
		}
		seen[key] = true
		sigs = append(sigs, sig)
	}
	return sigs, nil
}

func parseSignature(s string) (Signature, error) {
	var sig Signature
	open := strings.IndexByte(s, '(')
	end := strings.IndexByte(s, ')')
	if open < 0 || end < open {
		return sig, fmt.Errorf("want name(args): %q", s)
	}
	var err error
	sig.Name, sig.ABIs, err = splitABIs(strings.TrimSpace(s[:open]))
	if err != nil {
		return sig, err
	}
	if sig.Traits, err = parseTraits(s[end+1:]); err != nil {
		return sig, fmt.Errorf("%s: %w", sig.Name, err)
	}
	body := strings.TrimSpace(s[open+1 : end])
	if body == "" {
		return sig, nil
	}
	for i, a := range strings.Split(body, ",") {
		arg, err := parseArg(strings.TrimSpace(a))
		if err != nil {
			return sig, fmt.Errorf("%s argument %d: %w", sig.Name, i, err)
		}
		sig.Args = append(sig.Args, arg)
	}
	if len(sig.Args) > 6 {
		return sig, fmt.Errorf("%s: %d arguments, at most 6", sig.Name, len(sig.Args))
	}
	return sig, nil
}

// parseTraits parses the traits after a signature's argument list.
func parseTraits(s string) ([]string, error) {
	var traits []string
	for _, t := range strings.Fields(s) {
		if !isTrait(t) {
			return nil, fmt.Errorf("bad trait %q: want !name or %%class after the arguments", t)
		}
		if slices.Contains(traits, t) {
			return nil, fmt.Errorf("trait %s given twice", t)
		}
		traits = append(traits, t)
	}
	return traits, nil
}

// isTrait reports whether s is "!name", "%name" or "%%name", name
// lower-case letters, digits and inner dashes.
func isTrait(s string) bool {
	if len(s) < 2 || (s[0] != '!' && s[0] != '%') {
		return false
	}
	name := s[1:]
	if s[0] == '%' && name[0] == '%' && len(name) > 1 {
		name = name[1:]
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

func parseArg(s string) (Arg, error) {
	arg := Arg{Len: -1}
	if rest, ok := strings.CutPrefix(s, "long "); ok {
		arg.Long = true
		s = strings.TrimSpace(rest)
	}
	if kind, set, ok := strings.Cut(s, ":"); ok {
		if kind != "flags" && kind != "enum" {
			return arg, fmt.Errorf("only flags and enum take a set: %q", s)
		}
		if !isIdent(set) {
			return arg, fmt.Errorf("bad set name in %q", s)
		}
		arg.Kind, arg.Set = kind, set
		return arg, nil
	}
	if kind, rest, ok := strings.Cut(s, "["); ok {
		n, found := strings.CutPrefix(rest, "len=")
		n, closed := strings.CutSuffix(n, "]")
		if !found || !closed {
			return arg, fmt.Errorf("want kind[len=N]: %q", s)
		}
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 || v > 5 {
			return arg, fmt.Errorf("bad length index in %q", s)
		}
		arg.Len = v
		s = kind
	}
	if !isIdent(s) {
		return arg, fmt.Errorf("bad kind %q", s)
	}
	if s == "flags" || s == "enum" {
		return arg, fmt.Errorf("%s needs a set: %s:NAME", s, s)
	}
	arg.Kind = s
	return arg, nil
}

// ParseSets parses sets.txt; file names it in errors. Statements:
//
//	const NAME[@abi,...] VALUE
//	flags NAME: item ...
//	enum NAME: item ...
//
// where an item is a constant NAME or a field "[MASK: NAME ...]" or
// "[MASK: signal]".
func ParseSets(file, text string) ([]Set, []Const, error) {
	var sets []Set
	var consts []Const
	setSeen := map[string]bool{}
	constSeen := map[string]bool{}
	for _, st := range statements(text) {
		fail := func(format string, args ...any) ([]Set, []Const, error) {
			return nil, nil, fmt.Errorf("%s:%d: %s", file, st.line, fmt.Sprintf(format, args...))
		}
		word, rest, _ := strings.Cut(st.text, " ")
		switch word {
		case "const":
			f := strings.Fields(rest)
			if len(f) != 2 {
				return fail("want const NAME VALUE: %q", st.text)
			}
			name, abis, err := splitABIs(f[0])
			if err != nil {
				return fail("%v", err)
			}
			if !IsNumber(f[1]) && !isIdent(f[1]) {
				return fail("bad value %q", f[1])
			}
			key := f[0]
			if constSeen[key] {
				return fail("const %s defined twice", key)
			}
			constSeen[key] = true
			consts = append(consts, Const{Name: name, ABIs: abis, Value: f[1], Line: st.line})
		case "flags", "enum":
			name, body, ok := strings.Cut(rest, ":")
			name = strings.TrimSpace(name)
			if !ok || !isIdent(name) {
				return fail("want %s NAME: items", word)
			}
			if setSeen[name] {
				return fail("set %s defined twice", name)
			}
			setSeen[name] = true
			items, err := parseItems(body)
			if err != nil {
				return fail("set %s: %v", name, err)
			}
			if word == "enum" {
				for _, it := range items {
					if it.IsField() {
						return fail("set %s: an enum has no fields", name)
					}
				}
			}
			sets = append(sets, Set{Name: name, Enum: word == "enum", Items: items, Line: st.line})
		default:
			return fail("want const, flags or enum: %q", st.text)
		}
	}
	return sets, consts, nil
}

func parseItems(body string) ([]Item, error) {
	body = strings.NewReplacer("[", " [ ", "]", " ] ", ":", " : ").Replace(body)
	toks := strings.Fields(body)
	var items []Item
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t != "[" {
			if !isIdent(t) {
				return nil, fmt.Errorf("bad item %q", t)
			}
			items = append(items, Item{Name: t})
			continue
		}
		if i+2 >= len(toks) || toks[i+2] != ":" {
			return nil, fmt.Errorf("want [MASK: NAME ...]")
		}
		f := Item{Mask: toks[i+1]}
		if !isIdent(f.Mask) && !IsNumber(f.Mask) {
			return nil, fmt.Errorf("bad mask %q", f.Mask)
		}
		i += 3
		for ; i < len(toks) && toks[i] != "]"; i++ {
			if !isIdent(toks[i]) {
				return nil, fmt.Errorf("bad field member %q", toks[i])
			}
			f.Members = append(f.Members, toks[i])
		}
		if i == len(toks) {
			return nil, fmt.Errorf("field [%s: ...] not closed", f.Mask)
		}
		if len(f.Members) == 1 && f.Members[0] == "signal" {
			f.Members, f.Signal = nil, true
		}
		if len(f.Members) == 0 && !f.Signal {
			return nil, fmt.Errorf("field [%s: ...] is empty", f.Mask)
		}
		items = append(items, f)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("no items")
	}
	return items, nil
}

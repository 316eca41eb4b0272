package arch

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// SyscallExpr is a parsed list of system calls in the syntax of strace's
// -e trace=: comma-separated items, each a name ("openat"), a number, a
// group ("%file", "%%stat"; see Group), a regular expression matched
// against the names ("/^stat"), "all" or "none". An item prefixed with
// '?' may match nothing on an ABI without being an error. Each leading
// '!' of the whole list inverts it. The expression does not depend on an
// ABI: Set resolves it against a table.
type SyscallExpr struct {
	invert bool
	items  []syscallItem
}

// syscallItem is one item of a SyscallExpr.
type syscallItem struct {
	text     string // as written, for errors
	optional bool   // '?': no error when it matches nothing
	all      bool
	name     string
	group    string
	number   int64 // -1 when not a number
	re       *regexp.Regexp
}

// ParseSyscallExpr parses a --syscalls list. Syntax errors (a bad regular
// expression, an unknown group, no item at all) are returned; names are
// checked against tables by Check.
func ParseSyscallExpr(list string) (*SyscallExpr, error) {
	e := &SyscallExpr{}
	s := strings.TrimSpace(list)
	for strings.HasPrefix(s, "!") {
		e.invert = !e.invert
		s = strings.TrimSpace(s[1:])
	}
	if s == "none" {
		e.invert = !e.invert
		e.items = []syscallItem{{text: s, all: true, number: -1}}
		return e, nil
	}
	for _, text := range strings.Split(s, ",") {
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		it := syscallItem{text: text, number: -1}
		t := text
		for strings.HasPrefix(t, "?") {
			it.optional = true
			t = t[1:]
		}
		switch {
		case t == "all":
			it.all = true
		case strings.HasPrefix(t, "/"):
			re, err := regexp.Compile(t[1:])
			if err != nil {
				return nil, fmt.Errorf("bad regular expression %q: %w", t[1:], err)
			}
			it.re = re
		case strings.HasPrefix(t, "%"):
			if !groupKnown(t) {
				return nil, fmt.Errorf("unknown system call group %q (groups: %%%s)", t, strings.Join(GroupNames(), ", %"))
			}
			it.group = t
		default:
			if n, err := strconv.ParseInt(t, 10, 32); err == nil && n >= 0 {
				it.number = n
			} else {
				it.name = t
			}
		}
		e.items = append(e.items, it)
	}
	if len(e.items) == 0 {
		return nil, errors.New("no system call named")
	}
	return e, nil
}

// groupKnown reports whether Group knows name.
func groupKnown(name string) bool {
	name = strings.TrimPrefix(name, "%")
	for _, g := range GroupNames() {
		if g == name {
			return true
		}
	}
	return false
}

// Check returns an error naming the first item without '?' that matches
// no system call in any of tabs.
func (e *SyscallExpr) Check(tabs ...*Table) error {
	for i := range e.items {
		it := &e.items[i]
		if it.optional || it.all || it.group != "" {
			continue
		}
		found := false
		for _, tab := range tabs {
			if tab != nil && len(it.match(tab)) > 0 {
				found = true
				break
			}
		}
		if !found {
			if it.re != nil {
				return fmt.Errorf("no system call matches %q", it.text)
			}
			return fmt.Errorf("unknown system call %q", it.text)
		}
	}
	return nil
}

// match returns the calls of tab that it names.
func (it *syscallItem) match(tab *Table) []*Syscall {
	switch {
	case it.all:
		return tab.load().all
	case it.group != "":
		calls, _ := tab.Group(it.group)
		return calls
	case it.re != nil:
		var out []*Syscall
		for _, s := range tab.load().all {
			if it.re.MatchString(s.Name) {
				out = append(out, s)
			}
		}
		return out
	case it.number >= 0:
		if s := tab.Lookup(uint32(it.number)); s != nil {
			return []*Syscall{s}
		}
		return nil
	}
	if s, ok := tab.ByName(it.name); ok {
		return []*Syscall{s}
	}
	return nil
}

// SyscallSet is a set of the system calls of one ABI, by number. Testing
// a number does not allocate. The zero value is empty.
type SyscallSet struct {
	in []bool // by number
	// beyond says whether numbers past the end of in (numbers the table
	// does not know) are in the set: true for an inverted list.
	beyond bool
	names  []string
}

// Has reports whether system call number nr is in s.
func (s *SyscallSet) Has(nr uint32) bool {
	if uint64(nr) < uint64(len(s.in)) {
		return s.in[nr]
	}
	return s.beyond
}

// Names returns the names of the calls in s, in the order of their
// numbers; numbers the table does not know are left out.
func (s *SyscallSet) Names() []string { return s.names }

// Set resolves e against tab; items that name calls tab lacks add
// nothing. A nil tab (an ABI without a table) gives the set of no call,
// or of every call when e is inverted.
func (e *SyscallExpr) Set(tab *Table) *SyscallSet {
	if tab == nil {
		return &SyscallSet{beyond: e.invert}
	}
	all := tab.load().all
	n := 0
	if len(all) > 0 {
		n = int(all[len(all)-1].Number) + 1
	}
	s := &SyscallSet{in: make([]bool, n), beyond: e.invert}
	for i := range e.items {
		for _, c := range e.items[i].match(tab) {
			s.in[c.Number] = true
		}
	}
	if e.invert {
		for i := range s.in {
			s.in[i] = !s.in[i]
		}
	}
	for _, c := range all {
		if s.in[c.Number] {
			s.names = append(s.names, c.Name)
		}
	}
	return s
}

// ParseSyscallSet parses list (see SyscallExpr) and resolves it against
// tab: the one parser of ktrace --syscalls and kdump --syscalls. A name
// tab lacks is an error unless written with '?'.
func ParseSyscallSet(tab *Table, list string) (*SyscallSet, error) {
	e, err := ParseSyscallExpr(list)
	if err != nil {
		return nil, err
	}
	if err := e.Check(tab); err != nil {
		return nil, err
	}
	return e.Set(tab), nil
}

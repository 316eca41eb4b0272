package arch

import (
	"slices"
	"strings"
)

// GroupNames lists the groups Group knows, without the '%'.
func GroupNames() []string {
	names, _ := classes()
	names = append(names, "file", "desc")
	slices.Sort(names)
	return names
}

// Group returns the system calls of t in the group name (with or without
// its leading '%'), named as strace's -e trace=%group names them: %file
// (calls that take a path) and %desc (calls that take a file descriptor)
// follow from the argument kinds, %net, %process, %signal, %memory and %ipc
// from the classes syscalls.txt gives the calls.
func (t *Table) Group(name string) ([]*Syscall, bool) {
	name = strings.TrimPrefix(name, "%")
	var match func(*Syscall) bool
	switch name {
	case "file":
		match = func(s *Syscall) bool { return s.hasKind(ArgPath) }
	case "desc":
		match = func(s *Syscall) bool { return s.hasKind(ArgFD) || s.hasKind(ArgDirFD) }
	default:
		names, bits := classes()
		i := slices.Index(names, name)
		if i < 0 {
			return nil, false
		}
		class := bits[i]
		match = func(s *Syscall) bool { return s.Traits&class != 0 }
	}
	var out []*Syscall
	for _, s := range t.Syscalls() {
		if match(s) {
			out = append(out, s)
		}
	}
	return out, true
}

// hasKind reports whether s takes an argument of kind k.
func (s *Syscall) hasKind(k ArgKind) bool {
	for _, a := range s.Args {
		if a.Kind == k {
			return true
		}
	}
	return false
}

// HasKind reports whether s takes an argument of one of kinds.
func (s *Syscall) HasKind(kinds ...ArgKind) bool {
	for _, k := range kinds {
		if s.hasKind(k) {
			return true
		}
	}
	return false
}

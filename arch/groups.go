package arch

import (
	"slices"
	"strings"
)

// GroupNames lists the groups Group knows, without the '%' (so the
// unions %%stat and %%statfs are listed as "%stat" and "%statfs").
func GroupNames() []string {
	names, _ := classes()
	names = append(names, "file", "desc")
	for _, u := range unions {
		if !slices.Contains(names, u.name) {
			names = append(names, u.name)
		}
	}
	slices.Sort(names)
	return names
}

// unions are the groups that join classes, strace's %%stat and
// %%statfs, named without their first '%'.
var unions = [...]struct {
	name    string
	classes Traits
}{
	{"%stat", ClassStat | ClassLstat | ClassFstat},
	{"%statfs", ClassStatfs | ClassFstatfs | ClassStatfsAny},
}

// Group returns the system calls of t in the group name (with or without
// its leading '%'), named as strace's -e trace=%group names them: %file
// (calls that take a path) and %desc (calls that take a file descriptor)
// follow from the argument kinds, the others (%net, %process, %signal,
// %memory, %ipc, %stat, %clock, ...) from the classes syscalls.txt gives
// the calls; %%stat and %%statfs join several classes.
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
		var class Traits
		if i := slices.Index(names, name); i >= 0 {
			class = bits[i]
		}
		for _, u := range unions {
			if u.name == name {
				class |= u.classes
			}
		}
		if class == 0 {
			return nil, false
		}
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

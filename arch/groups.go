package arch

import (
	"slices"
	"strings"
)

// Groups of system calls, named as strace's -e trace=%group names them.
// %file and %desc follow from the argument kinds; the others are lists.
var groupNames = map[string][]string{
	"net": {
		"socket", "socketpair", "bind", "connect", "listen", "accept", "accept4",
		"getsockname", "getpeername", "send", "sendto", "sendmsg", "sendmmsg",
		"recv", "recvfrom", "recvmsg", "recvmmsg", "shutdown", "setsockopt",
		"getsockopt", "socketcall",
	},
	"process": {
		"fork", "vfork", "clone", "clone3", "execve", "execveat", "exit", "exit_group",
		"wait4", "waitpid", "waitid", "kill", "tkill", "tgkill", "rt_sigqueueinfo",
		"rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
		"unshare", "setns",
	},
	"signal": {
		"kill", "tkill", "tgkill", "signal", "sigaction", "rt_sigaction", "sigprocmask",
		"rt_sigprocmask", "sigpending", "rt_sigpending", "sigsuspend", "rt_sigsuspend",
		"sigreturn", "rt_sigreturn", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
		"rt_sigtimedwait", "rt_sigtimedwait_time64", "sigaltstack", "signalfd",
		"signalfd4", "pause", "pidfd_send_signal", "sgetmask", "ssetmask",
	},
	"memory": {
		"brk", "mmap", "mmap2", "old_mmap", "munmap", "mremap", "mprotect",
		"pkey_mprotect", "madvise", "process_madvise", "msync", "mlock", "mlock2",
		"munlock", "mlockall", "munlockall", "mincore", "remap_file_pages", "mbind",
		"get_mempolicy", "set_mempolicy", "set_mempolicy_home_node", "migrate_pages",
		"move_pages", "memfd_secret", "map_shadow_stack", "mseal",
	},
	"ipc": {
		"ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
		"semtimedop_time64", "semctl", "shmget", "shmat", "shmdt", "shmctl",
	},
}

// GroupNames lists the groups Group knows, without the '%'.
func GroupNames() []string {
	names := []string{"file", "desc"}
	for n := range groupNames {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Group returns the system calls of t in the group name (with or without
// its leading '%'): %file (calls that take a path), %desc (calls that
// take a file descriptor), %net, %process, %signal, %memory, %ipc.
func (t *Table) Group(name string) ([]*Syscall, bool) {
	name = strings.TrimPrefix(name, "%")
	var match func(*Syscall) bool
	switch name {
	case "file":
		match = func(s *Syscall) bool { return s.hasKind(ArgPath) }
	case "desc":
		match = func(s *Syscall) bool { return s.hasKind(ArgFD) || s.hasKind(ArgDirFD) }
	default:
		list, ok := groupNames[name]
		if !ok {
			return nil, false
		}
		match = func(s *Syscall) bool { return slices.Contains(list, s.Name) }
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

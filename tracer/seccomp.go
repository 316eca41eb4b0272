package tracer

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	seccomparch "github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// The seccomp fast path. When a command is run traced and the chosen
// facilities need only some system calls (-t n only the calls that take
// paths, --syscalls only those named), ktrace loads a seccomp filter into
// the command before its execve: the wanted calls return
// SECCOMP_RET_TRACE and stop for the tracer, the others run without
// stopping at all. A call that hits RET_TRACE with no tracer fails with
// ENOSYS, so a filtered command is traced with PTRACE_O_EXITKILL: it dies
// with its tracer instead of running on broken.

// ResolveSyscalls turns a --syscalls list (strace's -e trace= syntax, see
// arch.SyscallExpr) into system call names of the native ABI.
func ResolveSyscalls(list string) ([]string, error) {
	set, err := arch.ParseSyscallSet(tables.Native(), list)
	if err != nil {
		return nil, err
	}
	if len(set.Names()) == 0 {
		return nil, errors.New("no system call named")
	}
	return set.Names(), nil
}

// filterNames returns the calls a seccomp filter must send to the tracer
// for s, or nil when every call must stop and a filter would not help.
func filterNames(tab *arch.Table, s Settings) []string {
	fac := s.Facilities
	if !needsSyscalls(fac) {
		return nil // signals and exits need no syscall stops; PTRACE_CONT does
	}
	// Every call: CALL records, or CSW wait reasons (the call a thread
	// sleeps in).
	if fac&(FacSyscall|FacCsw) != 0 && len(s.Syscalls) == 0 {
		return nil
	}
	// The calls every filter traps: see arch.TraitsAlwaysTrapped.
	var names []string
	for _, c := range tab.Syscalls() {
		if c.Traits&arch.TraitsAlwaysTrapped != 0 {
			names = append(names, c.Name)
		}
	}
	if len(s.Syscalls) > 0 {
		names = append(names, s.Syscalls...)
	} else {
		for _, c := range tab.Syscalls() {
			switch {
			case fac&FacNamei != 0 && c.HasKind(arch.ArgPath, arch.ArgSockaddr),
				fac&FacGenio != 0 && c.HasKind(arch.ArgBufIn, arch.ArgBufOut, arch.ArgIovIn,
					arch.ArgIovOut, arch.ArgMsgIn, arch.ArgMsgOut),
				fac&FacStruct != 0 && c.HasStruct(),
				fac&FacPsig != 0 && c.Traits&arch.TraitSigHandler != 0:
				names = append(names, c.Name)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// buildFilter assembles the filter that traps names, and the calls of
// numbers that have no name (ktrace's utrace). Calls of any other
// ABI than the native one (32-bit calls on amd64, x32) trap too: the
// library only emits a section for the native one, so a check of our own
// comes first.
func buildFilter(names []string, numbers []uint32) ([]unix.SockFilter, error) {
	info, err := seccomparch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	// Calls newer than the library's table are matched by number in our
	// own prefix.
	var known []string
	extra := append([]uint32(nil), numbers...)
	tab := tables.Native()
	for _, n := range names {
		if _, ok := info.SyscallNames[n]; ok {
			known = append(known, n)
		} else if c, ok := tab.ByName(n); ok {
			extra = append(extra, c.Number)
		}
	}
	policy := seccomp.Policy{
		DefaultAction: seccomp.ActionAllow,
		Syscalls:      []seccomp.SyscallGroup{{Names: known, Action: seccomp.ActionTrace}},
	}
	insts, err := policy.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	const (
		archOffset = 4 // seccomp_data.arch
		nrOffset   = 0 // seccomp_data.nr
		x32Bit     = 0x40000000
	)
	trace := bpf.RetConstant{Val: unix.SECCOMP_RET_TRACE}
	prefix := []bpf.Instruction{
		bpf.LoadAbsolute{Off: archOffset, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(info.ID), SkipTrue: 1},
		trace,
		bpf.LoadAbsolute{Off: nrOffset, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: x32Bit, SkipFalse: 1},
		trace,
	}
	for _, nr := range extra {
		prefix = append(prefix, bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipFalse: 1}, trace)
	}
	raw, err := bpf.Assemble(append(prefix, insts...))
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	prog := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		prog[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return prog, nil
}

// loadFilter installs prog on the calling thread only (no TSYNC: the Go
// runtime's other threads keep running unfiltered; this thread execs).
// An unprivileged caller must set no_new_privs first.
func loadFilter(prog []unix.SockFilter) error {
	if os.Geteuid() != 0 {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("seccomp: no_new_privs: %w", err)
		}
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	if e != 0 {
		return fmt.Errorf("seccomp: load filter: %w", e)
	}
	return nil
}

package tracer

import (
	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
)

// SeccompFilter returns the seccomp filter for a command traced with s:
// it sends to the tracer only the calls s needs to see. It returns nil
// when every call must stop, where a filter would not help.
func SeccompFilter(s Settings) ([]unix.SockFilter, error) {
	names := filterNames(tables.Native(), s)
	if names == nil {
		return nil, nil
	}
	var numbers []uint32
	if s.Facilities&FacUser != 0 {
		numbers = append(numbers, arch.UtraceNumber)
	}
	return buildFilter(names, numbers)
}

// LoadSeccompFilter loads prog into the calling thread, which must be the
// one about to execute the traced command, already traced with
// PTRACE_O_EXITKILL (see Settings.Seccomp).
func LoadSeccompFilter(prog []unix.SockFilter) error { return loadFilter(prog) }

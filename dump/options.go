package dump

import "github.com/ktrace-linux/ktrace/format"

// Options select what kdump shows and how. The zero value is kdump's
// default: every record type, hex arguments, symbolic decoding, all data.
type Options struct {
	Decimal        bool // -d: numbers in decimal
	Raw            bool // -n: no symbolic decoding, raw numbers, no errno text
	Threads        bool // -H: thread id column
	Absolute       bool // -T: absolute time column
	Elapsed        bool // -E: time since the first record shown
	Relative       bool // -R: time since the previous record shown
	SyscallNumbers bool // -S: syscall number after its name, openat[257]
	NoData         bool // -s: no I/O data
	Hex            bool // -x: data as a hex dump
	HexASCII       bool // -X: data as a hex dump with an ASCII column
	Structs        bool // -r: STRU members decoded
	// FDNames (-y) follows each process's descriptor table through the
	// trace and shows what descriptor arguments and results refer to:
	// read(3</etc/passwd>,...). See fdnames.go.
	FDNames bool
	// MaxData limits the data bytes shown per record (-m); 0 shows all,
	// as in FreeBSD kdump.
	MaxData int
	// PID, when HasPID is set, keeps only the records whose pid or tid
	// equals it (-p).
	PID    int32
	HasPID bool
	// Facilities keeps only records of these facilities (-t); zero
	// keeps everything.
	Facilities format.Facilities
	// Filter selects whole calls and records (--syscalls, -Z, -z, -P,
	// --comm, --since, --until); see filter.go.
	Filter CallFilter
	// Questions holds the options of --calls, --wall and --summary; see
	// calls.go.
	Questions

	// fds is the descriptor tracker of -y, made by NewRenderer.
	fds *fdTracker
	// bareFlags shows the flag members of structures by their names
	// alone, as strace does (--calls: sa_flags=SA_RESTORER|SA_RESTART);
	// see structs_polish.go.
	bareFlags bool
}

// Match reports whether a record of type t from pid/tid passes the
// filters of o. START records never match; LOST and unknown types match
// whenever the pid filter does.
func (o *Options) Match(h *format.Header) bool {
	if h.Type == format.TypeStart {
		return false
	}
	if o.HasPID && h.PID != o.PID && h.TID != o.PID {
		return false
	}
	if fac := h.Type.Facility(); o.Facilities != 0 && fac != 0 && o.Facilities&fac == 0 {
		return false
	}
	return true
}

// limit cuts data to MaxData bytes.
func (o *Options) limit(data []byte) []byte {
	if o.MaxData > 0 && len(data) > o.MaxData {
		return data[:o.MaxData]
	}
	return data
}

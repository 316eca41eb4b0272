package tracer

import "github.com/ktrace-linux/ktrace/format"

// Facilities is a set of trace facilities, as selected by ktrace -t.
type Facilities = format.Facilities

// The facilities, one per -t letter (see format.Facilities).
const (
	FacSyscall = format.FacSyscall
	FacNamei   = format.FacNamei
	FacGenio   = format.FacGenio
	FacPsig    = format.FacPsig
	FacCsw     = format.FacCsw
	FacUser    = format.FacUser
	FacStruct  = format.FacStruct
	FacArgs    = format.FacArgs
	FacEnv     = format.FacEnv
)

// DefaultFacilities is the set '+' stands for: everything but w and X.
const DefaultFacilities = format.FacDefault

// Implemented is the set of facilities this tracer records.
const Implemented = FacSyscall | FacNamei | FacGenio | FacPsig | FacCsw | FacUser | FacStruct | FacArgs | FacEnv

// ParseFacilities parses a -t string such as "cn" or "+w".
func ParseFacilities(s string) (Facilities, error) { return format.ParseFacilities(s) }

// Explicit returns the facilities a -t string names letter by letter,
// leaving out those that only '+' brings in.
func Explicit(s string) Facilities { return format.ExplicitFacilities(s) }

// needsSyscalls reports whether f needs syscall stops. CSW records need
// them for their wait reason, the system call a thread sleeps in.
func needsSyscalls(f Facilities) bool {
	return f&(FacSyscall|FacNamei|FacGenio|FacCsw|FacUser|FacArgs|FacEnv|FacStruct) != 0
}

package tracer

import (
	"fmt"
	"strings"
)

// Facilities is a set of trace facilities, as selected by ktrace -t.
type Facilities uint16

// The facilities, one per -t letter.
const (
	FacSyscall Facilities = 1 << iota // c: CALL and RET
	FacNamei                          // n: NAMI
	FacGenio                          // i: GIO
	FacPsig                           // s: PSIG
	FacCsw                            // w: CSW
	FacUser                           // u: USER
	FacStruct                         // t: STRU
	FacArgs                           // x: ARGS
	FacEnv                            // X: ENVS
)

// facilityLetters maps each -t letter to its facility, in the order
// String prints them.
var facilityLetters = []struct {
	letter byte
	fac    Facilities
}{
	{'c', FacSyscall}, {'n', FacNamei}, {'i', FacGenio}, {'s', FacPsig}, {'w', FacCsw},
	{'u', FacUser}, {'t', FacStruct}, {'x', FacArgs}, {'X', FacEnv},
}

// DefaultFacilities is the set '+' stands for: everything but w and X.
const DefaultFacilities = FacSyscall | FacNamei | FacGenio | FacPsig | FacUser | FacStruct | FacArgs

// Implemented is the set of facilities this tracer records.
const Implemented = FacSyscall | FacNamei | FacGenio | FacPsig | FacCsw | FacArgs | FacEnv

// ParseFacilities parses a -t string such as "cn" or "+w".
func ParseFacilities(s string) (Facilities, error) {
	if s == "" {
		return 0, fmt.Errorf("empty trace string")
	}
	var f Facilities
next:
	for i := 0; i < len(s); i++ {
		if s[i] == '+' {
			f |= DefaultFacilities
			continue
		}
		for _, l := range facilityLetters {
			if l.letter == s[i] {
				f |= l.fac
				continue next
			}
		}
		return 0, fmt.Errorf("unknown facility letter %q in %q (letters: cnisutwxX+)", s[i], s)
	}
	return f, nil
}

// Explicit returns the facilities a -t string names letter by letter,
// leaving out those that only '+' brings in.
func Explicit(s string) Facilities {
	var f Facilities
	for i := 0; i < len(s); i++ {
		for _, l := range facilityLetters {
			if l.letter == s[i] {
				f |= l.fac
			}
		}
	}
	return f
}

// String returns the letters of f.
func (f Facilities) String() string {
	var b strings.Builder
	for _, l := range facilityLetters {
		if f&l.fac != 0 {
			b.WriteByte(l.letter)
		}
	}
	return b.String()
}

// needsSyscalls reports whether f needs syscall stops. CSW records need
// them for their wait reason, the system call a thread sleeps in.
func (f Facilities) needsSyscalls() bool {
	return f&(FacSyscall|FacNamei|FacGenio|FacCsw|FacArgs|FacEnv|FacStruct) != 0
}

package format

import (
	"errors"
	"fmt"
)

// Facilities is a set of trace facilities, named by the letters of
// ktrace -t (what to record) and kdump -t (what to show).
type Facilities uint16

// The facilities, one per letter.
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

// FacDefault is the set '+' stands for: everything but w and X.
const FacDefault = FacSyscall | FacNamei | FacGenio | FacPsig | FacUser | FacStruct | FacArgs

// facilityLetters maps each letter to its facility, in the order String
// prints them.
var facilityLetters = [...]struct {
	letter byte
	fac    Facilities
}{
	{'c', FacSyscall}, {'n', FacNamei}, {'i', FacGenio}, {'s', FacPsig}, {'w', FacCsw},
	{'u', FacUser}, {'t', FacStruct}, {'x', FacArgs}, {'X', FacEnv},
}

// facilityOf maps a record type to the facility that selects it. EMUL
// and EXIT (the end of the last call) go with the system calls; LOST,
// START and unknown types belong to none.
var facilityOf = [...]Facilities{
	TypeCall: FacSyscall, TypeRet: FacSyscall, TypeEmul: FacSyscall,
	TypeNamei: FacNamei, TypeGenio: FacGenio, TypePsig: FacPsig,
	TypeCsw: FacCsw, TypeUser: FacUser, TypeStruct: FacStruct,
	TypeArgs: FacArgs, TypeEnvs: FacEnv, TypeExit: FacSyscall,
}

// Facility returns the facility that selects records of type t, or 0 for
// types no facility selects.
func (t Type) Facility() Facilities {
	if int(t) < len(facilityOf) {
		return facilityOf[t]
	}
	return 0
}

// ParseFacilities parses a -t string such as "cn" or "+w"; '+' stands for
// FacDefault. An empty string or an unknown letter is an error.
func ParseFacilities(s string) (Facilities, error) {
	if s == "" {
		return 0, errors.New("empty facility list")
	}
	var f Facilities
next:
	for i := 0; i < len(s); i++ {
		if s[i] == '+' {
			f |= FacDefault
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

// ExplicitFacilities returns the facilities a -t string names letter by
// letter, leaving out those that only '+' brings in.
func ExplicitFacilities(s string) Facilities {
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
	var b []byte
	for _, l := range facilityLetters {
		if f&l.fac != 0 {
			b = append(b, l.letter)
		}
	}
	return string(b)
}

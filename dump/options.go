package dump

import (
	"fmt"

	"github.com/ktrace-linux/ktrace/format"
)

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
	// MaxData limits the data bytes shown per record (-m); 0 shows all,
	// as in FreeBSD kdump.
	MaxData int
	// PID, when HasPID is set, keeps only the records whose pid or tid
	// equals it (-p).
	PID    int32
	HasPID bool
	// Facilities keeps only records of these facilities (-t); zero
	// keeps everything.
	Facilities Facilities
}

// Facilities is a set of trace facilities, as named by the letters of
// ktrace and kdump -t.
type Facilities uint16

// The facilities. Each letter selects the record types listed.
const (
	FacSyscall Facilities = 1 << iota // c: CALL, RET (and EMUL)
	FacNamei                          // n: NAMI
	FacGenio                          // i: GIO
	FacPsig                           // s: PSIG
	FacCsw                            // w: CSW
	FacUser                           // u: USER
	FacStruct                         // t: STRU
	FacArgs                           // x: ARGS
	FacEnvs                           // X: ENVS
)

// FacDefault is the set "+" stands for: everything but w and X.
const FacDefault = FacSyscall | FacNamei | FacGenio | FacPsig | FacUser | FacStruct | FacArgs

// facilityLetters maps each -t letter to its facility.
var facilityLetters = [...]struct {
	letter byte
	fac    Facilities
}{
	{'c', FacSyscall}, {'n', FacNamei}, {'i', FacGenio}, {'s', FacPsig}, {'w', FacCsw},
	{'u', FacUser}, {'t', FacStruct}, {'x', FacArgs}, {'X', FacEnvs}, {'+', FacDefault},
}

// facilityOf maps a record type to the facility that selects it; types
// not listed (LOST, unknown types) are always shown.
var facilityOf = [...]Facilities{
	format.TypeCall: FacSyscall, format.TypeRet: FacSyscall, format.TypeEmul: FacSyscall,
	format.TypeNamei: FacNamei, format.TypeGenio: FacGenio, format.TypePsig: FacPsig,
	format.TypeCsw: FacCsw, format.TypeUser: FacUser, format.TypeStruct: FacStruct,
	format.TypeArgs: FacArgs, format.TypeEnvs: FacEnvs,
}

// ParseFacilities parses a -t string such as "cn" or "+w". An empty
// string or an unknown letter is an error.
func ParseFacilities(s string) (Facilities, error) {
	if s == "" {
		return 0, fmt.Errorf("empty facility list")
	}
	var f Facilities
next:
	for i := 0; i < len(s); i++ {
		for _, l := range facilityLetters {
			if l.letter == s[i] {
				f |= l.fac
				continue next
			}
		}
		return 0, fmt.Errorf("unknown facility letter %q in %q", s[i], s)
	}
	return f, nil
}

// String returns the letters of f, "+" style sets spelled out.
func (f Facilities) String() string {
	var b []byte
	for _, l := range facilityLetters {
		if l.letter != '+' && f&l.fac != 0 {
			b = append(b, l.letter)
		}
	}
	return string(b)
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
	if o.Facilities != 0 && int(h.Type) < len(facilityOf) {
		if fac := facilityOf[h.Type]; fac != 0 && o.Facilities&fac == 0 {
			return false
		}
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

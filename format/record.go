package format

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ktrace-linux/ktrace/arch"
)

// Version is the format version this package writes by default. It
// reads every version from 1 to Version.
const Version = 2

// Version1 is the first format version: every record has a 48-byte
// header. A Writer appending to a version 1 trace keeps writing it (see
// AppendVersion).
const Version1 = 1

// Magic opens the payload of every START record.
const Magic = "KTRLINUX"

// Sizes and limits of the format.
const (
	HeaderLen    = 48       // bytes in a record header
	MaxRecordLen = 16 << 20 // largest record, header included
	MaxPayload   = MaxRecordLen - HeaderLen
	// MaxGenioData is the most data one GIO record holds; a longer
	// transfer is written as several GIO records with rising offsets.
	MaxGenioData = MaxPayload - genioFixed
	// MaxUserData is the most data a USER record may carry.
	MaxUserData = 2048
	// CommLen is the size of the command name field.
	CommLen = 16
)

// Payload sizes of the fixed-layout records.
const (
	callFixed  = 8
	retLen     = 16
	genioFixed = 24
	psigLen    = 40
	cswFixed   = 4
	lostFixed  = 16
	startFixed = 16
)

var sync0, sync1 byte = 'k', 't'

// Type is a record type.
type Type uint16

// Record types. The numbers are stored in files and never change.
const (
	TypeStart  Type = 0  // start of a tracing session
	TypeCall   Type = 1  // system call entry
	TypeRet    Type = 2  // system call return
	TypeNamei  Type = 3  // path name argument
	TypeGenio  Type = 4  // data moved by an I/O call
	TypePsig   Type = 5  // signal delivery
	TypeCsw    Type = 6  // context switch
	TypeEmul   Type = 7  // system call ABI in use
	TypeUser   Type = 8  // record asked for by the traced program
	TypeStruct Type = 9  // a structure passed to or from the kernel
	TypeArgs   Type = 10 // execve argument strings
	TypeEnvs   Type = 11 // execve environment strings
	TypeLost   Type = 12 // records the tracer could not write
	TypeExit   Type = 13 // how a process ended
)

var typeNames = [...]string{
	TypeStart: "START", TypeCall: "CALL", TypeRet: "RET", TypeNamei: "NAMI",
	TypeGenio: "GIO", TypePsig: "PSIG", TypeCsw: "CSW", TypeEmul: "EMUL",
	TypeUser: "USER", TypeStruct: "STRU", TypeArgs: "ARGS", TypeEnvs: "ENVS",
	TypeLost: "LOST", TypeExit: "EXIT",
}

// String returns the four-letter name kdump prints, or UNKNOWN(n).
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("UNKNOWN(%d)", uint16(t))
}

// Known reports whether this package knows the layout of records of type t.
func (t Type) Known() bool { return int(t) < len(typeNames) }

// Flags qualify a record's payload.
type Flags uint8

// Record flags.
const (
	FlagCut        Flags = 1 << 0 // data kept only in part
	FlagUnreadable Flags = 1 << 1 // tracee memory could not be read
	FlagInferred   Flags = 1 << 2 // CSW inferred from counters, not observed
)

// Header is the part common to all records.
type Header struct {
	Type  Type
	Flags Flags
	ABI   arch.ABI
	PID   int32 // thread group id
	TID   int32 // thread id
	Time  int64 // nanoseconds since the epoch of the session's clock
	Comm  [CommLen]byte
}

// CommString returns the command name without its NUL padding.
func (h *Header) CommString() string {
	return string(h.CommBytes())
}

// CommBytes returns the command name without its NUL padding.
func (h *Header) CommBytes() []byte {
	if i := bytes.IndexByte(h.Comm[:], 0); i >= 0 {
		return h.Comm[:i]
	}
	return h.Comm[:]
}

// SetComm sets the command name, truncated to CommLen bytes.
func (h *Header) SetComm(name string) {
	h.Comm = [CommLen]byte{}
	copy(h.Comm[:], name)
}

// Record is one record read from a trace file.
type Record struct {
	Header
	// Offset is the record's position in the stream.
	Offset int64
	// Len is the number of bytes the record takes in the stream.
	Len int
	// Payload is the record's payload in the version 1 layout (see the
	// package documentation), whatever the version it was written in.
	// It aliases the Reader's buffers and is valid only until the next
	// call to Next.
	Payload []byte
}

// ErrShortPayload reports a payload too short for its record type.
var ErrShortPayload = errors.New("payload too short for its record type")

func (r *Record) need(t Type, n int) error {
	if r.Type != t {
		return fmt.Errorf("record at offset %d is %v, not %v", r.Offset, r.Type, t)
	}
	if len(r.Payload) < n {
		return fmt.Errorf("%v record at offset %d: %w (%d of %d bytes)", t, r.Offset, ErrShortPayload, len(r.Payload), n)
	}
	return nil
}

var le = binary.LittleEndian

// Start is the payload of a START record.
type Start struct {
	Version  uint16
	Machine  arch.Machine
	Clock    uint32 // clock id the record times use (0 is CLOCK_REALTIME)
	Release  string // kernel release (uname -r)
	Hostname string
}

// Start decodes a START record.
func (r *Record) Start() (Start, error) {
	if err := r.need(TypeStart, startFixed+2); err != nil {
		return Start{}, err
	}
	p := r.Payload
	if string(p[:8]) != Magic {
		return Start{}, fmt.Errorf("start record at offset %d: bad magic", r.Offset)
	}
	s := Start{
		Version: le.Uint16(p[8:]),
		Machine: arch.Machine(le.Uint16(p[10:])),
		Clock:   le.Uint32(p[12:]),
	}
	rest := p[startFixed:]
	rel, rest, ok := lenString(rest)
	if !ok {
		return s, fmt.Errorf("start record at offset %d: %w", r.Offset, ErrShortPayload)
	}
	s.Release = string(rel)
	if host, _, ok := lenString(rest); ok {
		s.Hostname = string(host)
	}
	return s, nil
}

// lenString splits a u16-length-prefixed string off p.
func lenString(p []byte) (s, rest []byte, ok bool) {
	if len(p) < 2 {
		return nil, p, false
	}
	n := int(le.Uint16(p))
	if len(p) < 2+n {
		return nil, p, false
	}
	return p[2 : 2+n], p[2+n:], true
}

// Call is the payload of a CALL record.
type Call struct {
	Number uint32
	NArg   int
	Args   [6]uint64
}

// Call decodes a CALL record.
func (r *Record) Call() (Call, error) {
	if err := r.need(TypeCall, callFixed); err != nil {
		return Call{}, err
	}
	p := r.Payload
	c := Call{Number: le.Uint32(p), NArg: int(le.Uint16(p[4:]))}
	if c.NArg > len(c.Args) {
		return c, fmt.Errorf("CALL record at offset %d: %d arguments, at most 6", r.Offset, c.NArg)
	}
	if len(p) < callFixed+8*c.NArg {
		return c, fmt.Errorf("CALL record at offset %d: %w", r.Offset, ErrShortPayload)
	}
	for i := 0; i < c.NArg; i++ {
		c.Args[i] = le.Uint64(p[callFixed+8*i:])
	}
	return c, nil
}

// Ret is the payload of a RET record.
type Ret struct {
	Number uint32
	// Error is 0 on success, else the errno (1..4095) or the kernel's
	// restart code (512..516) the call returned.
	Error int32
	// Value is the return value as the kernel returned it: -Error when
	// Error is set.
	Value int64
}

// RetFromValue builds a Ret from a raw return register, applying Linux's
// convention that -4095..-1 are errors.
func RetFromValue(nr uint32, v int64) Ret {
	r := Ret{Number: nr, Value: v}
	if v < 0 && v >= -4095 {
		r.Error = int32(-v)
	}
	return r
}

// Ret decodes a RET record.
func (r *Record) Ret() (Ret, error) {
	if err := r.need(TypeRet, retLen); err != nil {
		return Ret{}, err
	}
	p := r.Payload
	return Ret{Number: le.Uint32(p), Error: int32(le.Uint32(p[4:])), Value: int64(le.Uint64(p[8:]))}, nil
}

// Namei returns the path of a NAMI record. The slice aliases the payload.
func (r *Record) Namei() ([]byte, error) {
	if err := r.need(TypeNamei, 0); err != nil {
		return nil, err
	}
	return r.Payload, nil
}

// Direction says which way a GIO record's data moved.
type Direction uint8

// I/O directions.
const (
	Read  Direction = 0 // from the kernel to the process
	Write Direction = 1 // from the process to the kernel
)

// String returns "read" or "write".
func (d Direction) String() string {
	if d == Write {
		return "write"
	}
	return "read"
}

// Genio is the payload of a GIO record.
type Genio struct {
	FD  int32
	Dir Direction
	// Len is the number of bytes the call transferred.
	Len uint64
	// Offset is the position of Data within the transfer; a transfer
	// longer than MaxGenioData spans several records.
	Offset uint64
	// Data is the bytes kept. It aliases the record's payload.
	Data []byte
}

// Genio decodes a GIO record.
func (r *Record) Genio() (Genio, error) {
	if err := r.need(TypeGenio, genioFixed); err != nil {
		return Genio{}, err
	}
	p := r.Payload
	return Genio{
		FD:     int32(le.Uint32(p)),
		Dir:    Direction(p[4]),
		Len:    le.Uint64(p[8:]),
		Offset: le.Uint64(p[16:]),
		Data:   p[genioFixed:],
	}, nil
}

// SigAction says what a process does with a delivered signal.
type SigAction uint8

// Signal actions.
const (
	SigDefault SigAction = 0
	SigIgnored SigAction = 1
	SigCaught  SigAction = 2
	SigUnknown SigAction = 3
)

// PsigKnown says which optional PSIG fields hold real values.
type PsigKnown uint8

// Bits of PsigKnown.
const (
	KnownHandler PsigKnown = 1 << 0
	KnownMask    PsigKnown = 1 << 1
	KnownSender  PsigKnown = 1 << 2
)

// Psig is the payload of a PSIG record.
type Psig struct {
	Signal  int32
	Action  SigAction
	Known   PsigKnown
	Handler uint64
	Mask    uint64 // blocked signals, bit n-1 for signal n
	Code    int32  // si_code
	Sender  int32  // sending pid
	UID     uint32 // sending uid
	// Info is the head of the siginfo_t the tracer got with
	// PTRACE_GETSIGINFO (PsigInfoSize bytes, in the 64-bit layout of
	// the tracer's machine whatever the tracee's ABI), or empty when
	// the record has none (older traces). Decoding aliases the payload.
	Info []byte
}

// PsigInfoSize is how much of the siginfo_t a PSIG record keeps: the
// header (si_signo, si_errno, si_code) and the union members any si_code
// defines (include/uapi/asm-generic/siginfo.h: the fault address and its
// bounds or key, SIGCHLD's status and times, SIGSYS's call).
const PsigInfoSize = 48

// Psig decodes a PSIG record.
func (r *Record) Psig() (Psig, error) {
	if err := r.need(TypePsig, psigLen); err != nil {
		return Psig{}, err
	}
	p := r.Payload
	var info []byte
	if len(p) > psigLen {
		info = p[psigLen:]
	}
	return Psig{
		Signal:  int32(le.Uint32(p)),
		Action:  SigAction(p[4]),
		Known:   PsigKnown(p[5]),
		Handler: le.Uint64(p[8:]),
		Mask:    le.Uint64(p[16:]),
		Code:    int32(le.Uint32(p[24:])),
		Sender:  int32(le.Uint32(p[28:])),
		UID:     le.Uint32(p[32:]),
		Info:    info,
	}, nil
}

// Csw is the payload of a CSW record.
type Csw struct {
	Out     bool   // true when the thread stops running, false when it resumes
	User    bool   // true when preempted in user mode, false when it slept in the kernel
	WaitFor []byte // wait reason (kernel function or state), may be empty; aliases the payload
}

// Csw decodes a CSW record.
func (r *Record) Csw() (Csw, error) {
	if err := r.need(TypeCsw, cswFixed); err != nil {
		return Csw{}, err
	}
	p := r.Payload
	return Csw{Out: p[0] != 0, User: p[1] != 0, WaitFor: p[cswFixed:]}, nil
}

// Emul returns the ABI name of an EMUL record.
func (r *Record) Emul() ([]byte, error) {
	if err := r.need(TypeEmul, 0); err != nil {
		return nil, err
	}
	return r.Payload, nil
}

// Labeled is the payload of USER and STRU records: a name and raw bytes.
type Labeled struct {
	Label []byte
	Data  []byte
}

// User decodes a USER record.
func (r *Record) User() (Labeled, error) { return r.labeled(TypeUser) }

// Struct decodes a STRU record.
func (r *Record) Struct() (Labeled, error) { return r.labeled(TypeStruct) }

func (r *Record) labeled(t Type) (Labeled, error) {
	if err := r.need(t, 2); err != nil {
		return Labeled{}, err
	}
	label, rest, ok := lenString(r.Payload)
	if !ok {
		return Labeled{}, fmt.Errorf("%v record at offset %d: %w", t, r.Offset, ErrShortPayload)
	}
	return Labeled{Label: label, Data: rest}, nil
}

// Strings returns the NUL-terminated strings of an ARGS or ENVS record,
// calling fn for each; the slices alias the payload. A last string
// without its NUL (cut) is passed too.
func (r *Record) Strings(fn func(s []byte)) error {
	if r.Type != TypeArgs && r.Type != TypeEnvs {
		return fmt.Errorf("record at offset %d is %v, not ARGS or ENVS", r.Offset, r.Type)
	}
	p := r.Payload
	for len(p) > 0 {
		i := bytes.IndexByte(p, 0)
		if i < 0 {
			fn(p)
			break
		}
		fn(p[:i])
		p = p[i+1:]
	}
	return nil
}

// Lost is the payload of a LOST record.
type Lost struct {
	Records uint64
	Bytes   uint64
	Reason  []byte // aliases the payload
}

// Lost decodes a LOST record.
func (r *Record) Lost() (Lost, error) {
	if err := r.need(TypeLost, lostFixed); err != nil {
		return Lost{}, err
	}
	p := r.Payload
	return Lost{Records: le.Uint64(p), Bytes: le.Uint64(p[8:]), Reason: p[lostFixed:]}, nil
}

// Exit is the payload of an EXIT record: how a traced process ended, as
// wait(2) reports it.
type Exit struct {
	// Status is the wait status: the exit code in bits 8..15 for an
	// exit, the signal in bits 0..6 (and 0x80 for a core dump) for a
	// death by signal.
	Status uint32
}

// exitFixed is the size of an EXIT payload.
const exitFixed = 8

// Exited reports whether the process exited, with Code its status.
func (e Exit) Exited() bool { return e.Status&0x7f == 0 }

// Code returns the exit status of a process that exited.
func (e Exit) Code() int { return int(e.Status>>8) & 0xff }

// Signal returns the signal that killed the process, or 0.
func (e Exit) Signal() int {
	if e.Exited() {
		return 0
	}
	return int(e.Status & 0x7f)
}

// CoreDumped reports whether a process killed by a signal dumped core.
func (e Exit) CoreDumped() bool { return !e.Exited() && e.Status&0x80 != 0 }

// Exit decodes an EXIT record.
func (r *Record) Exit() (Exit, error) {
	if err := r.need(TypeExit, exitFixed); err != nil {
		return Exit{}, err
	}
	return Exit{Status: le.Uint32(r.Payload)}, nil
}

// headerCheck computes the 16-bit check of a record header (bytes 46..48).
func headerCheck(h []byte) uint16 {
	c := crcUpdate(0, h[:8])
	c = crcUpdate(c, h[12:46])
	return uint16(c ^ c>>16)
}

// headerOK reports whether a 48-byte header is plausible: sync bytes,
// length in range and header check.
func headerOK(h []byte) bool {
	if h[0] != sync0 || h[1] != sync1 {
		return false
	}
	n := le.Uint32(h[4:])
	return n >= HeaderLen && n <= MaxRecordLen && le.Uint16(h[46:]) == headerCheck(h)
}

// checksum computes the CRC of a whole record (header included) as stored
// at bytes 8..12.
func checksum(rec []byte) uint32 {
	c := crcUpdate(0, rec[:8])
	return crcUpdate(c, rec[12:])
}

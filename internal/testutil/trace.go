package testutil

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
	"github.com/ktrace-linux/ktrace/format"
)

// Rec is one record of a trace file, decoded into plain values that
// outlive the reader: the header, and the payload of its type. System call
// names come from the table of the record's ABI.
type Rec struct {
	Type   format.Type
	Flags  format.Flags
	ABI    arch.ABI
	PID    int
	TID    int
	Comm   string
	Time   int64 // nanoseconds, as recorded
	Offset int64 // position in the file

	Name string   // CALL, RET: system call name, "#nr" when the table has none
	Nr   uint32   // CALL, RET: system call number
	Args []uint64 // CALL: the arguments recorded

	Value int64 // RET: the value returned (-Errno on error)
	Errno int   // RET: the errno or restart code, 0 on success

	Path string // NAMI: the path as the call passed it
	Emul string // EMUL: the ABI's name ("linux-amd64")

	FD  int              // GIO
	Dir format.Direction // GIO
	Len uint64           // GIO: bytes the call moved
	At  uint64           // GIO: offset of Data within the transfer
	// Data is the data of GIO, USER and STRU records.
	Data []byte

	Psig format.Psig // PSIG

	Csw     format.Csw // CSW: Out and User (WaitFor is nil)
	WaitFor string     // CSW: the wait reason

	Label string // USER, STRU (Data holds the bytes)

	Strings []string // ARGS, ENVS

	Exit format.Exit // EXIT: how the process ended

	Lost   format.Lost // LOST: the counts (Reason is nil)
	Reason string      // LOST: why the records were lost

	Err error // the payload did not decode
}

// LoadTrace reads every record of a trace stream, START records
// included. Damage (a torn or corrupt record) is an error, as for a file
// still being written.
func LoadTrace(r io.Reader) ([]Rec, error) {
	rd := format.NewReader(r)
	var recs []Rec
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, decode(rec))
	}
}

// ReadTrace reads the trace file at path and returns its records without
// the START records (session headers); any error fails tb.
func ReadTrace(tb testing.TB, path string) []Rec {
	tb.Helper()
	recs, err := TryReadTrace(path)
	if err != nil {
		tb.Fatalf("reading trace %s: %v", path, err)
	}
	return recs
}

// TryReadTrace is ReadTrace returning the error.
func TryReadTrace(path string) ([]Rec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := LoadTrace(f)
	if err != nil {
		return nil, err
	}
	return Only(recs, func(r *Rec) bool { return r.Type != format.TypeStart }), nil
}

// decode copies rec into a Rec.
func decode(rec *format.Record) Rec {
	r := Rec{
		Type: rec.Type, Flags: rec.Flags, ABI: rec.ABI,
		PID: int(rec.PID), TID: int(rec.TID), Comm: rec.CommString(),
		Time: rec.Time, Offset: rec.Offset,
	}
	var err error
	switch rec.Type {
	case format.TypeCall:
		var c format.Call
		c, err = rec.Call()
		r.Nr, r.Args = c.Number, slices.Clone(c.Args[:min(c.NArg, len(c.Args))])
		r.Name = SyscallName(rec.ABI, c.Number)
	case format.TypeRet:
		var v format.Ret
		v, err = rec.Ret()
		r.Nr, r.Value, r.Errno = v.Number, v.Value, int(v.Error)
		r.Name = SyscallName(rec.ABI, v.Number)
	case format.TypeNamei:
		var p []byte
		p, err = rec.Namei()
		r.Path = string(p)
	case format.TypeEmul:
		var p []byte
		p, err = rec.Emul()
		r.Emul = string(p)
	case format.TypeGenio:
		var g format.Genio
		g, err = rec.Genio()
		r.FD, r.Dir, r.Len, r.At, r.Data = int(g.FD), g.Dir, g.Len, g.Offset, bytes.Clone(g.Data)
	case format.TypePsig:
		r.Psig, err = rec.Psig()
		r.Psig.Info = bytes.Clone(r.Psig.Info) // the payload is the reader's
	case format.TypeCsw:
		r.Csw, err = rec.Csw()
		r.WaitFor = string(r.Csw.WaitFor)
		r.Csw.WaitFor = nil
	case format.TypeUser, format.TypeStruct:
		var l format.Labeled
		if rec.Type == format.TypeUser {
			l, err = rec.User()
		} else {
			l, err = rec.Struct()
		}
		r.Label, r.Data = string(l.Label), bytes.Clone(l.Data)
	case format.TypeExit:
		r.Exit, err = rec.Exit()
	case format.TypeArgs, format.TypeEnvs:
		err = rec.Strings(func(s []byte) { r.Strings = append(r.Strings, string(s)) })
	case format.TypeLost:
		r.Lost, err = rec.Lost()
		r.Reason = string(r.Lost.Reason)
		r.Lost.Reason = nil
	}
	r.Err = err
	return r
}

// SyscallName returns the name of system call nr of abi, or "#nr".
func SyscallName(abi arch.ABI, nr uint32) string {
	if tab := tables.For(abi); tab != nil {
		if sc := tab.Lookup(nr); sc != nil {
			return sc.Name
		}
	}
	return "#" + strconv.FormatUint(uint64(nr), 10)
}

// Arg returns argument i of a CALL, or ^0 when it has fewer.
func (r *Rec) Arg(i int) uint64 {
	if i < len(r.Args) {
		return r.Args[i]
	}
	return ^uint64(0)
}

// Failed reports whether a RET record is of a failed call: an errno, not
// one of the kernel's restart codes.
func (r *Rec) Failed() bool {
	return r.Type == format.TypeRet && r.Errno != 0 && !arch.IsRestart(r.Errno)
}

// NativeABI returns the system call ABI native to the machine the test
// runs on.
func NativeABI() arch.ABI {
	if tab := tables.Native(); tab != nil {
		return tab.ABI()
	}
	return arch.ABIUnknown
}

// Whole reports whether a GIO record holds all the data of its transfer.
func (r *Rec) Whole() bool {
	return r.Flags&(format.FlagCut|format.FlagUnreadable) == 0 && r.At == 0 && uint64(len(r.Data)) == r.Len
}

// String describes the record on one line (data clipped), for messages.
func (r *Rec) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%6d %6d %-8.8s %-4s  ", r.PID, r.TID, r.Comm, r.Type)
	switch r.Type {
	case format.TypeCall:
		b.WriteString(r.Name + "(")
		for i, a := range r.Args {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%#x", a)
		}
		b.WriteByte(')')
	case format.TypeRet:
		if r.Errno != 0 {
			fmt.Fprintf(&b, "%s errno %d", r.Name, r.Errno)
		} else {
			fmt.Fprintf(&b, "%s %d", r.Name, r.Value)
		}
	case format.TypeNamei:
		fmt.Fprintf(&b, "%q", r.Path)
	case format.TypeEmul:
		fmt.Fprintf(&b, "%q", r.Emul)
	case format.TypeGenio:
		fmt.Fprintf(&b, "fd %d %v %d bytes at %d %q", r.FD, r.Dir, r.Len, r.At, Clip(r.Data, 200))
	case format.TypePsig:
		p := &r.Psig
		fmt.Fprintf(&b, "%s action=%d known=%#x handler=%#x mask=%#x code=%d pid=%d uid=%d",
			arch.SignalName(int(p.Signal)), p.Action, p.Known, p.Handler, p.Mask, p.Code, p.Sender, p.UID)
	case format.TypeCsw:
		fmt.Fprintf(&b, "out=%v user=%v %q", r.Csw.Out, r.Csw.User, r.WaitFor)
	case format.TypeArgs, format.TypeEnvs:
		fmt.Fprintf(&b, "%q", r.Strings)
	case format.TypeUser, format.TypeStruct:
		fmt.Fprintf(&b, "%q %q", r.Label, Clip(r.Data, 200))
	case format.TypeLost:
		fmt.Fprintf(&b, "%d records %d bytes %q", r.Lost.Records, r.Lost.Bytes, r.Reason)
	case format.TypeExit:
		fmt.Fprintf(&b, "status %#x", r.Exit.Status)
	}
	if r.Flags != 0 {
		fmt.Fprintf(&b, " flags=%#x", r.Flags)
	}
	if r.Err != nil {
		fmt.Fprintf(&b, " (%v)", r.Err)
	}
	return b.String()
}

// Describe formats records for a failure message; long lists keep their
// head and tail.
func Describe(recs []Rec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d records:\n", len(recs))
	const keep = 60
	for i := range recs {
		if len(recs) > 2*keep && i >= keep && i < len(recs)-keep {
			if i == keep {
				fmt.Fprintf(&b, "... (%d records) ...\n", len(recs)-2*keep)
			}
			continue
		}
		b.WriteString(recs[i].String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Match is a condition on a record.
type Match func(*Rec) bool

// Only returns the records that match.
func Only(recs []Rec, m Match) []Rec {
	var out []Rec
	for i := range recs {
		if m(&recs[i]) {
			out = append(out, recs[i])
		}
	}
	return out
}

// Count returns how many records match.
func Count(recs []Rec, m Match) int {
	n := 0
	for i := range recs {
		if m(&recs[i]) {
			n++
		}
	}
	return n
}

// OfPID returns the records of process pid.
func OfPID(recs []Rec, pid int) []Rec {
	return Only(recs, func(r *Rec) bool { return r.PID == pid })
}

// OfTID returns the records of thread tid.
func OfTID(recs []Rec, tid int) []Rec {
	return Only(recs, func(r *Rec) bool { return r.TID == tid })
}

// IsType matches the records of type t.
func IsType(t format.Type) Match { return func(r *Rec) bool { return r.Type == t } }

// IsExit matches an EXIT record of a process that exited with code (sig
// 0) or was killed by sig.
func IsExit(code int, sig syscall.Signal) Match {
	return func(r *Rec) bool {
		if r.Type != format.TypeExit {
			return false
		}
		if sig != 0 {
			return r.Exit.Signal() == int(sig)
		}
		return r.Exit.Exited() && r.Exit.Code() == code
	}
}

// IsCall matches the CALL of one of names, or any CALL without names.
func IsCall(names ...string) Match {
	return func(r *Rec) bool {
		return r.Type == format.TypeCall && (len(names) == 0 || slices.Contains(names, r.Name))
	}
}

// IsCallArgs matches the CALL of name with exactly args.
func IsCallArgs(name string, args ...uint64) Match {
	return func(r *Rec) bool { return IsCall(name)(r) && slices.Equal(r.Args, args) }
}

// IsIO matches the CALL of name(fd, buffer, n), as read and write are
// made.
func IsIO(name string, fd int, n uint64) Match {
	return func(r *Rec) bool {
		return IsCall(name)(r) && len(r.Args) == 3 && int32(r.Args[0]) == int32(fd) && r.Args[2] == n
	}
}

// IsRet matches the RET of one of names, or any RET without names.
func IsRet(names ...string) Match {
	return func(r *Rec) bool {
		return r.Type == format.TypeRet && (len(names) == 0 || slices.Contains(names, r.Name))
	}
}

// IsRetValue matches a successful RET of name returning v.
func IsRetValue(name string, v int64) Match {
	return func(r *Rec) bool { return IsRet(name)(r) && r.Errno == 0 && r.Value == v }
}

// IsRetErrno matches a RET of name failing with errno e.
func IsRetErrno(name string, e int) Match {
	return func(r *Rec) bool { return IsRet(name)(r) && r.Errno == e }
}

// IsRetRestart matches a RET of name with one of the kernel's restart
// codes.
func IsRetRestart(name string) Match {
	return func(r *Rec) bool { return IsRet(name)(r) && arch.IsRestart(r.Errno) }
}

// IsNami matches the NAMI record of path, read whole.
func IsNami(path string) Match {
	return func(r *Rec) bool { return r.Type == format.TypeNamei && r.Flags == 0 && r.Path == path }
}

// IsStruct matches a STRU record named label.
func IsStruct(label string) Match {
	return func(r *Rec) bool { return r.Type == format.TypeStruct && r.Label == label }
}

// IsEmul matches the EMUL record of abi.
func IsEmul(abi arch.ABI) Match {
	return func(r *Rec) bool { return r.Type == format.TypeEmul && r.Emul == abi.String() }
}

// IsData matches a GIO record on fd in direction write holding all of
// its transfer, which is data.
func IsData(fd int, write bool, data string) Match {
	dir := format.Read
	if write {
		dir = format.Write
	}
	return func(r *Rec) bool {
		return r.Type == format.TypeGenio && r.FD == fd && r.Dir == dir && r.Whole() && string(r.Data) == data
	}
}

// IsPsig matches a PSIG record of want's signal, action and code and,
// as far as want knows them, its handler and mask (of a caught signal)
// and sender.
func IsPsig(want format.Psig) Match {
	return func(r *Rec) bool {
		p := &r.Psig
		if r.Type != format.TypePsig || p.Signal != want.Signal || p.Action != want.Action || p.Code != want.Code {
			return false
		}
		if p.Known&format.KnownSender != want.Known&format.KnownSender ||
			want.Known&format.KnownSender != 0 && (p.Sender != want.Sender || p.UID != want.UID) {
			return false
		}
		if want.Action != format.SigCaught {
			return true
		}
		for _, k := range []struct {
			bit       format.PsigKnown
			got, want uint64
		}{{format.KnownHandler, p.Handler, want.Handler}, {format.KnownMask, p.Mask, want.Mask}} {
			if p.Known&k.bit != want.Known&k.bit || want.Known&k.bit != 0 && k.got != k.want {
				return false
			}
		}
		return true
	}
}

// IsSignal matches a PSIG record of signal sig with action a.
func IsSignal(sig int, a format.SigAction) Match {
	return func(r *Rec) bool { return r.Type == format.TypePsig && int(r.Psig.Signal) == sig && r.Psig.Action == a }
}

// Or matches what one of ms matches.
func Or(ms ...Match) Match {
	return func(r *Rec) bool {
		for _, m := range ms {
			if m(r) {
				return true
			}
		}
		return false
	}
}

// And matches what all of ms match.
func And(ms ...Match) Match {
	return func(r *Rec) bool {
		for _, m := range ms {
			if !m(r) {
				return false
			}
		}
		return true
	}
}

// Cursor walks records in order, failing the test with the records
// around it when an expected one is not there.
type Cursor struct {
	TB   testing.TB
	Name string // says whose records they are in messages, if not ""
	Recs []Rec
	I    int // the next record to look at
}

// fail reports what was expected with the records from a little before
// the cursor on.
func (c *Cursor) fail(what string) {
	c.TB.Helper()
	name := ""
	if c.Name != "" {
		name = c.Name + ": "
	}
	lo := max(0, c.I-8)
	c.TB.Fatalf("%sexpected %s at record %d of %d; records from %d on: %s", name, what, c.I, len(c.Recs), lo, Describe(c.Recs[lo:]))
}

// Next requires the next record to match and returns it.
func (c *Cursor) Next(what string, m Match) *Rec {
	c.TB.Helper()
	if c.I >= len(c.Recs) || !m(&c.Recs[c.I]) {
		c.fail(what + " as the next record")
	}
	c.I++
	return &c.Recs[c.I-1]
}

// Find moves past the next record that matches and returns it.
func (c *Cursor) Find(what string, m Match) *Rec {
	c.TB.Helper()
	for j := c.I; j < len(c.Recs); j++ {
		if m(&c.Recs[j]) {
			c.I = j + 1
			return &c.Recs[j]
		}
	}
	c.fail(what + " (searched to the end)")
	return nil
}

// FindSeq moves past the first run of consecutive records that match ms
// in order and returns the first of them.
func (c *Cursor) FindSeq(what string, ms ...Match) *Rec {
	c.TB.Helper()
outer:
	for j := c.I; j+len(ms) <= len(c.Recs); j++ {
		for k, m := range ms {
			if !m(&c.Recs[j+k]) {
				continue outer
			}
		}
		c.I = j + len(ms)
		return &c.Recs[j]
	}
	c.fail(what + " (searched to the end)")
	return nil
}

// Pairing says where the traces CheckPairs looks at begin.
type Pairing int

const (
	// FromExec: the processes were traced from their start.
	FromExec Pairing = iota
	// FromAttach: the processes were traced from the middle of their
	// life, so a thread's first system call record may be the RET of
	// the call it was in when the tracer attached.
	FromAttach
)

// CheckPairs checks that in every thread each CALL is followed by its
// own RET before the next CALL: a system call is never lost or doubled.
// A thread's last CALL may lack its RET (exit, exit_group, a thread killed
// by another thread's exit or execve); a new process or thread may start
// with the RET of the fork, vfork or clone that made it; after an execve
// from another thread the leader gets the RET execve (the tid switch).
func CheckPairs(tb testing.TB, recs []Rec, from Pairing) {
	tb.Helper()
	type key struct{ pid, tid int }
	pending := map[key]*Rec{}
	seen := map[key]bool{}
	for i := range recs {
		r := &recs[i]
		if r.Type != format.TypeCall && r.Type != format.TypeRet {
			continue
		}
		k := key{r.PID, r.TID}
		first := !seen[k]
		seen[k] = true
		if first && from == FromAttach && r.Type == format.TypeRet {
			continue
		}
		p := pending[k]
		if r.Type == format.TypeCall {
			if p != nil {
				tb.Errorf("thread %d: %s has no RET before the next CALL %s", r.TID, p, r)
			}
			pending[k] = r
			continue
		}
		switch {
		case p != nil && p.Name == r.Name:
			delete(pending, k)
		case p == nil && first && slices.Contains([]string{"fork", "vfork", "clone", "clone3"}, r.Name):
			// A new process or thread starts returning from its creation.
		case r.Name == "execve" || r.Name == "execveat":
			// The tid switch: the leader returns from another thread's
			// execve.
			for pk, pr := range pending {
				if pk.pid == r.PID && pr.Name == r.Name {
					delete(pending, pk)
				}
			}
			delete(pending, k)
		case p == nil:
			tb.Errorf("thread %d: %s without a CALL", r.TID, r)
		default:
			tb.Errorf("thread %d: %s after %s", r.TID, r, p)
			delete(pending, k)
		}
	}
}

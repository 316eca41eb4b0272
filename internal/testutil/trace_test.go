package testutil

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// writeTrace writes a trace with a START record and what fill writes to
// a file and returns its path.
func writeTrace(t *testing.T, fill func(w *format.Writer, h func(pid, tid int32) *format.Header)) string {
	t.Helper()
	var buf bytes.Buffer
	w := format.NewWriter(&buf)
	h := func(pid, tid int32) *format.Header {
		hd := &format.Header{ABI: arch.ABIAmd64, PID: pid, TID: tid, Time: 1}
		hd.SetComm("prog")
		return hd
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteStart(h(1, 1), &format.Start{Version: format.Version, Machine: arch.MachineAmd64, Release: "r", Hostname: "h"}))
	fill(w, h)
	must(w.Flush())
	path := filepath.Join(t.TempDir(), "t.out")
	must(os.WriteFile(path, buf.Bytes(), 0o600))
	return path
}

func TestReadTrace(t *testing.T) {
	path := writeTrace(t, func(w *format.Writer, h func(pid, tid int32) *format.Header) {
		cut := h(7, 8)
		cut.Flags = format.FlagCut
		for _, err := range []error{
			w.WriteEmul(h(7, 7), arch.ABIAmd64),
			w.WriteCall(h(7, 7), 257, []uint64{0xffffff9c, 0x1000, 0x241, 0o644}), // openat
			w.WriteBytes(h(7, 7), format.TypeNamei, []byte("/tmp/x")),
			w.WriteRet(h(7, 7), format.Ret{Number: 257, Value: 3}),
			w.WriteCall(h(7, 8), 1, []uint64{3, 0x2000, 5}), // write
			w.WriteGenio(cut, &format.Genio{FD: 3, Dir: format.Write, Len: 5, Data: []byte("hel")}),
			w.WriteRet(h(7, 8), format.Ret{Number: 1, Value: 5}),
			w.WriteCall(h(7, 7), 0, []uint64{0, 0x3000, 0x40}), // read
			w.WriteRet(h(7, 7), format.RetFromValue(0, -512)),
			w.WritePsig(h(7, 7), &format.Psig{Signal: 10, Action: format.SigCaught,
				Known: format.KnownHandler | format.KnownMask | format.KnownSender, Handler: 0x401000, Sender: 99, UID: 0}),
			w.WriteCsw(h(7, 7), &format.Csw{Out: true, WaitFor: []byte("read")}),
			w.WriteStrings(h(7, 7), format.TypeArgs, []string{"prog", "a b"}),
			w.WriteCall(h(7, 7), 2, []uint64{0x1000, 0}), // open
			w.WriteRet(h(7, 7), format.RetFromValue(2, -2)),
			w.WriteLost(h(7, 7), &format.Lost{Records: 2, Bytes: 100, Reason: []byte("full")}),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
	recs := ReadTrace(t, path)
	if len(recs) != 15 {
		t.Fatalf("%d records, want 15 (START left out):\n%s", len(recs), Describe(recs))
	}
	for i := range recs {
		if recs[i].Err != nil {
			t.Errorf("record %d: %v", i, recs[i].Err)
		}
	}
	if r := recs[1]; r.Name != "openat" || r.Nr != 257 || len(r.Args) != 4 || int32(r.Arg(0)) != -100 || r.Arg(3) != 0o644 || r.Arg(4) != ^uint64(0) {
		t.Errorf("CALL decoded as %s", &r)
	}
	if r := recs[2]; r.Path != "/tmp/x" || !IsNami("/tmp/x")(&r) {
		t.Errorf("NAMI decoded as %s", &r)
	}
	if r := recs[5]; r.FD != 3 || r.Dir != format.Write || r.Len != 5 || string(r.Data) != "hel" || r.Whole() || r.TID != 8 {
		t.Errorf("GIO decoded as %s", &r)
	}
	if r := recs[8]; !IsRetRestart("read")(&r) || IsRetValue("read", -512)(&r) {
		t.Errorf("RET decoded as %s", &r)
	}
	want := format.Psig{Signal: 10, Action: format.SigCaught, Known: format.KnownHandler | format.KnownMask | format.KnownSender, Handler: 0x401000, Sender: 99}
	if r := recs[9]; !IsPsig(want)(&r) || !IsSignal(10, format.SigCaught)(&r) {
		t.Errorf("PSIG decoded as %s", &r)
	}
	want.Handler++
	if r := recs[9]; IsPsig(want)(&r) {
		t.Errorf("PSIG %s matches another handler", &r)
	}
	if r := recs[10]; !r.Csw.Out || r.Csw.User || r.WaitFor != "read" {
		t.Errorf("CSW decoded as %s", &r)
	}
	if r := recs[11]; len(r.Strings) != 2 || r.Strings[1] != "a b" {
		t.Errorf("ARGS decoded as %s", &r)
	}
	if r := recs[13]; !IsRetErrno("open", 2)(&r) {
		t.Errorf("RET decoded as %s", &r)
	}
	if r := recs[14]; r.Lost.Records != 2 || r.Reason != "full" {
		t.Errorf("LOST decoded as %s", &r)
	}
	if !IsEmul(arch.ABIAmd64)(&recs[0]) || !IsCallArgs("write", 3, 0x2000, 5)(&recs[4]) || IsCallArgs("write", 3)(&recs[4]) ||
		!IsIO("write", 3, 5)(&recs[4]) || IsIO("write", 3, 6)(&recs[4]) {
		t.Error("matchers of EMUL, CALL")
	}
	if n := Count(recs, Or(IsCall(), IsRet())); n != 8 {
		t.Errorf("%d CALL or RET records, want 8", n)
	}
	if !recs[13].Failed() || recs[8].Failed() || recs[3].Failed() || NativeABI() == arch.ABIUnknown {
		t.Error("Failed or NativeABI")
	}
	if n := len(OfTID(recs, 8)); n != 3 {
		t.Errorf("%d records of tid 8, want 3", n)
	}
	if n := Count(OfPID(recs, 7), IsType(format.TypeCall)); n != 4 {
		t.Errorf("%d CALL records of pid 7, want 4", n)
	}
	c := &Cursor{TB: t, Recs: recs}
	c.FindSeq("openat and its path", IsCall("openat"), IsNami("/tmp/x"))
	c.Next("RET openat 3", IsRetValue("openat", 3))
	c.Find("CALL read", And(IsCall("read"), func(r *Rec) bool { return r.Arg(0) == 0 }))
	if c.I != 8 {
		t.Errorf("cursor at %d, want 8", c.I)
	}
	CheckPairs(t, recs, FromExec)
	if d := Describe(recs); !strings.Contains(d, "openat(0xffffff9c,0x1000,0x241,0x1a4)") || !strings.Contains(d, `"/tmp/x"`) {
		t.Errorf("Describe:\n%s", d)
	}
}

// recorder is a testing.TB that records failures.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(f string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(f, args...))
}

func TestCheckPairs(t *testing.T) {
	mk := func(typ format.Type, tid int, name string) Rec {
		return Rec{Type: typ, PID: 1, TID: tid, Name: name}
	}
	call, ret := format.TypeCall, format.TypeRet
	for _, c := range []struct {
		name string
		recs []Rec
		from Pairing
		errs int
	}{
		{"paired", []Rec{mk(call, 1, "read"), mk(ret, 1, "read"), mk(call, 1, "exit")}, FromExec, 0},
		{"lost RET", []Rec{mk(call, 1, "read"), mk(call, 1, "write"), mk(ret, 1, "write")}, FromExec, 1},
		{"RET alone", []Rec{mk(ret, 1, "read")}, FromExec, 1},
		{"wrong RET", []Rec{mk(call, 1, "read"), mk(ret, 1, "write")}, FromExec, 1},
		{"threads", []Rec{mk(call, 1, "read"), mk(call, 2, "write"), mk(ret, 1, "read"), mk(ret, 2, "write")}, FromExec, 0},
		{"new thread", []Rec{mk(call, 1, "clone"), mk(ret, 2, "clone"), mk(ret, 1, "clone")}, FromExec, 0},
		{"tid switch", []Rec{mk(call, 1, "wait4"), mk(call, 2, "execve"), mk(ret, 1, "execve")}, FromExec, 0},
		{"attached", []Rec{mk(ret, 1, "read"), mk(call, 1, "write"), mk(ret, 1, "write")}, FromAttach, 0},
		{"attached, RET alone later", []Rec{mk(call, 1, "write"), mk(ret, 1, "write"), mk(ret, 1, "read")}, FromAttach, 1},
	} {
		r := &recorder{TB: t}
		CheckPairs(r, c.recs, c.from)
		if len(r.errs) != c.errs {
			t.Errorf("%s: %d errors, want %d: %q", c.name, len(r.errs), c.errs, r.errs)
		}
	}
}

// TestReadSample reads the sample trace of every machine: every record
// decodes, and the system calls have their names.
func TestReadSample(t *testing.T) {
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		b, err := tracegen.Sample(m)
		if err != nil {
			t.Fatal(err)
		}
		all, err := LoadTrace(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		if all[0].Type != format.TypeStart {
			t.Errorf("%v: first record %s, want START", m, &all[0])
		}
		for i := range all {
			// The sample's call 999 is one no table knows.
			if r := &all[i]; r.Err != nil || strings.HasPrefix(r.Name, "#") && r.ABI == m.NativeABI() && r.Nr != 999 {
				t.Errorf("%v: record %d: %s", m, i, r)
			}
		}
		c := &Cursor{TB: t, Recs: all}
		c.Find("openat of /etc/hostname", IsCall("openat"))
		c.Next("NAMI", IsNami("/etc/hostname"))
		c.Next("RET openat 3", IsRetValue("openat", 3))
		c.Find("read of 5 bytes", IsData(3, false, "host\n"))
	}
}

func TestReadTraceDamaged(t *testing.T) {
	path := writeTrace(t, func(w *format.Writer, h func(pid, tid int32) *format.Header) {
		_ = w.WriteCall(h(7, 7), 39, nil)
	})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b[:len(b)-3], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := TryReadTrace(path); err == nil {
		t.Error("a torn trace read without error")
	}
}

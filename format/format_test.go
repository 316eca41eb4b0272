package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

func hdr(pid, tid int32, t int64) *Header {
	h := &Header{PID: pid, TID: tid, Time: t, ABI: arch.ABIAmd64}
	h.SetComm("cat")
	return h
}

// sample writes one record of every type in format version 1 and returns
// the stream.
func sample(t testing.TB) []byte { return sampleVersion(t, Version1) }

// sampleVersion writes one record of every type in format version v and
// returns the stream.
func sampleVersion(t testing.TB, v int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.SetVersion(v))
	must(w.WriteStart(hdr(1, 1, 1), &Start{Version: uint16(v), Machine: arch.MachineAmd64, Release: "6.1.0", Hostname: "box"}))
	must(w.WriteEmul(hdr(42, 42, 2), arch.ABIAmd64))
	must(w.WriteCall(hdr(42, 42, 3), 257, []uint64{0xffffff9c, 0x7ffc, 0x80000}))
	must(w.WriteBytes(hdr(42, 42, 4), TypeNamei, []byte("/etc/hostname")))
	must(w.WriteRet(hdr(42, 43, 5), RetFromValue(257, 3)))
	must(w.WriteGenio(hdr(42, 42, 6), &Genio{FD: 3, Dir: Read, Len: 5, Data: []byte("host\n")}))
	must(w.WritePsig(hdr(42, 42, 7), &Psig{Signal: 10, Action: SigCaught, Known: KnownHandler | KnownSender, Handler: 0x401a30, Code: 0, Sender: 4100, UID: 1000}))
	must(w.WriteCsw(hdr(42, 42, 8), &Csw{Out: true, WaitFor: []byte("read")}))
	must(w.WriteLabeled(hdr(42, 42, 9), TypeUser, "lbl", []byte{1, 2, 3}))
	must(w.WriteLabeled(hdr(42, 42, 10), TypeStruct, "stat", []byte{4, 5}))
	must(w.WriteStrings(hdr(42, 42, 11), TypeArgs, []string{"cat", "/etc/hostname"}))
	must(w.WriteStrings(hdr(42, 42, 12), TypeEnvs, []string{"HOME=/root"}))
	must(w.WriteLost(hdr(42, 42, 13), &Lost{Records: 7, Bytes: 700, Reason: []byte("disk full")}))
	must(w.WriteExit(hdr(42, 42, 14), Exit{Status: 3 << 8}))
	must(w.WriteExit(hdr(43, 43, 15), Exit{Status: 0x80 | 11}))
	must(w.WriteBytes(hdr(42, 42, 16), Type(999), []byte("future")))
	must(w.Flush())
	return b.Bytes()
}

func readAll(t testing.TB, data []byte) (recs []Record, damage []*DamageError) {
	t.Helper()
	r := NewReader(bytes.NewReader(data))
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return
		}
		var d *DamageError
		if errors.As(err, &d) {
			damage = append(damage, d)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		c := *rec
		c.Payload = append([]byte(nil), rec.Payload...)
		recs = append(recs, c)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, v := range []int{Version1, Version} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) { testRoundTrip(t, sampleVersion(t, v), v) })
	}
	fixture, err := os.ReadFile("../testdata/format/v1-sample.trace")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("v1-fixture", func(t *testing.T) { testRoundTrip(t, fixture, Version1) })
}

// testRoundTrip checks the records of data, a sample of format version
// v.
func testRoundTrip(t *testing.T, data []byte, v int) {
	recs, damage := readAll(t, data)
	if len(damage) != 0 {
		t.Fatalf("damage in a good stream: %v", damage[0])
	}
	wantTypes := []Type{TypeStart, TypeEmul, TypeCall, TypeNamei, TypeRet, TypeGenio, TypePsig,
		TypeCsw, TypeUser, TypeStruct, TypeArgs, TypeEnvs, TypeLost, TypeExit, TypeExit, Type(999)}
	if len(recs) != len(wantTypes) {
		t.Fatalf("got %d records, want %d", len(recs), len(wantTypes))
	}
	for i, rec := range recs {
		if rec.Type != wantTypes[i] {
			t.Errorf("record %d: type %v, want %v", i, rec.Type, wantTypes[i])
		}
		if rec.Time != int64(i+1) || rec.CommString() != "cat" || rec.ABI != arch.ABIAmd64 {
			t.Errorf("record %d: header %+v", i, rec.Header)
		}
	}
	s, err := recs[0].Start()
	if err != nil || int(s.Version) != v || s.Machine != arch.MachineAmd64 || s.Release != "6.1.0" || s.Hostname != "box" {
		t.Errorf("Start = %+v, %v", s, err)
	}
	if e, _ := recs[1].Emul(); string(e) != "linux-amd64" {
		t.Errorf("Emul = %q", e)
	}
	c, err := recs[2].Call()
	if err != nil || c.Number != 257 || c.NArg != 3 || c.Args != [6]uint64{0xffffff9c, 0x7ffc, 0x80000} {
		t.Errorf("Call = %+v, %v", c, err)
	}
	if p, _ := recs[3].Namei(); string(p) != "/etc/hostname" {
		t.Errorf("Namei = %q", p)
	}
	if r, err := recs[4].Ret(); err != nil || r != (Ret{Number: 257, Value: 3}) || recs[4].TID != 43 {
		t.Errorf("Ret = %+v, %v", r, err)
	}
	g, err := recs[5].Genio()
	if err != nil || g.FD != 3 || g.Dir != Read || g.Len != 5 || string(g.Data) != "host\n" {
		t.Errorf("Genio = %+v, %v", g, err)
	}
	p, err := recs[6].Psig()
	want := Psig{Signal: 10, Action: SigCaught, Known: KnownHandler | KnownSender, Handler: 0x401a30, Sender: 4100, UID: 1000}
	if err != nil || p != want {
		t.Errorf("Psig = %+v, %v", p, err)
	}
	cs, err := recs[7].Csw()
	if err != nil || !cs.Out || cs.User || string(cs.WaitFor) != "read" {
		t.Errorf("Csw = %+v, %v", cs, err)
	}
	u, err := recs[8].User()
	if err != nil || string(u.Label) != "lbl" || !bytes.Equal(u.Data, []byte{1, 2, 3}) {
		t.Errorf("User = %+v, %v", u, err)
	}
	st, err := recs[9].Struct()
	if err != nil || string(st.Label) != "stat" || !bytes.Equal(st.Data, []byte{4, 5}) {
		t.Errorf("Struct = %+v, %v", st, err)
	}
	var args []string
	if err := recs[10].Strings(func(s []byte) { args = append(args, string(s)) }); err != nil || !reflect.DeepEqual(args, []string{"cat", "/etc/hostname"}) {
		t.Errorf("Strings = %q, %v", args, err)
	}
	l, err := recs[12].Lost()
	if err != nil || l.Records != 7 || l.Bytes != 700 || string(l.Reason) != "disk full" {
		t.Errorf("Lost = %+v, %v", l, err)
	}
	if e, err := recs[13].Exit(); err != nil || !e.Exited() || e.Code() != 3 || e.Signal() != 0 || e.CoreDumped() {
		t.Errorf("Exit = %+v, %v: want exit 3", e, err)
	}
	if e, err := recs[14].Exit(); err != nil || e.Exited() || e.Signal() != 11 || !e.CoreDumped() {
		t.Errorf("Exit = %+v, %v: want SIGSEGV, core dumped", e, err)
	}
	if recs[15].Type.Known() || recs[15].Type.String() != "UNKNOWN(999)" {
		t.Errorf("unknown type: %v", recs[15].Type)
	}
	if _, err := recs[2].Ret(); err == nil {
		t.Error("Ret on a CALL record: no error")
	}
}

func TestRetFromValue(t *testing.T) {
	for _, c := range []struct {
		v    int64
		want int32
	}{{0, 0}, {3, 0}, {-2, 2}, {-4095, 4095}, {-4096, 0}, {-512, 512}} {
		if got := RetFromValue(1, c.v).Error; got != c.want {
			t.Errorf("RetFromValue(%d).Error = %d, want %d", c.v, got, c.want)
		}
	}
}

func TestNotTrace(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty": nil,
		"short": []byte("kt"),
		"text":  bytes.Repeat([]byte("hello world\n"), 20),
		"no start": func() []byte {
			var b bytes.Buffer
			w := NewWriter(&b)
			_ = w.WriteEmul(hdr(1, 1, 1), arch.ABIAmd64)
			_ = w.Flush()
			return b.Bytes()
		}(),
	} {
		_, err := NewReader(bytes.NewReader(data)).Next()
		if !errors.Is(err, ErrNotTrace) {
			t.Errorf("%s: err = %v, want ErrNotTrace", name, err)
		}
	}
}

func TestTornTail(t *testing.T) {
	data := sample(t)
	for cut := 1; cut < HeaderLen+len("future"); cut++ {
		recs, damage := readAll(t, data[:len(data)-cut])
		if len(recs) != 15 {
			t.Fatalf("cut %d: %d good records, want 15", cut, len(recs))
		}
		if len(damage) != 1 {
			t.Fatalf("cut %d: %d damage reports, want 1", cut, len(damage))
		}
		if want := int64(len(data) - HeaderLen - len("future")); damage[0].Offset != want {
			t.Errorf("cut %d: damage at %d, want %d (%v)", cut, damage[0].Offset, want, damage[0])
		}
	}
}

func TestCorruptionResync(t *testing.T) {
	data := sample(t)
	recs, _ := readAll(t, data)
	// Flip one byte inside each record after the first in turn: exactly
	// that record is lost and reported at its offset.
	for i := 1; i < len(recs); i++ {
		bad := append([]byte(nil), data...)
		bad[recs[i].Offset+HeaderLen-3] ^= 0x40
		got, damage := readAll(t, bad)
		if len(got) != len(recs)-1 || len(damage) != 1 || damage[0].Offset != recs[i].Offset {
			t.Fatalf("record %d corrupted: %d good, damage %v", i, len(got), damage)
		}
	}
	// A corrupted length field.
	bad := append([]byte(nil), data...)
	le.PutUint32(bad[recs[3].Offset+4:], 1<<20)
	got, damage := readAll(t, bad)
	if len(got) != len(recs)-1 || len(damage) != 1 || damage[0].Offset != recs[3].Offset {
		t.Fatalf("bad length: %d good, damage %v", len(got), damage)
	}
	// Garbage between records.
	bad = append(append(append([]byte(nil), data[:recs[5].Offset]...), bytes.Repeat([]byte("ktkt\x00"), 100)...), data[recs[5].Offset:]...)
	got, damage = readAll(t, bad)
	if len(got) != len(recs) || len(damage) != 1 || damage[0].Len != 500 {
		t.Fatalf("garbage: %d good, damage %v", len(got), damage)
	}
}

// TestConcatenatedTraces reads two traces back to back, of each pair of
// versions: a trace of version 2 after one of version 1 is what cat
// makes of an old and a new file.
func TestConcatenatedTraces(t *testing.T) {
	for _, v := range [][2]int{{Version1, Version1}, {Version, Version}, {Version1, Version}, {Version, Version1}} {
		a, b := sampleVersion(t, v[0]), sampleVersion(t, v[1])
		recs, damage := readAll(t, append(bytes.Clone(a), b...))
		if len(damage) != 0 || len(recs) != 32 || recs[16].Type != TypeStart || recs[16].Offset != int64(len(a)) {
			t.Fatalf("versions %v: %d records, %d damage", v, len(recs), len(damage))
		}
		first, _ := readAll(t, a)
		second, _ := readAll(t, b)
		for i, want := range append(first, second...) {
			got := recs[i]
			if got.Header != want.Header || !bytes.Equal(got.Payload, want.Payload) {
				t.Fatalf("versions %v: record %d: %+v, want %+v", v, i, got, want)
			}
		}
	}
}

func TestLargeRecordsAndSmallBuffer(t *testing.T) {
	var b bytes.Buffer
	w := NewWriterSize(&b, 100)
	_ = w.WriteStart(hdr(1, 1, 1), &Start{Version: Version})
	big := bytes.Repeat([]byte{0xab}, MaxGenioData)
	if err := w.WriteGenio(hdr(1, 1, 2), &Genio{FD: 1, Dir: Write, Len: uint64(len(big)), Data: big}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteGenio(hdr(1, 1, 2), &Genio{Data: append(big, 0)}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized record: err = %v", err)
	}
	_ = w.WriteRet(hdr(1, 1, 3), RetFromValue(1, int64(len(big))))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	recs, damage := readAll(t, b.Bytes())
	if len(recs) != 3 || len(damage) != 0 {
		t.Fatalf("%d records, %v", len(recs), damage)
	}
	if g, _ := recs[1].Genio(); len(g.Data) != MaxGenioData {
		t.Fatalf("big GIO: %d bytes", len(g.Data))
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("disk full")
}

func TestWriterError(t *testing.T) {
	fw := &failWriter{}
	w := NewWriter(fw)
	_ = w.WriteEmul(hdr(1, 1, 1), arch.ABIAmd64)
	_ = w.WriteEmul(hdr(1, 1, 1), arch.ABIAmd64)
	if err := w.Flush(); err == nil {
		t.Fatal("Flush: no error")
	}
	if err := w.WriteEmul(hdr(1, 1, 1), arch.ABIAmd64); err == nil {
		t.Fatal("write after failure: no error")
	}
	if recs, _ := w.Dropped(); recs != 3 {
		t.Fatalf("Dropped = %d records, want 3", recs)
	}
	if fw.n != 1 {
		t.Fatalf("%d writes after a failure, want 1", fw.n)
	}
}

// TestWriterOneWritePerBatch checks that each Write holds whole records
// (in version 2, whole frames) and no more than the buffer size: each
// write, after a START record, reads back without damage.
func TestWriterOneWritePerBatch(t *testing.T) {
	for _, v := range []int{Version1, Version} {
		var writes [][]byte
		w := NewWriterSize(writerFunc(func(p []byte) (int, error) {
			writes = append(writes, append([]byte(nil), p...))
			return len(p), nil
		}), 1000)
		if err := w.SetVersion(v); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			_ = w.WriteCall(hdr(1, int32(1+i%3), int64(i)), 1, []uint64{1, 2, 3})
		}
		_ = w.Flush()
		var start bytes.Buffer
		sw := NewWriter(&start)
		_ = sw.WriteStart(hdr(1, 1, 1), &Start{Version: uint16(v)})
		_ = sw.Flush()
		calls := 0
		for i, p := range writes {
			if len(p) > 1000 {
				t.Errorf("v%d: write %d: %d bytes, over the buffer size", v, i, len(p))
			}
			recs, damage := readAll(t, append(bytes.Clone(start.Bytes()), p...))
			if len(damage) > 0 {
				t.Errorf("v%d: write %d: %d bytes, not whole records: %v", v, i, len(p), damage[0])
			}
			calls += len(recs) - 1
		}
		if calls != 100 {
			t.Errorf("v%d: %d calls in %d writes, want 100", v, calls, len(writes))
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestFollow(t *testing.T) {
	for _, v := range []int{Version1, Version} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) { testFollow(t, sampleVersion(t, v)) })
	}
}

func testFollow(t *testing.T, data []byte) {
	src := &growingReader{}
	src.data = data[:100]
	waits := 0
	r := NewFollowReader(src, func() error {
		waits++
		switch waits {
		case 1:
			src.data = data
			return nil
		}
		return io.ErrClosedPipe
	})
	n := 0
	for {
		_, err := r.Next()
		if err == io.ErrClosedPipe {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 16 {
		t.Fatalf("followed %d records, want 16", n)
	}
}

type growingReader struct {
	data []byte
	off  int
}

func (g *growingReader) Read(p []byte) (int, error) {
	if g.off >= len(g.data) {
		return 0, io.EOF
	}
	n := copy(p, g.data[g.off:])
	g.off += n
	return n, nil
}

func TestWriterNoAllocs(t *testing.T) {
	for _, v := range []int{Version1, Version} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) { testWriterNoAllocs(t, v) })
	}
}

func testWriterNoAllocs(t *testing.T, v int) {
	w := NewWriter(io.Discard)
	if err := w.SetVersion(v); err != nil {
		t.Fatal(err)
	}
	h, h2 := hdr(1, 1, 1), hdr(1, 2, 1)
	args := []uint64{1, 2, 3, 4, 5, 6}
	data := make([]byte, 100)
	allocs := testing.AllocsPerRun(1000, func() {
		_ = w.WriteCall(h, 1, args)
		_ = w.WriteCall(h2, 1, args)
		_ = w.WriteRet(h, Ret{Number: 1, Value: 100})
		_ = w.WriteGenio(h, &Genio{FD: 1, Len: 100, Data: data})
		_ = w.WriteRet(h2, Ret{Number: 1, Value: 100})
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per record batch, want 0", allocs)
	}
}

// FuzzReader reads any bytes, seeded with samples of both versions,
// whole, cut and concatenated: the Reader never panics, always advances
// (but for reporting a frame cut short where the stream ends), and
// decoding any payload it returns does not panic either.
func FuzzReader(f *testing.F) {
	for _, v := range []int{Version1, Version} {
		data := sampleVersion(f, v)
		f.Add(data)
		f.Add(data[:len(data)-5])
		f.Add(append(bytes.Clone(data), data...))
	}
	f.Add(append(sampleVersion(f, Version1), sampleVersion(f, Version)...))
	f.Add([]byte{})
	f.Add([]byte("ktKTRLINUX"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b))
		var last int64 = -1
		for i := 0; ; i++ {
			if i > len(b)+2 {
				t.Fatalf("%d results from %d bytes", i, len(b))
			}
			rec, err := r.Next()
			if err == io.EOF || errors.Is(err, ErrNotTrace) {
				return
			}
			var cut *DamageError
			if errors.As(err, &cut) && cut.Len == 0 && r.Offset() == last {
				if _, err := r.Next(); err != io.EOF {
					t.Fatalf("after a frame cut short at the end: %v, want EOF", err)
				}
				return
			}
			if r.Offset() <= last {
				t.Fatalf("reader did not advance: %d", r.Offset())
			}
			last = r.Offset()
			if err != nil {
				var d *DamageError
				if !errors.As(err, &d) {
					t.Fatalf("unexpected error: %v", err)
				}
				continue
			}
			// Decoding any payload must not panic.
			_, _ = rec.Start()
			_, _ = rec.Call()
			_, _ = rec.Ret()
			_, _ = rec.Genio()
			_, _ = rec.Psig()
			_, _ = rec.Csw()
			_, _ = rec.User()
			_, _ = rec.Struct()
			_, _ = rec.Lost()
			_ = rec.Strings(func([]byte) {})
		}
	})
}

package format

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

// TestGetppidPairSize checks what a traced getppid costs in a version 2
// trace: the CALL (no arguments) and RET of a thread whose context the
// frame holds, a few microseconds apart, take at most 32 bytes, and a
// long run of them, frame headers and all, at most 64 bytes a pair
// (issue 11; version 1 takes 120).
func TestGetppidPairSize(t *testing.T) {
	const getppid = 110
	var b bytes.Buffer
	w := NewWriter(&b)
	h := hdr(4242, 4242, 1700000000_000000000)
	h.SetComm("loops")
	pair := func() {
		h.Time += 2500
		if err := w.WriteCall(h, getppid, nil); err != nil {
			t.Fatal(err)
		}
		h.Time += 1200
		if err := w.WriteRet(h, RetFromValue(getppid, 4241)); err != nil {
			t.Fatal(err)
		}
	}
	pair() // opens the frame, defines the context
	before := w.Buffered()
	pair()
	if n := w.Buffered() - before; n > 32 {
		t.Errorf("a getppid pair in a frame: %d bytes, want at most 32", n)
	} else {
		t.Logf("a getppid pair in a frame: %d bytes", n)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	const n = 100000
	for range n {
		pair()
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if per := float64(b.Len()) / n; per > 64 {
		t.Errorf("%d getppid pairs: %.1f bytes a pair, want at most 64", n, per)
	} else {
		t.Logf("%d getppid pairs: %.1f bytes a pair", n, per)
	}
}

// v2Sample writes records of every type, with every flag, from a few
// threads, in frames of at most about size bytes.
func v2Sample(t testing.TB, size int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewWriterSize(&b, size)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteStart(hdr(1, 1, 1), &Start{Version: Version, Machine: arch.MachineAmd64, Release: "6.1.0", Hostname: "box"}))
	tm := int64(1700000000_000000000)
	for i := range 6 {
		h := hdr(42, 42+int32(i%3), tm)
		h.SetComm([]string{"cat", "a-long-command-name", ""}[i%3])
		h.Flags = Flags(i & 7)
		tm += int64(1) << (4 * i)
		h.Time = tm
		must(w.WriteEmul(h, arch.ABIAmd64))
		must(w.WriteCall(h, 257, []uint64{0xffffffffffffff9c, 0x7ffc1c2a4f10, 0x80000}))
		must(w.WriteBytes(h, TypeNamei, []byte("/etc/hostname")))
		must(w.WriteRet(h, RetFromValue(257, int64(-i))))
		must(w.WriteGenio(h, &Genio{FD: 3, Dir: Read, Len: 5, Data: []byte("host\n")}))
		must(w.WriteCsw(h, &Csw{Out: true, WaitFor: []byte("read")}))
		must(w.WriteExit(h, Exit{Status: uint32(i) << 8}))
	}
	must(w.Flush())
	return b.Bytes()
}

// unit is a part of a trace that damage is reported against: a record,
// or the header of a version 2 frame.
type unit struct {
	off, end int64
	rec      int // index of the record, -1 for a frame header
	frame    int64
}

// units returns the records of a sound trace and the units they and
// their frame headers make.
func units(t *testing.T, data []byte) ([]Record, []unit) {
	t.Helper()
	recs, damage := readAll(t, data)
	if len(damage) > 0 {
		t.Fatalf("damage in a sound trace: %v", damage[0])
	}
	var us []unit
	var off, frame int64
	for i, rec := range recs {
		if rec.Offset > off { // a frame header
			if rec.Offset-off != FrameHeaderLen {
				t.Fatalf("record %d at %d: %d bytes after the last, want a frame header", i, rec.Offset, rec.Offset-off)
			}
			frame = off
			us = append(us, unit{off, rec.Offset, -1, frame})
		}
		if rec.Type == TypeStart {
			frame = -1
		}
		us = append(us, unit{rec.Offset, rec.Offset + int64(rec.Len), i, frame})
		off = rec.Offset + int64(rec.Len)
	}
	if off != int64(len(data)) {
		t.Fatalf("records end at %d of %d bytes", off, len(data))
	}
	return recs, us
}

// TestDamageEveryByte2 flips each byte of a version 2 trace in turn.
// The damage is reported first at the offset of the record or frame
// header that holds the byte; every record decoded is the one written
// there; every record not decoded is within a damage report or reported
// at its own offset because the damaged record defined its thread; and
// decoding resumes: the records of every later frame are decoded.
func TestDamageEveryByte2(t *testing.T) {
	data := v2Sample(t, 300)
	recs, us := units(t, data)
	frames := 0
	for _, u := range us {
		if u.rec < 0 {
			frames++
		}
	}
	if frames < 4 {
		t.Fatalf("%d frames, want several", frames)
	}
	byOff := map[int64]int{}
	for i, rec := range recs {
		byOff[rec.Offset] = i
	}
	for _, u := range us {
		for i := u.off; i < u.end; i++ {
			bad := bytes.Clone(data)
			bad[i] ^= 0x5a
			got, damage := readAll(t, bad)
			if len(damage) == 0 || damage[0].Offset != u.off {
				t.Fatalf("byte %d of the unit at %d (record %d) flipped: damage %v, want first at %d", i, u.off, u.rec, damage, u.off)
			}
			decoded := map[int]bool{}
			for _, g := range got {
				j, ok := byOff[g.Offset]
				if !ok || g.Header != recs[j].Header || g.Len != recs[j].Len || !bytes.Equal(g.Payload, recs[j].Payload) {
					t.Fatalf("byte %d flipped: record at %d decoded as %+v, not as written", i, g.Offset, g)
				}
				decoded[j] = true
			}
			for j, rec := range recs {
				if decoded[j] {
					continue
				}
				covered := false
				for _, d := range damage {
					if rec.Offset >= d.Offset && rec.Offset < d.Offset+d.Len ||
						rec.Offset == d.Offset && strings.Contains(d.Reason, "undefined") {
						covered = true
					}
				}
				if !covered {
					t.Fatalf("byte %d flipped: record %d at %d lost without a damage report (%v)", i, j, rec.Offset, damage)
				}
				if rec.Offset > u.off {
					for _, v := range us {
						if v.rec == j && v.frame != u.frame && v.frame > u.off {
							t.Fatalf("byte %d flipped (unit at %d): record %d of a later frame at %d not decoded", i, u.off, j, v.frame)
						}
					}
				}
			}
		}
	}
}

// TestTornTail2 cuts a version 2 trace at every length: the records
// wholly kept decode, and a cut inside a frame is reported where the
// first record lost starts.
func TestTornTail2(t *testing.T) {
	data := v2Sample(t, 300)
	recs, us := units(t, data)
	for cut := us[1].off; cut < int64(len(data)); cut++ {
		got, damage := readAll(t, data[:cut])
		want := 0
		for _, rec := range recs {
			if rec.Offset+int64(rec.Len) <= cut {
				want++
			}
		}
		if len(got) != want {
			t.Fatalf("cut at %d: %d records, want %d", cut, len(got), want)
		}
		var u unit // the unit the cut falls in or before
		for _, v := range us {
			if v.off <= cut {
				u = v
			}
		}
		atFrameEnd := u.off == cut && u.rec < 0
		switch {
		case atFrameEnd && len(damage) == 0:
		case !atFrameEnd && len(damage) == 1 && damage[0].Offset == u.off && damage[0].Offset+damage[0].Len == cut:
		case u.end == cut && len(damage) == 1 && damage[0].Offset == cut && damage[0].Len == 0:
			// Cut after a record inside a frame: the frame is short.
		default:
			t.Fatalf("cut at %d (unit %+v): damage %v", cut, u, damage)
		}
	}
}

// TestFlags2 writes a record of each type with each flags value, and
// types past those the type byte holds: each reads back as written.
func TestFlags2(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	_ = w.WriteStart(hdr(1, 1, 1), &Start{Version: Version})
	type want struct {
		t Type
		f Flags
	}
	var wants []want
	for _, typ := range []Type{TypeCall, TypeRet, TypeNamei, TypeGenio, TypeEmul, TypeArgs, TypeExit, 14, 15, 999} {
		for _, f := range []Flags{0, FlagCut, FlagUnreadable, FlagInferred, 7, 8, 0xff} {
			h := hdr(7, 8, int64(len(wants)))
			h.Flags = f
			var err error
			switch typ {
			case TypeCall:
				err = w.WriteCall(h, 1, []uint64{1})
			case TypeRet:
				err = w.WriteRet(h, Ret{Number: 1, Error: 4, Value: -4})
			case TypeGenio:
				err = w.WriteGenio(h, &Genio{FD: 1, Data: []byte("x")})
			case TypeExit:
				err = w.WriteExit(h, Exit{Status: 9})
			default:
				err = w.WriteBytes(h, typ, []byte("p"))
			}
			if err != nil {
				t.Fatal(err)
			}
			wants = append(wants, want{typ, f})
		}
	}
	_ = w.Flush()
	recs, damage := readAll(t, b.Bytes())
	if len(damage) > 0 || len(recs) != len(wants)+1 {
		t.Fatalf("%d records, damage %v", len(recs), damage)
	}
	for i, wt := range wants {
		rec := recs[i+1]
		if rec.Type != wt.t || rec.Flags != wt.f || rec.PID != 7 || rec.TID != 8 || rec.Time != int64(i) {
			t.Errorf("record %d: %v flags %#x pid %d tid %d time %d, want %v flags %#x", i, rec.Type, rec.Flags, rec.PID, rec.TID, rec.Time, wt.t, wt.f)
		}
		switch wt.t {
		case TypeCall:
			if c, err := rec.Call(); err != nil || c.NArg != 1 || c.Args[0] != 1 {
				t.Errorf("record %d: %+v, %v", i, c, err)
			}
		case TypeRet:
			if r, err := rec.Ret(); err != nil || r != (Ret{Number: 1, Error: 4, Value: -4}) {
				t.Errorf("record %d: %+v, %v", i, r, err)
			}
		}
	}
}

// TestRetValues2 round-trips return values and errors, the errors
// their values do not imply among them.
func TestRetValues2(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	_ = w.WriteStart(hdr(1, 1, 1), &Start{Version: Version})
	rets := []Ret{RetFromValue(1, 0), RetFromValue(1, -2), RetFromValue(1, -512), RetFromValue(1, -4096),
		RetFromValue(1, 1<<62), RetFromValue(1, -1<<63), {Number: 0xffffffff, Error: 5, Value: 3},
		{Number: 7, Error: -1 << 31, Value: 1<<63 - 1}}
	args := []uint64{0, 1, 1<<64 - 1, 1 << 63, 0xffffff9c, 0x7ffc1c2a4f10}
	for _, r := range rets {
		_ = w.WriteRet(hdr(1, 1, 2), r)
		_ = w.WriteCall(hdr(1, 1, 2), r.Number, args)
	}
	_ = w.Flush()
	recs, damage := readAll(t, b.Bytes())
	if len(damage) > 0 || len(recs) != 1+2*len(rets) {
		t.Fatalf("%d records, damage %v", len(recs), damage)
	}
	for i, want := range rets {
		if got, err := recs[1+2*i].Ret(); err != nil || got != want {
			t.Errorf("Ret %d = %+v, %v; want %+v", i, got, err, want)
		}
		if c, err := recs[2+2*i].Call(); err != nil || c.Number != want.Number || c.NArg != 6 || c.Args != [6]uint64(args) {
			t.Errorf("Call %d = %+v, %v", i, c, err)
		}
	}
}

// TestV1WriterUnchanged checks that the version 1 Writer writes the
// bytes of the fixture the Writer of before version 2 wrote: appending
// to a version 1 trace writes what older readers read.
func TestV1WriterUnchanged(t *testing.T) {
	fixture, err := os.ReadFile("../testdata/format/v1-sample.trace")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sample(t), fixture) {
		t.Error("the version 1 Writer no longer writes the bytes of testdata/format/v1-sample.trace")
	}
}

// TestAppendVersion checks the version a Writer appending to a trace
// writes, and that a version 1 trace with records appended by it, and
// one with version 2 records after it (an old file's records, then a
// new writer's without -a's care), read whole.
func TestAppendVersion(t *testing.T) {
	v1, v2 := sampleVersion(t, Version1), sampleVersion(t, Version)
	for _, c := range []struct {
		name string
		data []byte
		want int
	}{{"empty", nil, Version}, {"v1", v1, Version1}, {"v2", v2, Version}, {"text", []byte("hello\n"), Version}} {
		if got := AppendVersion(bytes.NewReader(c.data)); got != c.want {
			t.Errorf("%s: AppendVersion = %d, want %d", c.name, got, c.want)
		}
	}
	for _, base := range [][]byte{v1, v2} {
		for _, v := range []int{Version1, Version} {
			b := bytes.NewBuffer(bytes.Clone(base))
			w := NewWriter(b)
			if err := w.SetVersion(v); err != nil {
				t.Fatal(err)
			}
			_ = w.WriteStart(hdr(9, 9, 1), &Start{Version: uint16(v)})
			_ = w.WriteCall(hdr(9, 9, 2), 110, nil)
			_ = w.WriteRet(hdr(9, 9, 3), RetFromValue(110, 1))
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			recs, damage := readAll(t, b.Bytes())
			if len(damage) > 0 || len(recs) != 19 || recs[18].Type != TypeRet || recs[18].PID != 9 {
				t.Errorf("v%d appended to a v%d trace: %d records, damage %v", v, AppendVersion(bytes.NewReader(base)), len(recs), damage)
			}
		}
	}
	if err := NewWriter(io.Discard).SetVersion(3); err == nil {
		t.Error("SetVersion(3): no error")
	}
}

// TestFollowBytes2 follows a version 2 trace that grows a few bytes at a
// time, records and frame headers cut anywhere: every record is read,
// without damage.
func TestFollowBytes2(t *testing.T) {
	data := v2Sample(t, 300)
	want, _ := readAll(t, data)
	for _, step := range []int{1, 7, 33} {
		src := &growingReader{data: data[:0]}
		r := NewFollowReader(src, func() error {
			if len(src.data) == len(data) {
				return io.ErrClosedPipe
			}
			src.data = data[:min(len(data), len(src.data)+step)]
			return nil
		})
		n := 0
		for {
			rec, err := r.Next()
			if err == io.ErrClosedPipe {
				break
			}
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			if rec.Offset != want[n].Offset || rec.Header != want[n].Header || !bytes.Equal(rec.Payload, want[n].Payload) {
				t.Fatalf("step %d: record %d: %+v, want %+v", step, n, rec, want[n])
			}
			n++
		}
		if n != len(want) {
			t.Fatalf("step %d: followed %d records, want %d", step, n, len(want))
		}
	}
}

// TestResyncLinear2 reads a frame whose records are all damaged,
// crafted so that a record could start at every byte, each claiming the
// rest of the frame: the work per byte stays bounded and does not grow
// with the frame.
func TestResyncLinear2(t *testing.T) {
	const perByte = 40
	var ratio [2]float64
	for i, size := range []int{256 << 10, 2 << 20} {
		var b bytes.Buffer
		w := NewWriter(&b)
		_ = w.WriteStart(hdr(1, 1, 1), &Start{Version: Version})
		_ = w.WriteCall(hdr(1, 1, 2), 1, nil)
		_ = w.Flush()
		data := b.Bytes()
		recs, _ := readAll(t, data)
		frame := recs[1].Offset - FrameHeaderLen
		// Make the frame hold size bytes: every byte 0xff but for a
		// length byte every few bytes, each claiming what is left.
		body := bytes.Repeat([]byte{0xff}, size)
		for j := 0; j+4 < size; j += 3 {
			n := size - j - 3
			body[j], body[j+1], body[j+2] = byte(n)|0x80, byte(n>>7)|0x80, byte(n>>14)
		}
		data = append(data[:recs[1].Offset], body...)
		le.PutUint32(data[frame+4:], uint32(FrameHeaderLen+size))
		le.PutUint32(data[frame+16:], crcOf(data[frame:frame+16]))
		damaged, work := readWork(data)
		if damaged != 1 {
			t.Errorf("%d bytes: %d damage reports, want 1", size, damaged)
		}
		ratio[i] = float64(work) / float64(len(data))
		if ratio[i] > perByte {
			t.Errorf("%d bytes: %.1f bytes of work a byte, want at most %d", size, ratio[i], perByte)
		}
		t.Logf("%d bytes: %.2f bytes of work a byte", size, ratio[i])
	}
	if ratio[1] > 1.5*ratio[0]+1 {
		t.Errorf("work a byte grows from %.2f to %.2f: not linear", ratio[0], ratio[1])
	}
}

// TestNotTraceFrame: a stream that begins with a sound frame, not a
// START record, is not a trace.
func TestNotTraceFrame(t *testing.T) {
	data := sampleVersion(t, Version)
	recs, _ := readAll(t, data)
	if _, err := NewReader(bytes.NewReader(data[recs[1].Offset-FrameHeaderLen:])).Next(); !errors.Is(err, ErrNotTrace) {
		t.Errorf("a version 2 trace without its START: %v, want ErrNotTrace", err)
	}
}

func crcOf(p []byte) uint32 { return crc32.Checksum(p, crc32.MakeTable(crc32.Castagnoli)) }

func ExampleAppendVersion() {
	var b bytes.Buffer
	w := NewWriter(&b)
	_ = w.SetVersion(Version1)
	_ = w.WriteStart(&Header{}, &Start{Version: Version1})
	_ = w.Flush()
	fmt.Println(AppendVersion(bytes.NewReader(b.Bytes())), AppendVersion(bytes.NewReader(nil)))
	// Output: 1 2
}

// TestContextsInterleaved writes the records of many threads in turn, as
// a process tree's stops come, some few enough for the Writer's cache of
// recent contexts and some too many, threads renamed and changing ABI on
// the way, and a buffer small enough that frames end often: each record
// must read back with its own thread, command name and ABI.
func TestContextsInterleaved(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriterSize(&buf, 4096)
	if err := w.WriteStart(hdr(1, 1, 1), &Start{Version: Version, Machine: arch.MachineAmd64}); err != nil {
		t.Fatal(err)
	}
	want := []Header{*hdr(1, 1, 1)}
	for i := 0; i < 5000; i++ {
		k := (i * 7) % 48 // 48 threads in turn: the cache holds them
		if i%500 > 400 {
			k = (i * 7919) % 300 // then 300: it cannot
		}
		h := Header{PID: int32(1000 + k/3), TID: int32(1000 + k), Time: int64(i) * 1000}
		h.SetComm(fmt.Sprintf("c%d-%d", k, i/700)) // renamed now and then
		h.ABI = arch.ABIAmd64
		if i%1000 > 700 && k%2 == 0 {
			h.ABI = arch.ABII386
		}
		if err := w.WriteCall(&h, 39, nil); err != nil {
			t.Fatal(err)
		}
		want = append(want, h)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	recs, damage := readAll(t, buf.Bytes())
	if len(damage) > 0 || len(recs) != len(want) {
		t.Fatalf("%d records, %d damaged; want %d", len(recs), len(damage), len(want))
	}
	for i, rec := range recs {
		if h, w := rec.Header, want[i]; h.PID != w.PID || h.TID != w.TID || h.Comm != w.Comm || h.ABI != w.ABI || h.Time != w.Time {
			t.Fatalf("record %d: %+v, want %+v", i, rec.Header, w)
		}
	}
}

package dump

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

func TestParseTimeBound(t *testing.T) {
	const first = int64(1700000000_123456789) // 2023-11-14T22:13:20.123456789Z
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"+1.5s", first + 1_500_000_000},
		{"+1.5", first + 1_500_000_000},
		{"+200ms", first + 200_000_000},
		{"2023-11-14T22:13:21Z", 1700000001_000000000},
		{"2023-11-14T23:13:21.5+01:00", 1700000001_500000000},
		{"22:13:20.5", 1700000000_500000000},
		{"00:00:00", 1699920000_000000000},
	} {
		tb, err := ParseTimeBound(c.in)
		if err != nil {
			t.Errorf("ParseTimeBound(%q): %v", c.in, err)
			continue
		}
		if got := tb.at(first, time.UTC); got != c.want {
			t.Errorf("ParseTimeBound(%q) at %d = %d, want %d", c.in, first, got, c.want)
		}
	}
	for _, bad := range []string{"", "+", "+-1s", "+x", "25:00:00", "1:2:3", "12:00", "12:00:00.1234567890", "yesterday"} {
		if _, err := ParseTimeBound(bad); err == nil {
			t.Errorf("ParseTimeBound(%q) accepted", bad)
		}
	}
}

// writeCall writes a CALL of openat with its NAMI, n GIO records and a
// RET of v, on thread tid.
func writeCall(w *format.Writer, tid int32, path string, n int, v int64) {
	h := &format.Header{PID: 1, TID: tid, ABI: arch.ABIAmd64, Time: 1}
	h.SetComm("t")
	w.WriteCall(h, 257, []uint64{0xffffff9c, 0x1000, 0, 0})
	w.WriteBytes(h, format.TypeNamei, []byte(path))
	for i := 0; i < n; i++ {
		w.WriteGenio(h, &format.Genio{FD: 3, Len: 1, Data: []byte("x")})
	}
	w.WriteRet(h, format.RetFromValue(257, v))
}

// TestFilterHeldCap checks that a call whose result the filter waits for
// is shown unfiltered, and said so once, when it has too many records.
func TestFilterHeldCap(t *testing.T) {
	var b bytes.Buffer
	w := format.NewWriter(&b)
	w.WriteStart(&format.Header{}, &format.Start{Version: format.Version, Machine: arch.MachineAmd64})
	writeCall(w, 2, "/big", maxHeldRecords+10, 3)
	writeCall(w, 2, "/small", 2, 4)
	writeCall(w, 2, "/fails", 2, -2)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	o := Options{Filter: CallFilter{Failed: true, Warn: func(m string) { warnings = append(warnings, m) }}}
	out := render(t, b.Bytes(), ModeText, o)
	if n := strings.Count(out, "GIO"); n != maxHeldRecords+10+2 {
		t.Errorf("%d GIO records shown, want those of /big and /fails", n)
	}
	if strings.Contains(out, "/small") || !strings.Contains(out, `"/big"`) || !strings.Contains(out, `"/fails"`) {
		t.Errorf("want /big (unfiltered) and /fails (failed), not /small:\n%s", out[len(out)-600:])
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "shown unfiltered") {
		t.Errorf("warnings %q", warnings)
	}
}

// TestFilterThreads checks that calls are whole per thread when the
// records of two threads interleave, and that a RET whose CALL is not in
// the trace is judged on what it says.
func TestFilterThreads(t *testing.T) {
	var b bytes.Buffer
	w := format.NewWriter(&b)
	h := func(tid int32) *format.Header {
		h := &format.Header{PID: 1, TID: tid, ABI: arch.ABIAmd64, Time: 1}
		h.SetComm("t")
		return h
	}
	w.WriteStart(h(1), &format.Start{Version: format.Version, Machine: arch.MachineAmd64})
	w.WriteRet(h(3), format.RetFromValue(0, -9)) // read, begun before the trace
	w.WriteCall(h(1), 257, []uint64{0xffffff9c, 0x1000, 0, 0})
	w.WriteCall(h(2), 257, []uint64{0xffffff9c, 0x2000, 0, 0})
	w.WriteBytes(h(1), format.TypeNamei, []byte("/one"))
	w.WriteBytes(h(2), format.TypeNamei, []byte("/two"))
	w.WritePsig(h(1), &format.Psig{Signal: 10})
	w.WriteRet(h(2), format.RetFromValue(257, -2))
	w.WriteRet(h(1), format.RetFromValue(257, 5))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := render(t, b.Bytes(), ModeText, Options{Threads: true, Filter: CallFilter{Failed: true}})
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		got = append(got, f[1]+" "+f[3]+" "+strings.Join(f[4:], " "))
	}
	want := []string{
		"3 RET read -1 errno 9 Bad file descriptor",
		"2 CALL openat(AT_FDCWD,0x2000,0<O_RDONLY>)",
		`2 NAMI "/two"`,
		"2 RET openat -1 errno 2 No such file or directory",
		"1 PSIG SIGUSR1 SIG_DFL code=SI_USER",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

package dump

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// unvis reverses appendVisByte.
func unvis(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			t.Fatalf("dangling backslash in %q", s)
		}
		switch e := s[i]; {
		case e >= '0' && e <= '7':
			v, n := 0, 0
			for n < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7' {
				v = v*8 + int(s[i]-'0')
				i++
				n++
			}
			i--
			out = append(out, byte(v))
		default:
			m := map[byte]byte{'a': '\a', 'b': '\b', 't': '\t', 'n': '\n', 'v': '\v', 'f': '\f',
				'r': '\r', '"': '"', '\\': '\\'}
			r, ok := m[e]
			if !ok {
				t.Fatalf("unknown escape \\%c in %q", e, s)
			}
			out = append(out, r)
		}
	}
	return out
}

func noFlush(b []byte) []byte { return b }

func TestVisLinesRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := [][]byte{[]byte("host\n"), []byte(strings.Repeat("ünïcödé ☃ ", 20)), []byte("bad \xc3 utf8 \xe2\x98"), []byte("\x00\x01\x007"), []byte(strings.Repeat("x", 300)),
		[]byte("a\n\nb\n"), []byte(`"\`)}
	for i := 0; i < 50; i++ {
		b := make([]byte, rng.IntN(400))
		for j := range b {
			b[j] = byte(rng.IntN(256))
			if rng.IntN(3) > 0 {
				const pick = "ab \n\t\"\\0"
				b[j] = pick[rng.IntN(len(pick))]
			}
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		out := string(appendVisLines(nil, in, noFlush))
		var got []byte
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if utf8.RuneCountInString(line) > screenWidth {
				t.Errorf("line of %d columns: %q", len(line), line)
			}
			if !strings.HasPrefix(line, dataIndent+`"`) || !strings.HasSuffix(line, `"`) || len(line) < 9 {
				t.Fatalf("line %q is not an indented quoted string", line)
			}
			got = append(got, unvis(t, line[len(dataIndent)+1:len(line)-1])...)
		}
		if !bytes.Equal(got, in) {
			t.Errorf("round trip of %q gave %q", in, got)
		}
	}
}

func TestHexLinesRoundTrip(t *testing.T) {
	for _, n := range []int{1, 15, 16, 17, 33, 100} {
		in := make([]byte, n)
		for i := range in {
			in[i] = byte(i*37 + 5)
		}
		for _, ascii := range []bool{false, true} {
			out := string(appendHexLines(nil, in, 0x100, ascii, noFlush))
			var got []byte
			for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				f := strings.Fields(line)
				if want := fmt.Sprintf("0x%04x", 0x100+16*i); f[0] != want {
					t.Fatalf("line %q: offset %s, want %s", line, f[0], want)
				}
				for _, w := range f[1:] {
					if strings.HasPrefix(w, "|") {
						break
					}
					for k := 0; k+2 <= len(w); k += 2 {
						v, err := strconv.ParseUint(w[k:k+2], 16, 8)
						if err != nil {
							t.Fatalf("line %q: %v", line, err)
						}
						got = append(got, byte(v))
					}
				}
				if ascii != strings.HasSuffix(line, "|") || strings.HasSuffix(line, " ") {
					t.Errorf("ascii=%v: line %q", ascii, line)
				}
			}
			if !bytes.Equal(got, in) {
				t.Errorf("hex round trip of %d bytes: got %x", n, got)
			}
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{string(appendCHex(nil, 0)), "0"},
		{string(appendCHex(nil, 255)), "0xff"},
		{string(append0x(nil, 0)), "0x0"},
		{string(appendOctal(nil, 0)), "0"},
		{string(appendOctal(nil, 0o644)), "0644"},
		{string(appendPadInt(nil, 42, 6)), "    42"},
		{string(appendPadInt(nil, 12345678, 6)), "12345678"},
		{string(appendComm(nil, []byte("averylongname"))), "averylongname   "},
		{string(appendComm(nil, []byte("eightchr"))), "eightchr"},
		{string(appendComm(nil, []byte("a b"))), "a?b     "},
		{string(appendComm(nil, []byte("a\x01"))), "a?      "},
		{string(appendSecNsec(nil, 1_500_000_000)), "1.500000000"},
		{string(appendSecNsec(nil, -1500)), "-0.000001500"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestRetValues(t *testing.T) {
	for _, c := range []struct {
		r    format.Ret
		o    Options
		want string
	}{
		{format.RetFromValue(0, 9), Options{}, "9"},
		{format.RetFromValue(0, 10), Options{}, "10/0xa"},
		{format.RetFromValue(0, 10), Options{Raw: true}, "0xa"},
		{format.RetFromValue(0, 10), Options{Raw: true, Decimal: true}, "10"},
		{format.RetFromValue(0, -2), Options{}, "-1 errno 2 No such file or directory"},
		{format.RetFromValue(0, -2), Options{Raw: true}, "-1 errno 2"},
		{format.RetFromValue(0, -4096), Options{}, "-4096/0xfffffffffffff000"},
		{format.Ret{Error: 512, Value: -512}, Options{}, "RESTART"},
		{format.Ret{Error: 513, Value: -513}, Options{Raw: true}, "RESTART 513"},
		{format.Ret{Error: 4000, Value: -4000}, Options{}, "-1 errno 4000"},
	} {
		if got := string(appendRetValue(nil, &c.r, &c.o)); got != c.want {
			t.Errorf("%+v %+v: got %q, want %q", c.r, c.o, got, c.want)
		}
	}
}

func TestArgs(t *testing.T) {
	tab := (&tableCache{}).get(arch.ABIAmd64)
	for _, c := range []struct {
		a    arch.Arg
		v    uint64
		o    Options
		want string
	}{
		{arch.Arg{Kind: arch.ArgFD}, 0xffffffff, Options{Decimal: true}, "-1"},
		{arch.Arg{Kind: arch.ArgFD}, 3, Options{}, "3"},
		{arch.Arg{Kind: arch.ArgDirFD}, 0xffffffffffffff9c, Options{}, "AT_FDCWD"},
		{arch.Arg{Kind: arch.ArgDirFD}, 0xffffff9c, Options{Raw: true}, "0xffffff9c"},
		{arch.Arg{Kind: arch.ArgSize}, 100, Options{Decimal: true}, "100"},
		{arch.Arg{Kind: arch.ArgPtr}, 0x1000, Options{Decimal: true}, "0x1000"},
		{arch.Arg{Kind: arch.ArgMode}, 0o755, Options{}, "0755"},
		{arch.Arg{Kind: arch.ArgSignal}, 9, Options{}, "SIGKILL"},
		{arch.Arg{Kind: arch.ArgSignal}, 99, Options{}, "99"},
		{arch.Arg{Kind: arch.ArgFlags, Set: "open"}, 0, Options{}, "0<O_RDONLY>"},
		{arch.Arg{Kind: arch.ArgFlags, Set: "open"}, 0x80000, Options{Raw: true}, "0x80000"},
		{arch.Arg{Kind: arch.ArgFlags, Set: "no such set"}, 5, Options{}, "0x5"},
		{arch.Arg{Kind: arch.ArgEnum, Set: "whence"}, 1, Options{}, "SEEK_CUR"},
		{arch.Arg{Kind: arch.ArgEnum, Set: "whence"}, 77, Options{}, "0x4d"},
	} {
		if got := string(appendArg(nil, tab, c.a, c.v, &c.o)); got != c.want {
			t.Errorf("%v %#x %+v: got %q, want %q", c.a.Kind, c.v, c.o, got, c.want)
		}
	}
}

func TestMatch(t *testing.T) {
	o := Options{PID: 7, HasPID: true, Facilities: format.FacNamei}
	for _, c := range []struct {
		h    format.Header
		want bool
	}{
		{format.Header{Type: format.TypeNamei, PID: 7, TID: 8}, true},
		{format.Header{Type: format.TypeNamei, PID: 6, TID: 7}, true},
		{format.Header{Type: format.TypeNamei, PID: 6, TID: 8}, false},
		{format.Header{Type: format.TypeCall, PID: 7, TID: 7}, false},
		{format.Header{Type: format.TypeLost, PID: 7, TID: 7}, true},
		{format.Header{Type: format.Type(99), PID: 7, TID: 7}, true},
		{format.Header{Type: format.TypeStart, PID: 7, TID: 7}, false},
	} {
		if got := o.Match(&c.h); got != c.want {
			t.Errorf("Match(%+v) = %v", c.h, got)
		}
	}
}

// TestJSON checks that every line is a JSON object whose fields agree
// with the record decoded by package format.
func TestJSON(t *testing.T) {
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		trace := sample(t, m)
		out := render(t, trace, ModeJSON, Options{})
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		rd := format.NewReader(bytes.NewReader(trace))
		for i := 0; ; i++ {
			rec, err := rd.Next()
			if err == io.EOF {
				if i != len(lines) {
					t.Fatalf("%d records, %d lines", i, len(lines))
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			var obj struct {
				Offset  int64
				TypeNum uint16 `json:"type_num"`
				PID     int32
				TID     int32
				Time    struct{ Sec, Nsec int64 }
				ABI     string
				Args    []string
				Value   *int64 `json:",string"`
				Raw     *int64 `json:",string"`
				Errno   *int32
				Data    *string
				Data64  *string `json:"data_base64"`
				Path    *string
				Path64  *string `json:"path_base64"`
				Strings []string
				Text    string
			}
			dec := json.NewDecoder(strings.NewReader(lines[i]))
			if err := dec.Decode(&obj); err != nil {
				t.Fatalf("line %d: %v\n%s", i, err, lines[i])
			}
			if obj.Offset != rec.Offset || obj.TypeNum != uint16(rec.Type) || obj.PID != rec.PID ||
				obj.TID != rec.TID || obj.Time.Sec*1e9+obj.Time.Nsec != rec.Time || obj.Time.Nsec >= 1e9 || obj.ABI != rec.ABI.String() {
				t.Errorf("line %d header fields differ from the record: %s", i, lines[i])
			}
			switch rec.Type {
			case format.TypeCall:
				c, _ := rec.Call()
				if len(obj.Args) != c.NArg {
					t.Errorf("line %d: %d args, want %d", i, len(obj.Args), c.NArg)
				}
				for k := range obj.Args {
					if obj.Args[k] != strconv.FormatUint(c.Args[k], 10) {
						t.Errorf("line %d: arg %d = %s, want %d", i, k, obj.Args[k], c.Args[k])
					}
				}
				want := string(appendCallText(nil, (&tableCache{}).lookup(rec.ABI, c.Number), (&tableCache{}).get(rec.ABI), &c, &Options{}, nil))
				if obj.Text != want {
					t.Errorf("line %d: text %q, want %q", i, obj.Text, want)
				}
			case format.TypeRet:
				r, _ := rec.Ret()
				want := r.Value
				if r.Error != 0 {
					want = -1
				}
				if obj.Value == nil || *obj.Value != want || obj.Raw == nil || *obj.Raw != r.Value ||
					obj.Errno == nil || *obj.Errno != r.Error {
					t.Errorf("line %d: value/raw/errno differ from %+v", i, r)
				}
			case format.TypeGenio, format.TypeUser, format.TypeStruct:
				var data []byte
				switch rec.Type {
				case format.TypeGenio:
					g, _ := rec.Genio()
					data = g.Data
				case format.TypeUser:
					u, _ := rec.User()
					data = u.Data
				default:
					s, _ := rec.Struct()
					data = s.Data
				}
				var got []byte
				switch {
				case obj.Data != nil:
					got = []byte(*obj.Data)
				case obj.Data64 != nil:
					got, _ = base64.StdEncoding.DecodeString(*obj.Data64)
				}
				if !bytes.Equal(got, data) {
					t.Errorf("line %d: data %q, want %q", i, got, data)
				}
			case format.TypeNamei:
				got := ""
				switch {
				case obj.Path64 != nil:
					b, _ := base64.StdEncoding.DecodeString(*obj.Path64)
					got = string(b)
				case obj.Path != nil:
					got = *obj.Path
				}
				if got != string(rec.Payload) {
					t.Errorf("line %d: path %q, want %q", i, got, rec.Payload)
				}
			case format.TypeArgs, format.TypeEnvs:
				var want []string
				rec.Strings(func(s []byte) { want = append(want, string(s)) })
				if strings.Join(obj.Strings, "\x00") != strings.Join(want, "\x00") {
					t.Errorf("line %d: strings %q, want %q", i, obj.Strings, want)
				}
			}
		}
	}
}

func TestJSONString(t *testing.T) {
	for _, s := range []string{"plain", "quote\" back\\ nl\n tab\t", "\x00\x1f\x7f", "héllo ☃", "bad \xff\xfe utf8",
		"sep \u2028 \u2029"} {
		enc := appendJSONString(nil, []byte(s))
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("%q: %v (%s)", s, err, enc)
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		want = strings.ReplaceAll(want, "\ufffd\ufffd", "\ufffd")
		if got != strings.ToValidUTF8(s, "\ufffd") && got != want && !strings.Contains(s, "\xff") {
			t.Errorf("%q encoded as %s decodes to %q", s, enc, got)
		}
		if !strings.Contains(s, "\xff") && got != s {
			t.Errorf("%q encoded as %s decodes to %q", s, enc, got)
		}
	}
}

func TestSummaryCounts(t *testing.T) {
	trace := sample(t, arch.MachineArm64)
	out := render(t, trace, ModeSummary, Options{})
	var calls, errs int
	rd := format.NewReader(bytes.NewReader(trace))
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		switch rec.Type {
		case format.TypeCall:
			calls++
		case format.TypeRet:
			if r, _ := rec.Ret(); r.Error != 0 && !arch.IsRestart(int(r.Error)) {
				errs++
			}
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	total := strings.Fields(lines[len(lines)-1])
	if total[len(total)-1] != "total" || total[3] != strconv.Itoa(calls) || total[4] != strconv.Itoa(errs) {
		t.Errorf("total line %q, want %d calls %d errors", lines[len(lines)-1], calls, errs)
	}
	// Sorted by time, the most first.
	prev := 1e9
	for _, l := range lines[2 : len(lines)-2] {
		sec, err := strconv.ParseFloat(strings.Fields(l)[1], 64)
		if err != nil || sec > prev {
			t.Errorf("line %q out of order", l)
		}
		prev = sec
	}
}

// TestStatLayouts checks the struct stat layout the generator computed
// for the machine the test runs on against the compiler's layout of
// golang.org/x/sys/unix.Stat_t.
func TestStatLayouts(t *testing.T) {
	abi := map[string]arch.ABI{"amd64": arch.ABIAmd64, "arm64": arch.ABIArm64}[runtime.GOARCH]
	var st unix.Stat_t
	l, ok := statLayoutFor(abi, int(unsafe.Sizeof(st)))
	if !ok {
		t.Skipf("no layout for %s", runtime.GOARCH)
	}
	for _, c := range []struct {
		name      string
		f         field
		off, size uintptr
	}{
		{"dev", l.dev, unsafe.Offsetof(st.Dev), unsafe.Sizeof(st.Dev)},
		{"ino", l.ino, unsafe.Offsetof(st.Ino), unsafe.Sizeof(st.Ino)},
		{"nlink", l.nlink, unsafe.Offsetof(st.Nlink), unsafe.Sizeof(st.Nlink)},
		{"mode", l.mode, unsafe.Offsetof(st.Mode), unsafe.Sizeof(st.Mode)},
		{"uid", l.uid, unsafe.Offsetof(st.Uid), unsafe.Sizeof(st.Uid)},
		{"gid", l.gid, unsafe.Offsetof(st.Gid), unsafe.Sizeof(st.Gid)},
		{"rdev", l.rdev, unsafe.Offsetof(st.Rdev), unsafe.Sizeof(st.Rdev)},
		{"size", l.fsize, unsafe.Offsetof(st.Size), unsafe.Sizeof(st.Size)},
		{"blksize", l.blksize, unsafe.Offsetof(st.Blksize), unsafe.Sizeof(st.Blksize)},
		{"blocks", l.blocks, unsafe.Offsetof(st.Blocks), unsafe.Sizeof(st.Blocks)},
		{"atime", l.atime.sec, unsafe.Offsetof(st.Atim), 8},
		{"mtime", l.mtime.sec, unsafe.Offsetof(st.Mtim), 8},
		{"ctime", l.ctime.sec, unsafe.Offsetof(st.Ctim), 8},
	} {
		if uintptr(c.f.off) != c.off || uintptr(c.f.size) != c.size {
			t.Errorf("%s: layout says offset %d size %d, unix.Stat_t %d %d", c.name, c.f.off, c.f.size, c.off, c.size)
		}
	}
	if uintptr(l.size) != unsafe.Sizeof(st) {
		t.Errorf("size %d, unix.Stat_t %d", l.size, unsafe.Sizeof(st))
	}
}

func TestStructsI386(t *testing.T) {
	st64 := make([]byte, 96)
	le.PutUint32(st64[16:], 0o40755)
	le.PutUint32(st64[44:], 4096)
	le.PutUint64(st64[88:], 77)
	old := make([]byte, 64)
	le.PutUint16(old[8:], 0o100600)
	le.PutUint32(old[4:], 12)
	le.PutUint32(old[20:], 3)
	ts32 := make([]byte, 8)
	le.PutUint32(ts32, 5)
	le.PutUint32(ts32[4:], 1<<30-2)
	for _, c := range []struct {
		name string
		data []byte
		want []string
	}{
		{"stat", st64, []string{"ino=77", "mode=040755<drwxr-xr-x>", "size=4096"}},
		{"stat", old, []string{"ino=12", "mode=0100600<-rw------->", "size=3"}},
		{"timespec", ts32, []string{"tv_sec=5", "tv_nsec=UTIME_OMIT"}},
	} {
		got, ok := appendStruct(nil, []byte(c.name), arch.ABII386, c.data, &Options{Structs: true})
		if !ok {
			t.Errorf("%s of %d bytes not decoded", c.name, len(c.data))
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(string(got), w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
	}
	if _, ok := appendStruct(nil, []byte("stat"), arch.ABIAmd64, st64, &Options{}); ok {
		t.Error("a 96-byte stat decoded with the amd64 layout")
	}
	mode := string(appendFileMode(nil, 0o107755, &Options{}))
	if mode != "0107755<-rwsr-sr-t>" {
		t.Errorf("setuid/setgid/sticky mode printed %q", mode)
	}
}

// TestOddRecords checks records a newer or broken tracer could write:
// bad payloads, unknown ABIs and types. Each gives one line and decoding
// goes on.
func TestOddRecords(t *testing.T) {
	trace := oddTrace(t)
	for _, m := range []Mode{ModeText, ModeJSON, ModeSummary, ModeCalls, ModeCallsJSON} {
		out := render(t, trace, m, Options{})
		if m == ModeText {
			for _, want := range []string{"CALL  (bad record:", "RET   (bad record:", "GIO   (bad record:",
				"USER  (bad record:", "CALL  SYS_5(0x1)", "ARGS  (none)", `NAMI  "tail"`} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		}
		if m == ModeJSON && strings.Count(out, `"bad_record":"`) != 5 {
			t.Errorf("JSON: want 5 bad_record fields:\n%s", out)
		}
	}
}

// oddTrace returns a trace of records whose payloads do not decode, of
// an unknown ABI.
func oddTrace(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	w := format.NewWriter(&b)
	h := &format.Header{PID: 1, TID: 1, ABI: arch.ABI(77)}
	h.SetComm("odd")
	w.WriteStart(h, &format.Start{Version: format.Version, Machine: arch.MachineAmd64})
	w.WriteBytes(h, format.TypeCall, []byte{1, 2, 3})
	w.WriteBytes(h, format.TypeRet, []byte{1})
	w.WriteBytes(h, format.TypeGenio, nil)
	w.WriteBytes(h, format.TypeUser, nil)
	w.WriteCall(h, 5, []uint64{1})
	w.WriteBytes(h, format.TypeCall, []byte{1, 0, 0, 0, 9, 0, 0, 0})
	w.WriteBytes(h, format.TypeArgs, nil)
	w.WriteBytes(h, format.TypeNamei, []byte("tail"))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestNoAllocs checks that rendering the usual records allocates nothing.
func TestNoAllocs(t *testing.T) {
	var b bytes.Buffer
	if err := tracegen.Mixed(&b, 1000); err != nil {
		t.Fatal(err)
	}
	var recs []format.Record
	rd := format.NewReader(bytes.NewReader(b.Bytes()))
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c := *rec
		c.Payload = bytes.Clone(rec.Payload)
		recs = append(recs, c)
	}
	for _, m := range []Mode{ModeText, ModeJSON} {
		for _, o := range []Options{{}, {Threads: true, Elapsed: true, Relative: true, Absolute: true, SyscallNumbers: true},
			{Decimal: true, Raw: true, HexASCII: true}} {
			r := NewRenderer(bufio.NewWriter(io.Discard), m, o)
			i := 0
			allocs := testing.AllocsPerRun(len(recs)*3, func() {
				r.Record(&recs[i%len(recs)])
				i++
			})
			if allocs != 0 {
				t.Errorf("mode %d %+v: %.2f allocations per record", m, o, allocs)
			}
		}
	}
}

// TestLargeData renders I/O records larger than the chunks the renderers
// work in: the data must come out whole.
func TestLargeData(t *testing.T) {
	text := []byte(strings.Repeat("héllo wörld ☃ line\n", 60000)) // over 1 MB, runes across chunk ends
	bin := make([]byte, 1<<20+7)
	for i := range bin {
		bin[i] = byte(i * 13)
	}
	var b bytes.Buffer
	w := format.NewWriter(&b)
	h := &format.Header{PID: 1, TID: 1, ABI: arch.ABIAmd64}
	w.WriteStart(h, &format.Start{Version: format.Version, Machine: arch.MachineAmd64})
	w.WriteGenio(h, &format.Genio{FD: 1, Dir: format.Write, Len: uint64(len(text)), Data: text})
	w.WriteGenio(h, &format.Genio{FD: 1, Dir: format.Write, Len: uint64(len(bin)), Data: bin})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(render(t, b.Bytes(), ModeJSON, Options{}), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d JSON lines, want 3", len(lines))
	}
	var obj struct {
		Data   *string
		Data64 *string `json:"data_base64"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &obj); err != nil || obj.Data == nil || *obj.Data != string(text) {
		t.Errorf("large text record: %v", err)
	}
	obj.Data, obj.Data64 = nil, nil
	if err := json.Unmarshal([]byte(lines[2]), &obj); err != nil || obj.Data64 == nil {
		t.Fatalf("large binary record: %v", err)
	}
	if got, err := base64.StdEncoding.DecodeString(*obj.Data64); err != nil || !bytes.Equal(got, bin) {
		t.Errorf("large binary record: data differs (%v)", err)
	}

	out := render(t, b.Bytes(), ModeText, Options{})
	var got []byte
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, dataIndent+`"`) {
			got = append(got, unvis(t, l[len(dataIndent)+1:len(l)-1])...)
		}
	}
	if !bytes.Equal(got, text) {
		t.Errorf("large text record: vis lines give %d bytes, want %d", len(got), len(text))
	}
	if n := strings.Count(out, "\n"+dataIndent+"0x"); n != (len(bin)+15)/16 {
		t.Errorf("large binary record: %d hex lines, want %d", n, (len(bin)+15)/16)
	}
}

// TestRunFollow follows a pipe in process: records are rendered as they
// come, and the end of the context ends the run without error even while
// a read blocks.
func TestRunFollow(t *testing.T) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	cfg := Config{File: "-", Follow: true, Poll: 10 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		_, err := cfg.Run(ctx, pr, &out, &errb)
		done <- err
	}()
	trace := sample(t, arch.MachineAmd64)
	if _, err := pw.Write(trace); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), `exit_group(0x1)`) {
		if time.Now().After(deadline) {
			t.Fatalf("records not shown while following:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end with its context")
	}
	if errb.String() != "" {
		t.Errorf("stderr: %q", errb.String())
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FuzzRender renders arbitrary bytes after a good start: whatever the
// records hold, no renderer may panic, and decoding ends.
func FuzzRender(f *testing.F) {
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		b, err := tracegen.Sample(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range []Mode{ModeText, ModeJSON, ModeSummary} {
			for _, o := range []Options{{}, {Raw: true, Structs: true, Decimal: true, Hex: true},
				{Structs: true, HexASCII: true, MaxData: 3, Threads: true, Elapsed: true, Relative: true}} {
				r := NewRenderer(io.Discard, m, o)
				rd := format.NewReader(bytes.NewReader(data))
				for n := 0; ; n++ {
					rec, err := rd.Next()
					if err == io.EOF || errors.Is(err, format.ErrNotTrace) {
						break
					}
					if n > len(data) {
						t.Fatal("decoding does not end")
					}
					if err == nil {
						r.Record(rec)
					}
				}
				r.Close()
			}
		}
	})
}

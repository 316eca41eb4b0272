package dump

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

const goldenDir = "../testdata/kdump"

// parseArgs turns the kdump flags of a golden case into Options and a
// Mode, independently of cmd/kdump's flag parsing (whose tests run the
// binary on the same cases and so check both agree).
func parseArgs(args []string) (o Options, m Mode, err error) {
	o = Options{Questions: Questions{Location: time.UTC}}
	m = ModeText
	calls := false
	defer func() {
		if calls {
			m = map[Mode]Mode{ModeText: ModeCalls, ModeJSON: ModeCallsJSON}[m]
		}
	}()
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "--json":
			m = ModeJSON
			continue
		case "--summary":
			m = ModeSummary
			continue
		case "--calls":
			calls = true
			continue
		}
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			if !hasVal && i+1 < len(args) && longValue[name] {
				i++
				val = args[i]
			}
			if err := parseLong(&o, name, val); err != nil {
				return o, m, err
			}
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			return o, m, fmt.Errorf("bad argument %q", a)
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			bools := map[byte]*bool{'d': &o.Decimal, 'n': &o.Raw, 'H': &o.Threads, 'T': &o.Absolute,
				'E': &o.Elapsed, 'R': &o.Relative, 'S': &o.SyscallNumbers, 's': &o.NoData,
				'x': &o.Hex, 'X': &o.HexASCII, 'r': &o.Structs, 'Z': &o.Filter.Failed,
				'z': &o.Filter.Successful, 'y': &o.FDNames}
			if p, ok := bools[c]; ok {
				*p = true
				continue
			}
			if j != len(a)-1 || i+1 >= len(args) {
				return o, m, fmt.Errorf("flag -%c needs a separate value", c)
			}
			i++
			v := args[i]
			switch c {
			case 'P':
				o.Filter.Paths = append(o.Filter.Paths, v)
			case 'm':
				n, err := strconv.Atoi(v)
				if err != nil {
					return o, m, err
				}
				o.MaxData = n
			case 'p':
				n, err := strconv.ParseInt(v, 10, 32)
				if err != nil {
					return o, m, err
				}
				o.PID, o.HasPID = int32(n), true
			case 't':
				f, err := format.ParseFacilities(v)
				if err != nil {
					return o, m, err
				}
				o.Facilities = f
			default:
				return o, m, fmt.Errorf("unknown flag -%c", c)
			}
		}
	}
	return o, m, nil
}

// longValue lists the long flags of the golden cases that take a value.
var longValue = map[string]bool{"syscalls": true, "comm": true, "since": true, "until": true, "sort": true}

// parseLong applies the long flag --name (with its value val).
func parseLong(o *Options, name, val string) error {
	var err error
	switch name {
	case "syscalls":
		o.Filter.Syscalls, err = arch.ParseSyscallExpr(val)
	case "comm":
		o.Filter.Comm = val
	case "since":
		o.Filter.Since, err = ParseTimeBound(val)
	case "until":
		o.Filter.Until, err = ParseTimeBound(val)
	case "sort":
		o.Sort = val
	case "wall":
		o.Wall = true
	case "per-process":
		o.PerProcess = true
	case "per-thread":
		o.PerThread = true
	default:
		err = fmt.Errorf("unknown flag --%s", name)
	}
	return err
}

// render decodes trace with a renderer of mode m, reporting damage as
// kdump does.
func render(t testing.TB, trace []byte, m Mode, o Options) string {
	t.Helper()
	var out bytes.Buffer
	r := NewRenderer(&out, m, o)
	rd := format.NewReader(bytes.NewReader(trace))
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading the sample trace: %v", err)
		}
		if err := r.Record(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func sample(t testing.TB, m arch.Machine) []byte {
	t.Helper()
	b, err := tracegen.Sample(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	cases, err := tracegen.ReadCases(filepath.Join(goldenDir, "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if seen[c.Name] {
				t.Fatalf("case %s listed twice", c.Name)
			}
			seen[c.Name] = true
			o, m, err := parseArgs(c.Args)
			if err != nil {
				t.Fatal(err)
			}
			trace, err := c.Build()
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, trace, m, o)
			testutil.Golden(t, filepath.Join(goldenDir, c.Name+".golden"), []byte(got))
		})
	}
	// Every golden file belongs to a case.
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.golden"))
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".golden"); !seen[name] && !testutil.Updating() {
			t.Errorf("%s has no case in cases.txt", f)
		}
	}
}

// TestSpecExamples checks the lines SPEC.md shows, on both machines: the
// goldens must not drift from the contract.
func TestSpecExamples(t *testing.T) {
	want := []string{
		`  4242 cat      CALL  openat(AT_FDCWD,0x7ffc1c2a4f10,0x80000<O_RDONLY|O_CLOEXEC>)` + "\n" +
			`  4242 cat      NAMI  "/etc/hostname"` + "\n" +
			`  4242 cat      RET   openat 3` + "\n",
		`  4242 cat      CALL  read(3,0x7f3a2c000000,0x20000)` + "\n" +
			`  4242 cat      GIO   fd 3 read 5 bytes` + "\n" +
			`       "host\n"` + "\n" +
			`  4242 cat      RET   read 5` + "\n",
		`  4242 cat      CALL  openat(AT_FDCWD,0x55d0c0a0,0<O_RDONLY>)` + "\n" +
			`  4242 cat      NAMI  "/nonexistent"` + "\n" +
			`  4242 cat      RET   openat -1 errno 2 No such file or directory` + "\n",
		`  4242 cat      PSIG  SIGINT SIG_DFL code=SI_USER pid=4100 uid=1000` + "\n" +
			`  4242 cat      PSIG  SIGUSR1 caught handler=0x401a30 mask=0x0 code=SI_USER pid=4100 uid=1000` + "\n",
		`  4242 cat      CSW   stop kernel "hrtimer_nanosleep"` + "\n",
		`  4242 cat      CSW   resume kernel` + "\n",
		`  4242 cat      RET   read 65536/0x10000` + "\n",
		`  4242 cat      RET   clock_nanosleep RESTART` + "\n",
	}
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		got := render(t, sample(t, m), ModeText, Options{})
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%v: output lacks\n%s", m, w)
			}
		}
		if !strings.Contains(got, `EMUL  "`+m.NativeABI().String()+`"`) {
			t.Errorf("%v: no EMUL %s", m, m.NativeABI())
		}
		// With -S the numbers are the machine's own.
		sn := render(t, sample(t, m), ModeText, Options{SyscallNumbers: true})
		openat, read := "openat[257](", "read[0]("
		if m == arch.MachineArm64 {
			openat, read = "openat[56](", "read[63]("
		}
		if !strings.Contains(sn, openat) || !strings.Contains(sn, read) {
			t.Errorf("%v: -S output lacks %s or %s", m, openat, read)
		}
	}
}

// TestEveryRecordShown checks that the text output has one header line
// per record shown, in the order of the trace.
func TestEveryRecordShown(t *testing.T) {
	trace := sample(t, arch.MachineAmd64)
	got := render(t, trace, ModeText, Options{Threads: true})
	var lines []string
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 22 && l[6] == ' ' && l[13] == ' ' && strings.TrimSpace(l[:6]) != "" {
			lines = append(lines, l)
		}
	}
	rd := format.NewReader(bytes.NewReader(trace))
	i := 0
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Type == format.TypeStart {
			continue
		}
		if i >= len(lines) {
			t.Fatalf("record %d (%v at %d) not shown", i, rec.Type, rec.Offset)
		}
		commFmt := "%-8s" // a longer name whole, padded to 16
		if len(rec.CommString()) > 8 {
			commFmt = "%-16s"
		}
		prefix := fmt.Sprintf("%6d %6d "+commFmt+" %s", rec.PID, rec.TID, rec.CommString(), rec.Type)
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], prefix)
		}
		i++
	}
	if i != len(lines) {
		t.Errorf("%d header lines for %d records", len(lines), i)
	}
}

package dump

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// structTraces are the traces of recorded structures, in the layouts of
// amd64, i386 and arm64, whose decoding the goldens of testdata/stru
// hold: their golden name prefix, the generator, and whether --calls is
// checked too.
var structTraces = []struct {
	prefix string
	gen    func(arch.Machine) ([]byte, error)
	calls  bool
}{
	{"", tracegen.Structs, false},
	{"time-", tracegen.StructsTime, false}, // time values, fd_sets, epoll, output buffers
	{"sys-", tracegen.SysStructs, true},    // signals, limits, system structures
	{"msg-", tracegen.StructsMsg, true},    // msghdr, siginfo, wait status, PSIG siginfo
	{"dep-", tracegen.Depends, true},       // arguments selected by another (fcntl, ioctl, ...)
	// What strace shows after the result or in place of a pointer, statfs
	// (issue 12, polish); polish_golden_test.go adds -y.
	{"polish-", tracegen.Polish, true},
}

// TestStructGoldens decodes every structure the tracer records
// (structTraces) with -r, -r -n, --json and --calls; go test -update
// rewrites testdata/stru.
func TestStructGoldens(t *testing.T) {
	for _, st := range structTraces {
		for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
			trace, err := st.gen(m)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				suffix string
				mode   Mode
				raw    bool
			}{{"", ModeText, false}, {"-raw", ModeText, true}, {"-json", ModeJSON, false}, {"-calls", ModeCalls, false}} {
				if c.mode == ModeCalls && !st.calls {
					continue
				}
				got := render(t, trace, c.mode, Options{Structs: true, Raw: c.raw})
				testutil.Golden(t, filepath.Join("../testdata/stru", st.prefix+m.String()+c.suffix+".golden"), []byte(got))
			}
		}
	}
}

// TestStructSchemas validates kdump --json and --calls --json of the
// structure traces, and of the time calls' trace, against the schemas,
// plain, with -n and with -r.
func TestStructSchemas(t *testing.T) {
	rec := loadSchema(t, "kdump-record.json")
	call := loadSchema(t, "kdump-call.json")
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		traces := map[string][]byte{}
		for _, st := range structTraces {
			trace, err := st.gen(m)
			if err != nil {
				t.Fatal(err)
			}
			traces[st.prefix] = trace
		}
		calls, err := tracegen.TimeCalls(m)
		if err != nil {
			t.Fatal(err)
		}
		traces["time calls"] = calls
		for name, trace := range traces {
			for _, o := range []Options{{}, {Raw: true}, {Structs: true}} {
				for mode, v := range map[Mode]*validator{ModeJSON: rec, ModeCallsJSON: call} {
					out := render(t, trace, mode, o)
					if out == "" {
						continue // --calls of records outside calls
					}
					for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
						if err := v.validateLine(line); err != nil {
							t.Errorf("%v %q mode %d raw %v structs %v line %d: %v\n%s", m, name, mode, o.Raw, o.Structs, i, err, line)
						}
					}
				}
			}
		}
	}
}

// TestFormatStruct checks the exported decoder on the structures tests
// of real programs compare, and that it refuses a layout it does not know.
func TestFormatStruct(t *testing.T) {
	for _, c := range []struct {
		name string
		abi  arch.ABI
		data []byte
		want string
		ok   bool
	}{
		{"fd_pair", arch.ABIAmd64, []byte{3, 0, 0, 0, 4, 0, 0, 0}, "struct fd_pair { 3, 4 }", true},
		{"sockaddr", arch.ABIArm64, []byte{2, 0, 0x1f, 0x90, 127, 0, 0, 1}, "struct sockaddr { AF_INET, 127.0.0.1:8080 }", true},
		{"stat", arch.ABIAmd64, make([]byte, 10), "", false},
		{"rusage", arch.ABIAmd64, make([]byte, 144), "", false},
	} {
		got, ok := FormatStruct(c.name, c.abi, c.data, Options{})
		if got != c.want || ok != c.ok {
			t.Errorf("FormatStruct(%s, %v, % x) = %q, %v; want %q, %v", c.name, c.abi, c.data, got, ok, c.want, c.ok)
		}
	}
}

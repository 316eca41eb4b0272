package dump

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// TestTimeStructGoldens decodes the time, select, epoll and output-buffer
// structures (tracegen.StructsTime) in the layouts of amd64, i386 and
// arm64, with -r, -r -n and --json, damaged ones included; go test
// -update rewrites testdata/stru/time-*.
func TestTimeStructGoldens(t *testing.T) {
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		trace, err := tracegen.StructsTime(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			suffix string
			mode   Mode
			raw    bool
		}{{"", ModeText, false}, {"-raw", ModeText, true}, {"-json", ModeJSON, false}} {
			o := Options{Structs: true, Raw: c.raw}
			got := render(t, trace, c.mode, o)
			testutil.Golden(t, filepath.Join("../testdata/stru", "time-"+m.String()+c.suffix+".golden"), []byte(got))
		}
	}
}

// TestTimeSchemas validates the JSON of those structures and calls
// against the schemas.
func TestTimeSchemas(t *testing.T) {
	rec := loadSchema(t, "kdump-record.json")
	call := loadSchema(t, "kdump-call.json")
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		stru, err := tracegen.StructsTime(m)
		if err != nil {
			t.Fatal(err)
		}
		calls, err := tracegen.TimeCalls(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			trace []byte
			mode  Mode
			v     *validator
		}{{stru, ModeJSON, rec}, {calls, ModeJSON, rec}, {calls, ModeCallsJSON, call}} {
			for _, o := range []Options{{}, {Raw: true}} {
				out := render(t, c.trace, c.mode, o)
				for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
					if err := c.v.validateLine(line); err != nil {
						t.Errorf("%v mode %d %+v line %d: %v\n%s", m, c.mode, o, i, err, line)
					}
				}
			}
		}
	}
}

// TestTimeDecodersOddInput feeds the decoders of this area every length
// up to 80 bytes of patterned data, on every ABI: none may panic, and
// what does not decode falls back to the bytes.
func TestTimeDecodersOddInput(t *testing.T) {
	names := []string{"fd_set", "string"}
	for n := range timeDecoders {
		names = append(names, n)
	}
	data := make([]byte, 80)
	for i := range data {
		data[i] = byte(i*37 + 5)
	}
	data[16], data[17] = 24, 0 // a plausible d_reclen
	for _, abi := range []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64} {
		for _, name := range names {
			for n := 0; n <= len(data); n++ {
				for _, o := range []Options{{}, {Raw: true}} {
					appendStruct(nil, []byte(name), abi, data[:n], &o)
					appendStructJSON(nil, []byte(name), abi, data[:n], &o)
					appendStructInline(nil, []byte(name), abi, data[:n], &o)
				}
			}
		}
	}
}

package dump

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// TestPolishGoldens renders tracegen.Polish (ppoll's updated revents and
// time left, a ppoll that timed out, PR_GET_PDEATHSIG's signal, an
// ioctl's int, a read of 0 bytes, NULL pointers, internet sockets'
// ends with -y) on amd64 and arm64 with --calls, -r, -r -n, --json and
// --calls -y; go test -update rewrites
// testdata/stru/polish-*.golden.
func TestPolishGoldens(t *testing.T) {
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		trace, err := tracegen.Polish(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			suffix string
			mode   Mode
			raw    bool
			fds    bool
		}{{"-calls", ModeCalls, false, false}, {"", ModeText, false, false}, {"-raw", ModeText, true, false},
			{"-json", ModeJSON, false, false}, {"-calls-json", ModeCallsJSON, false, false}, {"-calls-y", ModeCalls, false, true}} {
			o := Options{Structs: true, Raw: c.raw, FDNames: c.fds}
			got := render(t, trace, c.mode, o)
			testutil.Golden(t, filepath.Join("../testdata/stru", "polish-"+m.String()+c.suffix+".golden"), []byte(got))
		}
	}
}

// TestPolishSchemas validates the JSON of the Polish traces against the
// schemas.
func TestPolishSchemas(t *testing.T) {
	rec := loadSchema(t, "kdump-record.json")
	call := loadSchema(t, "kdump-call.json")
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		trace, err := tracegen.Polish(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			mode Mode
			v    *validator
		}{{ModeJSON, rec}, {ModeCallsJSON, call}} {
			out := render(t, trace, c.mode, Options{Structs: true})
			for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if err := c.v.validateLine(line); err != nil {
					t.Errorf("%v mode %d line %d: %v\n%s", m, c.mode, i, err, line)
				}
			}
		}
	}
}

package dump

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// TestDependsGoldens decodes the calls whose arguments depend on others
// (fcntl, ioctl, setsockopt, getsockopt, prctl) and the structures they
// select, in the layouts of amd64, i386 and arm64 (tracegen.Depends): as
// kdump -r, -r -n, --json and --calls show them; go test -update
// rewrites testdata/stru/dep-*.
func TestDependsGoldens(t *testing.T) {
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		trace, err := tracegen.Depends(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			suffix string
			mode   Mode
			raw    bool
		}{{"", ModeText, false}, {"-raw", ModeText, true}, {"-json", ModeJSON, false}, {"-calls", ModeCalls, false}} {
			o := Options{Structs: true, Raw: c.raw}
			got := render(t, trace, c.mode, o)
			testutil.Golden(t, filepath.Join("../testdata/stru", "dep-"+m.String()+c.suffix+".golden"), []byte(got))
		}
	}
}

// TestDependsSchemas validates kdump --json and --calls --json of the
// dependent arguments' trace (decoded RET values, STRU members) against
// the schemas.
func TestDependsSchemas(t *testing.T) {
	rec := loadSchema(t, "kdump-record.json")
	call := loadSchema(t, "kdump-call.json")
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		trace, err := tracegen.Depends(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []Options{{}, {Raw: true}, {Structs: true}} {
			for mode, v := range map[Mode]*validator{ModeJSON: rec, ModeCallsJSON: call} {
				out := render(t, trace, mode, o)
				for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
					if err := v.validateLine(line); err != nil {
						t.Errorf("%v mode %d %+v line %d: %v\n%s", m, mode, o, i, err, line)
					}
				}
			}
		}
	}
}

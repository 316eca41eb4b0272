package dump

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// TestSysStructGoldens decodes the signal, limit and system structures
// (sigaction, sigset, rlimit, rlimit64, utsname, sysinfo, open_how,
// clone_args) in the layouts of amd64, i386 and arm64
// (tracegen.SysStructs), with -r, -r -n, --json and --calls; go test
// -update rewrites testdata/stru/sys-*.golden.
func TestSysStructGoldens(t *testing.T) {
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		trace, err := tracegen.SysStructs(m)
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
			if c.mode == ModeText && !c.raw && strings.Contains(got, "SIG_DFL") == false {
				t.Errorf("%v: no SIG_DFL handler decoded", m)
			}
			testutil.Golden(t, filepath.Join("../testdata/stru", "sys-"+m.String()+c.suffix+".golden"), []byte(got))
		}
	}
}

package dump

import (
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"slices"
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
			if c.mode == ModeText && !c.raw && !strings.Contains(got, "SIG_DFL") {
				t.Errorf("%v: no SIG_DFL handler decoded", m)
			}
			testutil.Golden(t, filepath.Join("../testdata/stru", "sys-"+m.String()+c.suffix+".golden"), []byte(got))
		}
	}
}

// TestSysStructsSchema validates kdump --json and --calls --json of the
// SysStructs traces against the schemas.
func TestSysStructsSchema(t *testing.T) {
	rec := loadSchema(t, "kdump-record.json")
	call := loadSchema(t, "kdump-call.json")
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		trace, err := tracegen.SysStructs(m)
		if err != nil {
			t.Fatal(err)
		}
		for mode, v := range map[Mode]*validator{ModeJSON: rec, ModeCallsJSON: call} {
			out := render(t, trace, mode, Options{})
			for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if err := v.validateLine(line); err != nil {
					t.Errorf("%v mode %d line %d: %v\n%s", m, mode, i, err, line)
				}
			}
		}
	}
}

// TestSysStructsOddBytes feeds the decoders of the signal, limit and
// system structures random bytes of every length up to past their
// largest layout, on every ABI: they never panic, refuse the sizes no
// layout has, and write valid JSON.
func TestSysStructsOddBytes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(12, 34))
	sizes := map[string][]int{ // the sizes decoded, on some ABI
		"sigaction": {20, 32}, "sigset": {1, 2, 3, 4, 5, 6, 7, 8}, "rlimit": {8, 16}, "rlimit64": {16},
		"utsname": {390}, "sysinfo": {64, 112}, "open_how": {24}, "clone_args": {64, 72, 80, 88},
	}
	for name, ok := range sizes {
		for _, abi := range []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64, arch.ABIUnknown} {
			for n := 0; n <= 400; n++ {
				data := make([]byte, n)
				for i := range data {
					data[i] = byte(rnd.Uint32())
				}
				o := &Options{}
				text, decoded := appendStruct(nil, []byte(name), abi, data, o)
				if decoded && !slices.Contains(ok, n) {
					t.Errorf("%s %v: %d bytes decoded: %s", name, abi, n, text)
				}
				js, jok := appendStructJSON(nil, []byte(name), abi, data, o)
				if jok != decoded || jok && !json.Valid(js) {
					t.Errorf("%s %v %d bytes: JSON %v %s, text %v", name, abi, n, jok, js, decoded)
				}
			}
		}
	}
}

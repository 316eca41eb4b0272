package dump

import (
	"path/filepath"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// TestPolishFDNamesGolden renders tracegen.Polish (see structTraces) with
// --calls -y: internet sockets named by their ends; go test -update
// rewrites testdata/stru/polish-*-calls-y.golden.
func TestPolishFDNamesGolden(t *testing.T) {
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		trace, err := tracegen.Polish(m)
		if err != nil {
			t.Fatal(err)
		}
		got := render(t, trace, ModeCalls, Options{Structs: true, FDNames: true})
		testutil.Golden(t, filepath.Join("../testdata/stru", "polish-"+m.String()+"-calls-y.golden"), []byte(got))
	}
}

package dump

import (
	"path/filepath"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// TestStructGoldens decodes every structure the tracer records, in the
// layouts of amd64, i386 and arm64 (tracegen.Structs), with -r, -r -n and
// --json; go test -update rewrites testdata/stru.
func TestStructGoldens(t *testing.T) {
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		trace, err := tracegen.Structs(m)
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
			testutil.Golden(t, filepath.Join("../testdata/stru", m.String()+c.suffix+".golden"), []byte(got))
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

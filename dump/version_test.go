package dump

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// placesRE matches what differs between the same records written in
// two format versions: where they are in the file, their size, and the
// version the START records give.
var placesRE = regexp.MustCompile(`"offset":\d+|"length":\d+|record of \d+ bytes at offset \d+|"version":\d`)

// TestFormatVersions renders the sample trace written in format version
// 1 and in version 2, in every mode: the outputs are the same but for
// the records' offsets and sizes and the START records' version.
func TestFormatVersions(t *testing.T) {
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		var traces [2][]byte
		for i, v := range []int{format.Version1, format.Version} {
			b, err := tracegen.SampleVersion(m, v)
			if err != nil {
				t.Fatal(err)
			}
			traces[i] = b
		}
		if len(traces[1]) >= len(traces[0]) {
			t.Errorf("%v: version 2 sample of %d bytes, version 1 of %d: not smaller", m, len(traces[1]), len(traces[0]))
		}
		for _, mode := range []Mode{ModeText, ModeJSON, ModeCalls, ModeCallsJSON} {
			for _, o := range []Options{{}, {Threads: true, Elapsed: true, SyscallNumbers: true, HexASCII: true}} {
				name := fmt.Sprintf("%v/mode%d/%+v", m, mode, o)
				v1 := render(t, traces[0], mode, o)
				v2 := render(t, traces[1], mode, o)
				if placesRE.ReplaceAllString(v1, "") != placesRE.ReplaceAllString(v2, "") {
					t.Errorf("%s: version 2 renders differently:\n%s\nversion 1:\n%s", name, v2, v1)
				}
				if len(v1) < 100 {
					t.Errorf("%s: %d bytes of output", name, len(v1))
				}
			}
		}
	}
}

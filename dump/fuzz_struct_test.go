package dump

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

// fuzzStructNames returns every STRU name kdump decodes (the decoder
// maps), sorted, and names it does not.
func fuzzStructNames() []string {
	var names []string
	for n := range structDecoders {
		names = append(names, n)
	}
	for n := range timeDecoders {
		names = append(names, n)
	}
	for n := range valueDecoders {
		names = append(names, n)
	}
	slices.Sort(names)
	return append(names, "nosuch", "")
}

// fuzzABIs are the ABIs a STRU record may carry, an unknown one too.
var fuzzABIs = []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64, arch.ABIUnknown}

// FuzzFormatStruct feeds every known STRU name random bytes on every
// ABI, in text (-r, -r -n, --calls inline, poll's strace form) and JSON:
// nothing may panic, and the JSON must be valid.
func FuzzFormatStruct(f *testing.F) {
	names := fuzzStructNames()
	for i := range names {
		f.Add(uint8(i), uint8(0), []byte{})
		f.Add(uint8(i), uint8(2), make([]byte, 144))
		f.Add(uint8(i), uint8(1), []byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 24, 0, 4, 'a', 0, 2, 0, 0x1f, 0x90, 127, 0, 0, 1})
	}
	f.Fuzz(func(t *testing.T, ni, ai uint8, data []byte) {
		name := []byte(names[int(ni)%len(names)])
		abi := fuzzABIs[int(ai)%len(fuzzABIs)]
		for _, o := range []Options{{}, {Raw: true}} {
			appendStruct(nil, name, abi, data, &o)
			appendStructInline(nil, name, abi, data, &o)
			b, ok := appendStructJSON(nil, name, abi, data, &o)
			if ok && !json.Valid(b) {
				t.Fatalf("%s on %v (raw %v), %x: invalid JSON %s", name, abi, o.Raw, data, b)
			}
		}
		appendPollfds(nil, abi, data, false)
		appendPollfds(nil, abi, data, true)
		appendControlChars(nil, abi, data)
	})
}

// TestFuzzStructNames: the fuzz corpus covers the decoders of every
// area.
func TestFuzzStructNames(t *testing.T) {
	names := fuzzStructNames()
	for _, want := range []string{"stat", "sockaddr", "pollfd", "termios", "signal", "msghdr", "siginfo", "sigaction", "fd_set", "dirent64"} {
		if !slices.Contains(names, want) {
			t.Errorf("fuzz names lack %s: %v", want, names)
		}
	}
}

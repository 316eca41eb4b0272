package dump

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

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

package dump

import (
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

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

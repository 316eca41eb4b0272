package dump

import (
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// TestMsgBadInput decodes every prefix of a msghdr, siginfo and
// wait_status record and of a PSIG siginfo: no panic, a refusal or
// what can be decoded.
func TestMsgBadInput(t *testing.T) {
	for _, abi := range []arch.ABI{arch.ABIAmd64, arch.ABII386, arch.ABIArm64} {
		w := 8
		if abi == arch.ABII386 {
			w = 4
		}
		for _, c := range []struct {
			name string
			data []byte
		}{
			{"msghdr", msgSample(w)},
			{"siginfo", make([]byte, 128)},
			{"wait_status", []byte{0, 3, 0, 0}},
		} {
			for n := 0; n <= len(c.data); n++ {
				FormatStruct(c.name, abi, c.data[:n], Options{})
				FormatStruct(c.name, abi, c.data[:n], Options{Raw: true})
				_, _ = appendStructJSON(nil, []byte(c.name), abi, c.data[:n], &Options{})
			}
		}
	}
	info := make([]byte, format.PsigInfoSize)
	info[0], info[8], info[16] = 11, 1, 0xad // SIGSEGV SEGV_MAPERR 0xad
	for n := 0; n <= len(info); n++ {
		p := format.Psig{Signal: 11, Code: 1, Info: info[:n]}
		text := string(appendPsigText(nil, &p, &Options{}))
		call := string(appendPsigCall(nil, &p, &Options{}))
		_ = appendPsigInfoJSON(nil, &p, &Options{})
		if hasAddr := n >= 24; strings.Contains(text, "addr=0xad") != hasAddr || strings.Contains(call, "si_addr=0xad") != hasAddr {
			t.Errorf("PSIG with %d bytes of siginfo: %q, --calls %q", n, text, call)
		}
	}
}

// msgSample returns a msghdr record with a cmsg whose cmsg_len says more
// than there is, for TestMsgBadInput.
func msgSample(w int) []byte {
	hdr := 56
	if w == 4 {
		hdr = 28
	}
	b := make([]byte, arch.MsghdrPrefix+hdr+w+8+8)
	le.PutUint32(b[8:], uint32(w+8+8))
	b[arch.MsghdrPrefix+hdr] = 200 // cmsg_len beyond the record
	b[arch.MsghdrPrefix+hdr+w] = 1
	b[arch.MsghdrPrefix+hdr+w+4] = 1
	return b
}

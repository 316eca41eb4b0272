package format

import (
	"bytes"
	"testing"
)

// TestPsigInfo checks that a PSIG record carries the head of the
// siginfo_t after its fixed fields, and that one without it (an older
// trace) decodes with none.
func TestPsigInfo(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	info := make([]byte, PsigInfoSize)
	info[0], info[8], info[16] = 11, 1, 0xad // SIGSEGV, SEGV_MAPERR, si_addr
	h := &Header{PID: 7, TID: 7}
	if err := w.WriteStart(h, &Start{Version: Version}); err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{info, nil} {
		if err := w.WritePsig(h, &Psig{Signal: 11, Code: 1, Info: in}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := NewReader(&buf)
	var got [][]byte
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		if rec.Type != TypePsig {
			continue
		}
		p, err := rec.Psig()
		if err != nil || p.Signal != 11 || p.Code != 1 {
			t.Fatalf("Psig = %+v, %v", p, err)
		}
		got = append(got, bytes.Clone(p.Info))
	}
	if len(got) != 2 || !bytes.Equal(got[0], info) || got[1] != nil {
		t.Errorf("Info of the two records = %x, want %x and none", got, info)
	}
}

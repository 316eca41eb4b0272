package format

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
)

// craftedTrace returns a START record followed by fake record headers,
// back to back up to size bytes, each passing the header check and
// claiming claim bytes; none has a good checksum.
func craftedTrace(t testing.TB, size, claim int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b)
	h := &Header{PID: 1, TID: 1, ABI: arch.ABIAmd64}
	if err := w.WriteStart(h, &Start{Version: Version, Machine: arch.MachineAmd64}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	fake := FakeHeader(claim)
	for b.Len() < size {
		b.Write(fake)
	}
	return b.Bytes()
}

// readWork reads data to its end and returns the damage reports and the
// work the Reader did (bytes run through the CRC or moved).
func readWork(data []byte) (damaged int, work int64) {
	rd := NewReader(bytes.NewReader(data))
	for {
		_, err := rd.Next()
		if err == io.EOF {
			return damaged, rd.work
		}
		var d *DamageError
		if errors.As(err, &d) {
			damaged++
		}
	}
}

// TestResyncLinear reads crafted files of fake headers that pass the
// header check and claim long records, and checks that the work per byte
// does not grow with the file: each candidate record costs the same
// whatever length it claims and however much of it is there.
func TestResyncLinear(t *testing.T) {
	const perByte = 40 // bytes of work per byte of file, at most
	for _, c := range []struct{ claim, small, large int }{
		{256 << 10, 512 << 10, 2 << 20},
		{MaxRecordLen, MaxRecordLen + 16<<10, MaxRecordLen + 256<<10},
	} {
		var ratio [2]float64
		for i, size := range []int{c.small, c.large} {
			data := craftedTrace(t, size, c.claim)
			damaged, work := readWork(data)
			if damaged != 1 {
				t.Errorf("claims of %d, %d bytes: %d damage reports, want 1", c.claim, size, damaged)
			}
			ratio[i] = float64(work) / float64(len(data))
			if ratio[i] > perByte {
				t.Errorf("claims of %d, %d bytes: %d bytes of work, %.1f a byte, want at most %d",
					c.claim, len(data), work, ratio[i], perByte)
			}
			t.Logf("claims of %d, %d bytes: %.2f bytes of work a byte", c.claim, len(data), ratio[i])
		}
		if ratio[1] > 1.5*ratio[0]+1 {
			t.Errorf("claims of %d: work a byte grows from %.2f to %.2f: not linear", c.claim, ratio[0], ratio[1])
		}
	}
}

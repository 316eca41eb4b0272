package format_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// garbageTail returns a sample trace followed by size bytes of garbage
// full of record headers whose lengths run past the end of the stream.
func garbageTail(tb testing.TB, size int) []byte {
	tb.Helper()
	trace, err := tracegen.Sample(arch.MachineAmd64)
	if err != nil {
		tb.Fatal(err)
	}
	g := make([]byte, size)
	for i := 0; i+8 <= len(g); i += 8 {
		g[i], g[i+1] = 'k', 't'
		g[i+4], g[i+5], g[i+6] = 0, 0, 0x10 // length 1 MiB
	}
	return append(bytes.Clone(trace), g...)
}

// damageReports reads data to its end and counts the damage reports.
func damageReports(data []byte) int {
	rd := format.NewReader(bytes.NewReader(data))
	damaged := 0
	for {
		_, err := rd.Next()
		if err == io.EOF {
			return damaged
		}
		var d *format.DamageError
		if errors.As(err, &d) {
			damaged++
		}
	}
}

// TestResyncAtEOF checks that garbage full of record headers whose
// lengths run past the end of the stream is one damage report. That its
// cost grows in proportion to the garbage, not its square, is
// BenchmarkResyncGarbage's to show (ns/byte flat across sizes).
func TestResyncAtEOF(t *testing.T) {
	if n := damageReports(garbageTail(t, 1<<20)); n != 1 {
		t.Errorf("%d damage reports, want 1", n)
	}
}

// craftedTail returns a sample trace followed by size bytes of fake
// record headers, back to back, that pass the header check and claim
// MaxRecordLen bytes each: every candidate record looks plausible until
// its checksum is computed over the length it claims.
func craftedTail(tb testing.TB, size int) []byte {
	tb.Helper()
	trace, err := tracegen.Sample(arch.MachineAmd64)
	if err != nil {
		tb.Fatal(err)
	}
	fake := format.FakeHeader(format.MaxRecordLen)
	data := bytes.Clone(trace)
	for n := 0; n < size; n += len(fake) {
		data = append(data, fake...)
	}
	return data
}

// BenchmarkResyncGarbage skips 1, 4 and 16 MiB of fake headers, and 1, 4
// and 17 MiB of crafted headers that pass the header check and claim 16
// MiB (17 MiB: the first MiB of them has all it claims); ns/byte stays
// flat when the resync is linear.
func BenchmarkResyncGarbage(b *testing.B) {
	for _, c := range []struct {
		name string
		mib  int
		make func(testing.TB, int) []byte
	}{
		{"", 1, garbageTail}, {"", 4, garbageTail}, {"", 16, garbageTail},
		{"crafted-", 1, craftedTail}, {"crafted-", 4, craftedTail}, {"crafted-", 17, craftedTail},
	} {
		b.Run(fmt.Sprintf("%s%dMiB", c.name, c.mib), func(b *testing.B) {
			data := c.make(b, c.mib<<20)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				damageReports(data)
			}
		})
	}
}

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

// BenchmarkResyncGarbage skips 1, 4 and 16 MiB of fake headers; ns/byte
// stays flat when the resync is linear.
func BenchmarkResyncGarbage(b *testing.B) {
	for _, mib := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("%dMiB", mib), func(b *testing.B) {
			data := garbageTail(b, mib<<20)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				damageReports(data)
			}
		})
	}
}

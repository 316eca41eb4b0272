package format_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// TestResyncAtEOFIsLinear checks that skipping garbage full of record
// headers whose lengths run past the end of the stream takes time in
// proportion to the garbage, not its square.
func TestResyncAtEOFIsLinear(t *testing.T) {
	trace, err := tracegen.Sample(arch.MachineAmd64)
	if err != nil {
		t.Fatal(err)
	}
	g := make([]byte, 1<<20)
	for i := 0; i+8 <= len(g); i += 8 {
		g[i], g[i+1] = 'k', 't'
		g[i+4], g[i+5], g[i+6] = 0, 0, 0x10 // length 1 MiB
	}
	data := append(bytes.Clone(trace), g...)
	start := time.Now()
	rd := format.NewReader(bytes.NewReader(data))
	damaged := 0
	for {
		_, err := rd.Next()
		if err == io.EOF {
			break
		}
		var d *format.DamageError
		if errors.As(err, &d) {
			damaged++
		}
	}
	if damaged != 1 {
		t.Errorf("%d damage reports, want 1", damaged)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("skipping 1 MiB of garbage took %v", d)
	}
}

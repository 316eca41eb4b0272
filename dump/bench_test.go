package dump

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// benchRecords is the size of the synthetic benchmark trace.
const benchRecords = 1 << 20

var benchTrace = sync.OnceValues(func() ([]byte, error) {
	var b bytes.Buffer
	err := tracegen.Mixed(&b, benchRecords)
	return b.Bytes(), err
})

// benchRender reads and renders the synthetic trace of a million mixed
// records to io.Discard per iteration, as kdump does.
func benchRender(b *testing.B, m Mode, o Options) {
	trace, err := benchTrace()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(trace)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		r := NewRenderer(io.Discard, m, o)
		rd := format.NewReader(bytes.NewReader(trace))
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if err := r.Record(rec); err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkText(b *testing.B) { benchRender(b, ModeText, Options{}) }
func BenchmarkTextAllCols(b *testing.B) {
	benchRender(b, ModeText, Options{Threads: true, Elapsed: true, SyscallNumbers: true})
}
func BenchmarkJSON(b *testing.B) { benchRender(b, ModeJSON, Options{}) }

// BenchmarkTextFDNames follows the descriptor tables (-y).
func BenchmarkTextFDNames(b *testing.B) { benchRender(b, ModeText, Options{FDNames: true}) }
func BenchmarkSummary(b *testing.B)     { benchRender(b, ModeSummary, Options{}) }
func BenchmarkCalls(b *testing.B)       { benchRender(b, ModeCalls, Options{}) }
func BenchmarkCallsJSON(b *testing.B)   { benchRender(b, ModeCallsJSON, Options{}) }

// BenchmarkTextFailed filters whole calls on their result: each call is
// held until its RET.
func BenchmarkTextFailed(b *testing.B) {
	benchRender(b, ModeText, Options{Filter: CallFilter{Failed: true}})
}

// BenchmarkTextSyscalls filters calls by name, decided at their CALL.
func BenchmarkTextSyscalls(b *testing.B) {
	e, err := arch.ParseSyscallExpr("openat")
	if err != nil {
		b.Fatal(err)
	}
	benchRender(b, ModeText, Options{Filter: CallFilter{Syscalls: e}})
}

package format_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// benchRecords is the number of records per benchmark iteration.
const benchRecords = 1 << 20

// countingDiscard counts what is written to it.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// BenchmarkWriter encodes a million mixed records (CALL, NAMI, RET, GIO
// with 48 bytes of data) per iteration, in each format version.
func BenchmarkWriter(b *testing.B) {
	for _, v := range []int{format.Version1, format.Version} {
		b.Run(fmt.Sprintf("v%d", v), func(b *testing.B) { benchWriter(b, v) })
	}
}

func benchWriter(b *testing.B, v int) {
	h := &format.Header{PID: 100, TID: 101, ABI: arch.ABIAmd64}
	h.SetComm("server")
	data := []byte("GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n")
	path := []byte("/var/www/index.html")
	args := []uint64{0xffffff9c, 0x7ffc1c2a4f10, 0x80000, 0}
	g := &format.Genio{FD: 7, Dir: format.Read, Len: uint64(len(data)), Data: data}
	var out countingDiscard
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		w := format.NewWriter(&out)
		if err := w.SetVersion(v); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < benchRecords; i += 4 {
			h.Time += 1000
			w.WriteCall(h, 257, args)
			w.WriteBytes(h, format.TypeNamei, path)
			w.WriteGenio(h, g)
			if err := w.WriteRet(h, format.RetFromValue(257, 7)); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		n += benchRecords
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(out.n)/1e6/sec, "MB/s")
	b.ReportMetric(float64(n)/sec, "records/s")
	b.ReportMetric(float64(out.n)/float64(n), "bytes/record")
}

// BenchmarkReader decodes a synthetic trace of a million mixed records
// per iteration, checksums included, in each format version.
func BenchmarkReader(b *testing.B) {
	for _, v := range []int{format.Version1, format.Version} {
		b.Run(fmt.Sprintf("v%d", v), func(b *testing.B) { benchReader(b, v) })
	}
}

func benchReader(b *testing.B, v int) {
	var trace bytes.Buffer
	if err := tracegen.MixedVersion(&trace, benchRecords, v); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(trace.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		rd := format.NewReader(bytes.NewReader(trace.Bytes()))
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(trace.Len())/benchRecords, "bytes/record")
}

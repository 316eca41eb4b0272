package format

import (
	"bytes"
	"errors"
	"testing"
)

// TestDamagedStart flips each bit of the first record's sync bytes, type,
// length, header check and magic in turn: the later records, all sound,
// are decoded, and the damage is reported at offset 0.
func TestDamagedStart(t *testing.T) {
	data := sample(t)
	all, _ := readAll(t, data)
	spans := [][2]int{{0, 4}, {4, 8}, {44, HeaderLen}, {HeaderLen, HeaderLen + len(Magic)}}
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			for bit := range 8 {
				bad := bytes.Clone(data)
				bad[i] ^= 1 << bit
				recs, damage := readAll(t, bad)
				if len(recs) != len(all)-1 || len(damage) != 1 || damage[0].Offset != 0 ||
					damage[0].Len != all[1].Offset {
					t.Fatalf("byte %d bit %d flipped: %d of %d records, damage %v; want all but the first and damage at 0 of %d bytes",
						i, bit, len(recs), len(all), damage, all[1].Offset)
				}
			}
		}
	}
}

// TestNotTraceProbe checks what stays "not a ktrace file": a file whose
// first good record starts MaxRecordLen bytes or more in, and a file that
// begins with a sound record that is not a START.
func TestNotTraceProbe(t *testing.T) {
	data := sample(t)
	far := append(bytes.Repeat([]byte("kt some text\n"), MaxRecordLen/13+1), data...)
	if _, err := NewReader(bytes.NewReader(far)).Next(); !errors.Is(err, ErrNotTrace) {
		t.Errorf("a trace after %d bytes of text: %v, want ErrNotTrace", len(far)-len(data), err)
	}
	all, _ := readAll(t, data)
	if _, err := NewReader(bytes.NewReader(data[all[1].Offset:])).Next(); !errors.Is(err, ErrNotTrace) {
		t.Errorf("a trace without its START: %v, want ErrNotTrace", err)
	}
	r := NewReader(bytes.NewReader(bytes.Repeat([]byte("root:x:0:0:root:/root:/bin/sh\n"), 100)))
	for range 2 {
		if _, err := r.Next(); err != ErrNotTrace {
			t.Errorf("text: %v, want ErrNotTrace, sticky", err)
		}
	}
}

// TestReset checks that a Reader reset onto a new stream reads it from
// its start, whatever state the old one left it in.
func TestReset(t *testing.T) {
	data := sample(t)
	all, _ := readAll(t, data)
	r := NewReader(bytes.NewReader(bytes.Repeat([]byte("not a trace at all\n"), 10)))
	if _, err := r.Next(); err != ErrNotTrace {
		t.Fatalf("text: %v", err)
	}
	r.Reset(bytes.NewReader(data))
	for i := range all {
		rec, err := r.Next()
		if err != nil || rec.Offset != all[i].Offset || rec.Type != all[i].Type {
			t.Fatalf("record %d after Reset: %+v, %v; want %v at %d", i, rec, err, all[i].Type, all[i].Offset)
		}
	}
}

package dump

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// TestRunDamagedStart runs kdump on a trace file with one bit of the
// first record's magic flipped: every later record is shown, and the
// damage is reported once, at offset 0.
func TestRunDamagedStart(t *testing.T) {
	data := sample(t, arch.MachineAmd64)
	var good Config
	want, err := good.runBytes(t, data)
	if err != nil || want.Records < 2 {
		t.Fatalf("sound sample: %+v %v", want, err)
	}
	data[format.HeaderLen+3] ^= 0x10
	var errb bytes.Buffer
	res, err := good.runFile(t, data, &errb)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Records != want.Records-1 || res.Damaged != 1 || !strings.Contains(errb.String(), ": offset 0: ") {
		t.Errorf("got %+v, stderr %q; want %d records and one damage report at offset 0", res, errb.String(), want.Records-1)
	}
}

// runBytes runs c on data as a file and returns the result.
func (c Config) runBytes(t *testing.T, data []byte) (Result, error) {
	var errb bytes.Buffer
	return c.runFile(t, data, &errb)
}

// runFile writes data to a file and runs c on it, stderr to errb.
func (c Config) runFile(t *testing.T, data []byte, errb *bytes.Buffer) (Result, error) {
	t.Helper()
	c.File = filepath.Join(t.TempDir(), "t.out")
	if err := os.WriteFile(c.File, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	return c.Run(context.Background(), nil, &out, errb)
}

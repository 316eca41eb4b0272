package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// TestTraceAppendKeepsVersion runs a command traced with -a onto a
// version 1 trace (the committed fixture, written by the version 1
// Writer) and onto a version 2 trace ktrace made: each file keeps its
// version (every START gives it, and version 1 records are the only
// kind in the first), decodes whole, and holds the command's records,
// its exit among them.
func TestTraceAppendKeepsVersion(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "exitcode")
	fixture, err := os.ReadFile("../../testdata/format/v1-sample.trace")
	if err != nil {
		t.Fatal(err)
	}
	v1, v2 := e.path("v1.out"), e.path("v2.out")
	if err := os.WriteFile(v1, fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	e.mustTrace(v2, nil, prog, "0")
	for _, c := range []struct {
		file    string
		version uint16
	}{{v1, format.Version1}, {v2, format.Version}} {
		res := e.trace(c.file, []string{"-a"}, prog, "3")
		if res.ExitCode() != 3 {
			t.Fatalf("ktrace -a -f %s exitcode 3: %s", c.file, res)
		}
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		rd := format.NewReader(bytes.NewReader(data))
		starts, exits := 0, 0
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s after ktrace -a: %v", c.file, err)
			}
			switch rec.Type {
			case format.TypeStart:
				s, err := rec.Start()
				if err != nil || s.Version != c.version {
					t.Errorf("%s: START at %d: version %d (%v), want %d", c.file, rec.Offset, s.Version, err, c.version)
				}
				starts++
			case format.TypeExit:
				if x, _ := rec.Exit(); int(rec.PID) == res.Pid && x.Exited() && x.Code() == 3 {
					exits++
				}
			}
			if c.version == format.Version1 && rec.Len != format.HeaderLen+len(rec.Payload) {
				t.Errorf("%s: %v record at %d of %d bytes, not in version 1", c.file, rec.Type, rec.Offset, rec.Len)
			}
		}
		if starts != 2 || exits != 1 {
			t.Errorf("%s: %d START records and %d exits of pid %d, want 2 and 1", c.file, starts, exits, res.Pid)
		}
	}
}

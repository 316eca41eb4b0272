package dump

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// markTrace returns a trace of close(i) calls for i in [from, to), each a
// mark that kdump -d prints as "close(i)"; with start, a START record
// first.
func markTrace(t *testing.T, start bool, from, to int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := format.NewWriter(&b)
	h := &format.Header{PID: 7, TID: 7, ABI: arch.ABIAmd64}
	h.SetComm("marks")
	if start {
		w.WriteStart(h, &format.Start{Version: format.Version, Machine: arch.MachineAmd64})
	}
	for i := from; i < to; i++ {
		w.WriteCall(h, 3, []uint64{uint64(i)}) // close on amd64
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// follow runs kdump -l -d on path until stop is called, which returns
// what it wrote to stdout and stderr.
func follow(t *testing.T, path string) (out, errb *syncBuffer, stop func() (Result, error)) {
	out, errb = &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{File: path, Follow: true, Poll: 5 * time.Millisecond, Options: Options{Decimal: true}}
	type result struct {
		res Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := cfg.Run(ctx, nil, out, errb)
		done <- result{res, err}
	}()
	return out, errb, func() (Result, error) {
		cancel()
		select {
		case r := <-done:
			return r.res, r.err
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not end with its context")
		}
		return Result{}, nil
	}
}

// waitFor waits, up to a generous deadline, until s holds want.
func waitFor(t *testing.T, s *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%q not seen:\n%s", want, s.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkMarks checks that out shows each mark of ranges exactly once.
func checkMarks(t *testing.T, out string, ranges ...[2]int) {
	t.Helper()
	total := 0
	for _, r := range ranges {
		for i := r[0]; i < r[1]; i++ {
			if n := strings.Count(out, fmt.Sprintf("close(%d)\n", i)); n != 1 {
				t.Errorf("close(%d) shown %d times", i, n)
			}
		}
		total += r[1] - r[0]
	}
	if n := strings.Count(out, "CALL  close("); n != total {
		t.Errorf("%d records shown, want %d:\n%s", n, total, out)
	}
}

func appendFile(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFollowRestart follows a trace file that a new ktrace session
// rewrites: truncated and written anew from its start, shorter than the
// offset read up to (ktrace without -a), or removed and written anew at
// the same path, longer than the old one. kdump says so once, as tail -F
// does, reads the new trace from its start, shows every record once, and
// reports no damage.
func TestFollowRestart(t *testing.T) {
	for _, c := range []struct {
		reason       string
		old, new     [2]int // marks of the old trace, of the new one
		more         [2]int // marks appended to the new trace
		removeBefore bool
	}{
		{"file truncated", [2]int{0, 20}, [2]int{100, 105}, [2]int{105, 140}, false},
		{"file replaced", [2]int{0, 5}, [2]int{100, 150}, [2]int{150, 160}, true},
	} {
		t.Run(c.reason, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.out")
			if err := os.WriteFile(path, markTrace(t, true, c.old[0], c.old[1]), 0o600); err != nil {
				t.Fatal(err)
			}
			out, errb, stop := follow(t, path)
			waitFor(t, out, fmt.Sprintf("close(%d)\n", c.old[1]-1))
			if c.removeBefore {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(path, markTrace(t, true, c.new[0], c.new[1]), 0o600); err != nil {
				t.Fatal(err)
			}
			waitFor(t, out, fmt.Sprintf("close(%d)\n", c.new[1]-1))
			appendFile(t, path, markTrace(t, false, c.more[0], c.more[1]))
			waitFor(t, out, fmt.Sprintf("close(%d)\n", c.more[1]-1))
			res, err := stop()
			if err != nil || res.Damaged != 0 {
				t.Errorf("Run: %+v, %v", res, err)
			}
			checkMarks(t, out.String(), c.old, c.new, c.more)
			if want := "kdump: " + path + ": " + c.reason + "\n"; errb.String() != want {
				t.Errorf("stderr %q, want %q", errb.String(), want)
			}
		})
	}
}

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

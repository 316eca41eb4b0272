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

// TestFollowTruncated follows a trace that is truncated and written anew
// from its start, shorter than the offset read up to, as a new ktrace
// session without -a does: kdump says so, as tail does, reads the new
// trace from its start, and reports no damage.
func TestFollowTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.out")
	if err := os.WriteFile(path, markTrace(t, true, 0, 20), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errb, stop := follow(t, path)
	waitFor(t, out, "close(19)\n")
	if err := os.WriteFile(path, markTrace(t, true, 100, 105), 0o600); err != nil { // O_TRUNC
		t.Fatal(err)
	}
	waitFor(t, out, "close(104)\n")
	appendFile(t, path, markTrace(t, false, 105, 140))
	waitFor(t, out, "close(139)\n")
	res, err := stop()
	if err != nil || res.Damaged != 0 {
		t.Errorf("Run: %+v, %v", res, err)
	}
	checkMarks(t, out.String(), [2]int{0, 20}, [2]int{100, 140})
	if want := "kdump: " + path + ": file truncated\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
}

// TestFollowReplaced follows a trace that is removed and written anew at
// the same path, longer than the old one: kdump reopens the path, says
// so, and reads the new file from its start.
func TestFollowReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.out")
	if err := os.WriteFile(path, markTrace(t, true, 0, 5), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errb, stop := follow(t, path)
	waitFor(t, out, "close(4)\n")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, markTrace(t, true, 100, 150), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, out, "close(149)\n")
	appendFile(t, path, markTrace(t, false, 150, 160))
	waitFor(t, out, "close(159)\n")
	res, err := stop()
	if err != nil || res.Damaged != 0 {
		t.Errorf("Run: %+v, %v", res, err)
	}
	checkMarks(t, out.String(), [2]int{0, 5}, [2]int{100, 160})
	if want := "kdump: " + path + ": file replaced\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
}

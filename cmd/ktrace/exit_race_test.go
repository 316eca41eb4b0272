package main

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// TestExitBySignalBeforeReap: a child that dies of a signal has its EXIT
// record in the trace file before its parent's wait4 returns it (the
// tracer writes it at the thread's PTRACE_EVENT_EXIT stop and flushes),
// not only when the tracer reaps it, so that the parent sees it in the
// file at once; and before the USER record the parent writes next. A
// race: the program makes 100 children.
func TestExitBySignalBeforeReap(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "exit_race")
	tf := e.path("t.out")
	const rounds = 100
	res := e.mustTrace(tf, []string{"-i"}, prog, tf, strconv.Itoa(rounds))
	type round struct {
		status uint32
		size   int64
	}
	children := map[int]round{}
	for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "child" {
			t.Fatalf("exit_race printed %q", line)
		}
		pid, _ := strconv.Atoi(f[1])
		st, _ := strconv.ParseUint(f[2], 10, 32)
		size, _ := strconv.ParseInt(f[3], 10, 64)
		children[pid] = round{uint32(st), size}
	}
	if len(children) != rounds {
		t.Fatalf("exit_race reaped %d children, want %d", len(children), rounds)
	}
	all := testutil.ReadTrace(t, tf)
	ends := recordEnds(t, tf)
	exits := map[int]int{} // pid: index of its EXIT
	late, after := 0, 0
	for i := range all {
		r := &all[i]
		switch {
		case r.Type == format.TypeExit:
			if _, ok := children[r.PID]; ok {
				exits[r.PID]++
				c := children[r.PID]
				if r.Exit.Status != c.status {
					t.Errorf("child %d: EXIT status %#x, wait4 returned %#x", r.PID, r.Exit.Status, c.status)
				}
				if ends[r.Offset] > c.size {
					late++
				}
				if _, seen := exits[-r.PID]; seen {
					after++
				}
			}
		case r.Type == format.TypeUser && r.Label == "reaped" && len(r.Data) == 4:
			exits[-int(int32(binary.LittleEndian.Uint32(r.Data)))] = i
		}
	}
	for pid := range children {
		if exits[pid] != 1 {
			t.Errorf("child %d: %d EXIT records, want 1", pid, exits[pid])
		}
	}
	if late > 0 {
		t.Errorf("%d of %d children's EXIT records were not in the file when their parent had reaped them", late, rounds)
	}
	if after > 0 {
		t.Errorf("%d of %d children's EXIT records come after their parent's USER record", after, rounds)
	}
}

// recordEnds returns where each record of the trace file ends, by its
// offset.
func recordEnds(t *testing.T, path string) map[int64]int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ends := map[int64]int64{}
	rd := format.NewReader(bufio.NewReader(f))
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return ends
		}
		if err != nil {
			t.Fatalf("reading %s: %v", path, err)
		}
		ends[rec.Offset] = rec.Offset + int64(rec.Len)
	}
}

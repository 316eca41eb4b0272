package procfs

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseStat(t *testing.T) {
	for _, c := range []struct {
		line string
		want Stat
		ok   bool
	}{
		{"42 (sh) S 1 42 42 34816 42 4194560 0\n", Stat{PID: 42, Comm: "sh", State: 'S', PPid: 1, Pgrp: 42, Sid: 42}, true},
		// A command name with spaces and parentheses ends at the last ')'.
		{"7 (a) b) (c) Z 3 9 10 0\n", Stat{PID: 7, Comm: "a) b) (c", State: 'Z', PPid: 3, Pgrp: 9, Sid: 10}, true},
		{"7 (x) S 1 2\n", Stat{}, false},
		{"(x) S 1 2 3\n", Stat{}, false},
		{"7 x S 1 2 3\n", Stat{}, false},
		{"7 (x) SS 1 2 3\n", Stat{}, false},
		{"", Stat{}, false},
	} {
		got, ok := ParseStat([]byte(c.line))
		if got != c.want || ok != c.ok {
			t.Errorf("ParseStat(%q) = %+v, %v; want %+v, %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

func TestParseStatus(t *testing.T) {
	st := ParseStatus([]byte("Name:\tx\nTgid:\t10\nPid:\t11\nPPid:\t1\nTracerPid:\t99\n" +
		"SigBlk:\t0000000000010000\nSigIgn:\t0000000000000004\nSigCgt:\t0000000180000000"))
	want := Status{Tgid: 10, PPid: 1, TracerPid: 99, SigBlk: 0x10000, SigIgn: 4, SigCgt: 0x180000000}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
}

func TestSwitchCounts(t *testing.T) {
	status := []byte("Name:\tx\nvoluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t3\n")
	if v, n, ok := SwitchCounts(status); v != 12 || n != 3 || !ok {
		t.Errorf("got %d, %d, %v; want 12, 3, true", v, n, ok)
	}
	if _, _, ok := SwitchCounts([]byte("Name:\tx\nvoluntary_ctxt_switches:\t12\n")); ok {
		t.Error("found a missing field")
	}
	if n, ok := SchedRuns([]byte("123456 789 42\n")); n != 42 || !ok {
		t.Errorf("SchedRuns: %d, %v; want 42", n, ok)
	}
	if _, ok := SchedRuns([]byte("123456 789\n")); ok {
		t.Error("SchedRuns read a missing field")
	}
}

func TestParseListeningAbstract(t *testing.T) {
	text := `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 1001 @ktrace.0.1.2
0000000000000000: 00000002 00000000 00010000 0001 01 1002 @ktrace.0.1.2
0000000000000000: 00000003 00000000 00000000 0001 03 1003 @ktrace.0.1.3
0000000000000000: 00000002 00000000 00010000 0001 01 1004 @other.0.1.4
0000000000000000: 00000002 00000000 00010000 0001 01 1005 /run/ktrace.0.1.5
0000000000000000: 00000002 00000000 00010000 0001 01 1006 @ktrace.1000.1.6
0000000000000000: 00000002 00000000 00010000 0001 01 1007
`
	got := parseListeningAbstract([]byte(text), "ktrace.")
	if want := []string{"ktrace.0.1.2", "ktrace.1000.1.6"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDescendantsAndGroups(t *testing.T) {
	all := []Stat{
		{PID: 1, PPid: 0, Pgrp: 1}, {PID: 10, PPid: 1, Pgrp: 10}, {PID: 11, PPid: 10, Pgrp: 10},
		{PID: 12, PPid: 11, Pgrp: 12}, {PID: 20, PPid: 1, Pgrp: 10},
	}
	if got := WithDescendants(all, []int{10}); !slices.Equal(got, []int{10, 11, 12}) {
		t.Errorf("WithDescendants(10) = %v", got)
	}
	if got := WithDescendants(all, []int{11, 10}); !slices.Equal(got, []int{11, 10, 12}) {
		t.Errorf("WithDescendants(11, 10) = %v", got)
	}
	if got := ProcessGroup(all, 10); !slices.Equal(got, []int{10, 11, 20}) {
		t.Errorf("ProcessGroup(10) = %v", got)
	}
}

// TestSelf reads this process's own files.
func TestSelf(t *testing.T) {
	pid := os.Getpid()
	st, err := ReadStat(pid)
	if err != nil || st.PID != pid || st.PPid != os.Getppid() || !strings.ContainsRune("RSD", rune(st.State)) {
		t.Errorf("ReadStat(self) = %+v, %v", st, err)
	}
	buf := make([]byte, 4096)
	status, err := ReadStatus(pid, buf)
	if err != nil || status.Tgid != pid || status.PPid != os.Getppid() {
		t.Errorf("ReadStatus(self) = %+v, %v", status, err)
	}
	tids, err := Threads(pid)
	if err != nil || !slices.Contains(tids, pid) || !slices.Contains(tids, unix.Gettid()) {
		t.Errorf("Threads(self) = %v, %v", tids, err)
	}
	var comm [16]byte
	if !Comm(pid, &comm, buf) || comm[0] == 0 {
		t.Errorf("Comm(self) = %q", comm)
	}
	all, err := All()
	if err != nil || !slices.ContainsFunc(all, func(s Stat) bool { return s.PID == pid }) {
		t.Errorf("All() misses this process (%d entries, %v)", len(all), err)
	}
	if IsZombie(pid) {
		t.Error("this process is a zombie")
	}
}

// TestGone checks that a process that does not exist reads as ENOENT.
func TestGone(t *testing.T) {
	const pid = 1 << 30 // above pid_max
	if _, err := ReadStat(pid); !errors.Is(err, unix.ENOENT) {
		t.Errorf("ReadStat(%d): %v, want ENOENT", pid, err)
	}
	if _, err := ReadStatus(pid, make([]byte, 64)); !errors.Is(err, unix.ENOENT) {
		t.Errorf("ReadStatus(%d): %v, want ENOENT", pid, err)
	}
	if _, err := Threads(pid); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Threads(%d): %v, want ENOENT", pid, err)
	}
}

// TestNumberedEntries: a directory of more entries than one getdents
// reads yields every numbered name, and no other.
func TestNumberedEntries(t *testing.T) {
	dir := t.TempDir()
	var want []int
	for i := range 600 { // about 250 a getdents read
		name := strconv.Itoa(i * 7)
		if i%5 == 0 {
			name = "x" + name
		} else {
			want = append(want, i*7)
		}
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := numberedEntries(dir)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("numberedEntries: %d ids, want %d", len(got), len(want))
	}
	if _, err := numberedEntries(filepath.Join(dir, "nosuch")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("numberedEntries of a missing directory: %v, want not exist", err)
	}
}

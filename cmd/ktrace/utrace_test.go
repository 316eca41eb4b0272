package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/utrace"
)

// USER records (issue 12): a traced program asks for its own records with
// the utrace call; untraced, the call fails with ENOSYS and changes
// nothing.

// utraceWant is what testdata/progs/utrace prints, traced for USER
// records (ok) or not.
func utraceWant(ok bool) string {
	res := "-1 ENOSYS"
	if ok {
		res = "0"
	}
	var b strings.Builder
	for _, l := range []string{"hello", "a-label-longer-than-twenty-bytes", "big", "empty"} {
		b.WriteString(l + " = " + res + "\n")
	}
	return b.String()
}

func TestUtrace(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "utrace")
	if plain := e.untraced(prog); string(plain.Stdout) != utraceWant(false) {
		t.Fatalf("untraced: %s\nwant:\n%s", plain, utraceWant(false))
	}
	for _, c := range []struct {
		name  string
		flags []string
		user  bool
	}{
		{"default", nil, true},
		{"u-only", []string{"-t", "u"}, true},
		{"seccomp", []string{"--syscalls=openat"}, true},
		{"without-u", []string{"-t", "cn"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tf := e.path(c.name + ".out")
			res := e.mustTrace(tf, c.flags, prog)
			if string(res.Stdout) != utraceWant(c.user) {
				t.Errorf("traced %v: stdout\n%s\nwant:\n%s", c.flags, res.Stdout, utraceWant(c.user))
			}
			recs := testutil.ReadTrace(t, tf)
			users := testutil.Only(recs, testutil.IsType(format.TypeUser))
			for _, r := range recs {
				if (r.Type == format.TypeCall || r.Type == format.TypeRet) && r.Nr == arch.UtraceNumber {
					t.Errorf("utrace recorded as a system call: %s", r.String())
				}
			}
			if !c.user {
				if len(users) != 0 {
					t.Errorf("USER records without -t u:\n%s", testutil.Describe(users))
				}
				return
			}
			want := []struct {
				label string
				data  []byte
				flags format.Flags
			}{
				{"hello", []byte("world"), 0},
				{"a-label-longer-than-", []byte("long"), format.FlagCut},
				{"big", bytes.Repeat([]byte("x"), format.MaxUserData), format.FlagCut},
				{"empty", nil, 0},
			}
			if len(users) != len(want) {
				t.Fatalf("%d USER records, want %d:\n%s", len(users), len(want), testutil.Describe(users))
			}
			for i, w := range want {
				u := users[i]
				if u.Label != w.label || !bytes.Equal(u.Data, w.data) || u.Flags != w.flags || u.PID != res.Pid {
					t.Errorf("USER record %d: %s (flags %#x), want %q, %d bytes, flags %#x, pid %d",
						i, u.String(), u.Flags, w.label, len(w.data), w.flags, res.Pid)
				}
			}
		})
	}
}

// TestUtraceGo: package utrace from a Go program.
func TestUtraceGo(t *testing.T) {
	e := itSetup(t)
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain to build the example (a prebuilt test run)")
	}
	root, err := testutil.ModuleRoot()
	if err != nil {
		t.Skip(err)
	}
	bin := filepath.Join(t.TempDir(), "example")
	build := exec.Command(gobin, "build", "-o", bin, "./utrace/example")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./utrace/example: %v\n%s", err, out)
	}
	if plain := e.untraced(bin); !strings.Contains(string(plain.Stdout), "record hello: function not implemented") {
		t.Errorf("untraced: %s", plain)
	}
	tf := e.path("go.out")
	res := e.mustTrace(tf, nil, bin)
	if string(res.Stdout) != "record hello ok\nrecord phase ok\n" {
		t.Errorf("traced: %s", res)
	}
	users := testutil.Only(testutil.ReadTrace(t, tf), testutil.IsType(format.TypeUser))
	if len(users) != 2 || users[0].Label != "hello" || string(users[0].Data) != "world" ||
		users[1].Label != "phase" || string(users[1].Data) != "parsing done" {
		t.Errorf("USER records:\n%s", testutil.Describe(users))
	}
}

// TestUtraceHeader: the C header and the Go package agree on the number
// and the limits.
func TestUtraceHeader(t *testing.T) {
	root, err := testutil.ModuleRoot()
	if err != nil {
		t.Skip(err)
	}
	path := filepath.Join(root, "utrace", "utrace.h")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no source tree here (a prebuilt test run): %v", err)
	}
	for _, want := range []string{
		"#define KTRACE_UTRACE_NR 0x6b7472L",
		"#define KTRACE_UTRACE_MAXLABEL 20",
		"#define KTRACE_UTRACE_MAXLEN 2048",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q", path, want)
		}
	}
	if utrace.Number != 0x6b7472 || utrace.MaxLabel != 20 || utrace.MaxData != format.MaxUserData {
		t.Errorf("package utrace: %#x %d %d", utrace.Number, utrace.MaxLabel, utrace.MaxData)
	}
}

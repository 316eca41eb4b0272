package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// TestBadIDs checks that process and group ids that cannot name a
// process are usage errors, not attempts.
func TestBadIDs(t *testing.T) {
	e := itSetup(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-p", "0"}, "ktrace: -p 0: not a process id"},
		{[]string{"-p", "-5"}, "ktrace: -p -5: not a process id"},
		{[]string{"-g", "0"}, "ktrace: -g 0: not a process group id"},
		{[]string{"-c", "-g", "-1"}, "ktrace: -g -1: not a process group id"},
	} {
		res := testutil.Run(t, 0, e.cmd(append([]string{"-f", e.path("bad.out")}, c.args...)))
		first, _, _ := strings.Cut(string(res.Stderr), "\n")
		if res.ExitCode() != 1 || first != c.want {
			t.Errorf("ktrace %v: exit %d, stderr %q; want exit 1 and %q", c.args, res.ExitCode(), res.Stderr, c.want)
		}
	}
}

// TestAppendRefusesOtherFiles checks that -a appends only to a trace:
// records appended to any other file would damage it.
func TestAppendRefusesOtherFiles(t *testing.T) {
	e := itSetup(t)
	text := e.path("notes.txt")
	if err := os.WriteFile(text, []byte("keep me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := e.trace(text, []string{"-a"}, "/bin/true")
	if res.ExitCode() == 0 || !strings.Contains(string(res.Stderr), "not a ktrace file") {
		t.Errorf("ktrace -a -f notes.txt: %s", res)
	}
	if b, _ := os.ReadFile(text); string(b) != "keep me\n" {
		t.Errorf("the file changed: %q", b)
	}
	// A trace, and an empty file, take -a.
	trace := e.path("t.out")
	e.mustTrace(trace, nil, "/bin/true")
	e.mustTrace(trace, []string{"-a"}, "/bin/true")
	out, err := exec.Command(e.kdump, "--json", "-f", trace).Output()
	if err != nil {
		t.Fatalf("kdump --json: %v", err)
	}
	if n := strings.Count(string(out), `"type":"START"`); n != 2 {
		t.Errorf("%d START records after a run and an -a run, want 2", n)
	}
	empty := e.path("empty.out")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e.mustTrace(empty, []string{"-a"}, "/bin/true")
}

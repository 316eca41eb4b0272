package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// traceOpens runs testdata/progs/opens under the built ktrace with
// ktraceArgs and returns the trace file and the directory it opened in.
func traceOpens(t *testing.T, ktraceArgs ...string) (file, dir string) {
	t.Helper()
	testutil.RequirePtrace(t)
	ktrace := testutil.Tool(t, "ktrace")
	prog := testutil.Prog(t, "opens")
	dir = t.TempDir()
	file = filepath.Join(dir, "t.out")
	args := append([]string{"-f", file}, ktraceArgs...)
	res := testutil.Run(t, 0, exec.Command(ktrace, append(args, prog, dir)...))
	if res.ExitCode() != 0 {
		t.Fatalf("ktrace %s: %s", strings.Join(args, " "), res)
	}
	return file, dir
}

// lines returns the non-empty lines of s.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestQuestionsRealProcess asks a traced program's trace questions, one
// command each.
func TestQuestionsRealProcess(t *testing.T) {
	file, dir := traceOpens(t)

	// Which opens failed, and on what? Exactly the two failed opens of
	// the program (the dynamic loader may add failed opens of its own).
	r := kdump(t, nil, "-f", file, "--calls", "--failed", "--syscalls=openat")
	if r.code != 0 {
		t.Fatalf("kdump --calls --failed --syscalls=openat: exit %d: %s", r.code, r.stderr)
	}
	failedLine := regexp.MustCompile(`^ +\d+ opens +openat\(AT_FDCWD, "[^"]*", [A-Z_|]+\) = -1 E[A-Z]+ \([^)]+\) <\d+\.\d{6}>$`)
	var ours []string
	for _, l := range lines(r.stdout) {
		if strings.HasSuffix(l, "+++ exited with 0 +++") {
			continue // the process's end, shown as strace shows it
		}
		if !failedLine.MatchString(l) {
			t.Errorf("not a failed openat: %q", l)
		}
		if strings.Contains(l, dir) {
			ours = append(ours, l[strings.Index(l, "openat("):])
		}
	}
	want := []string{
		`openat(AT_FDCWD, "` + dir + `/ok", O_RDONLY|O_DIRECTORY) = -1 ENOTDIR (Not a directory)`,
		`openat(AT_FDCWD, "` + dir + `/missing", O_RDONLY) = -1 ENOENT (No such file or directory)`,
	}
	if len(ours) != len(want) {
		t.Fatalf("failed opens in %s: %q, want %d:\n%s", dir, ours, len(want), r.stdout)
	}
	for i, w := range want {
		if !strings.HasPrefix(ours[i], w+" <") {
			t.Errorf("failed open %d = %q, want %q", i, ours[i], w)
		}
	}

	// What touched DIR/missing? The failed open and the failed stat, as
	// records: whole calls, each CALL with its NAMI and RET, and, as
	// records of no call always are, the process's end.
	r = kdump(t, nil, "-f", file, "-P", dir+"/missing", "-t", "cn")
	var types []string
	for _, l := range lines(r.stdout) {
		if f := strings.Fields(l); len(f) > 2 {
			types = append(types, f[2])
		}
	}
	if got := strings.Join(types, " "); got != "CALL NAMI RET CALL NAMI RET EXIT" {
		t.Errorf("kdump -P %s/missing -t cn: types %s:\n%s", dir, got, r.stdout)
	}

	// Which calls succeeded, as JSON a program reads?
	r = kdump(t, nil, "-f", file, "--calls", "--json", "--successful", "--syscalls=openat,write", "-P", dir+"/ok")
	var n int
	for _, l := range lines(r.stdout) {
		var c struct {
			Syscall  string
			Paths    []string
			Returned bool
			Errno    int
			Value    string
		}
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if c.Syscall != "openat" || !c.Returned || c.Errno != 0 || len(c.Paths) != 1 || c.Paths[0] != dir+"/ok" {
			t.Errorf("not a successful openat of %s/ok: %s", dir, l)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d successful opens of %s/ok, want 2:\n%s", n, dir, r.stdout)
	}

	// How many calls failed, per process, most errors first?
	r = kdump(t, nil, "-f", file, "--summary", "--per-process", "--sort", "errors", "--comm", "opens")
	m := regexp.MustCompile(`(?m)^.*\s(\d+)\s+openat$`).FindStringSubmatch(r.stdout)
	if !regexp.MustCompile(`(?m)^pid \d+ \(opens\)$`).MatchString(r.stdout) || m == nil {
		t.Errorf("kdump --summary --per-process --sort errors:\n%s", r.stdout)
	} else if errs, _ := strconv.Atoi(m[1]); errs < 2 {
		t.Errorf("openat with %d errors, want 2 or more:\n%s", errs, r.stdout)
	}
}

// TestKtraceSyscallsSyntax traces with a strace-style --syscalls list (a
// regex and a name this ABI may lack) and reads it with the same list.
func TestKtraceSyscallsSyntax(t *testing.T) {
	file, dir := traceOpens(t, "--syscalls=/^openat$,?stat64")
	r := kdump(t, nil, "-f", file, "--calls", "--syscalls=/^open")
	if !strings.Contains(r.stdout, `openat(AT_FDCWD, "`+dir+`/missing", O_RDONLY) = -1 ENOENT`) {
		t.Errorf("no failed open of %s/missing:\n%s", dir, r.stdout)
	}
	for _, l := range lines(r.stdout) {
		if !strings.Contains(l, "openat(") && !strings.Contains(l, "---") && !strings.Contains(l, "+++ exited") {
			t.Errorf("a call other than openat: %q", l)
		}
	}
}

// TestQuestionUsageErrors checks that bad question flags are usage
// errors naming the flag.
func TestQuestionUsageErrors(t *testing.T) {
	path := writeFile(t, sample(t, arch.MachineAmd64))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--syscalls=nosuchcall"}, `--syscalls: unknown system call "nosuchcall"`},
		{[]string{"--syscalls=%nosuch"}, `--syscalls: unknown system call group "%nosuch"`},
		{[]string{"--syscalls=/["}, "--syscalls: bad regular expression"},
		{[]string{"-Z", "-z"}, "exclude each other"},
		{[]string{"--calls", "--summary"}, "--calls and --summary exclude each other"},
		{[]string{"--summary", "--sort=bogus"}, `--sort: unknown order "bogus"`},
		{[]string{"--sort=calls"}, "--sort needs --summary"},
		{[]string{"--per-thread"}, "--per-thread needs --summary"},
		{[]string{"--since=yesterday"}, `--since: bad time "yesterday"`},
		{[]string{"--until=+x"}, `--until: bad relative time "+x"`},
	} {
		r := kdump(t, nil, append(c.args, "-f", path)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(r.stderr, "kdump:") != 1 {
			t.Errorf("kdump %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
	}
	// A name only another ABI has is no error: the trace may hold its calls.
	if r := kdump(t, nil, "--syscalls=stat64", "-f", path); r.code != 0 {
		t.Errorf("kdump --syscalls=stat64: exit %d, %q", r.code, r.stderr)
	}
}

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch/tables"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// reportedFD is a descriptor as a traced program saw it in /proc/self/fd.
type reportedFD struct {
	what   string // FD, or EXEC after the exec
	fd     int
	target string
}

// TestFDNamesRealProcess traces testdata/progs/fdnames.c, which reports
// what its descriptors are, and checks that kdump -y, working from the
// trace alone, names them the same: in the process, in its forked child
// and after its exec, which closed the close-on-exec one.
func TestFDNamesRealProcess(t *testing.T) {
	testutil.RequirePtrace(t)
	ktrace := testutil.Tool(t, "ktrace")
	prog := testutil.Prog(t, "fdnames")
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "t.out")
	res := testutil.Run(t, 0, exec.Command(ktrace, "-i", "-f", file, prog, dir))
	if res.ExitCode() != 0 {
		t.Fatalf("ktrace -i fdnames: %s", res)
	}
	var fds []reportedFD
	for _, l := range lines(string(res.Stdout)) {
		var r reportedFD
		if _, err := fmt.Sscanf(l, "%s %d %s", &r.what, &r.fd, &r.target); err != nil {
			t.Fatalf("fdnames reported %q: %v", l, err)
		}
		fds = append(fds, r)
	}
	if len(fds) != 6 {
		t.Fatalf("fdnames reported %d descriptors, want 6:\n%s", len(fds), res.Stdout)
	}
	file0, dup10, pipeR, pipeW, cloexec, after := fds[0], fds[1], fds[2], fds[3], fds[4], fds[5]
	if dup10.fd != 10 || dup10.target != file0.target || after.target != file0.target {
		t.Fatalf("fdnames reported %+v", fds)
	}

	r := kdump(t, nil, "-y", "-f", file)
	if r.code != 0 {
		t.Fatalf("kdump -y: exit %d: %s", r.code, r.stderr)
	}
	out := r.stdout
	name := func(f reportedFD) string { return fmt.Sprintf("%d<%s>", f.fd, f.target) }
	// arm64 has no dup2: the C library's dup2 is dup3 with no flags.
	dup, dupArgs, dupCallArgs := "dup2", "%s,10", "%s, 10"
	if _, ok := tables.Native().ByName("dup2"); !ok {
		dup, dupArgs, dupCallArgs = "dup3", "%s,10,0", "%s, 10, 0"
	}
	for _, want := range []string{
		"RET   openat " + name(file0),
		fmt.Sprintf("CALL  "+dup+"("+dupArgs+")", name(file0)),
		"RET   " + dup + " " + name(dup10),
		"RET   openat " + name(cloexec),
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("kdump -y lacks %q", want)
		}
	}
	// The pipe's descriptors are named when the trace holds them (an
	// fd_pair STRU record), else shown as plain numbers.
	pipeName := fmt.Sprintf("write(%d,", pipeW.fd)
	if strings.Contains(out, "STRU  fd_pair") {
		pipeName = fmt.Sprintf("write(%d<pipe>,", pipeW.fd)
	}
	if !strings.Contains(out, "CALL  "+pipeName) {
		t.Errorf("kdump -y lacks %q", pipeName)
	}

	// The child's lines (another pid), and the lines after the exec.
	var parent, child, exec []string
	execed := false
	mainPID := ""
	for _, l := range lines(out) {
		f := strings.Fields(l)
		if len(f) < 3 {
			continue
		}
		if mainPID == "" {
			mainPID = f[0]
		}
		switch {
		case f[0] != mainPID:
			child = append(child, l)
		case execed:
			exec = append(exec, l)
		default:
			parent = append(parent, l)
		}
		if f[0] == mainPID && strings.Contains(l, "RET   execve 0") && len(parent) > 10 {
			execed = true
		}
	}
	has := func(ls []string, s string) bool {
		for _, l := range ls {
			if strings.Contains(l, s) {
				return true
			}
		}
		return false
	}
	if w := fmt.Sprintf("CALL  write(%s,", name(dup10)); !has(child, w) {
		t.Errorf("the child's lines lack %q:\n%s", w, strings.Join(child, "\n"))
	}
	if w := fmt.Sprintf("CALL  read(%d", pipeR.fd); !has(child, w) {
		t.Errorf("the child's lines lack %q", w)
	}
	if w := fmt.Sprintf("CALL  write(%s,", name(after)); !has(exec, w) {
		t.Errorf("the lines after the exec lack %q", w)
	}
	if w := fmt.Sprintf("CALL  write(%d,", cloexec.fd); !has(exec, w) {
		t.Errorf("the lines after the exec lack %q (the close-on-exec descriptor, unnamed)", w)
	}

	// --calls -y: strace's form.
	r = kdump(t, nil, "--calls", "-y", "--syscalls="+dup, "-f", file)
	if want := fmt.Sprintf(dup+"("+dupCallArgs+") = %s <", name(file0), name(dup10)); !strings.Contains(r.stdout, want) {
		t.Errorf("kdump --calls -y lacks %q:\n%s", want, r.stdout)
	}
}

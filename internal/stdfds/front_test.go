package stdfds

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFrontGuess: the entry point of a program linked with FrontLinkFlag
// waits for its standby when its arguments may run a command, and only
// then: options that name something else (-p, -g, -c, -C, -h, --pid,
// --clear, --help, --version, ...) before the first operand, or no
// operand, start the runtime at once; the values of -f, -t and of long
// options with one are not operands.
func TestFrontGuess(t *testing.T) {
	out := buildFrontProg(t)
	for _, tc := range []struct {
		args  string
		waits bool
	}{
		{"cmd", true},
		{"cmd -p 1", true},
		{"-f out cmd", true},
		{"-fout cmd", true},
		{"-t c cmd", true},
		{"-tc cmd", true},
		{"-i -a -f out -- cmd", true},
		{"--file out --trace cn cmd", true},
		{"--file=out --genio-size 16 --syscalls openat cmd", true},
		{"--no-seccomp cmd", true},
		{"", false},
		{"-a -f out", false},
		{"-p 1", false},
		{"-f out -p 1", false},
		{"-fout -p 1", false},
		{"-t c -g 5", false},
		{"-ic 1", false},
		{"-C", false},
		{"-h", false},
		{"--help", false},
		{"--version", false},
		{"--file out --pid 1", false},
		{"--clear-all", false},
		{"-d --pgrp 7", false},
	} {
		b, err := exec.Command(out, strings.Fields(tc.args)...).Output()
		if err != nil {
			t.Fatalf("frontprog %s: %v", tc.args, err)
		}
		got := string(b)
		want := "started\n"
		if tc.waits {
			want = "waited\n"
		}
		if got != want {
			t.Errorf("frontprog %s: %q, want %q", tc.args, got, want)
		}
	}
}

// buildFrontProg returns testdata/frontprog linked with FrontLinkFlag: the one
// prebuilt in $KTRACE_TEST_PROGS (make test-arm64), or one it builds.
func buildFrontProg(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("KTRACE_TEST_PROGS"); dir != "" {
		return filepath.Join(dir, "frontprog")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain to build the test program (a prebuilt test run)")
	}
	out := filepath.Join(t.TempDir(), "frontprog")
	cmd := exec.Command("go", "build", "-ldflags="+FrontLinkFlag, "-o", out, "./testdata/frontprog")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

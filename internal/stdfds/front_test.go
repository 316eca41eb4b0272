package stdfds

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFrontGuess: the entry point of a program linked with FrontLinkFlag
// waits for its standby when its arguments may run a command, and only
// then: options that name something else (-p, -g, -c, -C, -h, --pid,
// --clear, --help, --version, ...) before the first operand, or no
// operand, start the runtime at once; the values of -f, -t and of long
// options with one are not operands.
func TestFrontGuess(t *testing.T) {
	out := buildTestProg(t, "frontprog", FrontLinkFlag)
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

// TestFrontStandbyPinned: the runtime of a waiting front's standby starts
// on one CPU, every thread of it; UnpinThread gives the calling thread
// the standby's whole mask (the front's) back, and UnpinThreads every
// thread, also those made while it runs.
func TestFrontStandbyPinned(t *testing.T) {
	prog := buildTestProg(t, "frontprog", FrontLinkFlag)
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	var cpus []string
	for c := range 1024 {
		if set.IsSet(c) {
			cpus = append(cpus, strconv.Itoa(c))
		}
	}
	whole := strings.Join(cpus, ",")
	for range 10 {
		cmd := exec.Command(prog, "cmd")
		cmd.Env = append(os.Environ(), "FRONTPROG_PIN=1")
		var errb strings.Builder
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil || string(out) != "waited\n" {
			t.Fatalf("frontprog cmd: %q, %v, want waited", out, err)
		}
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
			k, v, _ := strings.Cut(line, " ")
			got[k] = v
		}
		if got["pinned"] != "true" {
			t.Fatalf("the standby's runtime did not start pinned: %q", errb.String())
		}
		if start := got["start"]; strings.ContainsAny(start, ", ") || !slices.Contains(cpus, start) {
			t.Errorf("the standby's threads started on CPUs %q, want one of %s", start, whole)
		}
		if got["self"] != whole {
			t.Errorf("after UnpinThread the thread runs on CPUs %q, want %s", got["self"], whole)
		}
		if got["after"] != whole {
			t.Errorf("after UnpinThreads the threads run on CPUs %q, want %s only", got["after"], whole)
		}
	}
}

package main

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// Tests of ktrace as a system tool: --version and shell completion.

func TestVersionFlag(t *testing.T) {
	testutil.CheckVersion(t, testutil.Tool(t, "ktrace"), "ktrace")
	// No -v shorthand: BSD's ktrace has none, and cobra adds one unless
	// told otherwise.
	res := testutil.Run(t, 0, exec.Command(testutil.Tool(t, "ktrace"), "-v"))
	if res.Err == nil || strings.Contains(string(res.Stdout), "version") {
		t.Errorf("ktrace -v: want a usage error, got %s", res)
	}
}

func TestCompletionScripts(t *testing.T) {
	bin := testutil.Tool(t, "ktrace")
	dir := testutil.CheckCompletionScripts(t, bin, "ktrace")
	script := filepath.Join(dir, "ktrace.bash")
	for _, c := range []struct {
		args      []string
		want, not []string
	}{
		{args: []string{"--gen"}, want: []string{"--genio-size"}},
		{args: []string{"--sys"}, want: []string{"--syscalls"}},
		{args: []string{"-t", "c"}, want: []string{"cn", "ci", "cX", "c+"}, not: []string{"cc"}},
		{args: []string{"-p", "1"}, want: []string{"1"}},
		// The options of the traced command are its own, not ktrace's.
		{args: []string{"ls", "--gen"}, not: []string{"--genio-size"}},
		{args: []string{"-i", "ls", "-"}, not: []string{"--genio-size", "-t"}},
		{args: []string{"completion", ""}, want: []string{"bash", "fish", "zsh"}},
	} {
		got := testutil.BashComplete(t, script, bin, c.args...)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("ktrace %s<TAB>: %q not offered in %q", strings.Join(c.args, " "), w, got)
			}
		}
		for _, n := range c.not {
			if slices.Contains(got, n) {
				t.Errorf("ktrace %s<TAB>: %q offered: %q", strings.Join(c.args, " "), n, got)
			}
		}
	}
	// The first word completes command names.
	if _, err := exec.LookPath("sh"); err == nil {
		if got := testutil.BashComplete(t, script, bin, "s"); !slices.Contains(got, "sh") {
			t.Errorf("ktrace s<TAB>: sh not offered in %q", got)
		}
	}
}

// TestCompletionOnlyFirst checks that "completion" is a subcommand only
// as the first argument: after options or "--" it is a command to trace.
func TestCompletionOnlyFirst(t *testing.T) {
	bin := testutil.Tool(t, "ktrace")
	for _, args := range [][]string{
		{"--", "completion", "bash"},
		{"-f", filepath.Join(t.TempDir(), "x.out"), "completion", "bash"},
	} {
		res := testutil.Run(t, 0, exec.Command(bin, args...))
		if res.ExitCode() != 127 || !strings.Contains(string(res.Stderr), "exec completion") {
			t.Errorf("ktrace %s: want exit 127 and exec completion failing, got %s", strings.Join(args, " "), res)
		}
	}
}

// TestTracedCommandArgs runs a traced command whose arguments look like
// ktrace's subcommand and options: they are the command's.
func TestTracedCommandArgs(t *testing.T) {
	e := itSetup(t)
	res := e.mustTrace(e.path("echo.out"), nil, "echo", "completion", "bash", "--version", "-t")
	if got, want := string(res.Stdout), "completion bash --version -t\n"; got != want {
		t.Errorf("ktrace echo completion bash --version -t printed %q, want %q", got, want)
	}
}

package main

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// Tests of kdump as a system tool: --version and shell completion.

func TestVersionFlag(t *testing.T) {
	testutil.CheckVersion(t, kdumpBin, "kdump")
	if r := kdump(t, nil, "-v"); r.code != 2 {
		t.Errorf("kdump -v: want a usage error (exit 2), got %+v", r)
	}
}

func TestCompletionScripts(t *testing.T) {
	dir := testutil.CheckCompletionScripts(t, kdumpBin, "kdump")
	script := filepath.Join(dir, "kdump.bash")
	for _, c := range []struct {
		args      []string
		want, not []string
	}{
		{args: []string{"--js"}, want: []string{"--json"}},
		{args: []string{"--sum"}, want: []string{"--summary"}},
		{args: []string{"-t", "c"}, want: []string{"cn", "cw", "c+"}, not: []string{"cc"}},
		{args: []string{"completion", ""}, want: []string{"bash", "fish", "zsh"}},
		{args: []string{"--sort", ""}, want: []string{"time", "calls", "errors", "name"}},
		{args: []string{"--syscalls", "%cl"}, want: []string{"%clock"}},
	} {
		got := testutil.BashComplete(t, script, kdumpBin, c.args...)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("kdump %s<TAB>: %q not offered in %q", strings.Join(c.args, " "), w, got)
			}
		}
		for _, n := range c.not {
			if slices.Contains(got, n) {
				t.Errorf("kdump %s<TAB>: %q offered: %q", strings.Join(c.args, " "), n, got)
			}
		}
	}
}

// TestCompletionNotAnArgument checks that kdump, which takes no operands,
// still says so for anything but a leading "completion".
func TestCompletionNotAnArgument(t *testing.T) {
	res := testutil.Run(t, 0, exec.Command(kdumpBin, "-f", "x.out", "completion"))
	if res.ExitCode() != 2 || !strings.Contains(string(res.Stderr), `unexpected argument "completion"`) {
		t.Errorf("kdump -f x.out completion: want a usage error, got %s", res)
	}
}

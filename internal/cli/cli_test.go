package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ktrace-linux/ktrace/internal/version"
)

// newRoot returns a root command like ktrace's: flags, then a command and
// its arguments, which run records.
func newRoot(args []string, ran *[]string) (*cobra.Command, *bytes.Buffer) {
	cmd := &cobra.Command{
		Use:  "prog [-i] [command [arg ...]]",
		Args: cobra.ArbitraryArgs,
		RunE: func(_ *cobra.Command, args []string) error {
			*ran = append([]string{"ran"}, args...)
			return nil
		},
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().BoolP("inherit", "i", false, "")
	Setup(cmd, args)
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	return cmd, &out
}

func TestVersion(t *testing.T) {
	var ran []string
	cmd, out := newRoot([]string{"--version"}, &ran)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if want := version.String("prog") + "\n"; out.String() != want {
		t.Errorf("--version printed %q, want %q", out, want)
	}
	if ran != nil {
		t.Errorf("--version ran the command: %q", ran)
	}
	cmd, _ = newRoot([]string{"-v"}, &ran)
	if err := cmd.Execute(); err == nil {
		t.Error("-v is accepted; want an unknown shorthand")
	}
}

func TestCompletionCommand(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		var ran []string
		cmd, out := newRoot([]string{"completion", shell}, &ran)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("completion %s: %v", shell, err)
		}
		if ran != nil || !strings.Contains(out.String(), "prog") || out.Len() < 1000 {
			t.Errorf("completion %s: ran %q, printed %q", shell, ran, out)
		}
	}
	// Anywhere but first, "completion" is a command to run.
	for _, args := range [][]string{
		{"--", "completion", "bash"},
		{"-i", "completion", "bash"},
		{"echo", "completion", "bash"},
	} {
		var ran []string
		cmd, out := newRoot(args, &ran)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		want := append([]string{"ran"}, slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--" || a == "-i" })...)
		if !slices.Equal(ran, want) || out.Len() > 0 {
			t.Errorf("%q: ran %q, want %q; printed %q", args, ran, want, out)
		}
	}
	// The completion command is hidden from --help.
	var ran []string
	cmd, out := newRoot([]string{"--help"}, &ran)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "completion") {
		t.Errorf("--help shows the completion command:\n%s", out)
	}
}

func TestCompleteFacilities(t *testing.T) {
	got, dir := CompleteFacilities(nil, nil, "cn")
	if dir&cobra.ShellCompDirectiveNoSpace == 0 {
		t.Errorf("directive %v: want NoSpace, for more letters", dir)
	}
	var choices []string
	for _, c := range got {
		choice, _, _ := strings.Cut(c, "\t")
		choices = append(choices, choice)
	}
	for _, w := range []string{"cni", "cnX", "cn+"} {
		if !slices.Contains(choices, w) {
			t.Errorf("cn<TAB>: no %q in %q", w, choices)
		}
	}
	for _, n := range []string{"cnc", "cnn"} {
		if slices.Contains(choices, n) {
			t.Errorf("cn<TAB>: %q offered", n)
		}
	}
	if len(Facilities) != len("cnisutwxX+") {
		t.Errorf("%d facility letters, want those of cnisutwxX+", len(Facilities))
	}
}

func TestCompleteProcesses(t *testing.T) {
	has := func(cs []cobra.Completion, id int) bool {
		return slices.ContainsFunc(cs, func(c string) bool { return strings.HasPrefix(c, strconv.Itoa(id)+"\t") })
	}
	pids, _ := CompletePIDs(nil, nil, "")
	if !has(pids, os.Getppid()) {
		t.Errorf("pids: our parent %d not offered in %d choices", os.Getppid(), len(pids))
	}
	if has(pids, os.Getpid()) {
		t.Errorf("pids: this process %d offered", os.Getpid())
	}
	pgrps, _ := CompletePgrps(nil, nil, "")
	if pg := syscall.Getpgrp(); pg != os.Getpid() && !has(pgrps, pg) {
		t.Errorf("pgrps: our group %d not offered in %q", pg, pgrps)
	}
	some, _ := CompletePIDs(nil, nil, "1")
	for _, c := range some {
		if !strings.HasPrefix(c, "1") {
			t.Errorf("pids for 1<TAB>: %q offered", c)
		}
	}
}

func TestCompleteCommand(t *testing.T) {
	dir := t.TempDir()
	for name, mode := range map[string]os.FileMode{"kt-exec": 0o755, "kt-data": 0o644, "other": 0o755} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "kt-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	got, d := CompleteCommand(nil, nil, "kt-")
	if !slices.Equal(got, []string{"kt-exec"}) || d != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("kt-<TAB>: %q, %v; want [kt-exec], NoFileComp", got, d)
	}
	if got, d := CompleteCommand(nil, nil, "./k"); got != nil || d != cobra.ShellCompDirectiveDefault {
		t.Errorf("./k<TAB>: %q, %v; want files", got, d)
	}
	if got, d := CompleteCommand(nil, []string{"kt-exec"}, "x"); got != nil || d != cobra.ShellCompDirectiveDefault {
		t.Errorf("kt-exec x<TAB>: %q, %v; want files", got, d)
	}
}

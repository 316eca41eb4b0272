// Package cli holds what ktrace and kdump share as system tools: the
// --version flag and shell completion (the completion command and the
// completion of flag values and command names).
package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ktrace-linux/ktrace/internal/procfs"
	"github.com/ktrace-linux/ktrace/internal/version"
)

// completionCmd is the name of cobra's completion command.
const completionCmd = "completion"

// Setup gives the root command cmd, about to run with the command line
// args, a --version flag and a hidden completion command:
//
//	ktrace --version
//	ktrace completion bash|zsh|fish|powershell
//
// The completion command exists only when it is the first argument, so
// that a command named "completion" can still be traced after flags or
// "--" (ktrace -- completion), and ktrace cmd args... never finds a
// subcommand in a traced command line.
func Setup(cmd *cobra.Command, args []string) {
	cmd.Version = version.Module()
	cmd.SetVersionTemplate("{{.Name}} version {{.Version}} (trace format " + strconv.Itoa(version.Format) + ")\n")
	// Our own flag keeps cobra from adding a -v shorthand.
	cmd.Flags().Bool("version", false, "print the version and the trace format version, then exit")
	cmd.CompletionOptions.HiddenDefaultCmd = true
	cmd.CompletionOptions.DisableDefaultCmd = !completionCalled(args)
}

// completionCalled reports whether args run the completion command or ask
// the shell completion machinery (__complete) to complete its arguments.
func completionCalled(args []string) bool {
	if len(args) > 0 && args[0] == completionCmd {
		return true
	}
	return len(args) > 1 && strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) && args[1] == completionCmd
}

// Facility is a -t letter and what it selects.
type Facility struct {
	Letter byte
	What   string
}

// Facilities are the -t letters of ktrace and kdump, in the order the man
// pages list them.
var Facilities = []Facility{
	{'c', "system calls (CALL, RET)"},
	{'n', "path names (NAMI)"},
	{'i', "I/O data (GIO)"},
	{'s', "signals (PSIG)"},
	{'w', "context switches (CSW)"},
	{'u', "user records (USER)"},
	{'t', "structures (STRU)"},
	{'x', "exec arguments (ARGS)"},
	{'X', "exec environment (ENVS)"},
	{'+', "the default set, cnisutx"},
}

// CompleteFacilities completes a -t value: what was typed followed by
// each letter it does not have yet, without a trailing space so that more
// letters can follow.
func CompleteFacilities(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, f := range Facilities {
		if !strings.ContainsRune(toComplete, rune(f.Letter)) {
			out = append(out, cobra.CompletionWithDesc(toComplete+string(f.Letter), f.What))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// processes lists the processes of /proc, but this one.
func processes() []procfs.Stat {
	all, _ := procfs.All()
	self := os.Getpid()
	return slices.DeleteFunc(all, func(p procfs.Stat) bool { return p.PID == self })
}

// CompletePIDs completes a -p value with the running processes' ids,
// described by their command names.
func CompletePIDs(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, p := range processes() {
		if id := strconv.Itoa(p.PID); strings.HasPrefix(id, toComplete) {
			out = append(out, cobra.CompletionWithDesc(id, p.Comm))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompletePgrps completes a -g value with the process groups of the
// running processes, described by their leaders' command names.
func CompletePgrps(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	ps := processes()
	comm := map[int]string{}
	for _, p := range ps {
		comm[p.PID] = p.Comm
	}
	seen := map[int]bool{}
	var out []cobra.Completion
	for _, p := range ps {
		id := strconv.Itoa(p.Pgrp)
		if p.Pgrp <= 0 || seen[p.Pgrp] || !strings.HasPrefix(id, toComplete) {
			continue
		}
		seen[p.Pgrp] = true
		desc := comm[p.Pgrp]
		if desc == "" {
			desc = fmt.Sprintf("group of %s", p.Comm)
		}
		out = append(out, cobra.CompletionWithDesc(id, desc))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteCommand completes the positional arguments of ktrace: the first
// is a command, completed from the executables on PATH (or as a file when
// it has a slash); those after it are its arguments, completed as files.
func CompleteCommand(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 || strings.Contains(toComplete, "/") {
		return nil, cobra.ShellCompDirectiveDefault
	}
	seen := map[string]bool{}
	var out []cobra.Completion
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" {
			dir = "."
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			name := e.Name()
			if seen[name] || !strings.HasPrefix(name, toComplete) || e.IsDir() {
				continue
			}
			if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
				continue
			}
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}

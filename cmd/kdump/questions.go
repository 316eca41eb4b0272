package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
	"github.com/ktrace-linux/ktrace/dump"
)

// questionFlags are the flags that select whole calls and the modes that
// answer questions: filters, --calls, --wall and the summary's order.
type questionFlags struct {
	syscalls   string
	failed     bool
	successful bool
	paths      []string
	comm       string
	userLabel  string
	since      string
	until      string
	calls      bool
	wall       bool
	sort       string
	perProcess bool
	perThread  bool
}

// sortKeys are the orders --sort takes.
var sortKeys = []string{"time", "calls", "errors", "name"}

// addQuestionFlags defines the flags on fl.
func addQuestionFlags(fl *pflag.FlagSet) *questionFlags {
	q := &questionFlags{}
	fl.StringVar(&q.syscalls, "syscalls", "", "only these system calls, as strace -e trace= names them: names, %groups, /regex, ?name, ! inverts")
	fl.BoolVarP(&q.failed, "failed", "Z", false, "only the calls that failed")
	fl.BoolVarP(&q.successful, "successful", "z", false, "only the calls that succeeded")
	fl.StringArrayVarP(&q.paths, "path", "P", nil, "only the calls that name this path (repeatable)")
	fl.StringVar(&q.comm, "comm", "", "only the records of processes of this command name")
	fl.StringVarP(&q.userLabel, "user-label", "u", "", "only the USER records of this `label` (other types stay)")
	fl.StringVar(&q.since, "since", "", "only from this time: RFC 3339, HH:MM:SS[.frac] or +seconds after the first record")
	fl.StringVar(&q.until, "until", "", "only up to this time (as --since)")
	fl.BoolVar(&q.calls, "calls", false, "one line (with --json one object) per system call, strace style, with its duration")
	fl.BoolVar(&q.wall, "wall", false, "wall-clock time column HH:MM:SS.micro (strace -t)")
	fl.StringVar(&q.sort, "sort", "time", "order of the --summary table: time, calls, errors or name")
	fl.BoolVar(&q.perProcess, "per-process", false, "--summary: one table per process")
	fl.BoolVar(&q.perThread, "per-thread", false, "--summary: one table per thread")
	return q
}

// completeQuestionFlags registers the completion of the values of the
// question flags.
func completeQuestionFlags(cmd *cobra.Command) error {
	for flag, f := range map[string]cobra.CompletionFunc{
		"syscalls":   completeSyscalls,
		"comm":       cobra.NoFileCompletions,
		"user-label": cobra.NoFileCompletions,
		"since":      cobra.NoFileCompletions,
		"until":      cobra.NoFileCompletions,
		"sort":       cobra.FixedCompletions(sortKeys, cobra.ShellCompDirectiveNoFileComp),
	} {
		if err := cmd.RegisterFlagCompletionFunc(flag, f); err != nil {
			return err
		}
	}
	return nil
}

// completeSyscalls offers the groups and the names of the native ABI.
func completeSyscalls(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, g := range arch.GroupNames() {
		out = append(out, "%"+g)
	}
	if tab := tables.Native(); tab != nil {
		for _, s := range tab.Syscalls() {
			out = append(out, s.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// apply puts the flags into cfg, whose Mode the other flags have set.
func (q *questionFlags) apply(fl *pflag.FlagSet, cfg *dump.Config) error {
	f := &cfg.Filter
	if fl.Changed("syscalls") {
		e, err := arch.ParseSyscallExpr(q.syscalls)
		if err == nil {
			err = e.Check(tables.For(arch.ABIAmd64), tables.For(arch.ABII386), tables.For(arch.ABIArm64))
		}
		if err != nil {
			return usageError{fmt.Errorf("--syscalls: %w", err)}
		}
		f.Syscalls = e
	}
	if q.failed && q.successful {
		return usageError{errors.New("-Z (--failed) and -z (--successful) exclude each other")}
	}
	f.Failed, f.Successful = q.failed, q.successful
	f.Paths = q.paths
	f.Comm = q.comm
	f.UserLabel = q.userLabel
	for _, b := range []struct {
		name string
		val  string
		to   *dump.TimeBound
	}{{"since", q.since, &f.Since}, {"until", q.until, &f.Until}} {
		if !fl.Changed(b.name) {
			continue
		}
		tb, err := dump.ParseTimeBound(b.val)
		if err != nil {
			return usageError{fmt.Errorf("--%s: %w", b.name, err)}
		}
		*b.to = tb
	}
	cfg.Wall = q.wall
	if !slices.Contains(sortKeys, q.sort) {
		return usageError{fmt.Errorf("--sort: unknown order %q (want time, calls, errors or name)", q.sort)}
	}
	if cfg.Mode != dump.ModeSummary {
		for _, name := range []string{"sort", "per-process", "per-thread"} {
			if fl.Changed(name) {
				return usageError{fmt.Errorf("--%s needs --summary", name)}
			}
		}
	}
	cfg.Sort, cfg.PerProcess, cfg.PerThread = q.sort, q.perProcess, q.perThread
	if q.calls {
		switch cfg.Mode {
		case dump.ModeSummary:
			return usageError{errors.New("--calls and --summary exclude each other")}
		case dump.ModeJSON:
			cfg.Mode = dump.ModeCallsJSON
		default:
			cfg.Mode = dump.ModeCalls
		}
	}
	return nil
}

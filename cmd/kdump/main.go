// Command kdump decodes a ktrace trace file, as BSD kdump(1) does.
//
//	kdump [-dEHlnRrSsTxXZz] [-f trfile] [-m maxdata] [-P path] [-p pid] [-t trstr] [-u label]
//	      [--syscalls list] [--comm name] [--since time] [--until time] [--wall]
//	      [--json] [--calls | --summary [--sort key] [--per-process] [--per-thread] |
//	      --timeline file | --perfetto file]
//
// The rendering is done by package dump; this command parses flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ktrace-linux/ktrace/dump"
	"github.com/ktrace-linux/ktrace/format"
)

const usageLine = "kdump [-dEHlnRrSsTxXZz] [-f trfile] [-m maxdata] [-P path] [-p pid] [-t trstr] [-u label] [--syscalls list] [--comm name] [--since time] [--until time] [--wall] [--json] [--calls | --summary [--sort key] [--per-process] [--per-thread] | --timeline file | --perfetto file]"

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// errDamaged makes the exit status 1 after damage was reported.
var errDamaged = errors.New("damaged records skipped")

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs kdump with args and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := newCommand(stdin, stdout, stderr)
	setupCLI(cmd, args)
	cmd.SetArgs(args)
	err := cmd.Execute()
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errDamaged):
		return 1
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "kdump: %v\nusage: %s\n", err, usageLine)
		return 2
	}
	fmt.Fprintf(stderr, "kdump: %v\n", err)
	return 1
}

// newCommand builds the cobra command; its RunE wires the flags into a
// dump.Config.
func newCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		cfg       = dump.Config{File: "ktrace.out"}
		trstr     string
		pid       int32
		jsonOut   bool
		summary   bool
		questions *questionFlags
		picture   pictureFlags
	)
	cmd := &cobra.Command{
		Use:   usageLine,
		Short: "decode a ktrace trace file",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unexpected argument %q", args[0])}
			}
			return nil
		},
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			if fl.Changed("types") {
				f, err := format.ParseFacilities(trstr)
				if err != nil {
					return usageError{fmt.Errorf("-t: %w", err)}
				}
				cfg.Facilities = f
			}
			if fl.Changed("pid") {
				cfg.PID, cfg.HasPID = pid, true
			}
			if cfg.MaxData < 0 {
				return usageError{fmt.Errorf("-m: maxdata %d is negative", cfg.MaxData)}
			}
			switch {
			case jsonOut && summary:
				return usageError{errors.New("--json and --summary exclude each other")}
			case jsonOut:
				cfg.Mode = dump.ModeJSON
			case summary:
				cfg.Mode = dump.ModeSummary
			}
			if err := questions.apply(fl, &cfg); err != nil {
				return err
			}
			mode, out, closeOut, err := picture.output(fl, jsonOut || summary || questions.calls, stdout, cfg.Mode)
			if err != nil {
				return err
			}
			cfg.Mode = mode
			ctx := cmd.Context()
			if cfg.Follow {
				var stop context.CancelFunc
				ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
				defer stop()
			}
			res, err := cfg.Run(ctx, stdin, out, stderr)
			if cerr := closeOut(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if res.Damaged > 0 {
				return errDamaged
			}
			return nil
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	fl := cmd.Flags()
	fl.SortFlags = false
	fl.BoolVarP(&cfg.Decimal, "decimal", "d", false, "numbers in decimal")
	fl.BoolVarP(&cfg.Elapsed, "elapsed", "E", false, "time elapsed since the first record")
	fl.BoolVarP(&cfg.Threads, "threads", "H", false, "thread id column")
	fl.BoolVarP(&cfg.Follow, "follow", "l", false, "keep reading as the file grows")
	fl.BoolVarP(&cfg.Raw, "raw", "n", false, "no symbolic decoding: raw numbers, no errno text")
	fl.BoolVarP(&cfg.Relative, "relative", "R", false, "time relative to the previous record")
	fl.BoolVarP(&cfg.Structs, "structs", "r", false, "decode STRU members symbolically")
	fl.BoolVarP(&cfg.SyscallNumbers, "syscall-numbers", "S", false, "syscall number after the name: openat[257]")
	fl.BoolVarP(&cfg.NoData, "no-data", "s", false, "no I/O data")
	fl.BoolVarP(&cfg.Absolute, "timestamps", "T", false, "absolute time column")
	fl.BoolVarP(&cfg.Hex, "hex", "x", false, "I/O data as hex")
	fl.BoolVarP(&cfg.HexASCII, "hex-ascii", "X", false, "I/O data as hex and ASCII")
	fl.BoolVarP(&cfg.FDNames, "fd-names", "y", false, "show what descriptors refer to, from the trace: read(3</etc/passwd>,...)")
	fl.StringVarP(&cfg.File, "file", "f", cfg.File, "trace file (- reads stdin)")
	fl.IntVarP(&cfg.MaxData, "maxdata", "m", 0, "show at most this many bytes of each I/O record (0: all)")
	fl.Int32VarP(&pid, "pid", "p", 0, "only this pid (or tid)")
	fl.StringVarP(&trstr, "types", "t", "", "only these facilities (ktrace -t letters: cnisuwtxX+)")
	fl.BoolVar(&jsonOut, "json", false, "one JSON object per record")
	fl.BoolVar(&summary, "summary", false, "per-syscall summary table, like strace -c")
	questions = addQuestionFlags(fl)
	picture.add(fl)
	return cmd
}

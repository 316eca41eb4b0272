// Command ktrace traces processes into a trace file, as BSD ktrace(1)
// does: it runs a command traced, or attaches to running processes. Read
// the file with kdump.
//
// The runtime settings below spare every ktrace start (two Go runtimes
// for a traced command: ktrace and its tracer) work it has no use for:
// reading the cgroup CPU limits (GOMAXPROCS follows the CPUs ktrace may
// run on; the tracer keeps one thread busy) and naming each anonymous
// mapping with a prctl.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"slices"

	"github.com/spf13/cobra"

	"github.com/ktrace-linux/ktrace/internal/session"
	"github.com/ktrace-linux/ktrace/tracer"
)

func init() {
	// The command is executed from the main thread, the one the tracer
	// seizes: keep main on it.
	runtime.LockOSThread()
}

// flags holds the parsed command line.
type flags struct {
	file      string
	appendTo  bool
	clear     bool
	clearAll  bool
	descend   bool
	inherit   bool
	pids      []int
	pgrp      int
	trstr     string
	genioSize int
	syscalls  string
	noSeccomp bool
	pidSet    bool      // -p given
	pgrpSet   bool      // -g given
	args      []string  // the command line, after the program's name
	front     *frontRun // the waiting front the command line is run for, or nil
}

func main() {
	if front, ok := session.WaitingFront(); ok {
		// This process is the standby of a ktrace that waits for it to
		// run its command line: a command it runs traced (see
		// session.Front); anything else it leaves to that ktrace.
		if code, ran := runForFront(front, os.Args[1:]); ran {
			os.Exit(code)
		}
		os.Exit(front.Release())
	}
	if isHelper, code := session.HelperMain(); isHelper {
		os.Exit(code)
	}
	os.Exit(run(os.Args[1:], nil))
}

// frontRun is what running a command line for a waiting front did.
type frontRun struct {
	front *session.Front
	ran   bool // the front ran a command
	code  int  // this process's exit status then
}

// errLeftToFront stops running a command line for a waiting front: the
// front runs it itself.
var errLeftToFront = errors.New("left to the front")

// runForFront runs the command line args for front, saying nothing: it
// reports whether it ran a command for the front, and then this process's
// exit status.
func runForFront(front *session.Front, args []string) (code int, ran bool) {
	fr := &frontRun{front: front}
	run(args, fr)
	return fr.code, fr.ran
}

// usageError marks errors in the command line.
type usageError struct{ error }

// run runs the command line args and returns the exit status. For a
// waiting front (fr not nil) it prints nothing, and runs only a command,
// traced, leaving anything else to the front.
func run(args []string, fr *frontRun) int {
	f := flags{args: args, front: fr}
	cmd := &cobra.Command{
		Use:   "ktrace [-aCcdi] [-f trfile] [-g pgrp | -p pid] [-t trstr] [--genio-size N] [command [arg ...]]",
		Short: "trace system calls, path names, I/O and signals into a trace file",
		Long: `ktrace traces processes with ptrace and appends records to a trace file
(ktrace.out unless -f says otherwise): system calls and returns, path names,
I/O data and signals. Given a command, ktrace runs it traced, BSD style: the
command keeps ktrace's pid, parent, process group and exit status. Read the
file with kdump.

Facility letters for -t: c syscalls, n namei, i genio, s psig, w csw,
u user, t struct, x exec argv, X exec environment; + is the default (cnisutx).`,
		Args:          cobra.ArbitraryArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.pidSet, f.pgrpSet = cmd.Flags().Changed("pid"), cmd.Flags().Changed("pgrp")
			return execute(&f, cmd.Flags().Changed("trace"), args)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	fl := cmd.Flags()
	fl.SetInterspersed(false)
	fl.StringVarP(&f.file, "file", "f", "ktrace.out", "trace file")
	fl.BoolVarP(&f.appendTo, "append", "a", false, "append to the trace file instead of recreating it")
	fl.BoolVarP(&f.clear, "clear", "c", false, "clear tracing of the named processes, or of every process tracing to the file")
	fl.BoolVarP(&f.clearAll, "clear-all", "C", false, "clear all tracing the caller may clear")
	fl.BoolVarP(&f.descend, "descend", "d", false, "also trace the current descendants of the named processes")
	fl.BoolVarP(&f.inherit, "inherit", "i", false, "also trace future children (fork, vfork, clone)")
	fl.IntSliceVarP(&f.pids, "pid", "p", nil, "trace the process `pid` (all its threads; a thread id names its process); repeat -p, or separate with commas, for several")
	fl.IntVarP(&f.pgrp, "pgrp", "g", 0, "trace every process of the process group `pgrp`")
	fl.StringVarP(&f.trstr, "trace", "t", "+", "facilities to trace (`trstr`: letters cnisutwxX, + the default)")
	fl.IntVar(&f.genioSize, "genio-size", 4096, "bytes of data kept per I/O record (0 keeps all)")
	fl.StringVar(&f.syscalls, "syscalls", "", "record only these system calls, as strace -e trace= names them: names, groups (%file, %desc, %net, %process, %signal, %memory, %ipc, %%stat, %clock, %creds, ...), /regex, ?name, comma separated, ! inverts; a traced command then stops only at them (seccomp filter: the command dies with its tracer)")
	fl.BoolVar(&f.noSeccomp, "no-seccomp", false, "never load a seccomp filter into a traced command: every system call stops")
	setupCLI(cmd, args)
	cmd.SetArgs(args)
	cmd.SetOut(os.Stdout)
	cmd.SetErr(os.Stderr)
	if fr != nil {
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
	}
	err := cmd.Execute()
	if fr != nil {
		return 0
	}
	if err == nil {
		return 0
	}
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		fmt.Fprintf(os.Stderr, "ktrace: %v\n", ee.err)
		return ee.code
	case errors.As(err, new(usageError)):
		fmt.Fprintf(os.Stderr, "ktrace: %v\nusage: %s\n", err, cmd.Use)
		return 1
	}
	fmt.Fprintf(os.Stderr, "ktrace: %s\n", session.ErrorText(err))
	return 1
}

// exitError carries an exit status other than 1.
type exitError struct {
	err  error
	code int
}

func (e *exitError) Error() string { return e.err.Error() }

// execute acts on the parsed command line.
func execute(f *flags, tSet bool, args []string) error {
	fac, err := tracer.ParseFacilities(f.trstr)
	if err != nil {
		return usageError{err}
	}
	if f.genioSize < 0 {
		return usageError{fmt.Errorf("--genio-size %d: must be 0 or more", f.genioSize)}
	}
	named := f.pidSet || f.pgrpSet
	switch {
	case f.pidSet && f.pgrpSet:
		return usageError{errors.New("-p and -g exclude each other")}
	case named && len(args) > 0:
		return usageError{errors.New("-p or -g and a command exclude each other")}
	case f.clearAll && (named || len(args) > 0 || f.clear):
		return usageError{errors.New("-C takes no -c, -p, -g or command")}
	case f.clear && len(args) > 0:
		return usageError{errors.New("-c takes no command")}
	}
	missing := tracer.Explicit(f.trstr) &^ tracer.Implemented
	if f.front != nil && (missing != 0 || f.clearAll || f.clear || named || len(args) == 0) {
		return errLeftToFront
	}
	if missing != 0 && !f.clear {
		fmt.Fprintf(os.Stderr, "ktrace: facilities %q not implemented yet; not traced\n", missing.String())
	}
	settings := tracer.Settings{Facilities: fac, Inherit: f.inherit, GenioSize: f.genioSize}
	if f.syscalls != "" {
		if settings.Syscalls, err = tracer.ResolveSyscalls(f.syscalls); err != nil {
			return usageError{fmt.Errorf("--syscalls: %w", err)}
		}
	}
	opts := tracer.Options{NoSeccomp: f.noSeccomp}
	switch {
	case f.clearAll:
		return session.ClearAll()
	case f.clear && !named:
		return session.ClearFile(f.file)
	case named:
		pids, err := targets(f)
		if err != nil {
			return err
		}
		if f.clear {
			if !tSet {
				fac = 0 // every facility
			}
			return session.Clear(pids, fac)
		}
		return session.Attach(f.file, f.appendTo, pids, settings, opts)
	case len(args) == 0:
		return usageError{errors.New("no command, -p, -g, -c or -C given")}
	}
	path, err := exec.LookPath(args[0])
	if err != nil && f.front != nil {
		return errLeftToFront
	}
	if err != nil {
		code := 126
		reason := "permission denied"
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			code, reason = 127, "no such file or directory"
		}
		return &exitError{fmt.Errorf("exec %s: %s", args[0], reason), code}
	}
	if f.front != nil {
		// The command's argv is the end of the front's: its index
		// there, after the program's name.
		i := len(f.args) - len(args)
		if i < 0 || !slices.Equal(f.args[i:], args) {
			return errLeftToFront
		}
		f.front.code, f.front.ran = f.front.front.ExecTraced(f.file, f.appendTo, settings, opts, path, i+1)
		return nil
	}
	err = session.ExecTraced(f.file, f.appendTo, settings, opts, path, args, os.Environ())
	var ee *session.ExecError
	if !errors.As(err, &ee) {
		return err
	}
	code := 126
	if errors.Is(err, fs.ErrNotExist) {
		code = 127
	}
	return &exitError{err, code}
}

// targets returns the processes -p or -g name, with their descendants
// under -d.
func targets(f *flags) ([]int, error) {
	for _, pid := range f.pids {
		if pid <= 0 {
			return nil, usageError{fmt.Errorf("-p %d: not a process id", pid)}
		}
	}
	if f.pgrpSet && f.pgrp <= 0 {
		return nil, usageError{fmt.Errorf("-g %d: not a process group id", f.pgrp)}
	}
	return session.Targets(f.pids, f.pgrp, f.descend)
}

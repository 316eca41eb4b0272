package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/pflag"

	"github.com/ktrace-linux/ktrace/dump"
)

// pictureFlags are --timeline and --perfetto: the file each writes.
type pictureFlags struct {
	timeline, perfetto string
}

// add defines the flags on fl.
func (p *pictureFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&p.timeline, "timeline", "", "write an HTML page drawing the threads over time to this file")
	fl.StringVar(&p.perfetto, "perfetto", "", "write Chrome/Perfetto trace events (JSON) to this file")
}

// output returns the mode and the output of a run with --timeline or
// --perfetto (stdout when neither is given, or the file is "-"), and a
// function that closes the file; other says --json or --summary was
// given too.
func (p *pictureFlags) output(fl *pflag.FlagSet, other bool, stdout io.Writer, mode dump.Mode) (dump.Mode, io.Writer, func() error, error) {
	noClose := func() error { return nil }
	name, path := "", ""
	switch t, pf := fl.Changed("timeline"), fl.Changed("perfetto"); {
	case t && pf:
		return mode, nil, nil, usageError{errors.New("--timeline and --perfetto exclude each other")}
	case t:
		name, path, mode = "--timeline", p.timeline, dump.ModeTimeline
	case pf:
		name, path, mode = "--perfetto", p.perfetto, dump.ModePerfetto
	default:
		return mode, stdout, noClose, nil
	}
	switch {
	case other:
		return mode, nil, nil, usageError{fmt.Errorf("%s excludes --json, --summary and --calls", name)}
	case path == "":
		return mode, nil, nil, usageError{fmt.Errorf("%s: no file name", name)}
	case path == "-":
		return mode, stdout, noClose, nil
	}
	f := &lazyFile{path: path}
	return mode, f, f.close, nil
}

// lazyFile creates its file at the first write, so that a run that fails
// before writing (no such trace file) leaves none behind.
type lazyFile struct {
	path string
	f    *os.File
	err  error
}

func (l *lazyFile) Write(b []byte) (int, error) {
	if l.f == nil && l.err == nil {
		l.f, l.err = os.Create(l.path)
		var pe *fs.PathError
		if errors.As(l.err, &pe) {
			l.err = fmt.Errorf("%s: %w", l.path, pe.Err)
		}
	}
	if l.err != nil {
		return 0, l.err
	}
	return l.f.Write(b)
}

// close closes the file, if it was made, naming it in the error.
func (l *lazyFile) close() error {
	if l.f == nil {
		return nil
	}
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("write output: %s: %w", l.path, err)
	}
	return nil
}

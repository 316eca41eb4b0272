package dump

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/ktrace-linux/ktrace/format"
)

// Renderer turns records into output.
type Renderer interface {
	// Record renders rec, if it passes the renderer's filters. rec and
	// its payload are valid only during the call.
	Record(rec *format.Record) error
	// Flush writes out buffered output.
	Flush() error
	// Close writes what is left (the summary table) and flushes.
	Close() error
}

// Mode selects kdump's output.
type Mode uint8

// Output modes.
const (
	ModeText    Mode = iota // FreeBSD kdump text
	ModeJSON                // one JSON object per record (--json)
	ModeSummary             // per-syscall table (--summary)
)

// NewRenderer returns the renderer of mode m writing to w, behind the
// call filter when o has one.
func NewRenderer(w io.Writer, m Mode, o Options) Renderer {
	if o.FDNames && o.fds == nil && (m == ModeText || m == ModeJSON || m == ModeCalls || m == ModeCallsJSON) {
		// The tracker sees every record, before the filters.
		o.fds = newFDTracker()
		return &fdFeed{fds: o.fds, next: NewRenderer(w, m, o)}
	}
	if o.Filter.Active() {
		inner := o
		inner.Filter = CallFilter{}
		return newFilter(NewRenderer(w, m, inner), o)
	}
	if m == ModeCalls || m == ModeCallsJSON {
		return NewCalls(w, m == ModeCallsJSON, o)
	}
	switch m {
	case ModeJSON:
		return NewJSON(w, o)
	case ModeSummary:
		return NewSummary(w, o)
	case ModeTimeline:
		return NewTimeline(w, o, DefaultTimelineLimits)
	case ModePerfetto:
		return NewPerfetto(w, o)
	}
	return NewText(w, o)
}

// Close flushes the output.
func (t *Text) Close() error { return t.Flush() }

// Close flushes the output.
func (j *JSON) Close() error { return j.Flush() }

// DefaultPoll is how often follow mode looks for new records.
const DefaultPoll = 100 * time.Millisecond

// Config is one kdump run.
type Config struct {
	// File is the trace to read; "-" reads Stdin.
	File string
	// Follow keeps reading as the file grows (-l) until the context is
	// done; Poll is the wait between reads at the end (DefaultPoll if 0).
	Follow bool
	Poll   time.Duration
	Mode   Mode
	Options
}

// Result says how a run went.
type Result struct {
	Records int64 // good records read
	Damaged int   // stretches of damaged bytes skipped
}

// Run decodes the trace to stdout. Each stretch of damaged bytes is
// reported on stderr as one line naming the file and offset, and decoding
// goes on. A fatal error (the file cannot be opened, is not a trace, a
// read or write fails) is returned naming the file. In follow mode, the
// end of ctx ends the run without error.
func (c *Config) Run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (Result, error) {
	var res Result
	name := c.File
	in := stdin
	var fl *follower
	if name == "-" {
		name = "stdin"
	} else {
		f, err := OpenTrace(c.File)
		if err != nil {
			return res, err
		}
		fl = &follower{name: c.File, f: f}
		defer func() { fl.f.Close() }()
		in = f
	}
	out := NewRenderer(stdout, c.Mode, c.options(name, stderr))
	var rd *format.Reader
	if c.Follow {
		poll := c.Poll
		if poll <= 0 {
			poll = DefaultPoll
		}
		wait := FollowWait(ctx, poll, out.Flush)
		if !isRegular(in) {
			// A pipe or terminal may block in read: show what was read
			// before each read, and make the end of ctx end a read.
			in = &flushingReader{interruptible(ctx, in), out.Flush}
		} else if fl != nil {
			wait = fl.wait(wait)
		}
		rd = format.NewFollowReader(in, wait)
	} else {
		rd = format.NewReader(in)
	}
	for {
		rec, err := rd.Next()
		if err == nil {
			res.Records++
			if err := out.Record(rec); err != nil {
				return res, fmt.Errorf("write output: %w", err)
			}
			continue
		}
		var d *format.DamageError
		var re *restartError
		switch {
		case errors.As(err, &re):
			if err := out.Flush(); err != nil {
				return res, fmt.Errorf("write output: %w", err)
			}
			fmt.Fprintf(stderr, "kdump: %s: %s\n", name, re.reason)
			if err := fl.restart(re); err != nil {
				out.Close()
				return res, fileError(name, err)
			}
			rd.Reset(fl.f)
			continue
		case errors.As(err, &d):
			res.Damaged++
			if err := out.Flush(); err != nil {
				return res, fmt.Errorf("write output: %w", err)
			}
			fmt.Fprintf(stderr, "kdump: %s: %v\n", name, d)
			continue
		case err == io.EOF, c.Follow && ctx.Err() != nil:
			if err := out.Close(); err != nil {
				return res, fmt.Errorf("write output: %w", err)
			}
			return res, nil
		}
		out.Close()
		var oe *outputError
		if errors.As(err, &oe) {
			return res, fmt.Errorf("write output: %w", oe.err)
		}
		return res, fileError(name, err)
	}
}

// fileError returns err naming the file, without the operation and path
// of an *fs.PathError, which repeat the name.
func fileError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// OpenTrace opens a trace file for reading. Errors name the file and the
// reason: "t.out: no such file or directory", "t.out: is a directory".
func OpenTrace(name string) (*os.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fileError(name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fileError(name, err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, fileError(name, syscall.EISDIR)
	}
	return f, nil
}

// isRegular reports whether r is a regular file, whose reads never block.
func isRegular(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// flushingReader flushes the output before each read of the input.
type flushingReader struct {
	r     io.Reader
	flush func() error
}

func (f *flushingReader) Read(p []byte) (int, error) {
	if err := f.flush(); err != nil {
		return 0, &outputError{err}
	}
	return f.r.Read(p)
}

// interruptible returns a reader of r whose reads end with ctx's error
// once ctx is done, even while r blocks: r is read by a goroutine, which
// a blocked read leaves behind until the process exits.
func interruptible(ctx context.Context, r io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err)
	}()
	context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	return pr
}

// FollowWait returns a wait function for format.NewFollowReader: it
// flushes the output (so that what was read is seen), waits for poll and
// returns nil, or returns ctx's error once ctx is done.
func FollowWait(ctx context.Context, poll time.Duration, flush func() error) func() error {
	return func() error {
		if err := flush(); err != nil {
			return &outputError{err}
		}
		t := time.NewTimer(poll)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
}

// follower notices, at the end of a followed trace file, that the file
// was truncated or replaced, as tail -F does.
type follower struct {
	name string   // the path followed
	f    *os.File // the file being read
}

// restartError tells Run to read the followed file again from its start:
// the same file (truncated), or f, opened anew at its path (replaced).
type restartError struct {
	reason string
	f      *os.File
}

func (e *restartError) Error() string { return e.reason }

// wait returns a wait function that waits as next does, then checks the
// file: a *restartError when it was truncated below the offset read up
// to or its path now names another file.
func (fl *follower) wait(next func() error) func() error {
	return func() error {
		if err := next(); err != nil {
			return err
		}
		return fl.check()
	}
}

func (fl *follower) check() error {
	fi, err := fl.f.Stat()
	if err != nil {
		return err
	}
	if st, err := os.Stat(fl.name); err == nil && !os.SameFile(fi, st) {
		// Replaced (or, while it is missing, just removed: wait on).
		nf, err := OpenTrace(fl.name)
		if err != nil {
			return nil // gone again, or not readable yet: look next time
		}
		return &restartError{reason: "file replaced", f: nf}
	}
	pos, err := fl.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if fi.Size() < pos {
		return &restartError{reason: "file truncated"}
	}
	return nil
}

// restart makes fl read the file of re from its start.
func (fl *follower) restart(re *restartError) error {
	if re.f != nil {
		fl.f.Close()
		fl.f = re.f
		return nil
	}
	_, err := fl.f.Seek(0, io.SeekStart)
	return err
}

// outputError is a write error met while following, told apart from the
// trace file's errors.
type outputError struct{ err error }

func (e *outputError) Error() string { return "write output: " + e.err.Error() }
func (e *outputError) Unwrap() error { return e.err }

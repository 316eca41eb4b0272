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

// NewRenderer returns the renderer of mode m writing to w.
func NewRenderer(w io.Writer, m Mode, o Options) Renderer {
	switch m {
	case ModeJSON:
		return NewJSON(w, o)
	case ModeSummary:
		return NewSummary(w, o)
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
	if name == "-" {
		name = "stdin"
	} else {
		f, err := OpenTrace(c.File)
		if err != nil {
			return res, err
		}
		defer f.Close()
		in = f
	}
	out := NewRenderer(stdout, c.Mode, c.Options)
	var rd *format.Reader
	if c.Follow {
		poll := c.Poll
		if poll <= 0 {
			poll = DefaultPoll
		}
		if !isRegular(in) {
			// A pipe or terminal may block in read: show what was read
			// before each read, and make the end of ctx end a read.
			in = &flushingReader{interruptible(ctx, in), out.Flush}
		}
		rd = format.NewFollowReader(in, FollowWait(ctx, poll, out.Flush))
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
		switch {
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

// outputError is a write error met while following, told apart from the
// trace file's errors.
type outputError struct{ err error }

func (e *outputError) Error() string { return "write output: " + e.err.Error() }
func (e *outputError) Unwrap() error { return e.err }

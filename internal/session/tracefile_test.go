package session

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/tracer"
)

func TestOpenTraceFile(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "t.out")
	f, err := OpenTraceFile(reg, false)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	// -a appends to a trace, or to an empty file, but not to anything else.
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("my notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenTraceFile(text, true); err == nil || !strings.Contains(err.Error(), "not a ktrace file") {
		t.Errorf("OpenTraceFile(-a, a text file) = %v, want 'not a ktrace file'", err)
	}
	if b, _ := os.ReadFile(text); string(b) != "my notes\n" {
		t.Errorf("the text file changed: %q", b)
	}
	f, err = OpenTraceFile(reg, true) // empty: fine
	if err != nil {
		t.Fatalf("OpenTraceFile(-a, empty file) = %v", err)
	}
	w := format.NewWriter(f)
	if err := tracer.WriteStart(w); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if f, err = OpenTraceFile(reg, true); err != nil {
		t.Fatalf("OpenTraceFile(-a, a trace) = %v", err)
	}
	f.Close()

	link := filepath.Join(dir, "link")
	_ = os.Symlink(reg, link)
	fifo := filepath.Join(dir, "fifo")
	_ = unix.Mkfifo(fifo, 0o600)
	for _, c := range []struct{ path, want string }{
		{link, "symbolic link"},
		{dir, "directory"},
		{fifo, "not a regular file"},
		{"/dev/null", "not a regular file"},
		{filepath.Join(dir, "no/such/dir"), "no such file"},
	} {
		_, err := OpenTraceFile(c.path, false)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("OpenTraceFile(%s) = %v, want an error naming it and %q", c.path, err, c.want)
		}
	}
}

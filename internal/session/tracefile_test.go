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

// TestUnlocked: a file no tracer holds is known free without a look at
// the sockets; a file locked as a tracer locks it, or that is not the one
// lstat saw, or not a regular file of ours, is not.
func TestUnlocked(t *testing.T) {
	dir := t.TempDir()
	lstat := func(path string) *unix.Stat_t {
		t.Helper()
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			t.Fatal(err)
		}
		return &st
	}
	reg := filepath.Join(dir, "t.out")
	other := filepath.Join(dir, "other.out")
	for _, p := range []string{reg, other} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if !unlocked(reg, lstat(reg)) {
		t.Errorf("unlocked(a file no one locks) = false")
	}
	f, err := os.Open(reg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	if !unlocked(reg, lstat(reg)) {
		t.Errorf("unlocked(a file under a shared lock) = false: tracers lock exclusively")
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if unlocked(reg, lstat(reg)) {
		t.Errorf("unlocked(a file locked as a tracer locks it) = true")
	}
	if !unlocked(other, lstat(other)) {
		t.Errorf("unlocked(another file) = false")
	}
	// What lstat saw is gone: the path names another file now.
	if unlocked(other, lstat(reg)) {
		t.Errorf("unlocked(a path whose file changed since lstat) = true")
	}
	link := filepath.Join(dir, "link")
	fifo := filepath.Join(dir, "fifo")
	if err := os.Symlink(other, link); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, fifo, dir} {
		if unlocked(p, lstat(p)) {
			t.Errorf("unlocked(%s) = true, want false: not a regular file", p)
		}
	}
	// A file that became a symbolic link to a free file after lstat.
	st := lstat(other)
	moved := filepath.Join(dir, "moved")
	if err := os.Rename(other, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, other); err != nil {
		t.Fatal(err)
	}
	if unlocked(other, st) {
		t.Errorf("unlocked(a path made a symbolic link since lstat) = true")
	}
	// Not ours: only root can make one.
	if os.Geteuid() == 0 {
		theirs := filepath.Join(dir, "theirs.out")
		if err := os.WriteFile(theirs, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(theirs, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if unlocked(theirs, lstat(theirs)) {
			t.Errorf("unlocked(another user's file) = true")
		}
	}
}

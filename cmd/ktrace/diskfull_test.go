package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// A full disk (issue 10): tracing to the file stops, the traced processes
// run on untraced, and the reason reaches the user once.

// smallDisk mounts a tmpfs of 8 KiB for the test, skipping it where it
// cannot (not root, no tmpfs).
func smallDisk(t *testing.T, e *atEnv) string {
	t.Helper()
	requireRoot(t)
	dir := e.path("small")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=8k"); err != nil {
		t.Skipf("cannot mount a small tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// pty is a pseudo-terminal whose output the test reads.
type pty struct {
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer
}

// openPty opens a pseudo-terminal and starts reading what is written to
// its slave side.
func openPty(t *testing.T) *pty {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &pty{master: m, slave: s}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { s.Close(); m.Close() })
	return p
}

// text returns what was written to the terminal so far.
func (p *pty) text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// TestDiskFullAttach: a tracer started by ktrace -p on a file whose disk
// fills up releases its process, which runs on, and says why on the
// terminal of the ktrace that started it.
func TestDiskFullAttach(t *testing.T) {
	e := atSetup(t)
	tf := filepath.Join(smallDisk(t, e), "t.out")
	term := openPty(t)
	const n = 80 // about 4 KiB of records fill the disk by line 30
	p := atLoop(t, "d", n, 0, nil)
	cmd := exec.Command(e.ktrace, "-f", tf, "-p", strconv.Itoa(p.pid))
	cmd.Stderr = term.slave
	if out, err := cmd.Output(); err != nil || len(out) != 0 {
		t.Fatalf("ktrace -p: %v, output %q", err, out)
	}
	want := fmt.Sprintf("ktrace: write %s: No space left on device; tracing stopped, traced processes released", tf)
	testutil.WaitFor(t, 30*time.Second, "the report of the full disk on the terminal", func() bool {
		return strings.Contains(term.text(), want)
	})
	testutil.WaitFor(t, 10*time.Second, "the loop to be released", func() bool {
		return testutil.TracerPid(p.pid) == 0
	})
	if code := p.finish(30 * time.Second); code != 0 {
		t.Errorf("attach_loop exited %d", code)
	}
	atCheckLoopOutput(t, p.lines, "d", n)
	if c := strings.Count(term.text(), "ktrace:"); c != 1 {
		t.Errorf("%d reports on the terminal, want one:\n%s", c, term.text())
	}
}

// TestDiskFullCommand: a traced command whose trace fills the disk runs
// on untraced to its end, and the reason is said once on its stderr,
// naming the file once.
func TestDiskFullCommand(t *testing.T) {
	e := atSetup(t)
	tf := filepath.Join(smallDisk(t, e), "t.out")
	const n = 60
	res := e.trace(tf, nil, testutil.Prog(t, "attach_loop"), "c", strconv.Itoa(n), "3")
	if res.ExitCode() != 3 {
		t.Errorf("the command exited %d, want its own 3; %s", res.ExitCode(), res)
	}
	atCheckLoopOutput(t, strings.Split(strings.TrimSuffix(string(res.Stdout), "\n"), "\n"), "c", n)
	want := fmt.Sprintf("ktrace: write %s: No space left on device; tracing stopped, traced processes released\n", tf)
	if string(res.Stderr) != want {
		t.Errorf("stderr %q, want %q", res.Stderr, want)
	}
}

package testutil

import (
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Chromium returns the path of the Chromium browser (Debian: apt-get
// install chromium), skipping tb when there is none.
func Chromium(tb testing.TB) string {
	tb.Helper()
	chromiumNames := []string{"chromium", "chromium-browser", "google-chrome"}
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	tb.Skipf("no Chromium (%s) on PATH: apt-get install chromium", strings.Join(chromiumNames, ", "))
	return ""
}

// RunChromium runs the headless Chromium bin on the file at path (which
// may end in #fragment) with args added to those that keep it from the
// network and from the user's profile, in a window of 1200x800, and
// returns its standard output. Chromium runs in a process group of its
// own, killed with every helper process when it is done or after a
// minute; a failure or a timeout fails tb.
func RunChromium(tb testing.TB, bin, path string, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Stretch(60*time.Second))
	defer cancel()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + tb.TempDir(), "--window-size=1200,800"}, args...)
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+path)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if cmd.Process != nil {
		// Kill the helpers left behind, and wait until they are gone.
		pgid := cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGKILL)
		WaitFor(tb, 10*time.Second, "Chromium's processes to end", func() bool {
			return syscall.Kill(-pgid, 0) == syscall.ESRCH
		})
	}
	if ctx.Err() != nil {
		tb.Fatalf("chromium %q did not end in time", args)
	}
	if err != nil {
		tb.Fatalf("chromium %q: %v\n%s", args, err, Clip([]byte(errb.String()), 3000))
	}
	return out.String()
}

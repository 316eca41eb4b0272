package stdfds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakefileLinkFlag: the Makefile links ktrace with FrontLinkFlag (the
// tests build ktrace with it too: internal/testutil).
func TestMakefileLinkFlag(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Skipf("no Makefile here (a prebuilt test run): %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "LDFLAGS_ktrace :="); ok {
			if got := strings.TrimSpace(v); got != FrontLinkFlag {
				t.Errorf("Makefile: LDFLAGS_ktrace is %q, want %q", got, FrontLinkFlag)
			}
			return
		}
	}
	t.Error("the Makefile sets no LDFLAGS_ktrace")
}

// TestUnknownWithoutEntry: a program linked without LinkFlag, as this
// test is, does not know which descriptors were closed, and closes none.
func TestUnknownWithoutEntry(t *testing.T) {
	if fds, known := ClosedAtStart(); known || fds != nil {
		t.Errorf("ClosedAtStart() = %v, %v in a program without the entry point", fds, known)
	}
	if err := CloseRuntimeOpened(); err != nil {
		t.Fatal(err)
	}
	for fd := 0; fd < 3; fd++ {
		if _, err := os.Stat(filepath.Join("/proc/self/fd", string(rune('0'+fd)))); err != nil {
			t.Errorf("descriptor %d was closed: %v", fd, err)
		}
	}
}

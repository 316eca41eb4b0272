package main

import (
	"debug/buildinfo"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// TestBuiltWithProfile: go build optimizes ktrace with the profile kept
// beside its main package (default.pgo, made by make pgo), as the
// binary's build settings say. Moved or renamed, the profile would be
// left out without a word, and the tracer's per-stop path would lose
// what it gives (measured when it came: a sixth of the time ktrace adds
// to the bare ptrace floor's on a loop of getppid pinned to one CPU).
func TestBuiltWithProfile(t *testing.T) {
	if _, err := os.Stat("default.pgo"); err != nil {
		t.Fatalf("cmd/ktrace/default.pgo: %v (make pgo makes it)", err)
	}
	info, err := buildinfo.ReadFile(testutil.Tool(t, "ktrace"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range info.Settings {
		if s.Key == "-pgo" {
			if strings.HasSuffix(filepath.ToSlash(s.Value), "cmd/ktrace/default.pgo") {
				return
			}
			t.Fatalf("ktrace built with -pgo=%s, want cmd/ktrace/default.pgo", s.Value)
		}
	}
	t.Fatalf("ktrace built without a profile (no -pgo build setting); want cmd/ktrace/default.pgo")
}

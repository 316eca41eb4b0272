package session

import (
	"os"
	"path/filepath"
	"testing"
)

// TestYamaRelational: ktrace declares its tracer (and the tracer waits
// for its go) only under Yama's ptrace_scope 1, or when the scope is
// there but cannot be read.
func TestYamaRelational(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		content string
		want    bool
	}{{"0\n", false}, {"1\n", true}, {"2\n", false}, {"3\n", false}} {
		f := filepath.Join(dir, "scope")
		if err := os.WriteFile(f, []byte(c.content), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := yamaRelational(f); got != c.want {
			t.Errorf("ptrace_scope %q: yamaRelational = %t, want %t", c.content, got, c.want)
		}
	}
	if yamaRelational(filepath.Join(dir, "none")) {
		t.Error("no Yama: yamaRelational = true")
	}
	if !yamaRelational(dir) { // there, but unreadable as a file
		t.Error("an unreadable scope: yamaRelational = false")
	}
}

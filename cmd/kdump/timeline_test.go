package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// TestPictureFlags checks --timeline and --perfetto: the file written,
// nothing on stdout, and one-line errors.
func TestPictureFlags(t *testing.T) {
	threads, err := tracegen.Threads(arch.MachineAmd64)
	if err != nil {
		t.Fatal(err)
	}
	trace := writeFile(t, threads)
	dir := t.TempDir()
	quiet := func(r result, args []string) {
		t.Helper()
		if r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Errorf("kdump %q: exit %d, stdout %q, stderr %q", args, r.code, testutil.Clip([]byte(r.stdout), 200), r.stderr)
		}
	}

	page := filepath.Join(dir, "t.html")
	args := []string{"-f", trace, "--timeline", page}
	quiet(kdump(t, nil, args...), args)
	b, err := os.ReadFile(page)
	if err != nil || !strings.Contains(string(b), `"tid":701`) || !strings.HasPrefix(string(b), "<!DOCTYPE html>") {
		t.Errorf("--timeline wrote %v %q", err, testutil.Clip(b, 300))
	}
	args = []string{"-f", trace, "-p", "710", "--timeline", page}
	quiet(kdump(t, nil, args...), args)
	if b, _ := os.ReadFile(page); strings.Contains(string(b), `"pid":700`) || !strings.Contains(string(b), `"pid":710`) {
		t.Errorf("-p 710 --timeline: the page shows other processes, or not 710")
	}

	events := filepath.Join(dir, "t.json")
	args = []string{"-f", trace, "--perfetto", events}
	quiet(kdump(t, nil, args...), args)
	var top struct{ TraceEvents []map[string]any }
	if b, err := os.ReadFile(events); err != nil || json.Unmarshal(b, &top) != nil || len(top.TraceEvents) < 10 {
		t.Errorf("--perfetto wrote %d events (%v)", len(top.TraceEvents), err)
	}
	// "-" writes to stdout.
	if r := kdump(t, nil, "-f", trace, "-t", "c", "--perfetto", "-"); r.code != 0 || !strings.HasPrefix(r.stdout, `{"traceEvents":[`) {
		t.Errorf("--perfetto -: exit %d, stdout %q", r.code, testutil.Clip([]byte(r.stdout), 200))
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--timeline", page, "--json"}, "--timeline excludes --json, --summary and --calls"},
		{[]string{"--perfetto", events, "--summary"}, "--perfetto excludes --json, --summary and --calls"},
		{[]string{"--timeline", page, "--perfetto", events}, "--timeline and --perfetto exclude each other"},
		{[]string{"--timeline", ""}, "--timeline: no file name"},
	} {
		r := kdump(t, nil, append(c.args, "-f", trace)...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "kdump: "+c.want+"\n") || r.stdout != "" {
			t.Errorf("kdump %q: exit %d, stderr %q; want exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}

	// Errors: one line naming the file, and no page left for a trace
	// that cannot be read.
	missing := filepath.Join(dir, "missing.out")
	out := filepath.Join(dir, "none.html")
	r := kdump(t, nil, "-f", missing, "--timeline", out)
	if r.code != 1 || r.stderr != "kdump: "+missing+": no such file or directory\n" {
		t.Errorf("missing trace: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s written for a trace that does not exist", out)
	}
	bad := filepath.Join(dir, "no", "such", "dir.html")
	r = kdump(t, nil, "-f", trace, "--perfetto", bad)
	if r.code != 1 || r.stderr != "kdump: write output: "+bad+": no such file or directory\n" {
		t.Errorf("unwritable output: exit %d, stderr %q", r.code, r.stderr)
	}
}

package main

import (
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

var pageStatus = regexp.MustCompile(`<pre id="status">([^<]*)</pre>`)

// TestTimelineInChromium traces a program with three threads, draws its
// timeline and loads the page in headless Chromium: one row per thread,
// no script errors, hover tips shown, and a screenshot kept in the test's artifact
// directory (go test -artifacts keeps it).
func TestTimelineInChromium(t *testing.T) {
	browser := testutil.Chromium(t)
	testutil.RequirePtrace(t)
	ktrace := testutil.Tool(t, "ktrace")
	prog := testutil.Prog(t, "threads")
	dir := t.TempDir()
	trace := filepath.Join(dir, "threads.out")
	res := testutil.Run(t, 0, exec.Command(ktrace, "-f", trace, "-t", "cnisw", prog, "run"))
	if res.Err != nil || !strings.Contains(string(res.Stdout), "done") {
		t.Fatalf("ktrace threads run: %s", res)
	}
	tids := map[int]bool{}
	for _, rec := range testutil.ReadTrace(t, trace) {
		tids[rec.TID] = true
	}
	if len(tids) < 4 {
		t.Fatalf("the trace has %d threads, want the main thread and 3 more", len(tids))
	}

	page := filepath.Join(dir, "threads.html")
	if r := kdump(t, nil, "-f", trace, "--timeline", page); r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("kdump --timeline: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// #selftest has the page hover over the first call, wait and mark of
	// each row, counting the tips shown.
	dom := testutil.RunChromium(t, browser, page+"#selftest", "--dump-dom")
	m := pageStatus.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no status in the page Chromium loaded:\n%s", testutil.Clip([]byte(dom), 3000))
	}
	status := m[1]
	t.Logf("page status: %s", status)
	// "rows 4 calls 78 states 9 marks 12 buckets 0 tips 11 errors 0"
	count := map[string]int{}
	fields := strings.Fields(status)
	for i := 0; i+1 < len(fields); i += 2 {
		n, err := strconv.Atoi(fields[i+1])
		if err != nil {
			t.Fatalf("status %q: %v", status, err)
		}
		count[fields[i]] = n
	}
	if count["rows"] != len(tids) || count["errors"] != 0 || count["tips"] < len(tids) || count["calls"] == 0 {
		t.Errorf("status %q: want rows %d (one per thread), calls, a tip or more per row, no errors", status, len(tids))
	}

	png := filepath.Join(t.ArtifactDir(), "timeline.png")
	testutil.RunChromium(t, browser, page, "--screenshot="+png)
	t.Logf("screenshot: %s", png)
	f, err := os.Open(png)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", png, err)
	}
	// Something was drawn: the bars and marks bring many colours.
	colours := map[uint32]bool{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[r>>12<<8|g>>12<<4|b>>12] = true
		}
	}
	if bounds.Dx() != 1200 || bounds.Dy() != 800 || len(colours) < 12 {
		t.Errorf("screenshot %s: %v, %d colours", png, bounds, len(colours))
	}
}

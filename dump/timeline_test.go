package dump_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/dump"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// renderTo feeds the records of trace to the renderer r makes, closes
// it, and returns what it wrote.
func renderTo(t *testing.T, trace []byte, r func(w io.Writer) dump.Renderer) []byte {
	t.Helper()
	var out bytes.Buffer
	rd := r(&out)
	recs := format.NewReader(bytes.NewReader(trace))
	for rec, err := recs.Next(); err != io.EOF; rec, err = recs.Next() {
		if err != nil {
			t.Fatal(err)
		}
		rd.Record(rec)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// timelineGoldenDir holds the golden files of the timeline and Perfetto
// outputs.
const timelineGoldenDir = "../testdata/timeline"

// markNames name the kinds of marks of the page's data.
var markNames = []string{"start", "fork", "signal", "exit", "end of trace", "exec"}

// perfetto makes a Perfetto renderer.
func perfetto(w io.Writer) dump.Renderer { return dump.NewPerfetto(w, dump.Options{}) }

// trace returns the trace gen makes for machine m.
func trace(t *testing.T, gen func(arch.Machine) ([]byte, error), m arch.Machine) []byte {
	t.Helper()
	b, err := gen(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tlData is the data of a timeline page, as its script reads it.
type tlData struct {
	Classes []string
	Begin   float64
	End     float64
	Bucket  float64
	Start   string
	Note    string
	Rows    []struct {
		PID, TID    int32
		Comm        string
		First, Last float64
		Calls       [][]any
		States      [][]any
		Marks       [][]any
		Buckets     [][]float64
	}
}

var dataScript = regexp.MustCompile(`(?s)<script id="data" type="application/json">(.*?)</script>`)

// pageData returns the JSON data of a timeline page, and decoded.
func pageData(t *testing.T, page []byte) ([]byte, *tlData) {
	t.Helper()
	m := dataScript.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no data script in the page:\n%s", testutil.Clip(page, 2000))
	}
	var d tlData
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatalf("page data: %v\n%s", err, testutil.Clip(m[1], 2000))
	}
	return m[1], &d
}

func timelinePageOf(t *testing.T, trace []byte, o dump.Options, lim dump.TimelineLimits) []byte {
	return renderTo(t, trace, func(w io.Writer) dump.Renderer { return dump.NewTimeline(w, o, lim) })
}

// TestTimelineData checks the data of the page against a golden file,
// and what it says of the threads.
func TestTimelineData(t *testing.T) {
	page := timelinePageOf(t, trace(t, tracegen.Threads, arch.MachineAmd64), dump.Options{}, dump.DefaultTimelineLimits)
	raw, d := pageData(t, page)
	testutil.Golden(t, filepath.Join(timelineGoldenDir, "data.golden"), append(raw, '\n'))

	// The same calls recorded on arm64 give the same picture.
	rawArm, _ := pageData(t, timelinePageOf(t, trace(t, tracegen.Threads, arch.MachineArm64), dump.Options{}, dump.DefaultTimelineLimits))
	if !bytes.Equal(raw, rawArm) {
		t.Errorf("arm64 data differs from amd64:\n%s", testutil.FirstDiff(string(raw), string(rawArm)))
	}

	if len(d.Rows) != 3 {
		t.Fatalf("%d rows, want 3 (700, 701, 710)", len(d.Rows))
	}
	var got []string
	for _, r := range d.Rows {
		var marks []string
		for _, m := range r.Marks {
			marks = append(marks, fmt.Sprintf("%v:%v", markNames[int(m[1].(float64))], m[2]))
		}
		var states []string
		for _, s := range r.States {
			states = append(states, fmt.Sprintf("%v/%v/%v", s[1], s[2], s[3]))
		}
		got = append(got, fmt.Sprintf("%d/%d %s calls=%d states=%v marks=%v", r.PID, r.TID, r.Comm, len(r.Calls), states, marks))
	}
	want := []string{
		"700/700 server calls=6 states=[] marks=[start:first record of server fork:clone → 701 fork:clone → 710 signal:SIGUSR1 caught handler=0x401a30 mask=0x0 code=SI_USER pid=710 uid=0 end of trace:last record of server]",
		"700/701 server calls=2 states=[15/1/ 133.4/0/futex_wait_queue] marks=[start:first record of server exit:exit(0)]",
		"710/710 worker calls=3 states=[] marks=[start:first record of worker exit:exit_group(0)]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The call the trace ends in is drawn to the thread's last record,
	// without a result.
	last := d.Rows[0].Calls[len(d.Rows[0].Calls)-1]
	if last[3] != "read(0,0x7f3a2c000000,0x1000)" || last[4] != "" {
		t.Errorf("last call of 700: %v", last)
	}
	if strings.Contains(string(raw), "<") {
		t.Errorf("data holds a '<', which could end its script element")
	}
}

// TestTimelineFilter checks that -p keeps the rows of one process.
func TestTimelineFilter(t *testing.T) {
	_, d := pageData(t, timelinePageOf(t, trace(t, tracegen.Threads, arch.MachineAmd64),
		dump.Options{PID: 710, HasPID: true}, dump.DefaultTimelineLimits))
	if len(d.Rows) != 1 || d.Rows[0].PID != 710 {
		t.Errorf("-p 710: rows %+v", d.Rows)
	}
	if d.Begin != 0 {
		t.Errorf("times start at %v, not at the first record shown", d.Begin)
	}
}

// TestTimelineLimits checks that a large trace gives bounded data: calls
// summed into buckets, marks cut, and a note saying so.
func TestTimelineLimits(t *testing.T) {
	var trace bytes.Buffer
	if err := tracegen.Mixed(&trace, 20000); err != nil {
		t.Fatal(err)
	}
	lim := dump.TimelineLimits{Items: 500, Buckets: 300, Marks: 40}
	page := timelinePageOf(t, trace.Bytes(), dump.Options{}, lim)
	_, d := pageData(t, page)
	if d.Bucket <= 0 || !strings.Contains(d.Note, "summed per") || !strings.Contains(d.Note, "marks") {
		t.Errorf("bucket %v, note %q", d.Bucket, d.Note)
	}
	buckets, marks, calls := 0, 0, 0.0
	for _, r := range d.Rows {
		if len(r.Calls)+len(r.States) > 0 {
			t.Errorf("row %d keeps %d calls and %d states one by one", r.TID, len(r.Calls), len(r.States))
		}
		buckets += len(r.Buckets)
		marks += len(r.Marks)
		for _, b := range r.Buckets {
			if len(b) != 2+len(d.Classes)+2 {
				t.Fatalf("bucket %v: %d numbers", b, len(b))
			}
			calls += b[1]
		}
	}
	if buckets > lim.Buckets || marks > 2*lim.Marks { // signals, and the marks of lives
		t.Errorf("%d buckets, %d marks: over the limits %+v", buckets, marks, lim)
	}
	// Every call is counted once: as many as the Perfetto output's.
	events := perfettoEvents(t, renderTo(t, trace.Bytes(), perfetto))
	x := 0
	for _, e := range events {
		if e.Ph == "X" {
			x++
		}
	}
	if int(calls) != x {
		t.Errorf("buckets count %v calls, Perfetto %d", calls, x)
	}
	if len(page) > 200<<10 {
		t.Errorf("page of %d bytes", len(page))
	}
}

// TestTimelinePageSelfContained checks that the page loads nothing from
// elsewhere: no scripts, styles, fonts or images by address.
func TestTimelinePageSelfContained(t *testing.T) {
	page := timelinePageOf(t, trace(t, tracegen.Threads, arch.MachineAmd64), dump.Options{}, dump.DefaultTimelineLimits)
	for _, bad := range []string{"http://", "https://", "src=", "<link", "@import", "url(", "//cdn"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the page holds %q", bad)
		}
	}
	if n := bytes.Count(page, []byte("<script")); n != 2 {
		t.Errorf("%d script elements, want 2 (data and code)", n)
	}
}

// perfettoEvent is one trace event.
type perfettoEvent struct {
	Ph   string
	Name string
	Cat  string
	Ts   *float64
	Dur  *float64
	PID  *int32
	TID  *int32
	S    string
	Args map[string]string
}

// perfettoEvents checks the structure of a Perfetto trace and returns its
// events: an object with traceEvents, each event with ph, ts, pid and
// tid, X events with a dur >= 0, every pid and tid named by M events.
func perfettoEvents(t *testing.T, out []byte) []perfettoEvent {
	t.Helper()
	var top struct {
		TraceEvents []json.RawMessage
	}
	if err := json.Unmarshal(out, &top); err != nil {
		t.Fatalf("perfetto output: %v\n%s", err, testutil.Clip(out, 2000))
	}
	if top.TraceEvents == nil {
		t.Fatalf("no traceEvents in %s", testutil.Clip(out, 500))
	}
	var events []perfettoEvent
	procs, threads := map[int32]bool{}, map[int32]bool{}
	named := map[string]bool{}
	for _, raw := range top.TraceEvents {
		var e perfettoEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("event %s: %v", raw, err)
		}
		if e.Ph == "" || e.Ts == nil || e.PID == nil || e.TID == nil {
			t.Fatalf("event %s lacks ph, ts, pid or tid", raw)
		}
		switch e.Ph {
		case "X":
			if e.Dur == nil || *e.Dur < 0 || e.Name == "" {
				t.Errorf("X event %s: no name, or dur missing or negative", raw)
			}
		case "i":
			if e.S != "t" {
				t.Errorf("instant event %s: scope %q", raw, e.S)
			}
		case "M":
			if e.Args["name"] == "" {
				t.Errorf("metadata event %s names nothing", raw)
			}
			named[fmt.Sprint(e.Name, *e.PID, *e.TID)] = true
			continue
		default:
			t.Errorf("event %s: unexpected phase", raw)
		}
		procs[*e.PID], threads[*e.TID] = true, true
		events = append(events, e)
	}
	for pid := range procs {
		if !named[fmt.Sprint("process_name", pid, pid)] {
			t.Errorf("process %d not named", pid)
		}
	}
	for _, e := range events {
		if !named[fmt.Sprint("thread_name", *e.PID, *e.TID)] {
			t.Errorf("thread %d/%d not named", *e.PID, *e.TID)
		}
	}
	return events
}

// TestPerfetto checks the Perfetto output of a small trace against a
// golden file, and its structure on the samples.
func TestPerfetto(t *testing.T) {
	out := renderTo(t, trace(t, tracegen.Threads, arch.MachineAmd64), perfetto)
	testutil.Golden(t, filepath.Join(timelineGoldenDir, "perfetto.golden"), out)
	events := perfettoEvents(t, out)
	counts := map[string]int{}
	for _, e := range events {
		counts[e.Ph+" "+e.Cat]++
	}
	want := map[string]int{"X file": 1, "X desc": 3, "X memory": 1, "X process": 2, "X net": 1, "X signal": 1,
		"X other": 2, "i start": 3, "i fork": 2, "i signal": 1, "i exit": 2, "i end of trace": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", counts, want)
	}
	for _, m := range []arch.Machine{arch.MachineAmd64, arch.MachineArm64} {
		perfettoEvents(t, renderTo(t, trace(t, tracegen.Sample, m), perfetto))
	}
}

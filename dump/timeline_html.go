package dump

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ktrace-linux/ktrace/format"
)

// timelinePage is the page the timeline's data is put in: inline CSS and
// script, nothing loaded from elsewhere.
//
//go:embed timeline.html
var timelinePage string

// timelineDataMark is the place in timelinePage where the data goes.
const timelineDataMark = "/*DATA*/"

// TimelineLimits bound the data of a timeline page, whatever the size of
// the trace.
type TimelineLimits struct {
	// Items is the most calls and switched-out times shown one by one;
	// past it, they are summed into buckets of time per thread.
	Items int
	// Buckets is the most buckets kept; past it, buckets widen.
	Buckets int
	// Marks is the most signals shown, and the most marks of threads'
	// lives (starts, forks, execs, exits, ends); the rest are counted in
	// the page's note.
	Marks int
}

// DefaultTimelineLimits keep a page under about 20 MB.
var DefaultTimelineLimits = TimelineLimits{Items: 100000, Buckets: 100000, Marks: 20000}

// Timeline renders an HTML page drawing each thread as a row over time:
// its system calls as bars coloured by class, the times it was blocked in
// the kernel or preempted (from CSW records), signals, births and ends as
// marks. The page is written by Close.
type Timeline struct {
	w      io.Writer
	k      *tracker
	lim    TimelineLimits
	rows   map[*threadInfo]*tlRow
	items  int
	marks  [2]int // marks kept: of threads' lives, signals
	lost   int    // marks left out
	width  int64  // bucket width in nanoseconds; 0 while calls are kept one by one
	nbuck  int
	minT   int64
	maxT   int64
	hasAny bool
}

// tlRow is the data of one thread's row.
type tlRow struct {
	calls   []callSpan
	states  []stateSpan
	marks   []mark
	buckets []tlBucket // sorted by index
}

// tlBucket sums a thread's calls and states over one bucket of time.
type tlBucket struct {
	idx      int64
	calls    int64
	busy     [numClasses]int64
	blocked  int64
	runnable int64
}

// NewTimeline returns a Timeline renderer writing its page to w.
func NewTimeline(w io.Writer, o Options, lim TimelineLimits) *Timeline {
	t := &Timeline{w: w, lim: lim, rows: make(map[*threadInfo]*tlRow)}
	t.k = newTracker(o, t)
	return t
}

// Record takes one record, if it passes the -p and -t filters.
func (t *Timeline) Record(rec *format.Record) error {
	t.k.record(rec)
	return nil
}

// Flush does nothing: the page is written by Close.
func (t *Timeline) Flush() error { return nil }

func (t *Timeline) row(th *threadInfo) *tlRow {
	r := t.rows[th]
	if r == nil {
		r = &tlRow{}
		t.rows[th] = r
	}
	return r
}

func (t *Timeline) seen(a, b int64) {
	if !t.hasAny {
		t.hasAny, t.minT, t.maxT = true, a, b
	}
	t.minT, t.maxT = min(t.minT, a), max(t.maxT, b)
}

func (t *Timeline) call(th *threadInfo, s *callSpan)   { t.add(th, s, nil) }
func (t *Timeline) state(th *threadInfo, s *stateSpan) { t.add(th, nil, s) }

// add takes a call c or a state s of th: kept one by one until there are
// too many, then summed into buckets.
func (t *Timeline) add(th *threadInfo, c *callSpan, s *stateSpan) {
	r := t.row(th)
	switch {
	case c != nil:
		t.seen(c.start, c.end)
		if t.width == 0 {
			r.calls = append(r.calls, *c)
		} else {
			t.addCall(r, c)
		}
	default:
		t.seen(s.start, s.end)
		if t.width == 0 {
			r.states = append(r.states, *s)
		} else {
			t.addState(r, s)
		}
	}
	if t.width == 0 {
		t.items++
		t.checkItems()
	} else {
		t.checkBuckets()
	}
}

func (t *Timeline) addCall(r *tlRow, s *callSpan) {
	t.addBusy(r, s.start, s.end, func(b *tlBucket, d int64) { b.busy[s.class] += d })
	t.bucket(r, t.index(s.start)).calls++
}

func (t *Timeline) addState(r *tlRow, s *stateSpan) {
	t.addBusy(r, s.start, s.end, func(b *tlBucket, d int64) {
		if s.runnable {
			b.runnable += d
		} else {
			b.blocked += d
		}
	})
}

func (t *Timeline) mark(th *threadInfo, m *mark) {
	t.seen(m.time, m.time)
	// Signals and the marks of threads' lives are counted apart, so
	// that many signals do not hide where threads start and end.
	n := &t.marks[0]
	if m.kind == markSignal {
		n = &t.marks[1]
	}
	if *n >= t.lim.Marks {
		t.lost++
		return
	}
	*n++
	r := t.row(th)
	r.marks = append(r.marks, *m)
}

// checkItems sums the calls and states into buckets once there are too
// many to show one by one.
func (t *Timeline) checkItems() {
	if t.items <= t.lim.Items {
		return
	}
	// Some 2000 buckets over the time seen so far, at least 1µs wide.
	t.width = max(1000, (t.maxT-t.minT)/2000+1)
	for _, r := range t.rows {
		for i := range r.calls {
			t.addCall(r, &r.calls[i])
		}
		for i := range r.states {
			t.addState(r, &r.states[i])
		}
		r.calls, r.states = nil, nil
	}
	t.checkBuckets()
}

// index returns the bucket of time ts.
func (t *Timeline) index(ts int64) int64 {
	d := ts - t.k.base
	i := d / t.width
	if d < 0 && d%t.width != 0 {
		i--
	}
	return i
}

// bucket returns r's bucket i, made when new.
func (t *Timeline) bucket(r *tlRow, i int64) *tlBucket {
	n := len(r.buckets)
	if n > 0 && r.buckets[n-1].idx == i {
		return &r.buckets[n-1]
	}
	j := n
	if n > 0 && r.buckets[n-1].idx > i {
		var found bool
		j, found = slices.BinarySearchFunc(r.buckets, i, func(b tlBucket, i int64) int { return int(b.idx - i) })
		if found {
			return &r.buckets[j]
		}
	}
	r.buckets = slices.Insert(r.buckets, j, tlBucket{idx: i})
	t.nbuck++
	return &r.buckets[j]
}

// addBusy adds the time from start to end to the buckets it covers.
func (t *Timeline) addBusy(r *tlRow, start, end int64, add func(b *tlBucket, d int64)) {
	for i := t.index(start); ; i++ {
		bs := t.k.base + i*t.width
		d := min(end, bs+t.width) - max(start, bs)
		if d > 0 || i == t.index(start) {
			add(t.bucket(r, i), max(d, 0))
		}
		if bs+t.width >= end {
			return
		}
	}
}

// checkBuckets doubles the bucket width until there are few enough.
func (t *Timeline) checkBuckets() {
	for t.nbuck > t.lim.Buckets {
		t.width *= 2
		t.nbuck = 0
		for _, r := range t.rows {
			out := r.buckets[:0]
			for _, b := range r.buckets {
				b.idx = floorHalf(b.idx)
				if n := len(out); n > 0 && out[n-1].idx == b.idx {
					o := &out[n-1]
					o.calls += b.calls
					o.blocked += b.blocked
					o.runnable += b.runnable
					for c := range b.busy {
						o.busy[c] += b.busy[c]
					}
					continue
				}
				out = append(out, b)
			}
			r.buckets = out
			t.nbuck += len(out)
		}
	}
}

// floorHalf returns i/2 rounded down.
func floorHalf(i int64) int64 { return i >> 1 }

// Close writes the page.
func (t *Timeline) Close() error {
	t.k.finish()
	bw := bufio.NewWriterSize(t.w, 64<<10)
	head, tail, _ := strings.Cut(timelinePage, timelineDataMark)
	bw.WriteString(head)
	b := t.appendData(make([]byte, 0, 64<<10), bw)
	bw.Write(b)
	bw.WriteString(tail)
	return bw.Flush()
}

// spill writes b to w when it is large and returns it emptied.
func spill(b []byte, w *bufio.Writer) []byte {
	if len(b) < 32<<10 {
		return b
	}
	w.Write(b) // errors are sticky: Flush returns them
	return b[:0]
}

// appendData appends the page's data, a JSON object (see timeline.html),
// writing it to w as it grows. Its "<" are escaped, so that it cannot end
// the script element it is in.
func (t *Timeline) appendData(b []byte, w *bufio.Writer) []byte {
	k := t.k
	b = append(b, `{"version":1,"classes":[`...)
	for c := Class(0); c < numClasses; c++ {
		if c > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, []byte(c.String()))
	}
	b = append(b, `],"begin":`...)
	b = micros(b, t.minT-k.base)
	b = append(b, `,"end":`...)
	b = micros(b, t.maxT-k.base)
	b = append(b, `,"bucket":`...)
	b = micros(b, t.width)
	b = append(b, `,"start":`...)
	b = appendJSONString(b, []byte(t.startText()))
	b = append(b, `,"note":`...)
	b = appendHTMLJSON(b, t.note())
	b = append(b, `,"rows":[`...)
	for i, th := range k.sortedThreads() {
		r := t.row(th)
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n{\"pid\":"...)
		b = strconv.AppendInt(b, int64(th.pid), 10)
		b = append(b, `,"tid":`...)
		b = strconv.AppendInt(b, int64(th.tid), 10)
		b = append(b, `,"comm":`...)
		b = appendHTMLJSON(b, th.comm)
		b = append(b, `,"first":`...)
		b = micros(b, th.first-k.base)
		b = append(b, `,"last":`...)
		b = micros(b, th.last-k.base)
		b = append(b, `,"calls":`...)
		b = appendList(b, w, len(r.calls), func(b []byte, j int) []byte {
			s := &r.calls[j]
			b = t.appendSpan(b, s.start, s.end, int64(s.class))
			b = appendHTMLJSON(b, s.text)
			b = append(b, ',')
			b = appendHTMLJSON(b, s.ret)
			if s.err {
				return append(b, ",1]"...)
			}
			return append(b, ",0]"...)
		})
		b = append(b, `,"states":`...)
		b = appendList(b, w, len(r.states), func(b []byte, j int) []byte {
			s := &r.states[j]
			kind := int64(0)
			if s.runnable {
				kind = 1
			}
			b = t.appendSpan(b, s.start, s.end, kind)
			return append(appendHTMLJSON(b, s.wait), ']')
		})
		b = append(b, `,"marks":`...)
		b = appendList(b, w, len(r.marks), func(b []byte, j int) []byte {
			m := &r.marks[j]
			b = append(b, '[')
			b = micros(b, m.time-k.base)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(m.kind), 10)
			b = append(b, ',')
			return append(appendHTMLJSON(b, m.text), ']')
		})
		b = append(b, `,"buckets":`...)
		b = appendList(b, w, len(r.buckets), func(b []byte, j int) []byte {
			bk := &r.buckets[j]
			b = append(b, '[')
			b = micros(b, bk.idx*t.width)
			b = append(b, ',')
			b = strconv.AppendInt(b, bk.calls, 10)
			for _, v := range append(bk.busy[:], bk.blocked, bk.runnable) {
				b = append(b, ',')
				b = micros(b, v)
			}
			return append(b, ']')
		})
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendSpan appends `[start,duration,kind,`, the times in microseconds
// since the first record.
func (t *Timeline) appendSpan(b []byte, start, end, kind int64) []byte {
	b = append(b, '[')
	b = micros(b, start-t.k.base)
	b = append(b, ',')
	b = micros(b, end-start)
	b = append(b, ',')
	b = strconv.AppendInt(b, kind, 10)
	return append(b, ',')
}

// appendList appends a JSON array of n items, item appending each,
// writing to w as it grows.
func appendList(b []byte, w *bufio.Writer, n int, item func(b []byte, j int) []byte) []byte {
	b = append(b, '[')
	for j := 0; j < n; j++ {
		if j > 0 {
			b = append(b, ',')
		}
		b = spill(item(b, j), w)
	}
	return append(b, ']')
}

// appendHTMLJSON appends s as a JSON string that can sit in a script
// element: "<" is written \u003c.
func appendHTMLJSON(b []byte, s string) []byte {
	n := len(b)
	b = appendJSONString(b, []byte(s))
	if strings.IndexByte(s, '<') < 0 {
		return b
	}
	out := append([]byte(nil), b[n:]...)
	b = b[:n]
	for _, c := range out {
		if c == '<' {
			b = append(b, `\u003c`...)
			continue
		}
		b = append(b, c)
	}
	return b
}

// startText gives the wall clock time of the first record, when the
// trace's clock is the real time clock.
func (t *Timeline) startText() string {
	if !t.k.started || t.k.clock != 0 {
		return ""
	}
	return time.Unix(0, t.k.base).UTC().Format("2006-01-02 15:04:05.000000 UTC")
}

// note says what the page leaves out.
func (t *Timeline) note() string {
	var parts []string
	if t.width > 0 {
		parts = append(parts, fmt.Sprintf("more than %d calls and waits: shown summed per %s of time",
			t.lim.Items, time.Duration(t.width)))
	}
	if t.lost > 0 {
		parts = append(parts, fmt.Sprintf("%d marks (signals, starts, ends) left out past %d of a kind", t.lost, t.lim.Marks))
	}
	return strings.Join(parts, "; ")
}

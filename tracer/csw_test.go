package tracer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
	"github.com/ktrace-linux/ktrace/format"
)

// cswProg builds testdata/progs/NAME.c.
func cswProg(tb testing.TB, name string) string {
	tb.Helper()
	if os.Getenv("KTRACE_TEST_PROGS") != "" {
		return buildC(tb, "", name, "") // prebuilt
	}
	src, err := os.ReadFile(filepath.Join("..", "testdata", "progs", name+".c"))
	if err != nil {
		tb.Fatal(err)
	}
	return buildC(tb, tb.TempDir(), name, string(src))
}

// cswRun is what cswTrace saw.
type cswRun struct {
	trace   []byte
	stdout  string
	mallocs uint64        // heap allocations made by Run
	bytes   uint64        // heap bytes Run allocated
	elapsed time.Duration // Run's time
}

// cswTrace runs argv under a Tracer set up by setup (if not nil), from
// its execve on. The program's stdin gets feed, then EOF: at once, or
// when blocked (if not nil) reports the program blocked where feed is
// awaited, and delay later.
func cswTrace(tb testing.TB, argv []string, s Settings, opts Options, setup func(*Tracer), feed string, blocked func(pid int) bool, delay time.Duration) cswRun {
	tb.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// The shell execs the program only after we seized it.
	cmd := exec.Command("/bin/sh", append([]string{"-c", `read x; exec "$@"`, "sh"}, argv...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tr, buf := newTestTracer(tb, opts)
	if setup != nil {
		setup(tr)
	}
	if err := tr.SeizeCommand(cmd.Process.Pid, "", s); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		tb.Fatal(err)
	}
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		tb.Fatal(err)
	}
	go func() {
		if blocked != nil {
			for deadline := time.Now().Add(10 * time.Second); !blocked(cmd.Process.Pid) && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(delay)
		}
		_, _ = stdin.Write([]byte(feed))
		stdin.Close()
	}()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	if err := tr.Run(nil); err != nil {
		tb.Fatal(err)
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	_ = cmd.Wait() // Run reaped the child; this collects the output
	return cswRun{buf.Bytes(), out.String(), after.Mallocs - before.Mallocs, after.TotalAlloc - before.TotalAlloc, elapsed}
}

// cswRec is a record of a trace, decoded for the CSW tests.
type cswRec struct {
	typ   format.Type
	tid   int32
	time  int64
	flags format.Flags
	name  string // system call of a CALL or RET; what a LOST says
	csw   format.Csw
}

// cswRecords decodes a trace.
func cswRecords(tb testing.TB, trace []byte) []cswRec {
	tb.Helper()
	var recs []cswRec
	eachRecord(tb, trace, func(rec *format.Record, tab *arch.Table) {
		c := cswRec{typ: rec.Type, tid: rec.TID, time: rec.Time, flags: rec.Flags}
		switch rec.Type {
		case format.TypeCall:
			v, _ := rec.Call()
			c.name = tab.Lookup(v.Number).Name
		case format.TypeRet:
			v, _ := rec.Ret()
			c.name = tab.Lookup(v.Number).Name
		case format.TypeCsw:
			v, err := rec.Csw()
			if err != nil {
				tb.Fatal(err)
			}
			v.WaitFor = bytes.Clone(v.WaitFor)
			c.csw = v
		case format.TypeLost:
			v, err := rec.Lost()
			if err != nil {
				tb.Fatal(err)
			}
			c.name = fmt.Sprintf("%d records: %s", v.Records, v.Reason)
		}
		recs = append(recs, c)
	})
	return recs
}

// cswPairOf is one context switch read back: a CSW stop and its resume,
// and the system call in progress around them.
type cswPairOf struct {
	stop, resume cswRec
	in           string // system call between whose CALL and RET the pair lies
	call, ret    *cswRec
}

func (p cswPairOf) String() string {
	kind := "kernel"
	if p.stop.csw.User {
		kind = "user"
	}
	return fmt.Sprintf("stop %s %q in %q for %v", kind, p.stop.csw.WaitFor, p.in, time.Duration(p.resume.time-p.stop.time))
}

// cswPairs checks that the CSW records of recs come in stop/resume pairs
// of one thread, in time order, and returns the pairs.
func cswPairs(t *testing.T, recs []cswRec) []cswPairOf {
	t.Helper()
	var pairs []cswPairOf
	var in string
	var call *cswRec
	for i := 0; i < len(recs); i++ {
		r := &recs[i]
		switch r.typ {
		case format.TypeCall:
			in, call = r.name, r
		case format.TypeRet:
			for j := range pairs {
				if pairs[j].call == call && call != nil {
					pairs[j].ret = r
				}
			}
			in, call = "", nil
		case format.TypeCsw:
			if !r.csw.Out || i+1 >= len(recs) || recs[i+1].typ != format.TypeCsw || recs[i+1].csw.Out {
				t.Fatalf("record %d: CSW not a stop followed by a resume", i)
			}
			res := recs[i+1]
			if res.tid != r.tid || res.csw.User != r.csw.User || res.flags != r.flags || res.time < r.time {
				t.Errorf("record %d: resume %+v does not match stop %+v", i, res, *r)
			}
			pairs = append(pairs, cswPairOf{stop: *r, resume: res, in: in, call: call})
			i++
		}
	}
	return pairs
}

// blockedInRead reports whether process pid sleeps in read (and not at
// a ptrace stop on its way in).
func blockedInRead(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) || stat[i+2] != 'S' {
		return false
	}
	sc, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
	if err != nil {
		return false
	}
	read, _ := tables.Native().ByName("read")
	nr, _, _ := strings.Cut(string(sc), " ")
	return read != nil && nr == fmt.Sprint(read.Number)
}

// requirePerf skips the test where this process may not open perf
// events.
func requirePerf(t *testing.T) {
	t.Helper()
	r, err := openPerfRing(unix.Gettid())
	if err != nil {
		t.Skipf("perf events not available here: %v", err)
	}
	r.close()
}

// checkSleeps checks the CSW pairs of csw_sleep: three sleeps in
// nanosleep and one blocking read, each between the CALL and RET of its
// call, and no pair for the ptrace stops of the getppid loop.
func checkSleeps(t *testing.T, run cswRun, flags format.Flags) {
	t.Helper()
	if run.stdout != "done\n" {
		t.Errorf("traced program printed %q, want %q", run.stdout, "done\n")
	}
	recs := cswRecords(t, run.trace)
	pairs := cswPairs(t, recs)
	calls := 0
	for _, r := range recs {
		if r.typ == format.TypeCall {
			calls++
		}
		if r.typ == format.TypeLost {
			t.Errorf("LOST %s", r.name)
		}
	}
	var sleeps, reads, voluntary int
	var readTime time.Duration
	for _, p := range pairs {
		t.Log(p)
		if !p.stop.csw.User {
			voluntary++
		}
		if p.stop.flags != flags {
			t.Errorf("%v: flags %#x, want %#x", p, p.stop.flags, flags)
		}
		reason := string(p.stop.csw.WaitFor)
		if !p.stop.csw.User && reason != p.in {
			t.Errorf("%v: wait reason is not the call in progress", p)
		}
		if p.stop.csw.User && reason != "" {
			t.Errorf("%v: a preemption with a wait reason", p)
		}
		if p.call == nil || p.ret == nil {
			continue
		}
		d := time.Duration(p.resume.time - p.stop.time)
		if flags == 0 && (p.stop.time < p.call.time || p.resume.time > p.ret.time) {
			t.Errorf("%v: times %d..%d not within the call's %d..%d", p, p.stop.time, p.resume.time, p.call.time, p.ret.time)
		}
		switch {
		case p.stop.csw.User:
		case reason == "nanosleep" || reason == "clock_nanosleep":
			// At least the sleep (the upper end is the machine's
			// load; the times within the call are checked above).
			if flags == 0 && d < 15*time.Millisecond {
				t.Errorf("%v: a 20ms sleep lasted %v", p, d)
			}
			sleeps++
		case reason == "read":
			reads++
			readTime += d
		}
	}
	if sleeps != 3 {
		t.Errorf("%d switches in nanosleep, want 3", sleeps)
	}
	if reads < 1 {
		t.Errorf("no switch in read")
	} else if flags == 0 && readTime < 40*time.Millisecond {
		t.Errorf("the read blocked for %v in all, want 50ms or more", readTime)
	}
	// 1000 ptrace stops for getppid alone: their switches are the
	// tracer's, not the program's. The program sleeps 4 times; a loaded
	// machine preempts it now and then.
	if calls < 500 {
		t.Errorf("only %d calls traced", calls)
	}
	if voluntary > 10 || len(pairs) > 500 {
		t.Errorf("%d CSW pairs, %d voluntary, for %d calls: the ptrace stops are counted as switches", len(pairs), voluntary, calls)
	}
}

// TestCswSleep traces a program that sleeps in nanosleep and in read, then
// makes 500 getppid calls, with perf switch events.
func TestCswSleep(t *testing.T) {
	canPtrace(t)
	requirePerf(t)
	bin := cswProg(t, "csw_sleep")
	var warn bytes.Buffer
	run := cswTrace(t, []string{bin, "500"}, Settings{Facilities: FacSyscall | FacCsw}, Options{},
		func(tr *Tracer) { tr.csw.warn = &warn }, "x", blockedInRead, 50*time.Millisecond)
	checkSleeps(t, run, 0)
	if warn.Len() > 0 {
		t.Errorf("warning with perf events: %s", warn.String())
	}
}

// TestCswFallback forces the /proc fallback on the same program: the
// switches are inferred, and still not one per ptrace stop.
func TestCswFallback(t *testing.T) {
	canPtrace(t)
	bin := cswProg(t, "csw_sleep")
	var warn bytes.Buffer
	run := cswTrace(t, []string{bin, "500"}, Settings{Facilities: FacSyscall | FacCsw}, Options{NoPerfEvents: true},
		func(tr *Tracer) { tr.csw.warn = &warn }, "x", blockedInRead, 50*time.Millisecond)
	checkSleeps(t, run, format.FlagInferred)
	if warn.Len() > 0 {
		t.Errorf("warning when the fallback is asked for: %s", warn.String())
	}
}

// TestCswPerfRefused has perf_event_open fail as under perf_event_paranoid:
// the tracer says so once, for all threads, and infers from /proc.
func TestCswPerfRefused(t *testing.T) {
	canPtrace(t)
	bin := cswProg(t, "csw_sleep")
	opens := 0
	perfEventOpen = func(*unix.PerfEventAttr, int, int, int, int) (int, error) {
		opens++
		return -1, unix.EACCES
	}
	defer func() { perfEventOpen = unix.PerfEventOpen }()
	var warn bytes.Buffer
	run := cswTrace(t, []string{bin, "500"}, Settings{Facilities: FacSyscall | FacCsw}, Options{},
		func(tr *Tracer) { tr.csw.warn = &warn }, "x", blockedInRead, 50*time.Millisecond)
	checkSleeps(t, run, format.FlagInferred)
	msg := warn.String()
	if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "ktrace: perf events unavailable (perf_event_open: permission denied") ||
		!strings.HasSuffix(msg, "): context switches inferred from /proc\n") {
		t.Errorf("warning %q, want one line saying perf events are unavailable", msg)
	}
	if opens != 1 {
		t.Errorf("perf_event_open tried %d times, want once", opens)
	}
}

// TestCswPreempt traces a busy loop sharing its CPU with a spinning child:
// it is preempted, and the records say so.
func TestCswPreempt(t *testing.T) {
	canPtrace(t)
	requirePerf(t)
	bin := cswProg(t, "csw_busy")
	run := cswTrace(t, []string{bin, "200"}, Settings{Facilities: FacSyscall | FacCsw}, Options{}, nil, "", nil, 0)
	if run.stdout != "done\n" {
		t.Errorf("traced program printed %q, want %q", run.stdout, "done\n")
	}
	recs := cswRecords(t, run.trace)
	pairs := cswPairs(t, recs)
	preempted := 0
	for _, p := range pairs {
		if p.stop.csw.User {
			preempted++
			if len(p.stop.csw.WaitFor) != 0 {
				t.Errorf("%v: a preemption with a wait reason", p)
			}
		}
	}
	t.Logf("%d switches, %d preemptions in 200ms on a shared CPU", len(pairs), preempted)
	if preempted < 3 {
		for _, p := range pairs {
			t.Log(p)
		}
		t.Errorf("%d preemptions, want several", preempted)
	}
}

// TestCswNoAllocationPerStop checks that watching switches does not
// allocate per stop, on either path.
func TestCswNoAllocationPerStop(t *testing.T) {
	canPtrace(t)
	bin := buildC(t, t.TempDir(), "loop", loopSource)
	for _, opts := range []Options{{}, {NoPerfEvents: true}} {
		s := Settings{Facilities: FacSyscall | FacCsw}
		small := cswTrace(t, []string{bin, "100"}, s, opts, nil, "x", nil, 0)
		large := cswTrace(t, []string{bin, "2100"}, s, opts, nil, "x", nil, 0)
		t.Logf("NoPerfEvents %v: allocations: %d for 100 calls, %d for 2100", opts.NoPerfEvents, small.mallocs, large.mallocs)
		if large.mallocs > small.mallocs+200 {
			t.Errorf("NoPerfEvents %v: 2000 more system calls (4000 stops) made %d more allocations", opts.NoPerfEvents, large.mallocs-small.mallocs)
		}
	}
}

// fakeRing is a perfRing over ordinary memory, for feeding cswDrain
// records by hand.
type fakeRing struct {
	perfRing
	page unix.PerfEventMmapPage
	head uint64
}

func newFakeRing(size int) *fakeRing {
	f := &fakeRing{}
	f.data = make([]byte, size)
	f.mask = uint64(size - 1)
	f.meta = &f.page
	return f
}

// put appends a record as the kernel would, wrapping at the end.
func (f *fakeRing) put(typ uint32, misc uint16, words ...uint64) {
	ne := binary.NativeEndian
	size := 8 + 8*len(words)
	var hdr [8]byte
	ne.PutUint32(hdr[:], typ)
	ne.PutUint16(hdr[4:], misc)
	ne.PutUint16(hdr[6:], uint16(size))
	copy(f.word(f.head), hdr[:])
	for i, w := range words {
		ne.PutUint64(f.word(f.head+8+8*uint64(i)), w)
	}
	f.head += uint64(size)
	f.page.Data_head = f.head
}

// switchRec appends a PERF_RECORD_SWITCH of thread 7 at time when.
func (f *fakeRing) switchRec(misc uint16, when int64) {
	f.put(unix.PERF_RECORD_SWITCH, misc, 7|7<<32, uint64(when))
}

// sleepBetween appends the switches of a thread resumed at resume that
// sleeps from out to in, then stops at stop.
func (f *fakeRing) sleepBetween(resume, out, in, stop int64) {
	f.switchRec(swIn, resume)
	f.switchRec(swOut, out)
	f.switchRec(swIn, in)
	f.switchRec(swOut, stop)
}

const (
	swOut     = unix.PERF_RECORD_MISC_SWITCH_OUT
	swPreempt = unix.PERF_RECORD_MISC_SWITCH_OUT | unix.PERF_RECORD_MISC_SWITCH_OUT_PREEMPT
	swIn      = 0
)

// TestCswDrain feeds cswDrain switch events around ptrace stops, with
// the stop's switch-out seen late, preemptions, a lost event, a ring
// out of step and a wrapping ring, and checks which switches are
// recorded.
func TestCswDrain(t *testing.T) {
	tr, buf := newTestTracer(t, Options{})
	th := &thread{tid: 7, proc: newProcess(7, Settings{Facilities: FacCsw}, true), phase: phaseInCall}
	th.call, _ = tables.Native().ByName("read")
	f := newFakeRing(256) // small: records of 24 bytes wrap
	s := &cswState{ring: &f.perfRing}
	th.csw = s
	stop := func() {
		tr.cswDrain(th, s)
		if f.page.Data_tail != f.head {
			t.Fatalf("tail %d, head %d: ring not drained", f.page.Data_tail, f.head)
		}
		tr.cswResume(th)
	}
	// Stop 1 at 100, resumed at 105; its switch-out is not on the ring
	// yet when the tracer drains.
	stop()
	// Stop 2: the late switch-out of stop 1, the resume's switch-in, a
	// sleep in read (120..140), a preemption (150..160), stop 2.
	f.switchRec(swOut, 101)
	f.switchRec(swIn, 110)
	f.switchRec(swOut, 120)
	f.switchRec(swIn, 140)
	f.switchRec(swPreempt, 150)
	f.switchRec(swIn, 160)
	f.switchRec(swOut, 170)
	stop()
	// Stop 3: the resume's switch-in, lost events, a switch-in without
	// its switch-out, a sleep (230..240), stop 3.
	f.switchRec(swIn, 210)
	f.put(unix.PERF_RECORD_LOST, 0, 1, 3, 7|7<<32, 215)
	f.switchRec(swIn, 220)
	f.switchRec(swOut, 230)
	f.switchRec(swIn, 240)
	f.switchRec(swOut, 250)
	stop()
	// Stop 4: only the resume and the stop.
	f.switchRec(swIn, 310)
	f.switchRec(swOut, 320)
	stop()
	// Stop 5: the resume's switch-in stamped before the tracer's clock
	// said it resumed (another CPU's clock, behind), a sleep (420..430),
	// stop 5: the ring's order, not the times, tells the resume's.
	f.sleepBetween(400, 420, 430, 440)
	stop()
	// Stop 6: the resume's switch-in, then a header that is no record
	// boundary (a size of 12) and two events behind it: all three are
	// given up and said lost; stop 7 reads on.
	f.switchRec(swIn, 510)
	f.put(unix.PERF_RECORD_SWITCH, swOut, 7|7<<32, 520)
	ne := binary.NativeEndian
	ne.PutUint16(f.word(f.head - perfSwitchLen)[6:], 12)
	f.switchRec(swIn, 530)
	f.switchRec(swOut, 540)
	stop()
	f.sleepBetween(610, 620, 630, 640)
	stop()
	if f.head <= uint64(len(f.data)) {
		t.Fatal("the ring did not wrap")
	}
	tr.Flush()
	if err := tr.rec.err(); err != nil {
		t.Fatal(err)
	}
	var got []string
	r := format.NewReader(bytes.NewReader(buf.Bytes()))
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch rec.Type {
		case format.TypeCsw:
			c, _ := rec.Csw()
			got = append(got, fmt.Sprintf("%d CSW out=%v user=%v %q", rec.Time, c.Out, c.User, c.WaitFor))
		case format.TypeLost:
			l, _ := rec.Lost()
			got = append(got, fmt.Sprintf("LOST %d %s", l.Records, l.Reason))
		}
	}
	want := []string{
		`120 CSW out=true user=false "read"`,
		`140 CSW out=false user=false ""`,
		`150 CSW out=true user=true ""`,
		`160 CSW out=false user=true ""`,
		`LOST 3 context switch events: ring buffer full`,
		`230 CSW out=true user=false "read"`,
		`240 CSW out=false user=false ""`,
		`420 CSW out=true user=false "read"`,
		`430 CSW out=false user=false ""`,
		`LOST 3 context switch events: ring buffer unreadable`,
		`620 CSW out=true user=false "read"`,
		`630 CSW out=false user=false ""`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReadSwitchCounts reads our own switch counters through an open
// status file, as the /proc fallback does (procfs tests the parsing).
func TestReadSwitchCounts(t *testing.T) {
	fd, err := unix.Open(fmt.Sprintf("/proc/self/task/%d/status", unix.Gettid()), unix.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 8192)
	if _, _, ok := readSwitchCounts(fd, buf); !ok {
		t.Error("no switch counters in our own status")
	}
}

// BenchmarkCswOverhead runs the getppid loop traced with -t c, -t cw and
// -t cw inferring from /proc, and reports the time per call of each and
// the ratios to -t c: the cost of watching context switches.
func BenchmarkCswOverhead(b *testing.B) {
	canPtrace(b)
	bin := buildC(b, b.TempDir(), "loop", loopSource)
	const n = 20000
	modes := []struct {
		name string
		fac  Facilities
		opts Options
	}{
		{"c", FacSyscall, Options{}},
		{"cw", FacSyscall | FacCsw, Options{}},
		{"cw-proc", FacSyscall | FacCsw, Options{NoPerfEvents: true}},
	}
	total := make([]time.Duration, len(modes))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Interleaved, so that every mode sees the same machine.
		for m, mode := range modes {
			run := cswTrace(b, []string{bin, fmt.Sprint(n)}, Settings{Facilities: mode.fac}, mode.opts, nil, "x", nil, 0)
			if run.stdout != "done\n" {
				b.Fatalf("%s: program printed %q", mode.name, run.stdout)
			}
			total[m] += run.elapsed
		}
	}
	for m, mode := range modes {
		b.ReportMetric(float64(total[m].Nanoseconds())/float64(b.N*n), mode.name+"-ns/call")
		if m > 0 {
			b.ReportMetric(float64(total[m])/float64(total[0]), mode.name+"/c")
		}
	}
}

// Keep the ring's view of the metadata page honest: the fields the
// drain touches sit where the kernel puts them.
func TestPerfMmapPageLayout(t *testing.T) {
	var p unix.PerfEventMmapPage
	if off := unsafe.Offsetof(p.Data_head); off != 1024 {
		t.Errorf("data_head at %d, want 1024", off)
	}
	if off := unsafe.Offsetof(p.Data_tail); off != 1032 {
		t.Errorf("data_tail at %d, want 1032", off)
	}
}

// watchFDs counts this process's descriptors of perf events and /proc
// files.
func watchFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		l, _ := os.Readlink("/proc/self/fd/" + e.Name())
		if strings.Contains(l, "perf_event") || strings.HasPrefix(l, "/proc/") {
			n++
		}
	}
	return n
}

// TestCswThreads traces a program with four threads on both paths: each
// thread gets its own watch, and every watch is closed when its thread
// is gone.
func TestCswThreads(t *testing.T) {
	canPtrace(t)
	bin := cswProg(t, "loops")
	for _, opts := range []Options{{}, {NoPerfEvents: true}} {
		var opened, most int
		run := cswTrace(t, []string{bin, "threads", "200"}, Settings{Facilities: FacSyscall | FacCsw, Inherit: true}, opts,
			func(tr *Tracer) {
				perfEventOpen = func(attr *unix.PerfEventAttr, pid, cpu, group, flags int) (int, error) {
					opened++
					most = max(most, watchFDs(t)+1)
					return unix.PerfEventOpen(attr, pid, cpu, group, flags)
				}
			}, "", nil, 0)
		perfEventOpen = unix.PerfEventOpen
		cswPairs(t, cswRecords(t, run.trace))
		if n := watchFDs(t); n != 0 {
			t.Errorf("NoPerfEvents %v: %d perf or /proc descriptors left open", opts.NoPerfEvents, n)
		}
		if !opts.NoPerfEvents && (opened != 5 || most < 2) {
			t.Errorf("%d perf events opened for 5 threads, at most %d at once", opened, most)
		}
	}
}

package main

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/dump"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// timeOutput parses what the stru_time program printed: key, values
// (getdents64 has a line per entry, kept in order).
func timeOutput(t *testing.T, out []byte) (map[string][]string, [][]string) {
	t.Helper()
	m := map[string][]string{}
	var dents [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("stru_time printed %q", line)
		}
		if f[0] == "getdents64" {
			dents = append(dents, f[1:])
			continue
		}
		m[f[0]] = f[1:]
	}
	for _, k := range []string{"gettimeofday", "settimeofday", "pselect6", "epoll_ctl", "epoll_wait", "epoll_pwait2",
		"timerfd_settime", "timerfd_old", "timerfd_gettime", "timer_settime", "timer_gettime", "setitimer",
		"getitimer", "utimensat", "futex_wait", "clock_getres", "sched_rr_get_interval", "readlink", "readlinkat",
		"getcwd", "memfd_create"} {
		if len(m[k]) == 0 {
			t.Fatalf("stru_time printed no %s line: %q", k, out)
		}
	}
	if len(dents) < 4 {
		t.Fatalf("stru_time printed %d getdents64 entries, want 4: %q", len(dents), out)
	}
	return m, dents
}

// Typed members of the STRU records, as kdump --json gives them (64-bit
// members are decimal strings).
type (
	jsonTimeval struct {
		Sec  int64 `json:"tv_sec,string"`
		Usec int64 `json:"tv_usec,string"`
	}
	jsonTimespec struct {
		Sec  int64 `json:"tv_sec,string"`
		Nsec int64 `json:"tv_nsec,string"`
	}
	jsonTimers struct {
		Interval struct {
			Sec  int64 `json:"tv_sec,string"`
			Nsec int64 `json:"tv_nsec,string"`
			Usec int64 `json:"tv_usec,string"`
		} `json:"it_interval"`
		Value struct {
			Sec  int64 `json:"tv_sec,string"`
			Nsec int64 `json:"tv_nsec,string"`
			Usec int64 `json:"tv_usec,string"`
		} `json:"it_value"`
	}
	jsonEpoll struct {
		Entries []struct {
			Events uint32 `json:"events"`
			Data   struct {
				U32 uint32 `json:"u32"`
				U64 uint64 `json:"u64,string"`
			} `json:"data"`
		} `json:"entries"`
	}
	jsonFdset struct {
		Fds []int `json:"fds"`
	}
	jsonString struct {
		String string `json:"string"`
	}
	jsonDirents struct {
		Entries []struct {
			Ino  uint64 `json:"d_ino,string"`
			Type int    `json:"d_type"`
			Name string `json:"d_name"`
		} `json:"entries"`
	}
	jsonPairs struct {
		Entries []jsonTimespec `json:"entries"`
	}
	jsonPairsUsec struct {
		Entries []jsonTimeval `json:"entries"`
	}
)

// members decodes the members of STRU record r into v, which must be
// of the record's name.
func members(t *testing.T, what string, r *testutil.Rec, name string, v any) {
	t.Helper()
	if r.Label != name {
		t.Fatalf("%s: STRU %s, want %s", what, r.Label, name)
	}
	if r.Flags&(format.FlagCut|format.FlagUnreadable) != 0 {
		t.Errorf("%s: STRU %s flags %v", what, name, r.Flags)
	}
	js, ok := dump.FormatStructJSON(r.Label, r.ABI, r.Data)
	if !ok {
		t.Fatalf("%s: STRU %s of %d bytes does not decode", what, name, len(r.Data))
	}
	if err := json.Unmarshal([]byte(js), v); err != nil {
		t.Fatalf("%s: STRU %s members %s: %v", what, name, js, err)
	}
}

// callStrus finds the next CALL matching m and returns the STRU records
// of its thread up to its RET, and the RET.
func callStrus(c *testutil.Cursor, what string, m testutil.Match) ([]testutil.Rec, *testutil.Rec) {
	c.TB.Helper()
	call := c.Find(what+": CALL", m)
	var strus []testutil.Rec
	for c.I < len(c.Recs) {
		r := &c.Recs[c.I]
		c.I++
		if r.TID != call.TID {
			continue
		}
		switch r.Type {
		case format.TypeStruct:
			strus = append(strus, *r)
		case format.TypeRet:
			return strus, r
		case format.TypeCall:
			c.TB.Fatalf("%s: no RET after %s", what, call)
		}
	}
	c.TB.Fatalf("%s: no RET after %s", what, call)
	return nil, nil
}

// nums parses decimal strings.
func nums(t *testing.T, s ...string) []int64 {
	t.Helper()
	v := make([]int64, len(s))
	for i, x := range s {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			t.Fatalf("%q: %v", x, err)
		}
		v[i] = n
	}
	return v
}

// TestTraceTimeStructs: the time values, fd_sets, epoll events and
// output buffers of the stru_time program's calls are recorded as STRU
// records (inputs after the CALL, outputs before the RET of a successful
// call) whose typed members are what the program passed or got back; a
// futex command that takes no timeout has none. With -t t alone, the
// seccomp filter still stops the calls that have them.
func TestTraceTimeStructs(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "stru_time")
	for i, flags := range [][]string{nil, {"-t", "t"}, {"--genio-size", "40"}} {
		t.Run(strings.Join(append([]string{"trstr"}, flags...), " "), func(t *testing.T) {
			dir := e.path("d" + strconv.Itoa(i))
			tf := e.path("t" + strconv.Itoa(i) + ".out")
			res := e.mustTrace(tf, flags, prog, mkdir(t, dir))
			out, dents := timeOutput(t, res.Stdout)
			all := testutil.ReadTrace(t, tf)
			switch {
			case len(flags) > 0 && flags[0] == "-t":
				checkTimeStructsOnly(t, all, out)
				return
			case len(flags) > 0:
				checkTimeStructsCut(t, all, dents)
				return
			}
			c := &testutil.Cursor{TB: t, Recs: all}
			checkTimes(t, c, out)
			checkSets(t, c, out)
			checkTimers(t, c, out)
			checkFiles(t, c, out, dents)
		})
	}
}

// mkdir makes dir and returns it.
func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func checkTimes(t *testing.T, c *testutil.Cursor, out map[string][]string) {
	s, _ := callStrus(c, "gettimeofday", testutil.IsCall("gettimeofday"))
	var tv jsonTimeval
	if len(s) != 1 {
		t.Fatalf("gettimeofday: %d STRU records, want 1", len(s))
	}
	members(t, "gettimeofday", &s[0], "timeval", &tv)
	if want := nums(t, out["gettimeofday"]...); tv.Sec != want[0] || tv.Usec != want[1] {
		t.Errorf("gettimeofday: STRU %+v, the program got %v", tv, want)
	}
	s, ret := callStrus(c, "settimeofday", testutil.IsCall("settimeofday"))
	if len(s) != 1 || !ret.Failed() {
		t.Fatalf("settimeofday: %d STRU records, RET %v; want the time passed, and EINVAL", len(s), ret)
	}
	members(t, "settimeofday", &s[0], "timeval", &tv)
	if want := nums(t, out["settimeofday"]...); tv.Sec != want[0] || tv.Usec != want[1] {
		t.Errorf("settimeofday: STRU %+v, the program passed %v", tv, want)
	}
}

// fdsOf returns the descriptors of an fd_set STRU record.
func fdsOf(t *testing.T, what string, r *testutil.Rec) []int {
	var fs jsonFdset
	members(t, what, r, "fd_set", &fs)
	return fs.Fds
}

// ints parses descriptors.
func ints(t *testing.T, s ...string) []int {
	var v []int
	for _, n := range nums(t, s...) {
		v = append(v, int(n))
	}
	slices.Sort(v)
	return v
}

func checkSets(t *testing.T, c *testutil.Cursor, out map[string][]string) {
	if sel := out["select"]; sel != nil {
		// nfds rfd rfd2 wfd sec usec leftsec leftusec ready
		s, _ := callStrus(c, "select", testutil.IsCall("select"))
		if len(s) != 6 {
			t.Fatalf("select: %d STRU records, want 3 in and 3 out", len(s))
		}
		for i, w := range []struct {
			what string
			want []int
		}{{"readfds in", ints(t, sel[1], sel[2])}, {"writefds in", ints(t, sel[3])},
			{"readfds out", ints(t, sel[1])}, {"writefds out", ints(t, sel[3])}} {
			r := &s[[]int{0, 1, 3, 4}[i]]
			if got := fdsOf(t, "select "+w.what, r); !slices.Equal(got, w.want) {
				t.Errorf("select %s: STRU fds %v, want %v", w.what, got, w.want)
			}
			if len(r.Data) != 8 { // nfds < 64: one long
				t.Errorf("select %s: %d bytes, want 8", w.what, len(r.Data))
			}
		}
		var in, left jsonTimeval
		members(t, "select timeout", &s[2], "timeval", &in)
		members(t, "select time left", &s[5], "timeval", &left)
		v := nums(t, sel[4:8]...)
		if in != (jsonTimeval{v[0], v[1]}) || left != (jsonTimeval{v[2], v[3]}) {
			t.Errorf("select: timeout %+v, left %+v; the program passed %v and got %v", in, left, v[:2], v[2:])
		}
	}
	// nfds rfd rfd2 sec nsec leftsec leftnsec ready
	ps := out["pselect6"]
	s, _ := callStrus(c, "pselect6", testutil.IsCall("pselect6"))
	if len(s) != 4 {
		t.Fatalf("pselect6: %d STRU records, want readfds and timeout, in and out", len(s))
	}
	if got, want := fdsOf(t, "pselect6 in", &s[0]), ints(t, ps[1], ps[2]); !slices.Equal(got, want) {
		t.Errorf("pselect6 in: fds %v, want %v", got, want)
	}
	if got, want := fdsOf(t, "pselect6 out", &s[2]), ints(t, ps[1]); !slices.Equal(got, want) {
		t.Errorf("pselect6 out: fds %v, want %v", got, want)
	}
	var in, left jsonTimespec
	members(t, "pselect6 timeout", &s[1], "timespec", &in)
	members(t, "pselect6 time left", &s[3], "timespec", &left)
	v := nums(t, ps[3:7]...)
	if in != (jsonTimespec{v[0], v[1]}) || left != (jsonTimespec{v[2], v[3]}) {
		t.Errorf("pselect6: timeout %+v, left %+v; the program passed %v and got %v", in, left, v[:2], v[2:])
	}

	// epoll_ctl FD EVENTS DATA
	ec := nums(t, out["epoll_ctl"]...)
	s, _ = callStrus(c, "epoll_ctl", testutil.IsCall("epoll_ctl"))
	var ev jsonEpoll
	if len(s) != 1 {
		t.Fatalf("epoll_ctl: %d STRU records, want 1", len(s))
	}
	members(t, "epoll_ctl", &s[0], "epoll_event", &ev)
	if len(ev.Entries) != 1 || int64(ev.Entries[0].Events) != ec[1] || int64(ev.Entries[0].Data.U64) != ec[2] ||
		ev.Entries[0].Data.U32 != uint32(ec[0]) {
		t.Errorf("epoll_ctl: STRU %+v, the program passed events %d data %d", ev, ec[1], ec[2])
	}
	// epoll_wait N EVENTS DATA
	ew := nums(t, out["epoll_wait"]...)
	s, _ = callStrus(c, "epoll_wait", testutil.IsCall("epoll_wait", "epoll_pwait"))
	if len(s) != 1 {
		t.Fatalf("epoll_wait: %d STRU records, want 1", len(s))
	}
	members(t, "epoll_wait", &s[0], "epoll_event", &ev)
	if int64(len(ev.Entries)) != ew[0] || int64(ev.Entries[0].Events) != ew[1] || int64(ev.Entries[0].Data.U64) != ew[2] {
		t.Errorf("epoll_wait: STRU %+v, the program got %v", ev, ew)
	}
	if p2 := out["epoll_pwait2"]; p2[0] != "none" {
		// N EVENTS DATA SEC NSEC: the timeout comes with the CALL.
		v := nums(t, p2...)
		s, _ = callStrus(c, "epoll_pwait2", testutil.IsCall("epoll_pwait2"))
		if len(s) != 2 {
			t.Fatalf("epoll_pwait2: %d STRU records, want the timeout and the events", len(s))
		}
		var ts jsonTimespec
		members(t, "epoll_pwait2 timeout", &s[0], "timespec", &ts)
		members(t, "epoll_pwait2", &s[1], "epoll_event", &ev)
		if ts != (jsonTimespec{v[3], v[4]}) || int64(len(ev.Entries)) != v[0] || int64(ev.Entries[0].Data.U64) != v[2] {
			t.Errorf("epoll_pwait2: STRU %+v %+v, the program passed and got %v", ts, ev, v)
		}
	}
}

// timersOf checks an itimerspec or itimerval STRU record against the
// four numbers the program printed.
func timersOf(t *testing.T, what string, r *testutil.Rec, name string, want []string) {
	t.Helper()
	var it jsonTimers
	members(t, what, r, name, &it)
	got := []int64{it.Interval.Sec, it.Interval.Nsec + it.Interval.Usec, it.Value.Sec, it.Value.Nsec + it.Value.Usec}
	if w := nums(t, want...); !slices.Equal(got, w) {
		t.Errorf("%s: STRU %s %v, the program saw %v", what, name, got, w)
	}
}

func checkTimers(t *testing.T, c *testutil.Cursor, out map[string][]string) {
	// The first timerfd_settime has no old value to fill: one record.
	s, _ := callStrus(c, "first timerfd_settime", testutil.IsCall("timerfd_settime"))
	if len(s) != 1 {
		t.Fatalf("first timerfd_settime: %d STRU records, want the new value only", len(s))
	}
	s, _ = callStrus(c, "timerfd_settime", testutil.IsCall("timerfd_settime"))
	if len(s) != 2 {
		t.Fatalf("timerfd_settime: %d STRU records, want new and old", len(s))
	}
	timersOf(t, "timerfd_settime new", &s[0], "itimerspec", out["timerfd_settime"])
	timersOf(t, "timerfd_settime old", &s[1], "itimerspec", out["timerfd_old"])
	s, _ = callStrus(c, "timerfd_gettime", testutil.IsCall("timerfd_gettime"))
	if len(s) != 1 {
		t.Fatalf("timerfd_gettime: %d STRU records", len(s))
	}
	timersOf(t, "timerfd_gettime", &s[0], "itimerspec", out["timerfd_gettime"])
	s, _ = callStrus(c, "timer_settime", testutil.IsCall("timer_settime"))
	if len(s) != 1 {
		t.Fatalf("timer_settime: %d STRU records", len(s))
	}
	timersOf(t, "timer_settime", &s[0], "itimerspec", out["timer_settime"])
	s, _ = callStrus(c, "timer_gettime", testutil.IsCall("timer_gettime"))
	if len(s) != 1 {
		t.Fatalf("timer_gettime: %d STRU records", len(s))
	}
	timersOf(t, "timer_gettime", &s[0], "itimerspec", out["timer_gettime"])
	s, _ = callStrus(c, "setitimer", testutil.IsCall("setitimer"))
	if len(s) != 2 {
		t.Fatalf("setitimer: %d STRU records, want new and old", len(s))
	}
	timersOf(t, "setitimer", &s[0], "itimerval", out["setitimer"])
	timersOf(t, "setitimer old", &s[1], "itimerval", []string{"0", "0", "0", "0"})
	s, _ = callStrus(c, "getitimer", testutil.IsCall("getitimer"))
	if len(s) != 1 {
		t.Fatalf("getitimer: %d STRU records", len(s))
	}
	timersOf(t, "getitimer", &s[0], "itimerval", out["getitimer"])
}

func checkFiles(t *testing.T, c *testutil.Cursor, out map[string][]string, dents [][]string) {
	if u := out["utimes"]; u != nil {
		s, _ := callStrus(c, "utimes", testutil.IsCall("utimes"))
		var p jsonPairsUsec
		if len(s) != 1 {
			t.Fatalf("utimes: %d STRU records", len(s))
		}
		members(t, "utimes", &s[0], "timeval[2]", &p)
		v := nums(t, u...)
		if !slices.Equal(p.Entries, []jsonTimeval{{v[0], v[1]}, {v[2], v[3]}}) {
			t.Errorf("utimes: STRU %+v, the program passed %v", p, v)
		}
	}
	s, _ := callStrus(c, "utimensat", testutil.IsCall("utimensat"))
	var p jsonPairs
	if len(s) != 1 {
		t.Fatalf("utimensat: %d STRU records", len(s))
	}
	members(t, "utimensat", &s[0], "timespec[2]", &p)
	v := nums(t, out["utimensat"]...)
	if !slices.Equal(p.Entries, []jsonTimespec{{v[0], v[1]}, {v[2], v[3]}}) {
		t.Errorf("utimensat: STRU %+v, the program passed %v", p, v)
	}
	if txt, _ := dump.FormatStruct(s[0].Label, s[0].ABI, s[0].Data, dump.Options{}); !strings.Contains(txt, "tv_nsec=UTIME_OMIT") {
		t.Errorf("utimensat: STRU %s, want UTIME_OMIT by name", txt)
	}

	isFutex := func(op uint64) testutil.Match {
		return func(r *testutil.Rec) bool { return testutil.IsCall("futex")(r) && r.Arg(1) == op }
	}
	s, _ = callStrus(c, "futex wait", isFutex(128)) // FUTEX_WAIT_PRIVATE
	var ts jsonTimespec
	if len(s) != 1 {
		t.Fatalf("futex FUTEX_WAIT: %d STRU records, want its timeout", len(s))
	}
	members(t, "futex timeout", &s[0], "timespec", &ts)
	if w := nums(t, out["futex_wait"]...); ts != (jsonTimespec{w[0], w[1]}) {
		t.Errorf("futex: timeout %+v, the program passed %v", ts, w)
	}
	if s, _ = callStrus(c, "futex wake", isFutex(129)); len(s) != 0 { // FUTEX_WAKE_PRIVATE
		t.Errorf("futex FUTEX_WAKE: %d STRU records, want none (its fourth argument is no timeout)", len(s))
	}
	for _, k := range []string{"clock_getres", "sched_rr_get_interval"} {
		s, _ = callStrus(c, k, testutil.IsCall(k))
		if len(s) != 1 {
			t.Fatalf("%s: %d STRU records", k, len(s))
		}
		members(t, k, &s[0], "timespec", &ts)
		if w := nums(t, out[k]...); ts != (jsonTimespec{w[0], w[1]}) {
			t.Errorf("%s: STRU %+v, the program got %v", k, ts, w)
		}
	}

	str := func(what string, m testutil.Match) (*testutil.Rec, string) {
		s, _ := callStrus(c, what, m)
		if len(s) != 1 {
			t.Fatalf("%s: %d STRU records, want 1", what, len(s))
		}
		var js jsonString
		members(t, what, &s[0], "string", &js)
		return &s[0], js.String
	}
	if _, got := str("readlink", testutil.IsCall("readlink", "readlinkat")); got != out["readlink"][0] {
		t.Errorf("readlink: STRU %q, the program got %q", got, out["readlink"][0])
	}
	if _, got := str("readlinkat", testutil.IsCall("readlinkat")); got != out["readlinkat"][0] {
		t.Errorf("readlinkat: STRU %q, the program got %q", got, out["readlinkat"][0])
	}
	// getcwd returns the length with the NUL; the record holds as much.
	r, got := str("getcwd", testutil.IsCall("getcwd"))
	if want := out["getcwd"]; got != want[1] || strconv.Itoa(len(r.Data)) != want[0] {
		t.Errorf("getcwd: STRU %q of %d bytes, the program got %v", got, len(r.Data), want)
	}

	s, ret := callStrus(c, "getdents64", testutil.IsCall("getdents64"))
	if len(s) != 1 {
		t.Fatalf("getdents64: %d STRU records", len(s))
	}
	if int64(len(s[0].Data)) != ret.Value {
		t.Errorf("getdents64: STRU of %d bytes, the call returned %d", len(s[0].Data), ret.Value)
	}
	var ds jsonDirents
	members(t, "getdents64", &s[0], "dirent64", &ds)
	if len(ds.Entries) != len(dents) {
		t.Fatalf("getdents64: %d entries, the program saw %d", len(ds.Entries), len(dents))
	}
	for i, d := range dents { // NAME INO TYPE
		e := ds.Entries[i]
		if e.Name != d[0] || strconv.FormatUint(e.Ino, 10) != d[1] || strconv.Itoa(e.Type) != d[2] {
			t.Errorf("getdents64 entry %d: %+v, the program saw %v", i, e, d)
		}
	}
	if _, got := str("memfd_create", testutil.IsCall("memfd_create")); got != out["memfd_create"][0] {
		t.Errorf("memfd_create: STRU %q, the program passed %q", got, out["memfd_create"][0])
	}
}

// checkTimeStructsOnly checks a -t t trace: the records of calls the
// seccomp filter traps for their structures are there.
func checkTimeStructsOnly(t *testing.T, all []testutil.Rec, out map[string][]string) {
	if n := testutil.Count(all, testutil.IsType(format.TypeCall)); n != 0 {
		t.Errorf("-t t recorded %d CALL records", n)
	}
	var got []string
	for i := range all {
		r := &all[i]
		if r.Type != format.TypeStruct {
			continue
		}
		s, _ := dump.FormatStruct(r.Label, r.ABI, r.Data, dump.Options{})
		got = append(got, s)
	}
	text := strings.Join(got, "\n")
	for _, want := range []string{
		`string "` + out["memfd_create"][0] + `"`,
		`string "` + out["readlinkat"][0] + `"`,
		"struct timespec { tv_sec=" + out["futex_wait"][0] + ", tv_nsec=" + out["futex_wait"][1] + " }",
		"struct itimerval { it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=100, tv_usec=0} }",
		"struct dirent64 { {d_ino=",
		"fd_set [",
		"struct epoll_event { {events=0x80000001<EPOLLIN|EPOLLET>",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("-t t: no STRU %s in:\n%s", want, text)
		}
	}
}

// checkTimeStructsCut checks a trace made with --genio-size 40: the
// getdents64 entries are kept to 40 bytes, flagged cut, and decode to
// the first entry and a partial one.
func checkTimeStructsCut(t *testing.T, all []testutil.Rec, dents [][]string) {
	c := &testutil.Cursor{TB: t, Recs: all}
	s, ret := callStrus(c, "getdents64", testutil.IsCall("getdents64"))
	if len(s) != 1 {
		t.Fatalf("getdents64: %d STRU records", len(s))
	}
	r := &s[0]
	if len(r.Data) != 40 || r.Flags&format.FlagCut == 0 || ret.Value <= 40 {
		t.Fatalf("getdents64 of %d bytes: STRU of %d bytes, flags %v; want 40 bytes, cut", ret.Value, len(r.Data), r.Flags)
	}
	js, ok := dump.FormatStructJSON(r.Label, r.ABI, r.Data)
	var ds struct {
		Entries []struct {
			Name string `json:"d_name"`
		} `json:"entries"`
		Partial bool `json:"partial"`
	}
	if !ok || json.Unmarshal([]byte(js), &ds) != nil || len(ds.Entries) == 0 || ds.Entries[0].Name != dents[0][0] || !ds.Partial {
		t.Errorf("getdents64 cut to 40 bytes: members %s, want %q first and partial", js, dents[0][0])
	}
}

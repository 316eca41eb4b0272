package dump

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
	"github.com/ktrace-linux/ktrace/format"
)

// CallFilter selects whole system calls: a CALL record with the records
// that belong to it (NAMI, GIO, STRU, ARGS, ENVS and CSW of its thread
// until its RET) and its RET are shown or left out together. Records of
// no call (PSIG, USER, LOST) pass when the record filters (Comm, Since,
// Until) let them; EMUL records only when no call filter is set. The
// zero value selects everything.
type CallFilter struct {
	// Syscalls keeps the calls of this set (--syscalls), resolved on the
	// ABI of each record.
	Syscalls *arch.SyscallExpr
	// Failed keeps the calls that returned an error (-Z); Successful
	// those that returned no error (-z). A call restarted by the kernel
	// is neither.
	Failed, Successful bool
	// Paths keeps the calls that have a NAMI record of one of these
	// paths (-P), compared as written or cleaned (a//b/ is a/b).
	Paths []string
	// Comm keeps the records of processes of this command name (--comm);
	// a name of 15 bytes or more matches the names it starts with, as the
	// kernel keeps 15.
	Comm string
	// Since and Until keep the records from and up to these times; a
	// call is placed at its CALL record.
	Since, Until TimeBound
	// UserLabel, when not empty, keeps only the USER records of this
	// label (OpenBSD's kdump -u); records of other types are kept.
	UserLabel string
	// Warn, when set, is told of calls shown unfiltered because too many
	// of their records came before the RET the filter waits for.
	Warn func(msg string)
}

// Active reports whether f selects anything less than everything.
func (f *CallFilter) Active() bool {
	return f.Syscalls != nil || f.Failed || f.Successful || len(f.Paths) > 0 ||
		f.Comm != "" || f.Since.set || f.Until.set || f.UserLabel != ""
}

// callFilters reports whether f selects by call (not only by record).
func (f *CallFilter) callFilters() bool {
	return f.Syscalls != nil || f.Failed || f.Successful || len(f.Paths) > 0
}

// needsLater reports whether a call's fate may depend on records after
// its CALL: its paths or its result.
func (f *CallFilter) needsLater() bool {
	return f.Failed || f.Successful || len(f.Paths) > 0
}

// boundKind says what a TimeBound counts from.
type boundKind uint8

const (
	boundAbsolute boundKind = iota + 1 // nanoseconds since the epoch
	boundClock                         // time of day on the first record's day
	boundRelative                      // since the first record
)

// TimeBound is a --since or --until time. The zero value is no bound.
type TimeBound struct {
	set  bool
	kind boundKind
	ns   int64
}

// ParseTimeBound parses a time: RFC 3339 ("2026-11-30T07:39:02.5Z"),
// a time of day "HH:MM:SS[.frac]" on the day of the first record, or
// "+D" after the first record, D in seconds ("+1.5") or a Go duration
// ("+1.5s", "+200ms").
func ParseTimeBound(s string) (TimeBound, error) {
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil {
			sec, ferr := strconv.ParseFloat(rest, 64)
			if ferr != nil || sec < 0 {
				return TimeBound{}, fmt.Errorf("bad relative time %q: want +seconds or +duration such as +1.5s", s)
			}
			d = time.Duration(sec * 1e9)
		}
		if d < 0 {
			return TimeBound{}, fmt.Errorf("bad relative time %q: negative", s)
		}
		return TimeBound{set: true, kind: boundRelative, ns: int64(d)}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return TimeBound{set: true, kind: boundAbsolute, ns: t.UnixNano()}, nil
	}
	if ns, ok := parseClock(s); ok {
		return TimeBound{set: true, kind: boundClock, ns: ns}, nil
	}
	return TimeBound{}, fmt.Errorf("bad time %q: want RFC 3339, HH:MM:SS[.frac] or +seconds", s)
}

// parseClock parses "HH:MM:SS[.frac]" into nanoseconds since midnight.
func parseClock(s string) (int64, bool) {
	hms, frac, _ := strings.Cut(s, ".")
	f := strings.Split(hms, ":")
	if len(f) != 3 {
		return 0, false
	}
	var ns int64
	for i, max := range []int64{23, 59, 60} {
		if len(f[i]) != 2 {
			return 0, false
		}
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil || v < 0 || v > max {
			return 0, false
		}
		ns = ns*60 + v
	}
	ns *= 1e9
	if frac != "" {
		if len(frac) > 9 {
			return 0, false
		}
		v, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || v < 0 {
			return 0, false
		}
		for i := len(frac); i < 9; i++ {
			v *= 10
		}
		ns += v
	}
	return ns, true
}

// at returns the bound in nanoseconds since the epoch, given the time of
// the first record.
func (tb TimeBound) at(first int64, loc *time.Location) int64 {
	switch tb.kind {
	case boundRelative:
		return first + tb.ns
	case boundClock:
		t := time.Unix(0, first).In(loc)
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		return day.UnixNano() + tb.ns
	}
	return tb.ns
}

// Limits of what the filter holds for one call while it waits for the
// call's RET; past them the call is shown unfiltered (and Warn told).
const (
	maxHeldRecords = 4096
	maxHeldBytes   = 16 << 20
)

// callState says what becomes of the records of an open call.
type callState uint8

const (
	callUndecided callState = iota // held until the RET (or a path) decides
	callKeep
	callDrop
)

// filterThread is the open call of one thread.
type filterThread struct {
	open    bool
	state   callState
	pathHit bool
	held    []heldRecord
	bytes   int
}

// heldRecord is a record copied while its call is undecided. indep marks
// records of no call (a PSIG), shown whatever becomes of the call.
type heldRecord struct {
	rec   format.Record
	indep bool
}

// filterRenderer applies a CallFilter, then hands the records kept to
// the next renderer.
type filterRenderer struct {
	next    Renderer
	o       Options
	f       *CallFilter
	sets    map[arch.ABI]*arch.SyscallSet
	threads map[int32]*filterThread
	started bool
	since   int64
	until   int64
	loc     *time.Location
	comm    []byte
}

// newFilter returns a renderer applying o.Filter before next.
func newFilter(next Renderer, o Options) *filterRenderer {
	fr := &filterRenderer{next: next, o: o, f: &o.Filter,
		sets: map[arch.ABI]*arch.SyscallSet{}, threads: map[int32]*filterThread{},
		loc: o.location(), comm: []byte(o.Filter.Comm)}
	if len(fr.comm) > format.CommLen-1 {
		fr.comm = fr.comm[:format.CommLen-1]
	}
	return fr
}

// Flush flushes the next renderer; held calls stay held.
func (fr *filterRenderer) Flush() error { return fr.next.Flush() }

// Close decides the calls still open (as calls without a result) and
// closes the next renderer.
func (fr *filterRenderer) Close() error {
	tids := make([]int32, 0, len(fr.threads))
	for tid, th := range fr.threads {
		if th.open {
			tids = append(tids, tid)
		}
	}
	slices.Sort(tids)
	for _, tid := range tids {
		if err := fr.finish(fr.threads[tid], nil); err != nil {
			fr.next.Close()
			return err
		}
	}
	return fr.next.Close()
}

// recordOK applies the record filters: command name and times.
func (fr *filterRenderer) recordOK(h *format.Header) bool {
	if len(fr.comm) > 0 {
		c := h.CommBytes()
		if len(fr.comm) == format.CommLen-1 && len(c) > len(fr.comm) {
			c = c[:len(fr.comm)]
		}
		if string(c) != string(fr.comm) {
			return false
		}
	}
	if fr.f.Since.set && h.Time < fr.since {
		return false
	}
	if fr.f.Until.set && h.Time > fr.until {
		return false
	}
	return true
}

// syscallOK reports whether call nr of abi is in the --syscalls set.
func (fr *filterRenderer) syscallOK(abi arch.ABI, nr uint32) bool {
	if fr.f.Syscalls == nil {
		return true
	}
	s := fr.sets[abi]
	if s == nil {
		s = fr.f.Syscalls.Set(tables.For(abi))
		fr.sets[abi] = s
	}
	return s.Has(nr)
}

// resultOK applies -Z and -z to a RET (nil: the call has none).
func (fr *filterRenderer) resultOK(r *format.Ret) bool {
	if !fr.f.Failed && !fr.f.Successful {
		return true
	}
	if r == nil || arch.IsRestart(int(r.Error)) {
		return false
	}
	if r.Error != 0 {
		return fr.f.Failed
	}
	return fr.f.Successful
}

// pathOK reports whether p is one of the -P paths.
func (fr *filterRenderer) pathOK(p []byte) bool {
	for _, want := range fr.f.Paths {
		if string(p) == want || filepath.Clean(string(p)) == filepath.Clean(want) {
			return true
		}
	}
	return false
}

// Record filters one record.
func (fr *filterRenderer) Record(rec *format.Record) error {
	if rec.Type == format.TypeStart {
		return fr.next.Record(rec)
	}
	if fr.o.HasPID && rec.PID != fr.o.PID && rec.TID != fr.o.PID {
		return nil
	}
	if !fr.started {
		fr.started = true
		fr.since = fr.f.Since.at(rec.Time, fr.loc)
		fr.until = fr.f.Until.at(rec.Time, fr.loc)
	}
	th := fr.threads[rec.TID]
	switch rec.Type {
	case format.TypeCall:
		if th == nil {
			th = &filterThread{}
			fr.threads[rec.TID] = th
		}
		if th.open {
			if err := fr.finish(th, nil); err != nil {
				return err
			}
		}
		th.open, th.pathHit = true, false
		c, err := rec.Call()
		switch {
		case err != nil || !fr.recordOK(&rec.Header) || !fr.syscallOK(rec.ABI, c.Number):
			th.state = callDrop
			return nil
		case fr.f.needsLater():
			th.state = callUndecided
			return fr.hold(th, rec, false)
		}
		th.state = callKeep
		return fr.next.Record(rec)
	case format.TypeRet:
		r, err := rec.Ret()
		if th == nil || !th.open {
			// The trace began inside the call: only its RET is known.
			if err == nil && fr.recordOK(&rec.Header) && fr.syscallOK(rec.ABI, r.Number) &&
				fr.resultOK(&r) && len(fr.f.Paths) == 0 {
				return fr.next.Record(rec)
			}
			return nil
		}
		var rp *format.Ret
		if err == nil {
			rp = &r
		}
		if th.state == callUndecided {
			if err := fr.hold(th, rec, false); err != nil {
				return err
			}
			return fr.finish(th, rp)
		}
		th.open = false
		if th.state == callKeep {
			return fr.next.Record(rec)
		}
		return nil
	case format.TypeNamei, format.TypeGenio, format.TypeStruct, format.TypeArgs,
		format.TypeEnvs, format.TypeCsw:
		if th == nil || !th.open {
			if fr.f.callFilters() || !fr.recordOK(&rec.Header) {
				return nil
			}
			return fr.next.Record(rec)
		}
		switch th.state {
		case callKeep:
			return fr.next.Record(rec)
		case callDrop:
			return nil
		}
		if rec.Type == format.TypeNamei && fr.pathOK(rec.Payload) {
			th.pathHit = true
		}
		if err := fr.hold(th, rec, false); err != nil {
			return err
		}
		if th.pathHit && !fr.f.Failed && !fr.f.Successful {
			return fr.release(th, true)
		}
		return nil
	}
	if !fr.recordOK(&rec.Header) || rec.Type == format.TypeEmul && fr.f.callFilters() {
		return nil // an ABI change is a record of calls, of none selected
	}
	if rec.Type == format.TypeUser && fr.f.UserLabel != "" {
		if u, err := rec.User(); err == nil && string(u.Label) != fr.f.UserLabel {
			return nil
		}
	}
	if th != nil && th.open && th.state == callUndecided {
		return fr.hold(th, rec, true)
	}
	return fr.next.Record(rec)
}

// hold copies rec into the open call of th. Past the limits the call is
// shown unfiltered.
func (fr *filterRenderer) hold(th *filterThread, rec *format.Record, indep bool) error {
	c := *rec
	c.Payload = slices.Clone(rec.Payload)
	th.held = append(th.held, heldRecord{c, indep})
	th.bytes += len(c.Payload) + format.HeaderLen
	if len(th.held) <= maxHeldRecords && th.bytes <= maxHeldBytes {
		return nil
	}
	if fr.f.Warn != nil {
		first := &th.held[0].rec
		fr.f.Warn(fmt.Sprintf("call of thread %d at offset %d: more than %d records or %d bytes before its RET; shown unfiltered",
			first.TID, first.Offset, maxHeldRecords, maxHeldBytes))
	}
	return fr.release(th, true)
}

// finish decides an undecided call of th on its result r (nil: none).
func (fr *filterRenderer) finish(th *filterThread, r *format.Ret) error {
	keep := th.state == callKeep
	if th.state == callUndecided {
		keep = (len(fr.f.Paths) == 0 || th.pathHit) && fr.resultOK(r)
	}
	err := fr.release(th, keep)
	th.open = false
	return err
}

// release shows the held records of th (only those of no call unless
// keep) and decides the rest of the call.
func (fr *filterRenderer) release(th *filterThread, keep bool) error {
	var err error
	for i := range th.held {
		if h := &th.held[i]; (keep || h.indep) && err == nil {
			err = fr.next.Record(&h.rec)
		}
		th.held[i] = heldRecord{}
	}
	th.held, th.bytes = th.held[:0], 0
	if keep {
		th.state = callKeep
	} else {
		th.state = callDrop
	}
	return err
}

// options returns the options of c with the filter's warnings going to
// stderr, naming the trace file.
func (c *Config) options(name string, stderr io.Writer) Options {
	o := c.Options
	if o.Filter.Warn == nil {
		o.Filter.Warn = func(msg string) { fmt.Fprintf(stderr, "kdump: %s: %s\n", name, msg) }
	}
	return o
}

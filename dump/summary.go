package dump

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// Summary counts system calls and prints a table like strace -c when
// closed: time share, seconds, microseconds per call, calls, errors and
// name, sorted by time. A call's time runs from its CALL record to the
// RET record of the same thread.
type Summary struct {
	w       *bufio.Writer
	opts    Options
	tabs    tableCache
	stats   map[groupKey]map[sysKey]*sysStat
	comms   map[groupKey]string   // the last command name of each group
	pending map[int32]pendingCall // by tid
}

// groupKey is the process or thread a table counts with --per-process
// or --per-thread: its pid, its tid (and pid), or zeros for one table.
type groupKey struct{ pid, tid int32 }

// sysKey identifies a system call across ABIs.
type sysKey struct {
	abi arch.ABI
	nr  uint32
}

// sysStat is what Summary knows of one system call.
type sysStat struct {
	calls  uint64
	errors uint64
	timed  uint64 // calls whose CALL and RET were both seen
	total  int64  // nanoseconds spent in the timed calls
}

// pendingCall is a CALL waiting for its RET.
type pendingCall struct {
	key  sysKey
	time int64
}

// NewSummary returns a Summary renderer writing its table to w.
func NewSummary(w io.Writer, o Options) *Summary {
	return &Summary{w: bufio.NewWriter(w), opts: o, stats: map[groupKey]map[sysKey]*sysStat{},
		comms: map[groupKey]string{}, pending: make(map[int32]pendingCall)}
}

// stat returns the counts of call k in the table of rec's group.
func (s *Summary) stat(rec *format.Record, k sysKey) *sysStat {
	var g groupKey
	switch {
	case s.opts.PerThread:
		g = groupKey{rec.PID, rec.TID}
	case s.opts.PerProcess:
		g = groupKey{rec.PID, 0}
	}
	m := s.stats[g]
	if m == nil {
		m = map[sysKey]*sysStat{}
		s.stats[g] = m
	}
	if g != (groupKey{}) {
		if c := rec.CommBytes(); s.comms[g] != string(c) {
			s.comms[g] = string(c)
		}
	}
	st := m[k]
	if st == nil {
		st = &sysStat{}
		m[k] = st
	}
	return st
}

// Record counts one record. Only CALL and RET records matter; the -p
// filter applies.
func (s *Summary) Record(rec *format.Record) error {
	if s.opts.HasPID && rec.PID != s.opts.PID && rec.TID != s.opts.PID {
		return nil
	}
	switch rec.Type {
	case format.TypeCall:
		c, err := rec.Call()
		if err != nil {
			return nil
		}
		k := sysKey{rec.ABI, c.Number}
		s.stat(rec, k).calls++
		s.pending[rec.TID] = pendingCall{k, rec.Time}
	case format.TypeRet:
		r, err := rec.Ret()
		if err != nil {
			return nil
		}
		k := sysKey{rec.ABI, r.Number}
		st := s.stat(rec, k)
		if p, ok := s.pending[rec.TID]; ok && p.key == k {
			delete(s.pending, rec.TID)
			st.timed++
			st.total += rec.Time - p.time
		} else {
			st.calls++ // the trace began inside the call
		}
		if r.Error != 0 && !arch.IsRestart(int(r.Error)) {
			st.errors++
		}
	}
	return nil
}

// Flush does nothing: the table is written by Close.
func (s *Summary) Flush() error { return nil }

// summaryRow is one line of the table.
type summaryRow struct {
	name string
	sysStat
}

// Close writes the table, or with --per-process or --per-thread one
// table per process or thread, each after a line naming it.
func (s *Summary) Close() error {
	groups := make([]groupKey, 0, len(s.stats))
	for g := range s.stats {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(a, b groupKey) int {
		if c := cmp.Compare(a.pid, b.pid); c != 0 {
			return c
		}
		return cmp.Compare(a.tid, b.tid)
	})
	if len(groups) == 0 {
		groups = append(groups, groupKey{})
	}
	for i, g := range groups {
		if i > 0 {
			s.w.WriteString("\n")
		}
		switch {
		case s.opts.PerThread:
			fmt.Fprintf(s.w, "pid %d tid %d (%s)\n", g.pid, g.tid, s.comms[g])
		case s.opts.PerProcess:
			fmt.Fprintf(s.w, "pid %d (%s)\n", g.pid, s.comms[g])
		}
		s.table(s.stats[g])
	}
	return s.w.Flush()
}

// table writes the table of stats.
func (s *Summary) table(stats map[sysKey]*sysStat) {
	rows := make([]summaryRow, 0, len(stats))
	// Calls of other ABIs than the most used one are marked with theirs.
	perABI := map[arch.ABI]uint64{}
	var main arch.ABI
	for k, st := range stats {
		perABI[k.abi] += st.calls
		if n := perABI[k.abi]; n > perABI[main] || n == perABI[main] && k.abi < main {
			main = k.abi
		}
	}
	var total sysStat
	for k, st := range stats {
		name := string(appendSyscallName(nil, s.tabs.lookup(k.abi, k.nr), k.nr, &s.opts))
		if k.abi != main {
			name += " (" + k.abi.String() + ")"
		}
		rows = append(rows, summaryRow{name, *st})
		total.calls += st.calls
		total.errors += st.errors
		total.timed += st.timed
		total.total += st.total
	}
	slices.SortFunc(rows, s.order)
	const rule = "------ ----------- ----------- --------- --------- ----------------\n"
	fmt.Fprintf(s.w, "%6s %11s %11s %9s %9s %s\n", "% time", "seconds", "usecs/call", "calls", "errors", "syscall")
	s.w.WriteString(rule)
	for _, r := range rows {
		s.row(r.name, &r.sysStat, total.total)
	}
	s.w.WriteString(rule)
	s.row("total", &total, total.total)
}

// order compares two rows in the order of --sort: time spent, calls or
// errors, most first, or name; ties go by time, calls, then name.
func (s *Summary) order(a, b summaryRow) int {
	var c int
	switch s.opts.Sort {
	case "calls":
		c = cmp.Compare(b.calls, a.calls)
	case "errors":
		c = cmp.Compare(b.errors, a.errors)
	case "name":
		c = cmp.Compare(a.name, b.name)
	}
	if c != 0 {
		return c
	}
	if c := cmp.Compare(b.total, a.total); c != 0 {
		return c
	}
	if c := cmp.Compare(b.calls, a.calls); c != 0 {
		return c
	}
	return cmp.Compare(a.name, b.name)
}

// row writes one line of the table.
func (s *Summary) row(name string, st *sysStat, all int64) {
	pct := 0.0
	if all > 0 {
		pct = 100 * float64(st.total) / float64(all)
	}
	var mean int64
	if st.timed > 0 {
		mean = st.total / int64(st.timed) / 1000
	}
	errs := ""
	if st.errors > 0 {
		errs = fmt.Sprint(st.errors)
	}
	fmt.Fprintf(s.w, "%6.2f %11.6f %11d %9d %9s %s\n", pct, float64(st.total)/1e9, mean, st.calls, errs, name)
}

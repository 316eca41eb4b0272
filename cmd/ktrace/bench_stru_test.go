package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// The cost of STRU records (issue 12): with t on, the system call loops
// must run within 5% of the time they take with t off.

// struCostModes are the facilities the loops run with under ktrace -i:
// the default set, the default set without t, and the default set again,
// a control whose ratio to the first shows how much the machine's noise
// alone moves the medians.
var struCostModes = []struct{ name, trstr string }{
	{"default", "+"},
	{"no-t", "cnisux"},
	{"control", "+"},
}

// BenchmarkStructCost runs every workload of the overhead benchmark
// (testdata/progs/loops.c) under ktrace -i with the default facilities
// and with the default facilities but t (and the default again, as a
// control), interleaved for KTRACE_BENCH_ROUNDS rounds (default 7), and
// reports the ratio of the median times, default/no-t, per workload and
// over all of them, beside the control's default/default; it prints a
// table. A ratio past 1.05 on a loop that makes no structure calls
// (getppid, readwrite, openclose) while the control stays near 1 would
// be STRU capture costing on every call (tracer.BenchmarkStructsNoStruct
// measures what the t facility adds to a call without structures).
func BenchmarkStructCost(b *testing.B) {
	scale := benchScale(b)
	rounds := benchRounds(b, 7)
	testutil.RequirePtrace(b)
	ktrace := testutil.Tool(b, "ktrace")
	loops := testutil.Prog(b, "loops")
	defer testutil.CheckNoStrays(b, ktrace)
	out := filepath.Join(b.TempDir(), "trace.out")
	res := map[string]time.Duration{}
	for i := 0; i < b.N; i++ {
		for _, w := range benchWorkloads {
			n := max(1, int(float64(w.n)*scale))
			var cases []benchCase
			for _, m := range struCostModes {
				cases = append(cases, benchCase{name: m.name, argv: []string{ktrace, "-i", "-t", m.trstr, "-f", out,
					loops, w.mode, fmt.Sprint(n)}})
			}
			for mode, med := range benchMedians(b, rounds, cases, func() { os.Remove(out) }) {
				res[w.name+"/"+mode] = med
			}
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nSTRU cost: median of %d interleaved runs under ktrace -i (scale %g)\n", rounds, scale)
	fmt.Fprintf(&sb, "%-10s %10s %10s %10s %8s %8s\n", "workload", "default", "no t", "control", "t/no-t", "control")
	var sumT, sumNoT, sumC time.Duration
	row := func(name string, t, noT, c time.Duration) {
		r, rc := float64(t)/float64(noT), float64(t)/float64(c)
		b.ReportMetric(r, name+"-t/no-t")
		b.ReportMetric(rc, name+"-control")
		round := 10 * time.Microsecond
		fmt.Fprintf(&sb, "%-10s %10s %10s %10s %8.3f %8.3f\n", name, t.Round(round), noT.Round(round), c.Round(round), r, rc)
	}
	for _, w := range benchWorkloads {
		t, noT, c := res[w.name+"/default"], res[w.name+"/no-t"], res[w.name+"/control"]
		if t == 0 || noT == 0 || c == 0 {
			continue
		}
		sumT, sumNoT, sumC = sumT+t, sumNoT+noT, sumC+c
		row(w.name, t, noT, c)
	}
	if sumNoT > 0 {
		row("all", sumT, sumNoT, sumC)
	}
	fmt.Print(sb.String())
}

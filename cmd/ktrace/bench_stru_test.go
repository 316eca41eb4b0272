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
// the default set, and the default set without t.
var struCostModes = []struct{ name, trstr string }{
	{"default", "+"},
	{"no-t", "cnisux"},
}

// BenchmarkStructCost runs every workload of the overhead benchmark
// (testdata/progs/loops.c) under ktrace -i with the default facilities
// and with the default facilities but t, interleaved for
// KTRACE_BENCH_ROUNDS rounds (default 7), and reports the ratio of the
// median times, default/no-t, per workload and over all of them; it
// prints a table. A ratio past 1.05 on a loop that makes no structure
// calls (getppid, readwrite, openclose) would be STRU capture costing on
// every call.
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
				cases = append(cases, benchCase{m.name, []string{ktrace, "-i", "-t", m.trstr, "-f", out,
					loops, w.mode, fmt.Sprint(n)}})
			}
			for mode, med := range benchMedians(b, rounds, cases, func() { os.Remove(out) }) {
				res[w.name+"/"+mode] = med
			}
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nSTRU cost: median of %d interleaved runs under ktrace -i (scale %g)\n", rounds, scale)
	fmt.Fprintf(&sb, "%-10s %10s %10s %8s\n", "workload", "default", "no t", "ratio")
	var sumT, sumNoT time.Duration
	for _, w := range benchWorkloads {
		t, noT := res[w.name+"/default"], res[w.name+"/no-t"]
		if t == 0 || noT == 0 {
			continue
		}
		sumT, sumNoT = sumT+t, sumNoT+noT
		r := float64(t) / float64(noT)
		b.ReportMetric(r, w.name+"-t/no-t")
		fmt.Fprintf(&sb, "%-10s %10s %10s %8.3f\n", w.name, t.Round(10*time.Microsecond), noT.Round(10*time.Microsecond), r)
	}
	if sumNoT > 0 {
		r := float64(sumT) / float64(sumNoT)
		b.ReportMetric(r, "all-t/no-t")
		fmt.Fprintf(&sb, "%-10s %10s %10s %8.3f\n", "all", sumT.Round(10*time.Microsecond), sumNoT.Round(10*time.Microsecond), r)
	}
	fmt.Print(sb.String())
}

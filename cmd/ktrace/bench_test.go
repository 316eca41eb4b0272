package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// benchWorkload is one workload of the overhead benchmark: a mode of
// testdata/progs/loops.c.
type benchWorkload struct {
	name  string
	mode  string // loops' first argument
	n     int    // loops' second argument, before scaling
	calls int    // system calls of the loop per unit of n
}

// benchWorkloads are sized so that one traced run takes about a second:
// a traced system call costs 10 to 100 µs against 0.1 to 1 µs untraced,
// so an untraced run is short (the fork tree is the exception). Set
// KTRACE_BENCH_SCALE to multiply the sizes.
var benchWorkloads = []benchWorkload{
	{"getppid", "getppid", 10000, 1},    // getppid
	{"readwrite", "rw", 5000, 2},        // write + read of 64 bytes on a pipe
	{"openclose", "openclose", 5000, 2}, // openat + close of /dev/null
	{"forktree", "fork", 1000, 3},       // clone, the child's exit_group, wait4
	{"threads", "threads", 5000, 4},     // 4 threads, each n getppid
}

// benchModes are the ways a workload runs.
var benchModes = []string{"untraced", "ktrace", "strace"}

// benchScale returns the KTRACE_BENCH_SCALE multiplier (default 1).
func benchScale(b *testing.B) float64 {
	s := os.Getenv("KTRACE_BENCH_SCALE")
	if s == "" {
		return 1
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		b.Fatalf("KTRACE_BENCH_SCALE=%q: want a positive number", s)
	}
	return f
}

// benchArgv returns the command line that runs w in mode, tracing into
// out; nil when the mode cannot run here.
func benchArgv(b *testing.B, w benchWorkload, n int, mode, out string) []string {
	pre := benchPrefix(b, mode, out)
	if pre == nil {
		return nil
	}
	return append(pre, testutil.Prog(b, "loops"), w.mode, strconv.Itoa(n))
}

// benchPrefix returns what goes before a command line to run it in mode,
// tracing into out: "untraced" (nothing), "ktrace" (ktrace -i), "strace"
// (strace -f), "floor" (testdata/progs/floortrace, the bare ptrace
// floor); nil when the mode cannot run here (no strace on PATH).
func benchPrefix(b *testing.B, mode, out string) []string {
	switch mode {
	case "ktrace":
		return []string{testutil.Tool(b, "ktrace"), "-i", "-f", out}
	case "strace":
		strace, err := exec.LookPath("strace")
		if err != nil {
			return nil
		}
		return []string{strace, "-f", "-o", out}
	case "ktrace-before":
		// An older ktrace to compare with side by side, in the same
		// rounds: KTRACE_BENCH_BEFORE=path (left out when unset).
		before := os.Getenv("KTRACE_BENCH_BEFORE")
		if before == "" {
			return nil
		}
		return []string{before, "-i", "-f", out}
	case "floor":
		return []string{testutil.Prog(b, "floortrace")}
	case "untraced":
		return []string{}
	}
	b.Fatalf("unknown benchmark mode %q", mode)
	return nil
}

// benchRounds returns KTRACE_BENCH_ROUNDS, the number of interleaved
// rounds of a table benchmark, or def when it is unset.
func benchRounds(b *testing.B, def int) int {
	s := os.Getenv("KTRACE_BENCH_ROUNDS")
	if s == "" {
		return def
	}
	r, err := strconv.Atoi(s)
	if err != nil || r < 1 {
		b.Fatalf("KTRACE_BENCH_ROUNDS=%q: want a positive integer", s)
	}
	return r
}

// benchCase is one command line of an interleaved comparison.
type benchCase struct {
	name string
	argv []string // nil: it cannot run here and is left out
	// rounds, when not 0, limits the case to the first rounds rounds
	// (its times are those rounds', in order).
	rounds int
}

// benchTimes runs every case once per round, for rounds rounds, so that
// all see the same machine conditions, calling reset (when not nil) after
// each run, untimed; it returns the times of each case that ran, by name,
// in the order of the rounds. Each round starts one case further than the
// last: a case does not always run right after the same one, whose
// aftermath (a tracer's exit, the CPU load it leaves to the scheduler's
// averages, which decide where the next processes run) would favour or
// hinder it in every round.
func benchTimes(b testing.TB, rounds int, cases []benchCase, reset func()) map[string][]time.Duration {
	times := map[string][]time.Duration{}
	for r := 0; r < rounds; r++ {
		for i := range cases {
			c := cases[(r+i)%len(cases)]
			if c.argv == nil || c.rounds > 0 && r >= c.rounds {
				continue
			}
			times[c.name] = append(times[c.name], benchRun(b, c.argv))
			if reset != nil {
				reset()
			}
		}
	}
	return times
}

// benchMedians is benchTimes reduced to the median time of each case.
func benchMedians(b *testing.B, rounds int, cases []benchCase, reset func()) map[string]time.Duration {
	return benchMediansOf(benchTimes(b, rounds, cases, reset))
}

// benchMediansOf returns the median of each case's times.
func benchMediansOf(times map[string][]time.Duration) map[string]time.Duration {
	med := map[string]time.Duration{}
	for name, ts := range times {
		med[name] = benchQuantile(ts, 0.5)
	}
	return med
}

// benchQuantile returns the q quantile of ts (0.5: the median).
func benchQuantile(ts []time.Duration, q float64) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// benchRun runs argv once and returns how long it took.
func benchRun(b testing.TB, argv []string) time.Duration {
	start := time.Now()
	if msg, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, msg)
	}
	return time.Since(start)
}

// BenchmarkOverhead runs each workload untraced, under ktrace -i and
// under strace -f (when strace is on PATH), one process run per
// iteration, and reports ns/op and ns/syscall.
func BenchmarkOverhead(b *testing.B) {
	scale := benchScale(b)
	for _, w := range benchWorkloads {
		n := max(1, int(float64(w.n)*scale))
		calls := n * w.calls
		for _, mode := range benchModes {
			b.Run(w.name+"/"+mode, func(b *testing.B) {
				out := filepath.Join(b.TempDir(), "trace.out")
				argv := benchArgv(b, w, n, mode, out)
				if argv == nil {
					b.Skip("strace is not on PATH")
				}
				if mode != "untraced" {
					testutil.RequirePtrace(b)
				}
				if mode == "ktrace" {
					defer testutil.CheckNoStrays(b, argv[0])
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					benchRun(b, argv)
					b.StopTimer()
					os.Remove(out)
					b.StartTimer()
				}
				ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(ns/float64(calls), "ns/syscall")
			})
		}
	}
}

// BenchmarkOverheadTable runs every workload in every mode side by side,
// interleaved (untraced, ktrace, strace, then again) for
// KTRACE_BENCH_ROUNDS rounds (default 5), so that all modes see the same
// machine conditions, and prints a table of the median times, the
// traced/untraced ratios and the cost tracing adds per system call. The
// ratios are also reported as metrics.
func BenchmarkOverheadTable(b *testing.B) {
	scale := benchScale(b)
	rounds := benchRounds(b, 5)
	testutil.RequirePtrace(b)
	ktrace := testutil.Tool(b, "ktrace")
	defer testutil.CheckNoStrays(b, ktrace)
	out := filepath.Join(b.TempDir(), "trace.out")
	res := map[string]float64{}
	for i := 0; i < b.N; i++ {
		for _, w := range benchWorkloads {
			n := max(1, int(float64(w.n)*scale))
			var cases []benchCase
			for _, mode := range benchModes {
				cases = append(cases, benchCase{name: mode, argv: benchArgv(b, w, n, mode, out)})
			}
			for mode, med := range benchMedians(b, rounds, cases, func() { os.Remove(out) }) {
				res[w.name+"/"+mode] = float64(med.Nanoseconds())
			}
		}
	}
	for _, w := range benchWorkloads {
		u := res[w.name+"/untraced"]
		for _, mode := range benchModes[1:] {
			if v, ok := res[w.name+"/"+mode]; ok && u > 0 {
				b.ReportMetric(v/u, w.name+"-"+mode+"/untraced")
			}
		}
	}
	benchPrintTable(res, scale, rounds)
}

// benchPrintTable prints, for each workload, the median time of a run in
// each mode, the traced/untraced ratios and what tracing adds per system
// call.
func benchPrintTable(res map[string]float64, scale float64, rounds int) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nTracing overhead: median of %d interleaved runs per mode (scale %g); added = (traced - untraced) / syscalls\n", rounds, scale)
	fmt.Fprintf(&sb, "%-10s %9s %9s %9s %8s %8s %11s %11s %8s\n",
		"workload", "syscalls", "untraced", "ktrace", "ktrace/", "strace/", "ktrace", "strace", "ktrace/")
	fmt.Fprintf(&sb, "%-10s %9s %9s %9s %8s %8s %11s %11s %8s\n",
		"", "", "", "", "untraced", "untraced", "added", "added", "strace")
	for _, w := range benchWorkloads {
		calls := max(1, int(float64(w.n)*scale)) * w.calls
		u, okU := res[w.name+"/untraced"]
		k, okK := res[w.name+"/ktrace"]
		s, okS := res[w.name+"/strace"]
		if !okU && !okK && !okS {
			continue
		}
		dur := func(ns float64, ok bool) string {
			if !ok {
				return "-"
			}
			return time.Duration(ns).Round(time.Microsecond * 10).String()
		}
		ratio := func(a, b float64, ok bool) string {
			if !ok || b == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1fx", a/b)
		}
		added := func(ns float64, ok bool) string {
			if !ok || !okU {
				return "-"
			}
			return fmt.Sprintf("%.1fµs", (ns-u)/float64(calls)/1e3)
		}
		fmt.Fprintf(&sb, "%-10s %9d %9s %9s %8s %8s %11s %11s %8s\n",
			w.name, calls, dur(u, okU), dur(k, okK), ratio(k, u, okK && okU), ratio(s, u, okS && okU),
			added(k, okK), added(s, okS), ratio(k, s, okK && okS))
	}
	fmt.Print(sb.String())
}

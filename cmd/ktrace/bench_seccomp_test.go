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

// seccompBenchMode is one way to run a workload of the seccomp benchmark.
type seccompBenchMode struct {
	name string
	// argv prefixes the workload's command line; nil runs it untraced.
	// "strace" is looked up on PATH, "ktrace" is the binary under test.
	argv []string
}

var seccompBenchModes = []seccompBenchMode{
	{"untraced", nil},
	{"ktrace -t n", []string{"ktrace", "-t", "n"}},
	{"ktrace --syscalls=openat", []string{"ktrace", "--syscalls=openat"}},
	{"strace %file", []string{"strace", "-f", "--seccomp-bpf", "-e", "trace=%file"}},
	{"strace openat", []string{"strace", "-f", "--seccomp-bpf", "-e", "trace=openat"}},
}

// BenchmarkSeccompTable compares the seccomp fast path with strace's on
// the getppid loop (a million calls that need no stop) and the open loop
// (every call stops), side by side in interleaved rounds, and prints the
// median time of each mode and its ratio to the untraced run.
func BenchmarkSeccompTable(b *testing.B) {
	testutil.RequirePtrace(b)
	ktrace := testutil.Tool(b, "ktrace")
	defer testutil.CheckNoStrays(b, ktrace)
	loops := testutil.Prog(b, "loops")
	strace, _ := exec.LookPath("strace")
	rounds := benchRounds(b, 5)
	scale := benchScale(b)
	workloads := []struct {
		name, mode string
		n          int
	}{
		{"getppid", "getppid", int(1000000 * scale)},
		{"openclose", "openclose", int(5000 * scale)},
	}
	out := filepath.Join(b.TempDir(), "trace.out")
	var sb strings.Builder
	for i := 0; i < b.N; i++ {
		sb.Reset()
		fmt.Fprintf(&sb, "\nSeccomp fast path: median of %d interleaved runs (scale %g)\n", rounds, scale)
		fmt.Fprintf(&sb, "%-10s %-26s %10s %9s\n", "workload", "mode", "time", "/untraced")
		for _, w := range workloads {
			var cases []benchCase
			for _, m := range seccompBenchModes {
				argv := []string{loops, w.mode, strconv.Itoa(w.n)}
				if m.argv != nil {
					pre := slices.Clone(m.argv)
					switch pre[0] {
					case "ktrace":
						pre = append([]string{ktrace, "-f", out}, pre[1:]...)
					case "strace":
						if strace == "" {
							continue
						}
						pre = append([]string{strace, "-o", out}, pre[1:]...)
					}
					argv = append(pre, argv...)
				}
				cases = append(cases, benchCase{name: m.name, argv: argv})
			}
			meds := benchMedians(b, rounds, cases, func() { os.Remove(out) })
			base := meds[seccompBenchModes[0].name]
			for _, m := range seccompBenchModes {
				med, ok := meds[m.name]
				if !ok {
					continue
				}
				ratio := float64(med) / float64(base)
				b.ReportMetric(ratio, w.name+"/"+strings.ReplaceAll(m.name, " ", "_")+"/untraced")
				fmt.Fprintf(&sb, "%-10s %-26s %10s %8.1fx\n", w.name, m.name, med.Round(10*time.Microsecond), ratio)
			}
		}
	}
	fmt.Print(sb.String())
}

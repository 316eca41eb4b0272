package tracer

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// pgoWorkloads are the loops (testdata/progs/loops.c) that
// BenchmarkTracerWorkloads traces: the stops of a process tree, of
// system calls back to back, of forks, of I/O (GIO records) and of
// paths (NAMI records).
var pgoWorkloads = []struct {
	mode  string
	n     int
	calls int // system calls of a run, about
}{
	// 2^11-1 processes, each making 8 getppid calls; all but the 2^10
	// leaves two forks and two waits.
	{"tree", 10, (1<<11-1)*8 + (1<<10-1)*4},
	{"getppid", 50000, 50000},
	{"fork", 2000, 3 * 2000},
	{"rw", 10000, 2 * 10000},
	{"openclose", 10000, 2 * 10000},
}

// BenchmarkTracerWorkloads traces each of pgoWorkloads with the default
// facilities and -i, with the scheduler free and pinned to one CPU (no
// spinning then), and reports the time of Run per system call. Its CPU
// profile is cmd/ktrace's default.pgo, the profile the Go compiler
// optimizes ktrace's hot paths with (make pgo writes it).
func BenchmarkTracerWorkloads(b *testing.B) {
	canPtrace(b)
	src, err := os.ReadFile("../testdata/progs/loops.c")
	if err != nil {
		b.Fatal(err)
	}
	bin := buildC(b, b.TempDir(), "loops", string(src))
	s := Settings{Facilities: DefaultFacilities, Inherit: true}
	for _, w := range pgoWorkloads {
		for _, pinned := range []bool{false, true} {
			name := w.mode
			if pinned {
				name += "-pinned"
			}
			b.Run(name, func(b *testing.B) {
				if pinned {
					defer pinThread(b)()
				}
				var total float64
				for i := 0; i < b.N; i++ {
					r := cswTrace(b, []string{bin, w.mode, fmt.Sprint(w.n)}, s, Options{}, nil, "", nil, 0)
					total += float64(r.elapsed.Nanoseconds())
				}
				b.ReportMetric(total/float64(b.N)/float64(w.calls), "ns/syscall")
			})
		}
	}
}

// pinThread locks the calling goroutine to its thread and that thread to
// the first CPU it may run on, so that a tracee forked from it and the
// tracer running on it share one CPU; it returns the undoing function.
func pinThread(b *testing.B) func() {
	runtime.LockOSThread()
	var old, one unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		runtime.UnlockOSThread()
		b.Fatal(err)
	}
	for cpu := 0; cpu < 1024; cpu++ {
		if old.IsSet(cpu) {
			one.Set(cpu)
			break
		}
	}
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		runtime.UnlockOSThread()
		b.Fatal(err)
	}
	return func() {
		_ = unix.SchedSetaffinity(0, &old)
		runtime.UnlockOSThread()
	}
}

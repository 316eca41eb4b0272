package main

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The phase of the machine. What a tracer adds to a fork tree, a build or
// a start-up is system calls, context switches and page faults, and on
// these virtual machines their costs move by whole multiples from one
// day to the next: one session's untraced loops fork took 86 µs a fork,
// the next one's 715 µs, with a first-touch page fault at 11 to 20 µs
// (a bare machine takes well under 1 µs) and the Go runtime's start-up,
// a few hundred faults, at 10 ms. The ratios of the issue 11 tables move
// with that phase, so each table says what it was, measured as the
// benchmark began and as it ended.

// machineCosts is what a page fault and a system call cost the calling
// process, measured now.
type machineCosts struct {
	fault   time.Duration // first write to an anonymous page
	syscall time.Duration // getppid, untraced
}

// String returns the costs as a table's line says them.
func (m machineCosts) String() string {
	return fmt.Sprintf("page fault %.2fµs, getppid %.2fµs",
		float64(m.fault)/float64(time.Microsecond), float64(m.syscall)/float64(time.Microsecond))
}

// probeMachine measures the machine's costs: the least of a few rounds of
// faulting in 4 MiB of fresh anonymous memory (small pages: no
// transparent huge page may serve it) and of 20000 getppid calls.
func probeMachine(tb testing.TB) machineCosts {
	tb.Helper()
	const (
		size   = 4 << 20
		calls  = 20000
		rounds = 3
	)
	m := machineCosts{fault: time.Hour, syscall: time.Hour}
	for range rounds {
		mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			tb.Fatalf("probe the machine: mmap: %v", err)
		}
		if err := unix.Madvise(mem, unix.MADV_NOHUGEPAGE); err != nil {
			unix.Munmap(mem)
			tb.Fatalf("probe the machine: madvise: %v", err)
		}
		f := writePages(mem)
		if err := unix.Munmap(mem); err != nil {
			tb.Fatalf("probe the machine: munmap: %v", err)
		}
		start := time.Now()
		for range calls {
			unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
		}
		m.fault = min(m.fault, f)
		m.syscall = min(m.syscall, time.Since(start)/calls)
	}
	return m
}

// writePages writes a byte of each page of mem and returns the time a
// page took.
func writePages(mem []byte) time.Duration {
	page := unix.Getpagesize()
	start := time.Now()
	for i := 0; i < len(mem); i += page {
		mem[i]++
	}
	return time.Since(start) / time.Duration(len(mem)/page)
}

// machineLine returns the line an issue 11 table ends with: the
// machine's costs at first (measured when the benchmark set up) and now,
// which it also reports as metrics.
func machineLine(b *testing.B, first machineCosts) string {
	now := probeMachine(b)
	b.ReportMetric(float64(now.fault.Nanoseconds()), "machine-fault-ns")
	b.ReportMetric(float64(now.syscall.Nanoseconds()), "machine-getppid-ns")
	return fmt.Sprintf("machine at the start: %s; at the end: %s\n", first, now)
}

// TestProbeMachine checks that the probe measures: a page fault costs
// more than a write to a page already there, and both costs are inside
// what any machine gives (above a nanosecond, under a millisecond).
func TestProbeMachine(t *testing.T) {
	m := probeMachine(t)
	for name, d := range map[string]time.Duration{"page fault": m.fault, "getppid": m.syscall} {
		if d < time.Nanosecond || d > time.Millisecond {
			t.Errorf("%s: %v, want between 1ns and 1ms", name, d)
		}
	}
	// A second pass over memory already faulted in costs far less a page.
	const size = 4 << 20
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	best := time.Duration(1 << 62)
	for range 3 {
		best = min(best, writePages(mem))
	}
	if best >= m.fault {
		t.Errorf("a write to a page in memory took %v, no less than a page fault (%v): the probe does not measure faults", best, m.fault)
	}
}

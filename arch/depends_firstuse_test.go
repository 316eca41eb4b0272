package arch_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/amd64"
)

// firstUseEnv makes BenchmarkDependsFirstUse's child measure and print.
const firstUseEnv = "KTRACE_DEPENDS_FIRST_USE"

// BenchmarkDependsFirstUse reports what the first Find of a fresh process
// costs (first-ns/op): a tracer pays it at its first fcntl or ioctl stop.
// Each iteration runs the test binary again, whose benchmark, in the
// child, times its first Find on amd64 and prints it.
func BenchmarkDependsFirstUse(b *testing.B) {
	if os.Getenv(firstUseEnv) != "" {
		printFirstUse(b)
		return
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkDependsFirstUse$", "-test.benchtime=1x")
		cmd.Env = append(os.Environ(), firstUseEnv+"=1")
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		_, rest, ok := bytes.Cut(out, []byte("first-use "))
		if !ok {
			b.Fatalf("child printed no first-use line:\n%s", out)
		}
		line, _, _ := bytes.Cut(rest, []byte("\n"))
		ns, err := strconv.ParseInt(string(line), 10, 64)
		if err != nil {
			b.Fatalf("child: %v", err)
		}
		total += time.Duration(ns)
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "first-ns/op")
}

// firstUsePrinted makes the child print once, though the benchmark runs
// more than once.
var firstUsePrinted bool

// printFirstUse times the process's first Find of fcntl's cases on amd64.
func printFirstUse(b *testing.B) {
	if firstUsePrinted {
		return
	}
	firstUsePrinted = true
	var fcntl *arch.Syscall
	for nr := uint32(0); nr < 1024 && fcntl == nil; nr++ {
		if sc := amd64.Table.Lookup(nr); sc != nil && sc.Name == "fcntl" {
			fcntl = sc
		}
	}
	if fcntl == nil {
		b.Fatal("amd64 has no fcntl")
	}
	args := [6]uint64{1, 4} // F_SETFL
	start := time.Now()
	m := fcntl.Dep.Find(&args)
	d := time.Since(start)
	if !m.Found() {
		b.Fatal("fcntl F_SETFL: no case")
	}
	fmt.Printf("first-use %d\n", d.Nanoseconds())
}

// Command kdumprss measures kdump's peak memory and speed on a large
// trace: it writes a synthetic trace of -size bytes (a mix of system
// calls, paths, I/O data, signals and context switches) to a temporary
// directory, runs kdump over it with its output to /dev/null and reports
// the peak resident set size (ru_maxrss), the time and records/s. It
// exits 1 if the peak exceeds -max.
//
//	go run ./internal/kdumprss [-size 1024] [-max 30] [-kdump path] [-- kdump flags...]
//
// Without -kdump it builds ./cmd/kdump first.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kdumprss:", err)
		os.Exit(1)
	}
}

// counter counts the bytes written to it.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func run() error {
	sizeMB := flag.Int64("size", 1024, "trace size in MiB")
	maxMB := flag.Float64("max", 30, "fail if kdump's peak RSS exceeds this many MiB")
	bin := flag.String("kdump", "", "kdump binary (default: build ./cmd/kdump)")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()

	dir, err := os.MkdirTemp("", "kdumprss")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Println("directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if *bin == "" {
		*bin = filepath.Join(dir, "kdump")
		if out, err := exec.Command("go", "build", "-o", *bin, "./cmd/kdump").CombinedOutput(); err != nil {
			return fmt.Errorf("building kdump: %v\n%s", err, out)
		}
	}

	// Size the trace from the average record of the mix.
	const probe = 100000
	var c counter
	if err := tracegen.Mixed(&c, probe); err != nil {
		return err
	}
	records := int(*sizeMB << 20 / (c.n / probe))
	path := filepath.Join(dir, "big.out")
	start := time.Now()
	if err := writeTrace(path, records); err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Printf("trace: %d records, %.1f MiB, written in %v\n", records, float64(fi.Size())/(1<<20), time.Since(start).Round(time.Millisecond))

	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	cmd := exec.Command(*bin, append(flag.Args(), "-f", path)...)
	cmd.Stdout, cmd.Stderr = null, os.Stderr
	start = time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kdump: %w", err)
	}
	elapsed := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return fmt.Errorf("no rusage")
	}
	rss := float64(ru.Maxrss) / 1024 // Linux reports KiB
	fmt.Printf("kdump %v: %v, %.2fM records/s, %.0f MiB/s, peak RSS %.1f MiB\n", flag.Args(), elapsed.Round(time.Millisecond),
		float64(records)/elapsed.Seconds()/1e6, float64(fi.Size())/(1<<20)/elapsed.Seconds(), rss)
	if rss > *maxMB {
		return fmt.Errorf("peak RSS %.1f MiB exceeds %.1f MiB", rss, *maxMB)
	}
	return nil
}

func writeTrace(path string, records int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := tracegen.Mixed(io.Writer(w), records); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

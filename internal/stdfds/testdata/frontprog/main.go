// Command frontprog tries the waiting front of package stdfds, for its
// tests. Linked with stdfds.FrontLinkFlag, it prints "waited" if it waited
// for its standby (which tells it at once to run its command line), else
// "started"; its arguments are only for the entry point's guess.
//
// With FRONTPROG_PIN set, the standby of a waiting front says on the
// standard error how its threads may run, each line the distinct CPU
// lists of its threads: "start" as its Go code starts, "self" its own
// after stdfds.UnpinThread, and "after" after it has made 8 more threads
// and called stdfds.UnpinThreads.
package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/stdfds"
)

func main() {
	if fd, _, ok := stdfds.WaitingFront(); ok {
		if os.Getenv("FRONTPROG_PIN") != "" {
			reportPinning()
		}
		// Nothing to run for the front: it runs its command line.
		unix.Write(fd, []byte{stdfds.FrontRun})
		os.Exit(drain(fd))
	}
	if fd, ok := stdfds.StandbyFd(); ok {
		os.Exit(drain(fd))
	}
	if fd, ok := stdfds.TakeStandby(); ok {
		unix.Close(fd)
	}
	if stdfds.FrontWaited() {
		fmt.Println("waited")
	} else {
		fmt.Println("started")
	}
}

// reportPinning says how the standby's threads may run (see above).
func reportPinning() {
	fmt.Fprintf(os.Stderr, "pinned %v\n", stdfds.PinnedStart())
	fmt.Fprintf(os.Stderr, "start %s\n", threadMasks())
	runtime.LockOSThread()
	if err := stdfds.UnpinThread(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	var set unix.CPUSet
	_ = unix.SchedGetaffinity(0, &set)
	fmt.Fprintf(os.Stderr, "self %s\n", cpuList(&set))
	runtime.UnlockOSThread()
	// Threads made while the others are unpinned.
	var started sync.WaitGroup
	release := make(chan struct{})
	for range 8 {
		started.Add(1)
		go func() {
			runtime.LockOSThread()
			started.Done()
			<-release
		}()
	}
	if err := stdfds.UnpinThreads(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	started.Wait()
	if err := stdfds.UnpinThreads(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	fmt.Fprintf(os.Stderr, "after %s\n", threadMasks())
	close(release)
}

// threadMasks returns the distinct CPU lists of this process's threads.
func threadMasks() string {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err.Error()
	}
	seen := map[string]bool{}
	var lists []string
	for _, e := range ents {
		tid, _ := strconv.Atoi(e.Name())
		var set unix.CPUSet
		if unix.SchedGetaffinity(tid, &set) != nil {
			continue
		}
		if l := cpuList(&set); !seen[l] {
			seen[l] = true
			lists = append(lists, l)
		}
	}
	slices.Sort(lists)
	return strings.Join(lists, " ")
}

// cpuList returns the CPUs of set, separated by commas.
func cpuList(set *unix.CPUSet) string {
	var cpus []string
	for c := range 1024 {
		if set.IsSet(c) {
			cpus = append(cpus, strconv.Itoa(c))
		}
	}
	return strings.Join(cpus, ",")
}

// drain reads fd to its end, as a standby that is given nothing does.
func drain(fd int) int {
	var b [64]byte
	for {
		n, err := unix.Read(fd, b[:])
		if err == unix.EINTR {
			continue
		}
		if n <= 0 {
			return 0
		}
	}
}

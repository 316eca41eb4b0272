// Command frontprog tries the waiting front of package stdfds, for its
// tests. Linked with stdfds.FrontLinkFlag, it prints "waited" if it waited
// for its standby (which tells it at once to run its command line), else
// "started"; its arguments are only for the entry point's guess.
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/stdfds"
)

func main() {
	if fd, _, ok := stdfds.WaitingFront(); ok {
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

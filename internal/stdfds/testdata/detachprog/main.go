// Command detachprog reports how it started, for the stdfds tests: its
// pid, parent, process group, session, whether it can detach and its first
// environment variable.
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/stdfds"
)

func main() {
	sid, _ := unix.Getsid(0)
	pgid := unix.Getpgrp()
	env := ""
	if e := os.Environ(); len(e) > 0 {
		env = e[0]
	}
	fmt.Printf("%d %d %d %d %t %s\n", os.Getpid(), os.Getppid(), pgid, sid, stdfds.CanDetach(), env)
}

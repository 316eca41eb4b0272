// Command standbyprog tries the standby of package stdfds, for its tests.
// Linked with stdfds.LinkFlag, each run forks a standby, which sends its
// pid on the socket pair, then waits: given a descriptor (SCM_RIGHTS), it
// writes what it is on it (its pid, parent, process group, session, open
// descriptors and its threads' timer slack) and exits; at the end of the
// socket it exits.
//
// The program itself, with one argument:
//
//	report    prints "none" without a standby; else hands the standby a
//	          pipe and prints "front PID SID SLACK" and the standby's report
//	unused    prints the standby's pid and exits without using it
//	quick     exits at once
//	children  reaps the standby's parent and prints what wait4(-1,
//	          WNOHANG) says then: "ECHILD" when there is no child
package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/stdfds"
)

func main() {
	if sock, ok := stdfds.StandbyFd(); ok {
		os.Exit(standby(sock))
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: standbyprog report|unused|quick|children")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "quick":
		return
	case "children":
		stdfds.ReapStandbyParent()
		_, err := unix.Wait4(-1, nil, unix.WNOHANG, nil)
		if err == unix.ECHILD {
			fmt.Println("ECHILD")
		} else {
			fmt.Println("a child:", err)
		}
		return
	}
	sock, ok := stdfds.TakeStandby()
	if !ok {
		fmt.Println("none")
		return
	}
	var b [64]byte
	n, err := unix.Read(sock, b[:])
	if err != nil || n == 0 {
		fmt.Println("no pid from the standby:", err)
		os.Exit(1)
	}
	if os.Args[1] == "unused" {
		fmt.Print(string(b[:n]))
		return
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		panic(err)
	}
	if err := unix.Sendmsg(sock, []byte("report"), unix.UnixRights(p[1]), nil, 0); err != nil {
		panic(err)
	}
	unix.Close(p[1])
	report, err := io.ReadAll(os.NewFile(uintptr(p[0]), "report"))
	if err != nil {
		panic(err)
	}
	sid, _ := unix.Getsid(0)
	slack, _ := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	fmt.Printf("front %d %d %d\n%s", os.Getpid(), sid, slack, report)
}

// standby is the standby's side: see the package comment.
func standby(sock int) int {
	if _, err := unix.Write(sock, []byte(strconv.Itoa(os.Getpid())+"\n")); err != nil {
		return 1
	}
	buf := make([]byte, 64)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil || oobn == 0 {
		return 0 // the end of the socket
	}
	msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
	fds, _ := unix.ParseUnixRights(&msgs[0])
	out := os.NewFile(uintptr(fds[0]), "out")
	sid, _ := unix.Getsid(0)
	fmt.Fprintf(out, "standby %d %d %d %d\n", os.Getpid(), os.Getppid(), unix.Getpgrp(), sid)
	// The descriptors it holds, but the one that reports and the
	// directory read to list them.
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return 1
	}
	names, _ := d.Readdirnames(-1)
	var list []string
	for _, name := range names {
		fd, _ := strconv.Atoi(name)
		if fd == int(d.Fd()) || fd == fds[0] {
			continue
		}
		target, _ := os.Readlink("/proc/self/fd/" + name)
		list = append(list, name+"="+target)
	}
	slices.Sort(list)
	fmt.Fprintf(out, "fds %s\n", strings.Join(list, " "))
	// The timer slack of each of its threads (the runtime's by now).
	tids, _ := os.ReadDir("/proc/self/task")
	var slacks []string
	for _, e := range tids {
		b, err := os.ReadFile("/proc/" + e.Name() + "/timerslack_ns")
		if err != nil {
			b = []byte(err.Error())
		}
		slacks = append(slacks, e.Name()+"="+strings.TrimSpace(string(b)))
	}
	fmt.Fprintf(out, "slack %s\n", strings.Join(slacks, " "))
	out.Close()
	return 0
}

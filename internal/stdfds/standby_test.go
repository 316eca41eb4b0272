package stdfds

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// runStandbyProg runs prog with arg, env (nil: the test's) and the extra
// descriptors files, and returns what it printed.
func runStandbyProg(t *testing.T, prog, arg string, env []string, files ...*os.File) string {
	t.Helper()
	cmd := exec.Command(prog, arg)
	cmd.Env = env
	cmd.ExtraFiles = files
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", prog, arg, err, out.String(), errb.String())
	}
	return out.String()
}

// TestStandby: a program linked with LinkFlag starts with a standby, a
// process reparented away from it, in a process group of its own in the
// program's session, holding /dev/null on 0, 1 and 2 and its end of the
// socket pair, and none of the program's other descriptors (here a pipe
// on its standard output and a file on descriptor 3), its threads with a
// timer slack of standbyTimerSlack while the program keeps the test's;
// the standby takes descriptors the program sends.
func TestStandby(t *testing.T) {
	prog := buildTestProg(t, "standbyprog", LinkFlag)
	extra, err := os.Open(prog)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	out := runStandbyProg(t, prog, "report", nil, extra)
	var front, frontSid, frontSlack, pid, ppid, pgid, sid int
	var fds string
	lines := strings.SplitN(out, "\n", 4)
	if len(lines) < 4 {
		t.Fatalf("standbyprog report printed %q", out)
	}
	if _, err := fmt.Sscanf(lines[0], "front %d %d %d", &front, &frontSid, &frontSlack); err != nil {
		t.Fatalf("standbyprog report printed %q: %v", out, err)
	}
	if _, err := fmt.Sscanf(lines[1], "standby %d %d %d %d", &pid, &ppid, &pgid, &sid); err != nil {
		t.Fatalf("standbyprog report printed %q: %v", out, err)
	}
	fds, _ = strings.CutPrefix(strings.TrimSpace(lines[2]), "fds ")
	mySid, _ := unix.Getsid(0)
	switch {
	case pid == front || ppid == front || ppid == os.Getpid():
		t.Errorf("standby %d (parent %d) of program %d: not reparented", pid, ppid, front)
	case pgid != pid:
		t.Errorf("standby %d is in process group %d, want its own", pid, pgid)
	case sid != frontSid || sid != mySid:
		t.Errorf("standby %d is in session %d, the program in %d, the test in %d: want one", pid, sid, frontSid, mySid)
	}
	// Its runtime's own descriptors aside (the cgroup files it reads
	// GOMAXPROCS from, the poller), it holds /dev/null on 0, 1 and 2,
	// one socket, and nothing the program had.
	sockets := 0
	for _, fd := range strings.Fields(fds) {
		n, target, _ := strings.Cut(fd, "=")
		switch {
		case n == "0" || n == "1" || n == "2":
			if target != "/dev/null" {
				t.Errorf("standby %d has %s on descriptor %s, want /dev/null", pid, target, n)
			}
		case strings.HasPrefix(target, "socket:["):
			sockets++
		case target == prog || strings.HasPrefix(target, "pipe:["):
			t.Errorf("standby %d holds the program's %s on descriptor %s", pid, target, n)
		}
	}
	if sockets != 1 {
		t.Errorf("standby %d holds %d sockets, want its end of the pair: %s", pid, sockets, fds)
	}
	mySlack, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if frontSlack != mySlack {
		t.Errorf("the program's timer slack is %d ns, the test's %d: want the same", frontSlack, mySlack)
	}
	slacks, _ := strings.CutPrefix(strings.TrimSpace(lines[3]), "slack ")
	threads := strings.Fields(slacks)
	if len(threads) < 2 {
		t.Errorf("standby %d reports the timer slack of %d threads: want its runtime's (2 or more): %q", pid, len(threads), lines[3])
	}
	for _, th := range threads {
		if _, v, _ := strings.Cut(th, "="); v != strconv.Itoa(standbyTimerSlack) {
			t.Errorf("standby %d: thread %s has a timer slack of %s ns, want %d", pid, th, v, standbyTimerSlack)
		}
	}
}

// TestStandbyNone: no standby when the first environment variable is
// one of ktrace's helpers' or KTRACE_NO_STANDBY, when a standard
// descriptor is closed (the standby could not know which to keep), or
// without the entry point; but one when the first variable is another
// that starts like them (a user's KTRACE_BENCH_ROUNDS=3 ktrace ...).
func TestStandbyNone(t *testing.T) {
	prog := buildTestProg(t, "standbyprog", LinkFlag)
	for _, env0 := range []string{"KTRACE_NO_STANDBY=1", "KTRACE_NO_STANDBY=", HelperEnv + "={}"} {
		if out := runStandbyProg(t, prog, "report", []string{env0, "A=1"}); out != "none\n" {
			t.Errorf("%s first: %q, want none", env0, out)
		}
	}
	for _, env := range [][]string{
		{"A=1", "KTRACE_NO_STANDBY=1"},
		{"KTRACE_BENCH_ROUNDS=3", "KTRACE_NO_STANDBY=1"},
		{"KTRACE_NO_STANDBYS=1"},
		{"KTRACE_=1"},
		{"KTRACE_HELPER2=1"},
		{"K=1"},
	} {
		if out := runStandbyProg(t, prog, "report", env); out == "none\n" {
			t.Errorf("environment %q: %q, want a standby", env, out)
		}
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	b, err := exec.Command(sh, "-c", `exec "$0" report <&-`, prog).Output()
	if err != nil || string(b) != "none\n" {
		t.Errorf("standard input closed: %q, %v; want none", b, err)
	}
	plain := buildTestProg(t, "standbyprog", "")
	if out := runStandbyProg(t, plain, "report", nil); out != "none\n" {
		t.Errorf("without the entry point: %q, want none", out)
	}
}

// TestStandbyPrefixes checks the entry point's table of the first
// environment variables that keep a standby from starting.
func TestStandbyPrefixes(t *testing.T) {
	var got []string
	for rest := standbyPrefixes[:]; len(rest) > 0 && rest[0] != 0; {
		i := bytes.IndexByte(rest, 0)
		got = append(got, string(rest[:i]))
		rest = rest[i+1:]
	}
	detachName, _, _ := strings.Cut(DetachEnv, "=")
	want := []string{HelperEnv + "=", detachName + "=", "KTRACE_NO_STANDBY="}
	if !slices.Equal(got, want) {
		t.Errorf("standbyPrefixes: %q, want %q", got, want)
	}
	if standbyPrefixes[len(standbyPrefixes)-1] != 0 || standbyPrefixes[len(standbyPrefixes)-2] != 0 {
		t.Error("standbyPrefixes does not end with an empty prefix")
	}
}

// TestStandbyUnused: a standby the program does not use exits when the
// program does, even when the program exits while the standby is still
// starting (100 rounds); and the program has no child left once it
// reaped the standby's parent.
func TestStandbyUnused(t *testing.T) {
	prog := buildTestProg(t, "standbyprog", LinkFlag)
	pid, err := strconv.Atoi(strings.TrimSpace(runStandbyProg(t, prog, "unused", nil)))
	if err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	if out := runStandbyProg(t, prog, "children", nil); out != "ECHILD\n" {
		t.Errorf("after ReapStandbyParent: %q, want ECHILD", out)
	}
	// A program that exits at once, its standby still starting: none
	// is left behind.
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				if err := exec.Command(prog, "quick").Run(); err != nil {
					t.Errorf("standbyprog quick: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := procsOf(prog)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("standbys left running: %v", left)
			for _, p := range left {
				unix.Kill(p, unix.SIGKILL)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitGone waits until process pid is gone (or a zombie).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(b), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			unix.Kill(pid, unix.SIGKILL)
			t.Fatalf("unused standby %d still running: %s", pid, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// procsOf returns the live processes (not zombies) running the program
// at path.
func procsOf(path string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink("/proc/" + e.Name() + "/exe")
		if err != nil || exe != path {
			continue
		}
		if b, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil && !strings.Contains(string(b), ") Z ") {
			pids = append(pids, pid)
		}
	}
	return pids
}

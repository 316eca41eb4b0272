package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// Tests of ktrace against a hostile local user (issue 10): root traces in
// a directory another user can write to, and that user plants files,
// links and socket names for root's ktrace to trip on.

// requireRoot skips t unless it runs as root, which these tests need to
// act as another user (nobody, uid 65534).
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to act as another user")
	}
}

// sharedDir makes a directory anyone may write to, sticky as /tmp is.
func sharedDir(t *testing.T, e *atEnv) string {
	t.Helper()
	dir := e.path("shared")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o1777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// plant makes a file of nobody's, mode 0666, holding text.
func plant(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
}

// requireOwnTrace checks that path is a new trace file of root's, mode
// 0600, holding the records of a cat of secret.
func requireOwnTrace(t *testing.T, path, secret string) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	if st.Uid != 0 || st.Mode&0o7777 != 0o600 || st.Nlink != 1 {
		t.Errorf("%s: uid %d, mode %#o, %d links; want a file of root's, 0600, one link", path, st.Uid, st.Mode&0o7777, st.Nlink)
	}
	recs := testutil.ReadTrace(t, path)
	if len(testutil.Only(recs, testutil.IsNami(secret))) == 0 {
		t.Errorf("%s does not hold the trace of cat %s:\n%s", path, secret, testutil.Describe(recs))
	}
}

// TestTraceFileNotAnotherUsers: root's trace never lands in a file that
// another user made or linked (without -a the file is made anew, owned by
// root, 0600), and -a refuses such files.
func TestTraceFileNotAnotherUsers(t *testing.T) {
	requireRoot(t)
	e := atSetup(t)
	dir := sharedDir(t, e)
	secret := e.path("secret")
	if err := os.WriteFile(secret, []byte("root's secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip(err)
	}

	t.Run("planted", func(t *testing.T) {
		planted := filepath.Join(dir, "planted.out")
		plant(t, planted, "planted")
		// The user keeps the file open, to read what lands in it.
		theirs, err := os.Open(planted)
		if err != nil {
			t.Fatal(err)
		}
		defer theirs.Close()
		res := e.mustTrace(planted, nil, cat, secret)
		if string(res.Stdout) != "root's secret\n" {
			t.Errorf("cat printed %q", res.Stdout)
		}
		requireOwnTrace(t, planted, secret)
		b := make([]byte, 4096)
		n, _ := theirs.ReadAt(b, 0)
		if string(b[:n]) != "planted" {
			t.Errorf("the user's own file now holds %q: root's trace landed in it", b[:n])
		}
		// Now root's own trace: -a appends to it.
		e.mustTrace(planted, []string{"-a"}, cat, secret)
	})

	t.Run("append-theirs", func(t *testing.T) {
		planted := filepath.Join(dir, "theirs.out")
		plant(t, planted, "")
		res := e.trace(planted, []string{"-a"}, cat, secret)
		if res.ExitCode() == 0 || !strings.Contains(string(res.Stderr), "owned by another user") {
			t.Errorf("ktrace -a on another user's file: want a refusal; %s", res)
		}
		if st, err := os.Stat(planted); err != nil || st.Size() != 0 {
			t.Errorf("the other user's file changed: %v, %v", st, err)
		}
	})

	t.Run("hardlink", func(t *testing.T) {
		// A link to a file of root's, as a user could make where
		// fs.protected_hardlinks is 0.
		victim := e.path("victim")
		if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, "link.out")
		if err := os.Link(victim, link); err != nil {
			t.Skip(err)
		}
		res := e.trace(link, []string{"-a"}, cat, secret)
		if res.ExitCode() == 0 || !strings.Contains(string(res.Stderr), "links") {
			t.Errorf("ktrace -a on a hard link: want a refusal naming the links; %s", res)
		}
		e.mustTrace(link, nil, cat, secret)
		if b, err := os.ReadFile(victim); err != nil || string(b) != "precious" {
			t.Errorf("the linked file changed: %q, %v", b, err)
		}
		requireOwnTrace(t, link, secret)
	})
}

// TestControlSocketSquatted: another user binds the control socket names
// of root's trace file, under the old fixed name and under the prefix of
// the new ones; root's ktrace still starts, joins and clears its tracer.
func TestControlSocketSquatted(t *testing.T) {
	requireRoot(t)
	e := atSetup(t)
	u := e.atNobody(t, "squat")
	tf := e.path("sq.out")
	e.mustKt(t, "-f", tf, "--", "true") // the file, to learn its identity
	var st unix.Stat_t
	if err := unix.Stat(tf, &st); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("ktrace.0.%d.%d", st.Dev, st.Ino)
	names := []string{base, base + ".", base + ".0000000000000000", base + ".ffffffffffffffff"}
	for i := 1; i <= 16; i++ {
		names = append(names, fmt.Sprintf("%s.%016x", base, i))
	}
	squat := exec.Command(u.prog("squat"), names...)
	u.runAs(squat)
	stdin, err := squat.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := itStart(t, squat)
	out.expect("ready", 5*time.Second) // each name's backlog full: a connect there fails with EAGAIN

	// Append a command's trace, then attach a loop and clear the file.
	e.mustKt(t, "-a", "-f", tf, "--", "true")
	p := atLoop(t, "s", 60, 0, nil)
	e.mustKt(t, "-a", "-f", tf, "-p", strconv.Itoa(p.pid))
	tp := e.tracerOf(t, p.pid)
	e.pollTrace(t, tf, "lines of the loop", atHasTicks(p.pid, "s", 2))
	e.mustKt(t, "-c", "-f", tf)
	atRequireUntraced(t, p.pid, "after ktrace -c -f with squatted names")
	stdin.Close() // the squatter's names are gone with it
	_ = squat.Wait()
	e.waitTracerGone(t, tp, tf)
	starts := 0
	all, err := testutil.LoadTrace(mustOpen(t, tf))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if r.Type == format.TypeStart {
			starts++
		}
	}
	if starts != 3 {
		t.Errorf("%d START records, want 3 (two commands, one attach)", starts)
	}
	atFinishOK(t, p)
}

// mustOpen opens path for reading, closing it when the test ends.
func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestNoTracingTracers: ktrace refuses to trace one of its own tracers,
// named by -p, and leaves them out of -d: tracer B tracing tracer A
// while A traces B would freeze both.
func TestNoTracingTracers(t *testing.T) {
	e := atSetup(t)
	a, b := e.path("a.out"), e.path("b.out")
	p := atLoop(t, "a", 60, 0, nil)
	q := atLoop(t, "b", 60, 0, nil)
	e.mustKt(t, "-f", a, "-p", strconv.Itoa(p.pid))
	e.mustKt(t, "-f", b, "-p", strconv.Itoa(q.pid))
	ta, tb := e.tracerOf(t, p.pid), e.tracerOf(t, q.pid)
	for _, args := range [][]string{
		{"-a", "-f", b, "-p", strconv.Itoa(ta)},
		{"-a", "-f", a, "-p", strconv.Itoa(tb)},
		{"-a", "-f", a, "-p", strconv.Itoa(ta)},
	} {
		res := e.kt(t, args...)
		atExpectFail(t, res, args, fmt.Sprintf("ktrace: %s: a ktrace tracer", args[len(args)-1]), false)
	}
	for _, tp := range []int{ta, tb} {
		if got := testutil.TracerPid(tp); got != 0 {
			t.Errorf("tracer %d is traced by %d", tp, got)
		}
	}
	e.mustKt(t, "-c", "-f", a)
	e.mustKt(t, "-c", "-f", b)
	e.waitTracerGone(t, ta, a)
	e.waitTracerGone(t, tb, b)
	atFinishOK(t, p, q)
}

// TestLiveTraceNotRecreated: a ktrace without -a does not make anew a
// file a tracer is writing (the first trace would vanish): it refuses,
// pointing at -a, and -a joins.
func TestLiveTraceNotRecreated(t *testing.T) {
	e := atSetup(t)
	tf := e.path("live.out")
	p := atLoop(t, "l", 60, 0, nil)
	e.mustKt(t, "-f", tf, "-p", strconv.Itoa(p.pid))
	tp := e.tracerOf(t, p.pid)
	e.pollTrace(t, tf, "lines of the loop", atHasTicks(p.pid, "l", 2))
	for _, args := range [][]string{
		{"-f", tf, "--", "true"},
		{"-f", tf, "-p", strconv.Itoa(os.Getpid())},
	} {
		res := e.kt(t, args...)
		atExpectFail(t, res, args, fmt.Sprintf("ktrace: %s: tracer %d is writing it: add to it with -a", tf, tp), false)
	}
	e.mustKt(t, "-a", "-f", tf, "--", "true")
	e.mustKt(t, "-c", "-f", tf)
	e.waitTracerGone(t, tp, tf)
	all, err := testutil.LoadTrace(mustOpen(t, tf))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 || all[0].Type != format.TypeStart || all[0].PID != tp {
		t.Errorf("the trace does not start with the first tracer's START:\n%s", testutil.Describe(all[:min(3, len(all))]))
	}
	atContiguous(t, "l", atTicks(t, testutil.ReadTrace(t, tf), p.pid, "l"))
	atFinishOK(t, p)
}

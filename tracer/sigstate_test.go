package tracer

import (
	"bufio"
	"os/exec"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// sigShareSource is a C program whose signal dispositions the tracer
// must learn from /proc: it catches SIGURG with SA_RESETHAND, says
// "ready" and waits for a byte on stdin (the tracer attaches meanwhile,
// and never sees the handler installed). Then it forks argv[1] children
// before any signal, each of which forks a grandchild and waits for it
// (a SIGCHLD each), and waits for them (SIGCHLD). Last it forks one more
// child; the parent sends itself SIGURG (caught, resetting the handler),
// lets the child do the same twice (caught, then default), waits for it
// and sends itself SIGURG again (default: ignored). It exits 0, 2 on a
// failure, 3 when a handler ran a number of times other than once.
const sigShareSource = `
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t caught;
static void on_urg(int s) { (void)s; caught++; }

/* kill(2) itself: raise(3) blocks every signal around its call. */
static void urg(void) { syscall(SYS_kill, getpid(), SIGURG); }

int main(int argc, char **argv) {
	struct sigaction sa;
	char c;
	int p[2], st, i, n = atoi(argv[1]);
	pid_t pid;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_urg;
	sa.sa_flags = SA_RESETHAND;
	if (sigaction(SIGURG, &sa, NULL) != 0 || write(1, "ready\n", 6) != 6 || read(0, &c, 1) != 1)
		return 2;
	for (i = 0; i < n; i++) {
		if ((pid = fork()) < 0)
			return 2;
		if (pid == 0) {
			pid_t g = fork();
			if (g < 0)
				_exit(2);
			if (g == 0)
				_exit(0);
			_exit(waitpid(g, &st, 0) == g && st == 0 ? 0 : 2);
		}
	}
	for (i = 0; i < n; i++)
		if (wait(&st) < 0 || st != 0)
			return 2;
	if (pipe(p) != 0 || (pid = fork()) < 0)
		return 2;
	if (pid == 0) {
		if (read(p[0], &c, 1) != 1)
			_exit(2);
		urg();
		urg();
		_exit(caught == 1 ? 0 : 3);
	}
	urg();
	if (write(p[1], &c, 1) != 1 || waitpid(pid, &st, 0) != pid || st != 0)
		return 2;
	urg();
	return caught == 1 ? 0 : 3;
}
`

// TestSignalDispositionsShared checks that processes forked from one
// another share what /proc said of their signal dispositions until one
// may have changed them (sigstate.go): the tree of sigShare reads /proc
// once for all its SIGCHLDs, where each child read it before; and a
// handler reset by its first signal is seen reset in the process that
// took it, and still installed in the child forked before, then reset
// there too. Every PSIG must say what the process did with the signal.
func TestSignalDispositionsShared(t *testing.T) {
	canPtrace(t)
	const children = 8
	bin := buildC(t, t.TempDir(), "sigShare", sigShareSource)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := exec.Command(bin, strconv.Itoa(children))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("sigShare said %q (%v), want ready", line, err)
	}
	tr, buf := newTestTracer(t, Options{})
	if err := tr.AttachAll([]int{cmd.Process.Pid}, Settings{Facilities: DefaultFacilities, Inherit: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(nil); err != nil {
		t.Fatal(err)
	}
	parent := int32(cmd.Process.Pid)
	var exit uint32
	type psig struct {
		pid    int32
		sig    unix.Signal
		action format.SigAction
	}
	var sigs []psig
	eachRecord(t, buf.Bytes(), func(rec *format.Record, _ *arch.Table) {
		switch rec.Type {
		case format.TypePsig:
			p, err := rec.Psig()
			if err != nil {
				t.Fatal(err)
			}
			sigs = append(sigs, psig{rec.PID, unix.Signal(p.Signal), p.Action})
		case format.TypeExit:
			if rec.PID == parent {
				e, err := rec.Exit()
				if err != nil {
					t.Fatal(err)
				}
				exit = e.Status
			}
		}
	})
	if ws := unix.WaitStatus(exit); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("sigShare ended with status %#x, want exit 0", exit)
	}
	chld := map[int32]int{}
	urg := map[int32][]format.SigAction{}
	for _, s := range sigs {
		switch s.sig {
		case unix.SIGCHLD:
			chld[s.pid]++
			if s.action != format.SigDefault {
				t.Errorf("process %d: SIGCHLD %v, want default", s.pid, s.action)
			}
		case unix.SIGURG:
			urg[s.pid] = append(urg[s.pid], s.action)
		default:
			t.Errorf("process %d: unexpected %v", s.pid, s.sig)
		}
	}
	// A SIGCHLD each for the children; the parent's may merge, as
	// pending signals do, but the last child's comes alone.
	if len(chld) != children+1 || chld[parent] < 2 {
		t.Errorf("SIGCHLD records by process: %v, want one in each of %d children and two or more in the parent %d", chld, children, parent)
	}
	for pid, n := range chld {
		if pid != parent && n != 1 {
			t.Errorf("process %d: %d SIGCHLD, want 1", pid, n)
		}
	}
	want := []format.SigAction{format.SigCaught, format.SigDefault}
	if len(urg) != 2 || len(urg[parent]) == 0 {
		t.Fatalf("SIGURG records by process: %v, want %v in the parent %d and one child", urg, want, parent)
	}
	for pid, got := range urg {
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("process %d: SIGURG %v, want %v", pid, got, want)
		}
	}
	// One read for the tree, whose dispositions then serve the first
	// SIGURG of the parent and of the last child; one for the child's
	// second SIGURG, one for the parent's SIGCHLD after its handler was
	// reset (its second SIGURG knows then).
	if tr.sigReads > 3 {
		t.Errorf("%d reads of /proc for signal state, want at most 3", tr.sigReads)
	}
}

// sigForkSource is a C program whose handlers the tracer sees installed
// (rt_sigaction) around forks. It catches SIGUSR1, then forks a child
// that ignores it and sends it to itself; the parent sends it to itself
// (caught). It forks a second child that waits on a pipe while the
// parent ignores SIGUSR1, then sends it to itself (caught: the handler
// it inherited); the parent sends it once more (ignored). It exits 0, 2
// on a failure.
const sigForkSource = `
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int s) { (void)s; }

static int set(void (*h)(int)) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	return sigaction(SIGUSR1, &sa, NULL);
}

static void usr1(void) { syscall(SYS_kill, getpid(), SIGUSR1); }

int main(void) {
	int fds[2];
	char c;
	pid_t pid;
	if (set(on_usr1) != 0 || pipe(fds) != 0) return 2;
	if ((pid = fork()) == 0) {
		if (set(SIG_IGN) != 0) _exit(2);
		usr1();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, NULL, 0) != pid) return 2;
	usr1();
	if ((pid = fork()) == 0) {
		if (read(fds[0], &c, 1) != 1) _exit(2);
		usr1();
		_exit(0);
	}
	if (pid < 0 || set(SIG_IGN) != 0 || write(fds[1], "x", 1) != 1) return 2;
	if (waitpid(pid, NULL, 0) != pid) return 2;
	usr1();
	return 0;
}
`

// TestSignalHandlersForked: a forked child shares its parent's handlers
// as the tracer saw them installed, until either installs one; then
// each has its own. Every PSIG SIGUSR1 must say what the process that
// took it did: the first child ignored it, the parent caught it, the
// second child caught it (with the handler it inherited) after the
// parent had come to ignore it, and the parent ignored it last.
func TestSignalHandlersForked(t *testing.T) {
	canPtrace(t)
	bin := buildC(t, t.TempDir(), "sigFork", sigForkSource)
	r := cswTrace(t, []string{bin}, Settings{Facilities: DefaultFacilities, Inherit: true}, Options{}, nil, "", nil, 0)
	type psig struct {
		pid     int32
		action  format.SigAction
		handler bool
	}
	var got []psig
	pids := map[int32]int{} // the order processes make their first call in
	eachRecord(t, r.trace, func(rec *format.Record, _ *arch.Table) {
		if _, ok := pids[rec.PID]; !ok && rec.Type == format.TypeCall {
			pids[rec.PID] = len(pids)
		}
		if rec.Type != format.TypePsig {
			return
		}
		p, err := rec.Psig()
		if err != nil {
			t.Fatal(err)
		}
		if unix.Signal(p.Signal) == unix.SIGUSR1 {
			got = append(got, psig{rec.PID, p.Action, p.Known&format.KnownHandler != 0})
		}
	})
	type want struct {
		who     int // 0 the parent, 1 and 2 the children, by their first record
		action  format.SigAction
		handler bool
	}
	wants := []want{{1, format.SigIgnored, false}, {0, format.SigCaught, true}, {2, format.SigCaught, true}, {0, format.SigIgnored, false}}
	if len(got) != len(wants) {
		t.Fatalf("%d PSIG SIGUSR1 records (%v), want %d", len(got), got, len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if pids[g.pid] != w.who || g.action != w.action || g.handler != w.handler {
			t.Errorf("PSIG SIGUSR1 %d: process #%d %v (handler known %v), want process #%d %v (handler known %v)",
				i, pids[g.pid], g.action, g.handler, w.who, w.action, w.handler)
		}
	}
}

package main

import (
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// cldExited is CLD_EXITED, the si_code of a SIGCHLD for a child that exited.
const cldExited = 1

// TestSignalDispositionsLearned checks the PSIG records whose action the
// tracer learns from /proc and keeps per process (tracer/sigstate.go) and
// whose mask it reads with PTRACE_GETSIGMASK: sigstate ignores SIGUSR1
// before it executes itself, so that the traced program inherits the
// disposition unseen; it blocks SIGUSR2 and forks children that each get
// SIGUSR1 from the parent (the children start with the parent's kept
// dispositions) and send it SIGUSR1 back before they exit. Every SIGUSR1
// must be ignored, every SIGCHLD default, all with SIGUSR2 blocked.
func TestSignalDispositionsLearned(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "sigstate")
	const n = 5
	tf := e.path("t.out")
	res := e.mustTrace(tf, []string{"-i"}, prog, "start", strconv.Itoa(n))
	var parent int
	var mask uint64
	var children []int
	for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		x, err := strconv.ParseUint(v, 0, 64)
		if err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		switch k {
		case "pid":
			parent = int(x)
		case "mask":
			mask = x
		case "child":
			children = append(children, int(x))
		}
	}
	if parent != res.Pid || mask == 0 || len(children) != n {
		t.Fatalf("output %q: want pid=%d, mask=..., %d children", res.Stdout, res.Pid, n)
	}
	all := testutil.ReadTrace(t, tf)
	check := func(pid int, sig syscall.Signal, action format.SigAction, code int32, senders []int) {
		t.Helper()
		psig := testutil.Only(testutil.OfPID(all, pid), testutil.IsSignal(int(sig), action))
		if len(psig) != len(senders) {
			t.Errorf("process %d: %d PSIG %v %v, want %d:\n%s", pid, len(psig), sig, action, len(senders), testutil.Describe(testutil.Only(all, testutil.IsType(format.TypePsig))))
			return
		}
		for i := range psig {
			want := itSentBy(sig, action, senders[i])
			want.Code = code
			if p := psig[i].Psig; !testutil.IsPsig(want)(&psig[i]) || p.Known&format.KnownMask == 0 || p.Mask != mask {
				t.Errorf("process %d: %s, want %v %v code %d from %d with mask %#x", pid, &psig[i], sig, action, code, senders[i], mask)
			}
		}
	}
	check(parent, syscall.SIGUSR1, format.SigIgnored, siUser, children)
	check(parent, syscall.SIGCHLD, format.SigDefault, cldExited, children)
	for _, c := range children {
		check(c, syscall.SIGUSR1, format.SigIgnored, siUser, []int{parent})
	}
}

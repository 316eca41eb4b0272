package main

import (
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// itPty is an interactive bash on a pseudo-terminal, made by script(1)
// from util-linux, driven by writing keystrokes to script's stdin.
type itPty struct {
	t    *testing.T
	cmd  *exec.Cmd
	in   io.WriteCloser
	mu   sync.Mutex
	out  []byte
	pos  int // output before pos has been looked at
	done chan struct{}
}

// itPrompt is the shell's prompt.
const itPrompt = "ktest$ "

// itStartPtyShell starts the shell, or skips the test without script or
// bash.
func itStartPtyShell(t *testing.T) *itPty {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to make a terminal with")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash for job control")
	}
	p := &itPty{t: t, done: make(chan struct{})}
	p.cmd = exec.Command(script, "-qfec", bash+" --norc --noprofile -i", "/dev/null")
	p.cmd.Env = append(p.cmd.Environ(), "TERM=dumb")
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		t.Skipf("script: %v", err)
	}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := out.Read(buf)
			p.mu.Lock()
			p.out = append(p.out, buf[:n]...)
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		p.in.Close()
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	// Quoted so that the echo of the command does not show the prompt.
	p.send("PS1='kt''est$ '\n")
	p.waitFor(itPrompt, 10*time.Second)
	return p
}

// send types s.
func (p *itPty) send(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.in, s); err != nil {
		p.t.Fatalf("typing %q: %v", s, err)
	}
}

// waitFor waits until the unseen output holds s and returns the output up
// to and including it, moving past it.
func (p *itPty) waitFor(s string, timeout time.Duration) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p.mu.Lock()
		i := strings.Index(string(p.out[p.pos:]), s)
		if i >= 0 {
			got := string(p.out[p.pos : p.pos+i+len(s)])
			p.pos += i + len(s)
			p.mu.Unlock()
			return got
		}
		all := string(p.out)
		p.mu.Unlock()
		if time.Now().After(deadline) {
			p.t.Fatalf("no %q on the terminal within %v; it shows:\n%s", s, timeout, itTail(all, 2000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// unseen returns the output not looked at yet, without moving past it.
func (p *itPty) unseen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.out[p.pos:])
}

// itTail returns the last n bytes of s.
func itTail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// TestTraceJobControl runs ktrace from an interactive bash on a terminal:
// Ctrl-Z stops the traced command and gives the prompt back, fg resumes it
// and it finishes with status 0; Ctrl-C kills it as it would untraced
// (status 130).
func TestTraceJobControl(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "sigusr")
	p := itStartPtyShell(t)
	// Ctrl-Z would otherwise flush the terminal's output queue, and with
	// it a tick not yet read from the terminal.
	p.send("stty noflsh\n")
	p.waitFor(itPrompt, 10*time.Second)
	const n = 150
	tf := e.path("tstp.out")
	p.send(e.ktrace + " -f " + tf + " " + prog + " stop " + strconv.Itoa(n) + "\n")
	p.waitFor("ready", 10*time.Second)
	p.waitFor("tick", 10*time.Second)

	p.send("\x1a") // Ctrl-Z
	p.waitFor("Stopped", 10*time.Second)
	p.send("jobs -l\n")
	jobs := p.waitFor("Stopped", 10*time.Second)
	m := regexp.MustCompile(`\[1\]\+ +(\d+) +Stopped$`).FindStringSubmatch(jobs)
	if m == nil {
		t.Fatalf("jobs -l does not show job 1 stopped:\n%s", jobs)
	}
	pid, _ := strconv.Atoi(m[1])
	if st := testutil.ProcState(pid); st != 'T' && st != 't' {
		t.Errorf("the stopped job's state is %q, want T or t: %s", st, testutil.ProcStat(pid))
	}
	time.Sleep(300 * time.Millisecond)
	if s := p.unseen(); strings.Contains(s, "tick") {
		t.Errorf("the job ran on while stopped: %q", s)
	}

	p.send("fg\n")
	p.waitFor("tick", 10*time.Second)
	rest := p.waitFor(itPrompt, 20*time.Second)
	p.send(`echo st""atus=$?` + "\n")
	p.waitFor("status=", 10*time.Second)
	if st := p.waitFor("\n", 5*time.Second); strings.TrimSpace(st) != "0" {
		t.Errorf("after fg the job ended with status %s, want 0", strings.TrimSpace(st))
	}
	p.mu.Lock()
	// The terminal's echo of Ctrl-Z may land inside a line ("ti^Zck").
	ticks := strings.Count(strings.ReplaceAll(string(p.out), "^Z", ""), "tick")
	p.mu.Unlock()
	if ticks != n {
		t.Errorf("the job printed %d ticks, want %d; the end of its output:\n%s", ticks, n, itTail(rest, 500))
	}

	tf2 := e.path("int.out")
	p.send(e.ktrace + " -f " + tf2 + " " + prog + " stop 1000\n")
	p.waitFor("tick", 10*time.Second)
	p.send("\x03") // Ctrl-C
	p.waitFor(itPrompt, 10*time.Second)
	p.send(`echo st""atus=$?` + "\n")
	p.waitFor("status=", 10*time.Second)
	if st := p.waitFor("\n", 5*time.Second); strings.TrimSpace(st) != "130" {
		t.Errorf("after Ctrl-C the job ended with status %s, want 130", strings.TrimSpace(st))
	}
	p.send("exit\n")
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Error("the shell did not exit")
	}

	all := testutil.ReadTrace(t, tf)
	psig := testutil.Only(all, func(l *testutil.Rec) bool { return l.Type == format.TypePsig })
	var tstp, cont int
	for i := range psig {
		switch {
		case testutil.IsSignal(int(syscall.SIGTSTP), format.SigDefault)(&psig[i]):
			tstp++
		case testutil.IsSignal(int(syscall.SIGCONT), format.SigDefault)(&psig[i]):
			cont++
		}
	}
	if tstp != 1 || cont != 1 {
		t.Errorf("want one PSIG SIGTSTP SIG_DFL and one SIGCONT SIG_DFL, got:\n%s", testutil.Describe(psig))
	}
	all = testutil.ReadTrace(t, tf2)
	if len(all) < 2 || !testutil.IsSignal(int(syscall.SIGINT), format.SigDefault)(&all[len(all)-2]) ||
		!testutil.IsExit(0, syscall.SIGINT)(&all[len(all)-1]) {
		t.Errorf("the trace of the job killed by Ctrl-C does not end with PSIG SIGINT SIG_DFL and EXIT killed by SIGINT:\n%s", testutil.Describe(all[max(0, len(all)-5):]))
	}
}

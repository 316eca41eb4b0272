package main

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// TestCallsAsStrace: kdump --calls shows of a real program what strace
// shows: poll's array and what it left after the result (the revents
// set, Timeout), ppoll's time left, "" for a read at end of file,
// termios's control characters by name, PR_GET_PDEATHSIG's signal by
// name, NULL for a null pointer and statfs's structure, each checked against what the
// program printed.
func TestCallsAsStrace(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "calls_polish")
	tf := e.path("t.out")
	res := e.mustTrace(tf, nil, prog)
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("calls_polish printed %q", line)
		}
		out[f[0]] = f[1:]
	}
	for _, k := range []string{"poll", "timeout", "ppoll", "eof", "tcgets", "pdeathsig", "statfs"} {
		if len(out[k]) == 0 {
			t.Fatalf("calls_polish printed no %s line: %q", k, res.Stdout)
		}
	}
	calls, err := exec.Command(e.kdump, "--calls", "-f", tf).Output()
	if err != nil {
		t.Fatalf("kdump --calls: %v", err)
	}
	lines := strings.Split(string(calls), "\n")
	// line returns the first line holding all of parts.
	line := func(what string, parts ...string) {
		t.Helper()
	next:
		for _, l := range lines {
			for _, p := range parts {
				if !strings.Contains(l, p) {
					continue next
				}
			}
			return
		}
		t.Errorf("%s: no line with %q in:\n%s", what, parts, calls)
	}
	p, sig := out["poll"], out["pdeathsig"]
	if p[2] != strconv.Itoa(unix.POLLIN) {
		t.Fatalf("the program's poll left revents %s", p[2])
	}
	// poll is ppoll with the timeout as a timespec on arm64.
	line("poll", fmt.Sprintf("poll([{fd=%s, events=POLLIN}, {fd=-1}], 2, ", p[0]),
		fmt.Sprintf(") = %s ([{fd=%s, revents=POLLIN}]", p[1], p[0]))
	to := out["timeout"]
	line("poll timeout", fmt.Sprintf("poll([{fd=%s, events=POLLIN}], 1, ", to[0]), fmt.Sprintf(") = %s (Timeout)", to[1]))
	pp := out["ppoll"]
	line("ppoll", fmt.Sprintf("ppoll([{fd=%s, events=POLLIN}], 1, struct timespec { tv_sec=%s, tv_nsec=%s }, NULL, 8) = %s ([{fd=%s, revents=POLLIN}], left struct timespec { tv_sec=",
		pp[0], pp[2], pp[3], pp[1], pp[0]))
	eof := out["eof"]
	line("read at end of file", fmt.Sprintf(`read(%s, "", 1) = %s`, eof[0], eof[1]))
	tc := out["tcgets"]
	vintr, _ := strconv.Atoi(tc[1])
	line("TCGETS", fmt.Sprintf("ioctl(%s, TCGETS, struct termios {", tc[0]), fmt.Sprintf("c_cc=[VINTR=%#x, ", vintr),
		"VMIN="+tc[2]+",")
	n, _ := strconv.Atoi(sig[0])
	line("PR_GET_PDEATHSIG", fmt.Sprintf("prctl(PR_GET_PDEATHSIG, [%s]) = 0", unix.SignalName(syscall.Signal(n))))
	line("NULL", "brk(NULL) = ")
	sf := out["statfs"]
	line("statfs", `statfs("/", struct statfs { f_type=`, fmt.Sprintf(", f_bsize=%s, f_blocks=%s, ", sf[1], sf[2]), "f_flags=ST_VALID")
}

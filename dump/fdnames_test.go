package dump

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/tracegen"
)

// fdTrace builds amd64 traces for -y tests, record by record.
type fdTrace struct {
	t   *testing.T
	buf bytes.Buffer
	w   *format.Writer
	now int64
}

func newFDTrace(t *testing.T) *fdTrace {
	f := &fdTrace{t: t}
	f.w = format.NewWriter(&f.buf)
	f.check(f.w.WriteStart(f.h(1, 1), &format.Start{Version: format.Version, Machine: arch.MachineAmd64}))
	return f
}

func (f *fdTrace) check(err error) {
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fdTrace) h(pid, tid int32) *format.Header {
	f.now += 1000
	h := &format.Header{PID: pid, TID: tid, Time: f.now, ABI: arch.ABIAmd64}
	h.SetComm("p")
	return h
}

// call writes a whole call of pid: CALL, a NAMI record when path is set,
// RET with value v.
func (f *fdTrace) call(pid int32, nr uint32, path string, v int64, args ...uint64) {
	f.check(f.w.WriteCall(f.h(pid, pid), nr, args))
	if path != "" {
		f.check(f.w.WriteBytes(f.h(pid, pid), format.TypeNamei, []byte(path)))
	}
	f.check(f.w.WriteRet(f.h(pid, pid), format.RetFromValue(nr, v)))
}

func (f *fdTrace) text(o Options) string {
	f.check(f.w.Flush())
	return render(f.t, f.buf.Bytes(), ModeText, o)
}

// amd64 system call numbers of the tests.
const (
	nrRead, nrWrite, nrOpen, nrClose, nrDup2, nrFcntl = 0, 1, 2, 3, 33, 72
	nrFork, nrExecve, nrExitGroup, nrSocket, nrPipe   = 57, 59, 231, 41, 22
)

// wantLines checks that text has each of want as a line suffix, in order.
func wantLines(t *testing.T, text string, want ...string) {
	t.Helper()
	lines := strings.Split(text, "\n")
	i := 0
	for _, w := range want {
		for i < len(lines) && !strings.HasSuffix(lines[i], w) {
			i++
		}
		if i == len(lines) {
			t.Fatalf("no line ending %q (in order) in\n%s", w, text)
		}
		i++
	}
}

func TestFDNamesTable(t *testing.T) {
	f := newFDTrace(t)
	f.call(10, nrRead, "", 5, 0, 0x1000, 5)                      // fd 0: unknown
	f.call(10, nrOpen, "/etc/passwd", 3, 0x1000, 0)              // 3 = /etc/passwd
	f.call(10, nrOpen, "rel", 4, 0x1000, 0x80000)                // 4 = rel, O_CLOEXEC
	f.call(10, nrOpen, "/nope", -2, 0x1000, 0)                   // failed: no change
	f.call(10, nrDup2, "", 7, 3, 7)                              // 7 = copy of 3
	f.call(10, nrDup2, "", 3, 9, 3)                              // 9 unknown: 3 becomes unknown
	f.call(10, nrSocket, "", 5, 10, 2, 0)                        // 5 = UDPv6
	f.call(10, nrSocket, "", 6, 17, 3, 0)                        // 6 = AF_PACKET raw
	f.call(10, nrPipe, "", 0, 0x2000)                            // no fd_pair record: nothing known
	f.call(10, nrClose, "", -9, 7)                               // failed close: 7 stays
	f.call(10, nrWrite, "", 1, 7, 0x1000, 1)                     // 7 named
	f.call(10, nrFork, "", 11)                                   // child 11 gets a copy
	f.call(10, nrClose, "", 0, 7)                                // the parent's 7 only
	f.call(11, nrWrite, "", 1, 7, 0x1000, 1)                     // still the child's
	f.call(11, nrExecve, "/bin/true", 0, 0x3000, 0x3001, 0x3002) // drops 4 (cloexec)
	f.call(11, nrRead, "", 0, 4, 0x1000, 5)                      // unknown
	f.call(11, nrFcntl, "", 12, 5, 0, 12)                        // F_DUPFD: 12 = copy of 5
	f.call(11, nrExitGroup, "", 0, 0)                            // the child's table goes
	f.call(11, nrRead, "", 0, 12, 0x1000, 5)                     // pid 11 again: a new process
	f.call(10, nrWrite, "", 1, 6, 0x1000, 1)                     // AF_PACKET
	f.call(10, nrRead, "", 1, 4, 0x1000, 1)                      // parent keeps 4
	f.check(f.w.WriteStart(f.h(1, 1), &format.Start{Version: format.Version, Machine: arch.MachineAmd64}))
	f.call(10, nrRead, "", 1, 4, 0x1000, 2) // another session: pid 10 is new
	got := f.text(Options{FDNames: true})
	wantLines(t, got,
		"CALL  read(0,0x1000,0x5)",
		"RET   open 3</etc/passwd>",
		"RET   open 4<rel>",
		"RET   open -1 errno 2 No such file or directory",
		"RET   dup2 7</etc/passwd>",
		"RET   dup2 3",
		"RET   socket 5<socket:UDPv6>",
		"RET   socket 6<socket:[AF_PACKET SOCK_RAW]>",
		"CALL  close(7</etc/passwd>)",
		"CALL  write(7</etc/passwd>,0x1000,0x1)",
		"RET   fork 11/0xb",
		"CALL  close(7</etc/passwd>)",
		"CALL  write(7</etc/passwd>,0x1000,0x1)",
		"CALL  read(4,0x1000,0x5)",
		"RET   fcntl 12<socket:UDPv6>",
		"CALL  read(12,0x1000,0x5)",
		"CALL  write(6<socket:[AF_PACKET SOCK_RAW]>,0x1000,0x1)",
		"CALL  read(4<rel>,0x1000,0x1)",
		"CALL  read(4,0x1000,0x2)",
	)
	// Without -y nothing changes.
	if plain := f.text(Options{}); strings.Contains(plain, "</etc/passwd>") {
		t.Errorf("names shown without -y:\n%s", plain)
	}
}

// TestFDNamesSample checks -y on the generated trace: each mode names
// the descriptors, and filters do not hide the calls that name them.
func TestFDNamesSample(t *testing.T) {
	trace, err := tracegen.FDNames(arch.MachineAmd64)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{FDNames: true}
	wantLines(t, render(t, trace, ModeText, o),
		"RET   openat 3</srv/app/data/input.txt>",
		"CALL  write(5<pipe>,0x7f0000001000,0x6)",
		"CALL  write(7<socket:UNIX:/run/app.sock>,0x7f0000001000,0x2)",
		"CALL  read(10</srv/app/data/input.txt>,0x7f0000002000,0x64)", // the thread
		"CALL  close(5<pipe>)",
		"CALL  read(4<pipe>,0x7f0000002000,0x6)", // the child's copy
		"CALL  read(4,0x7f0000002000,0x64)",      // closed by exec
		"CALL  write(7,0x7f0000001000,0x1)",      // FD_CLOEXEC
		"CALL  write(20,0x7f0000001000,0x1)",     // F_DUPFD_CLOEXEC
		"CALL  write(3</srv/app/data/input.txt>,0x7f0000001000,0x1)",
		"CALL  write(3</srv/app/data/input.txt>,0x7f0000001000,0x1)", // vfork child
		"CALL  read(3,0x7f0000002000,0x64)",                          // after close_range
		"CALL  read(3,0x7f0000002000,0x64)",                          // attached process
	)
	wantLines(t, render(t, trace, ModeCalls, o),
		"close(5<pipe>) = 0 <0.000001>",
		"dup(8<socket:TCP>) = 9<socket:TCP> <0.000001>",
	)
	o.Filter.Syscalls, err = arch.ParseSyscallExpr("close,dup")
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, render(t, trace, ModeCalls, o),
		"close(5<pipe>) = 0 <0.000001>",
		"dup(8<socket:TCP>) = 9<socket:TCP> <0.000001>",
	)
	json := render(t, trace, ModeJSON, o)
	if !strings.Contains(json, `"fd_names":{"5":"pipe"}`) || !strings.Contains(json, `"fd_names":{"9":"socket:TCP"}`) {
		t.Errorf("JSON lacks fd_names:\n%s", json)
	}
}

// TestFDNamesBounded checks that processes that end are forgotten.
func TestFDNamesBounded(t *testing.T) {
	fds := newFDTracker()
	r := NewRenderer(&bytes.Buffer{}, ModeText, Options{FDNames: true})
	f := newFDTrace(t)
	for pid := int32(100); pid < 300; pid++ {
		f.call(pid, nrOpen, "/tmp/x", 3, 0x1000, 0)
		if pid%2 == 0 {
			f.call(pid, nrExitGroup, "", 0, 0)
		} else {
			f.check(f.w.WriteExit(f.h(pid, pid), format.Exit{}))
		}
	}
	f.check(f.w.Flush())
	rd := format.NewReader(bytes.NewReader(f.buf.Bytes()))
	for {
		rec, err := rd.Next()
		if err != nil {
			break
		}
		fds.observe(rec)
		f.check(r.Record(rec))
	}
	if len(fds.procs) != 0 || len(fds.threads) != 0 || len(fds.expect) != 0 || len(fds.forking) != 0 {
		t.Errorf("left: %d procs, %d threads, %d expected, %d forking",
			len(fds.procs), len(fds.threads), len(fds.expect), len(fds.forking))
	}
}

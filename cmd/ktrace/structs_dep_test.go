package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/dump"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// fionread is FIONREAD (asm-generic/ioctls.h, x86's too), which x/sys
// lacks.
const fionread = 0x541b

// depOutput parses what the stru_dep program printed: key, then its
// values, as numbers where they are.
type depOutput map[string][]string

func parseDepOutput(t *testing.T, out []byte) depOutput {
	t.Helper()
	m := depOutput{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("stru_dep printed %q", line)
		}
		m[f[0]] = f[1:]
	}
	for _, k := range []string{"setfl", "getfl", "setfd", "getfd", "dupfd", "setlk", "getlk", "reuseaddr", "rcvbuf",
		"nodelay", "fionread", "swinsz", "gwinsz", "tcgets", "setname", "getname"} {
		if len(m[k]) == 0 {
			t.Fatalf("stru_dep printed no %s line: %q", k, out)
		}
	}
	return m
}

// n returns value i of key as a number.
func (o depOutput) n(t *testing.T, key string, i int) int64 {
	t.Helper()
	v, err := strconv.ParseInt(o[key][i], 10, 64)
	if err != nil {
		t.Fatalf("%s value %d: %v", key, i, err)
	}
	return v
}

// depCursor finds CALL records by their selector arguments.
type depCursor struct {
	*testutil.Cursor
}

// call finds the next CALL of name whose argument sel holds v and whose
// argument 0 is fd (fd < 0: any).
func (c depCursor) call(name string, fd int64, sel int, v uint64) *testutil.Rec {
	c.TB.Helper()
	return c.Find(fmt.Sprintf("CALL %s(%d, arg %d = %#x)", name, fd, sel, v), func(r *testutil.Rec) bool {
		return testutil.IsCall(name)(r) && len(r.Args) > sel && uint64(uint32(r.Args[sel])) == v &&
			(fd < 0 || int32(r.Args[0]) == int32(fd))
	})
}

// stru returns the next STRU record of the thread of call before the
// call's RET, failing when there is none.
func (c depCursor) stru(call *testutil.Rec, label string) *testutil.Rec {
	c.TB.Helper()
	for c.I < len(c.Recs) {
		r := &c.Recs[c.I]
		c.I++
		if r.TID != call.TID {
			continue
		}
		if r.Type == format.TypeStruct && r.Label == label {
			return r
		}
		if r.Type == format.TypeRet || r.Type == format.TypeCall {
			break
		}
	}
	c.TB.Fatalf("no STRU %s after %s", label, call)
	return nil
}

// ret returns the RET of call.
func (c depCursor) ret(call *testutil.Rec) *testutil.Rec {
	c.TB.Helper()
	return c.Find("RET "+call.Name, func(r *testutil.Rec) bool { return r.TID == call.TID && testutil.IsRet(call.Name)(r) })
}

// int32Of returns a STRU int's value.
func int32Of(t *testing.T, r *testutil.Rec) int64 {
	t.Helper()
	if len(r.Data) != 4 {
		t.Fatalf("STRU int of %d bytes: %s", len(r.Data), r)
	}
	return int64(int32(binary.LittleEndian.Uint32(r.Data)))
}

// decodeInto copies a STRU record's bytes into v, a pointer to an x/sys
// structure: the layout of the machine the test runs on, which traced
// the program.
func decodeInto[T any](t *testing.T, r *testutil.Rec, v *T) {
	t.Helper()
	dst := unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))
	if len(dst) != len(r.Data) {
		t.Fatalf("STRU %s of %d bytes, want %d: %s", r.Label, len(r.Data), len(dst), r)
	}
	copy(dst, r.Data)
}

// TestTraceStructsDep: the arguments whose meaning another argument
// gives (fcntl's command, ioctl's request, a socket option's level and
// name, prctl's option) are recorded by it: the structures they select
// as STRU records holding what the program passed and got, and kdump
// decodes the CALL, RET and STRU lines by them.
func TestTraceStructsDep(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "stru_dep")
	tf := e.path("t.out")
	res := e.mustTrace(tf, nil, prog, e.dir)
	out := parseDepOutput(t, res.Stdout)
	all := testutil.ReadTrace(t, tf)
	testutil.CheckPairs(t, all, testutil.FromExec)
	c := depCursor{&testutil.Cursor{TB: t, Recs: all}}

	// fcntl: flags in and out, descriptors.
	call := c.call("fcntl", out.n(t, "setfl", 0), 1, unix.F_SETFL)
	if int64(uint32(call.Arg(2))) != out.n(t, "setfl", 1) {
		t.Errorf("F_SETFL: %s, the program passed %d", call, out.n(t, "setfl", 1))
	}
	call = c.call("fcntl", out.n(t, "getfl", 0), 1, unix.F_GETFL)
	if r := c.ret(call); r.Value != out.n(t, "getfl", 1) {
		t.Errorf("F_GETFL: %s, the program got %d", r, out.n(t, "getfl", 1))
	}
	call = c.call("fcntl", out.n(t, "setfd", 0), 1, unix.F_SETFD)
	if int64(call.Arg(2)) != out.n(t, "setfd", 1) {
		t.Errorf("F_SETFD: %s, the program passed %d", call, out.n(t, "setfd", 1))
	}
	call = c.call("fcntl", out.n(t, "getfd", 0), 1, unix.F_GETFD)
	if r := c.ret(call); r.Value != out.n(t, "getfd", 1) {
		t.Errorf("F_GETFD: %s, the program got %d", r, out.n(t, "getfd", 1))
	}
	call = c.call("fcntl", out.n(t, "dupfd", 0), 1, unix.F_DUPFD_CLOEXEC)
	if r := c.ret(call); int64(call.Arg(2)) != out.n(t, "dupfd", 1) || r.Value != out.n(t, "dupfd", 2) {
		t.Errorf("F_DUPFD_CLOEXEC: %s = %s, the program passed %d and got %d", call, r, out.n(t, "dupfd", 1), out.n(t, "dupfd", 2))
	}

	// Locks: struct flock passed, and F_GETLK's read and rewritten.
	flockWant := func(what string, r *testutil.Rec, key string, withPid bool) {
		t.Helper()
		var fl unix.Flock_t
		decodeInto(t, r, &fl)
		want := unix.Flock_t{Type: int16(out.n(t, key, 1)), Whence: int16(out.n(t, key, 2)),
			Start: out.n(t, key, 3), Len: out.n(t, key, 4)}
		if withPid {
			want.Pid = int32(out.n(t, key, 5))
		}
		if fl != want {
			t.Errorf("%s: STRU flock %+v, the program had %+v", what, fl, want)
		}
	}
	call = c.call("fcntl", out.n(t, "setlk", 0), 1, unix.F_SETLK)
	flockWant("F_SETLK", c.stru(call, "flock"), "setlk", false)
	call = c.call("fcntl", out.n(t, "getlk", 0), 1, unix.F_GETLK)
	in := c.stru(call, "flock")
	var fl unix.Flock_t
	decodeInto(t, in, &fl)
	if fl.Type != unix.F_RDLCK || fl.Start != out.n(t, "getlk", 3) || fl.Pid != 0 {
		t.Errorf("F_GETLK: STRU flock passed in %+v, want F_RDLCK from %d", fl, out.n(t, "getlk", 3))
	}
	flockWant("F_GETLK's result", c.stru(call, "flock"), "getlk", true)

	// Socket options: int values in by optlen, out by *optlen.
	call = c.call("setsockopt", out.n(t, "reuseaddr", 0), 2, unix.SO_REUSEADDR)
	if call.Arg(1) != unix.SOL_SOCKET || call.Arg(4) != 4 {
		t.Errorf("SO_REUSEADDR: %s", call)
	}
	if v := int32Of(t, c.stru(call, "int")); v != out.n(t, "reuseaddr", 1) {
		t.Errorf("SO_REUSEADDR: STRU int %d, the program passed %d", v, out.n(t, "reuseaddr", 1))
	}
	call = c.call("setsockopt", out.n(t, "rcvbuf", 0), 2, unix.SO_RCVBUF)
	if v := int32Of(t, c.stru(call, "int")); v != out.n(t, "rcvbuf", 1) {
		t.Errorf("SO_RCVBUF: STRU int %d, the program passed %d", v, out.n(t, "rcvbuf", 1))
	}
	call = c.call("getsockopt", out.n(t, "rcvbuf", 0), 2, unix.SO_RCVBUF)
	if v := int32Of(t, c.stru(call, "int")); v != out.n(t, "rcvbuf", 2) {
		t.Errorf("getsockopt SO_RCVBUF: STRU int %d, the program got %d", v, out.n(t, "rcvbuf", 2))
	}
	call = c.call("setsockopt", out.n(t, "nodelay", 0), 2, unix.TCP_NODELAY)
	if call.Arg(1) != unix.IPPROTO_TCP {
		t.Errorf("TCP_NODELAY: %s", call)
	}
	if v := int32Of(t, c.stru(call, "int")); v != out.n(t, "nodelay", 1) {
		t.Errorf("TCP_NODELAY: STRU int %d, the program passed %d", v, out.n(t, "nodelay", 1))
	}
	call = c.call("getsockopt", out.n(t, "nodelay", 0), 2, unix.TCP_NODELAY)
	if v := int32Of(t, c.stru(call, "int")); v != out.n(t, "nodelay", 2) {
		t.Errorf("getsockopt TCP_NODELAY: STRU int %d, the program got %d", v, out.n(t, "nodelay", 2))
	}

	// ioctl: a pipe's byte count, a pseudo-terminal's size and modes.
	call = c.call("ioctl", out.n(t, "fionread", 0), 1, fionread)
	if v := int32Of(t, c.stru(call, "int")); v != out.n(t, "fionread", 1) {
		t.Errorf("FIONREAD: STRU int %d, the program got %d", v, out.n(t, "fionread", 1))
	}
	for _, w := range []struct {
		key string
		req uint64
	}{{"swinsz", unix.TIOCSWINSZ}, {"gwinsz", unix.TIOCGWINSZ}} {
		call = c.call("ioctl", out.n(t, w.key, 0), 1, w.req)
		r := c.stru(call, "winsize")
		var ws unix.Winsize
		decodeInto(t, r, &ws)
		if int64(ws.Row) != out.n(t, w.key, 1) || int64(ws.Col) != out.n(t, w.key, 2) {
			t.Errorf("%s: STRU winsize %+v, the program had %v", w.key, ws, out[w.key])
		}
		want := fmt.Sprintf("struct winsize { ws_row=%s, ws_col=%s, ws_xpixel=0, ws_ypixel=0 }", out[w.key][1], out[w.key][2])
		if got, _ := dump.FormatStruct(r.Label, r.ABI, r.Data, dump.Options{}); got != want {
			t.Errorf("%s: %s, want %s", w.key, got, want)
		}
	}
	call = c.call("ioctl", out.n(t, "tcgets", 0), 1, unix.TCGETS)
	r := c.stru(call, "termios")
	if len(r.Data) != 36 { // the kernel's struct termios, not termios2
		t.Fatalf("TCGETS: STRU termios of %d bytes, want 36", len(r.Data))
	}
	for i := 0; i < 4; i++ {
		if v := int64(binary.LittleEndian.Uint32(r.Data[4*i:])); v != out.n(t, "tcgets", 1+i) {
			t.Errorf("TCGETS: flag word %d is %#x, the program got %#x", i, v, out.n(t, "tcgets", 1+i))
		}
	}
	if got, ok := dump.FormatStruct(r.Label, r.ABI, r.Data, dump.Options{}); !ok || !strings.Contains(got, "CREAD") || !strings.Contains(got, "ICANON") {
		t.Errorf("TCGETS: %s, want CREAD and ICANON by name", got)
	}

	// prctl: the thread's name in and out.
	call = c.call("prctl", -1, 0, unix.PR_SET_NAME)
	if r := c.stru(call, "name"); string(r.Data) != out["setname"][0] {
		t.Errorf("PR_SET_NAME: STRU name %q, the program passed %q", r.Data, out["setname"][0])
	}
	call = c.call("prctl", -1, 0, unix.PR_GET_NAME)
	r = c.stru(call, "name")
	if got, _, _ := bytes.Cut(r.Data, []byte{0}); len(r.Data) != 16 || string(got) != out["getname"][0] {
		t.Errorf("PR_GET_NAME: STRU name %q, the program got %q", r.Data, out["getname"][0])
	}

	// kdump's lines, decoded by the selectors.
	text, err := exec.Command(e.kdump, "-r", "-f", tf).Output()
	if err != nil {
		t.Fatalf("kdump -r: %v", err)
	}
	calls, err := exec.Command(e.kdump, "--calls", "-f", tf).Output()
	if err != nil {
		t.Fatalf("kdump --calls: %v", err)
	}
	for _, w := range []struct {
		out  []byte
		want string
	}{
		{text, fmt.Sprintf("CALL  fcntl(%s,F_SETFL,0x802<O_RDWR|O_NONBLOCK>)", out["setfl"][0])},
		{text, fmt.Sprintf("RET   fcntl %#x<O_RDONLY|O_NONBLOCK>", out.n(t, "getfl", 1))},
		{text, "RET   fcntl 0x1<FD_CLOEXEC>"},
		{text, fmt.Sprintf("CALL  setsockopt(%s,SOL_SOCKET,SO_REUSEADDR,", out["reuseaddr"][0])},
		{text, fmt.Sprintf("CALL  setsockopt(%s,SOL_TCP,TCP_NODELAY,", out["nodelay"][0])},
		{text, fmt.Sprintf("STRU  struct flock { l_type=F_WRLCK, l_whence=SEEK_SET, l_start=%s, l_len=%s, l_pid=%s }",
			out["getlk"][3], out["getlk"][4], out["getlk"][5])},
		{text, fmt.Sprintf("STRU  struct int { %s }", out["fionread"][1])},
		{text, `STRU  struct name { "` + out["setname"][0] + `" }`},
		{calls, fmt.Sprintf("ioctl(%s, TIOCGWINSZ, struct winsize { ws_row=%s, ws_col=%s, ws_xpixel=0, ws_ypixel=0 }) = 0",
			out["gwinsz"][0], out["gwinsz"][1], out["gwinsz"][2])},
		{calls, fmt.Sprintf("getsockopt(%s, SOL_SOCKET, SO_RCVBUF, [%s], ", out["rcvbuf"][0], out["rcvbuf"][2])},
		{calls, fmt.Sprintf("fcntl(%s, F_GETFD) = 0x1 (flags FD_CLOEXEC)", out["getfd"][0])},
		{calls, `prctl(PR_SET_NAME, struct name { "` + out["setname"][0] + `" }) = 0`},
	} {
		if !bytes.Contains(w.out, []byte(w.want)) {
			t.Errorf("kdump: no %q", w.want)
		}
	}
}

// TestTraceStructsDepOnly: with -t t alone the seccomp filter traps the
// calls whose structures another argument selects, and their STRU
// records are written without CALL records.
func TestTraceStructsDepOnly(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "stru_dep")
	tf := e.path("t.out")
	res := e.mustTrace(tf, []string{"-t", "t"}, prog, e.dir)
	out := parseDepOutput(t, res.Stdout)
	all := testutil.ReadTrace(t, tf)
	if n := testutil.Count(all, testutil.IsType(format.TypeCall)); n != 0 {
		t.Errorf("-t t recorded %d CALL records", n)
	}
	var got []string
	for i := range all {
		if r := &all[i]; r.Type == format.TypeStruct {
			s, _ := dump.FormatStruct(r.Label, r.ABI, r.Data, dump.Options{})
			got = append(got, s)
		}
	}
	text := strings.Join(got, "\n")
	for _, want := range []string{
		fmt.Sprintf("struct winsize { ws_row=%s, ws_col=%s, ws_xpixel=0, ws_ypixel=0 }", out["gwinsz"][1], out["gwinsz"][2]),
		fmt.Sprintf("struct int { %s }", out["rcvbuf"][2]),
		`struct name { "` + out["getname"][0] + `" }`,
		fmt.Sprintf("l_start=%s, l_len=%s, l_pid=%s }", out["getlk"][3], out["getlk"][4], out["getlk"][5]),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("-t t: no STRU %s in:\n%s", want, text)
		}
	}
}

package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/dump"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// structsOutput parses what the structs program printed: key, values.
func structsOutput(t *testing.T, out []byte) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("structs printed %q", line)
		}
		m[f[0]] = f[1:]
	}
	for _, k := range []string{"tcp_listen", "short_len", "tcp_client", "udp_to", "udp_from", "unix_path", "unix_abstract",
		"stat", "statx", "pipe", "socketpair", "nanosleep", "clock_gettime", "poll"} {
		if len(m[k]) == 0 {
			t.Fatalf("structs printed no %s line: %q", k, out)
		}
	}
	return m
}

// portHex returns a port number as the bytes of a sockaddr show it.
func portHex(t *testing.T, port string) string {
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("port %q: %v", port, err)
	}
	return fmt.Sprintf("%04x", n)
}

// structCursor finds STRU records after calls and decodes them as kdump
// -r does.
type structCursor struct {
	*testutil.Cursor
}

// after finds the next CALL of one of calls (any when none) and returns
// the decoding of the next STRU record of the call's thread.
func (c structCursor) after(what string, calls ...string) string {
	c.TB.Helper()
	return c.afterNamed(what, "", calls...)
}

// afterNamed is after for the next STRU record named name (any when
// empty), passing over the call's other structures.
func (c structCursor) afterNamed(what, name string, calls ...string) string {
	c.TB.Helper()
	m := testutil.IsType(format.TypeCall)
	if len(calls) > 0 {
		m = testutil.IsCall(calls...)
	}
	call := c.Find(what+": CALL "+strings.Join(calls, " or "), m)
	for c.I < len(c.Recs) {
		r := &c.Recs[c.I]
		c.I++
		if r.TID != call.TID {
			continue
		}
		switch r.Type {
		case format.TypeStruct:
			if name != "" && r.Label != name {
				continue
			}
			s, ok := dump.FormatStruct(r.Label, r.ABI, r.Data, dump.Options{})
			if !ok {
				c.TB.Fatalf("%s: STRU %s of %d bytes does not decode", what, r.Label, len(r.Data))
			}
			return s
		case format.TypeCall:
			c.TB.Fatalf("%s: no STRU record after %s", what, call)
		}
	}
	c.TB.Fatalf("%s: no STRU record after %s", what, call)
	return ""
}

// TestTraceStructs: the structures of socket, stat, pipe, time and poll
// calls are recorded as STRU records (inputs after the CALL, outputs
// before the RET) and decode to what the program itself saw.
func TestTraceStructs(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "structs")
	for _, flags := range [][]string{nil, {"-t", "t"}} {
		t.Run(strings.Join(append([]string{"trstr"}, flags...), " "), func(t *testing.T) {
			tf := e.path(fmt.Sprintf("t%d.out", len(flags)))
			res := e.mustTrace(tf, flags, prog, e.dir)
			out := structsOutput(t, res.Stdout)
			all := testutil.ReadTrace(t, tf)
			if flags != nil {
				// -t t alone: only STRU records, from the calls the
				// seccomp filter traps; check their order.
				if n := testutil.Count(all, testutil.IsType(format.TypeCall)); n != 0 {
					t.Errorf("-t t recorded %d CALL records", n)
				}
				checkStructsOnly(t, all, out)
				return
			}
			testutil.CheckPairs(t, all, testutil.FromExec)
			c := structCursor{&testutil.Cursor{TB: t, Recs: all}}
			in4 := func(port string) string { return "struct sockaddr { AF_INET, 127.0.0.1:" + port + " }" }
			unix := func(s string) string { return "struct sockaddr { AF_UNIX" + s + " }" }
			path := out["unix_path"][0]
			for _, w := range []struct {
				what  string
				calls []string
				want  string
			}{
				{"bind of the TCP listener", []string{"bind"}, "struct sockaddr { AF_INET, 127.0.0.1:0 }"},
				{"getsockname of the listener", []string{"getsockname"}, in4(out["tcp_listen"][0])},
				// Given 4 bytes, the kernel writes the family and the
				// port only, though it reports 16.
				{"getsockname into 4 bytes", []string{"getsockname"}, "struct sockaddr { AF_INET, data=" + portHex(t, out["tcp_listen"][0]) + " }"},
				{"connect", []string{"connect"}, in4(out["tcp_listen"][0])},
				{"getsockname of the client", []string{"getsockname"}, in4(out["tcp_client"][0])},
				{"accept", []string{"accept", "accept4"}, in4(out["tcp_client"][0])},
				{"getpeername", []string{"getpeername"}, in4(out["tcp_listen"][0])},
				{"getsockname of the UDP receiver", []string{"getsockname"}, in4(out["udp_to"][0])},
				{"sendto", []string{"sendto"}, in4(out["udp_to"][0])},
				{"recvfrom", []string{"recvfrom"}, in4(out["udp_from"][0])},
				{"bind of the UNIX listener", []string{"bind"}, unix(fmt.Sprintf(", %q", path))},
				{"connect of the UNIX client", []string{"connect"}, unix(fmt.Sprintf(", %q", path))},
				{"accept of the UNIX client", []string{"accept", "accept4"}, unix("")},
				{"getpeername of the UNIX client", []string{"getpeername"}, unix(fmt.Sprintf(", %q", path))},
				{"bind of the abstract name", []string{"bind"}, unix(fmt.Sprintf(", @%q", out["unix_abstract"][0]))},
				{"getsockname of the abstract name", []string{"getsockname"}, unix(fmt.Sprintf(", @%q", out["unix_abstract"][0]))},
			} {
				if got := c.after(w.what, w.calls...); got != w.want {
					t.Errorf("%s: STRU %s, want %s", w.what, got, w.want)
				}
			}
			st := out["stat"]
			statCalls := []string{"stat", "newfstatat", "fstatat", "stat64", "fstatat64"}
			c.FindSeq("stat of the file", testutil.IsCall(statCalls...), testutil.IsNami(e.path("file")))
			c.I -= 2
			got := c.after("stat", statCalls...)
			for _, m := range []string{"ino=" + st[0] + ",", "size=" + st[1] + ",", "mode=0" + st[2] + "<-rw-r----->",
				"nlink=" + st[3] + ",", "uid=" + st[4] + ","} {
				if !strings.Contains(got, m) {
					t.Errorf("stat: STRU %s lacks %s", got, m)
				}
			}
			sx := out["statx"]
			if got := c.after("statx", "statx"); !strings.Contains(got, "ino="+sx[0]+",") || !strings.Contains(got, "size="+sx[1]+",") {
				t.Errorf("statx: STRU %s, want ino=%s and size=%s", got, sx[0], sx[1])
			}
			pair := func(v []string) string { return "struct fd_pair { " + v[0] + ", " + v[1] + " }" }
			ns, now, pl := out["nanosleep"], out["clock_gettime"], out["poll"]
			for _, w := range []struct {
				what  string
				calls []string
				want  string
			}{
				{"pipe", []string{"pipe", "pipe2"}, pair(out["pipe"])},
				{"socketpair", []string{"socketpair"}, pair(out["socketpair"])},
				{"nanosleep", []string{"nanosleep", "clock_nanosleep"}, "struct timespec { tv_sec=" + ns[0] + ", tv_nsec=" + ns[1] + " }"},
				{"clock_gettime", []string{"clock_gettime"}, "struct timespec { tv_sec=" + now[0] + ", tv_nsec=" + now[1] + " }"},
				{"poll", []string{"poll", "ppoll"}, "struct pollfd { {fd=" + pl[0] + ", events=0x1<POLLIN>, revents=0x0} }"},
			} {
				if got := c.after(w.what, w.calls...); got != w.want {
					t.Errorf("%s: STRU %s, want %s", w.what, got, w.want)
				}
			}
			// The array poll updated: the next pollfd STRU, before the
			// RET (ppoll, which arm64's C library uses for poll, has its
			// timeout's timespec first).
			if c.I < len(c.Recs) && c.Recs[c.I].Type == format.TypeStruct && c.Recs[c.I].Label == "timespec" {
				c.Next("STRU of ppoll's timeout", testutil.IsType(format.TypeStruct))
			}
			s := c.Next("STRU of poll's updated array", testutil.IsType(format.TypeStruct))
			if got, _ := dump.FormatStruct(s.Label, s.ABI, s.Data, dump.Options{}); got != "struct pollfd { {fd="+pl[0]+", events=0x1<POLLIN>, revents=0x1<POLLIN>} }" {
				t.Errorf("poll: updated STRU %s, want revents=0x1<POLLIN> (the program saw %s)", got, pl[2])
			}
			// ppoll's timeout again, as the kernel left it (the time left).
			if c.I < len(c.Recs) && c.Recs[c.I].Type == format.TypeStruct && c.Recs[c.I].Label == "timespec" {
				c.Next("STRU of ppoll's time left", testutil.IsType(format.TypeStruct))
			}
			c.Next("RET poll", testutil.IsRet("poll", "ppoll"))
		})
	}
}

// checkStructsOnly checks a -t t trace: the STRU records of the
// structs program's calls, in order.
func checkStructsOnly(t *testing.T, all []testutil.Rec, out map[string][]string) {
	var got []string
	for i := range all {
		r := &all[i]
		if r.Type != format.TypeStruct || r.Label != "sockaddr" && r.Label != "fd_pair" {
			continue
		}
		s, _ := dump.FormatStruct(r.Label, r.ABI, r.Data, dump.Options{})
		got = append(got, s)
	}
	text := strings.Join(got, "\n")
	for _, want := range []string{
		"struct sockaddr { AF_INET, 127.0.0.1:" + out["tcp_listen"][0] + " }",
		"struct sockaddr { AF_INET, 127.0.0.1:" + out["udp_from"][0] + " }",
		"struct fd_pair { " + out["pipe"][0] + ", " + out["pipe"][1] + " }",
		"struct fd_pair { " + out["socketpair"][0] + ", " + out["socketpair"][1] + " }",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("-t t: no STRU %s in:\n%s", want, text)
		}
	}
}

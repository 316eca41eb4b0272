package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// sysOutput parses what the stru_sys program printed: key, then the rest
// of the line.
func sysOutput(t *testing.T, out []byte) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("stru_sys printed %q", line)
		}
		m[k] = v
	}
	for _, k := range []string{"sigaction_set", "sigaction_get", "sigprocmask_block", "sigprocmask_now", "sigpending",
		"sigtimedwait", "signalfd", "ppoll", "epoll_pwait", "setrlimit", "getrlimit", "getrlimit_raw", "getrlimit_cpu",
		"uname_sysname", "uname_machine", "sysinfo"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("stru_sys printed no %s line:\n%s", k, out)
		}
	}
	return m
}

// sysNums returns the numbers of an output line.
func sysNums(t *testing.T, m map[string]string, key string) []uint64 {
	t.Helper()
	var ns []uint64
	for _, f := range strings.Fields(m[key]) {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			t.Fatalf("%s %s: %v", key, m[key], err)
		}
		ns = append(ns, n)
	}
	return ns
}

// jnum is a number of kdump's JSON: a number, or a decimal string when
// it is 64 bits wide.
type jnum uint64

func (n *jnum) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		i, ierr := strconv.ParseInt(s, 10, 64)
		if ierr != nil {
			return fmt.Errorf("number %s: %w", b, err)
		}
		v = uint64(i)
	}
	*n = jnum(v)
	return nil
}

// sysStru is a STRU record of kdump --json: its name, size, -r text and
// typed members.
type sysStru struct {
	Name     string
	Captured int
	Decoded  string
	Members  json.RawMessage
}

// sysCall is a call of kdump --json: the CALL's name and arguments and
// the STRU records of its thread up to its RET.
type sysCall struct {
	name  string
	args  []string
	strus []sysStru
}

// stru returns the i-th STRU record called name of the call.
func (c *sysCall) stru(t *testing.T, name string, i int) *sysStru {
	t.Helper()
	for j := range c.strus {
		if c.strus[j].Name == name {
			if i == 0 {
				return &c.strus[j]
			}
			i--
		}
	}
	t.Fatalf("%s%v: no STRU %s (has %v)", c.name, c.args, name, c.strus)
	return nil
}

// members decodes the STRU record's members into v.
func (s *sysStru) members(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(s.Members, v); err != nil {
		t.Fatalf("STRU %s members %s: %v", s.Name, s.Members, err)
	}
}

// sysCalls reads trace with kdump --json and returns the calls of the
// thread tid, with their STRU records.
func sysCalls(t *testing.T, kdump, trace string, tid int) []sysCall {
	t.Helper()
	out, err := exec.Command(kdump, "--json", "-f", trace).Output()
	if err != nil {
		t.Fatalf("kdump --json: %v", err)
	}
	var calls []sysCall
	var open *sysCall
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var r struct {
			Type     string          `json:"type"`
			TID      int             `json:"tid"`
			Syscall  string          `json:"syscall"`
			Args     []string        `json:"args"`
			Name     string          `json:"name"`
			Captured int             `json:"captured"`
			Decoded  json.RawMessage `json:"decoded"` // CALL: an array; STRU: a string
			Members  json.RawMessage `json:"members"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("kdump --json line %s: %v", line, err)
		}
		if r.TID != tid {
			continue
		}
		switch r.Type {
		case "CALL":
			calls = append(calls, sysCall{name: r.Syscall, args: r.Args})
			open = &calls[len(calls)-1]
		case "STRU":
			s := sysStru{Name: r.Name, Captured: r.Captured, Members: r.Members}
			if len(r.Decoded) > 0 {
				if err := json.Unmarshal(r.Decoded, &s.Decoded); err != nil {
					t.Fatalf("kdump --json line %s: decoded: %v", line, err)
				}
			}
			if open != nil {
				open.strus = append(open.strus, s)
			}
		case "RET":
			open = nil
		}
	}
	return calls
}

// sysCursor finds calls in order.
type sysCursor struct {
	t     *testing.T
	calls []sysCall
	i     int
}

// next returns the next call named one of names whose first argument is
// arg0 ("" for any).
func (c *sysCursor) next(arg0 string, names ...string) *sysCall {
	c.t.Helper()
	for ; c.i < len(c.calls); c.i++ {
		call := &c.calls[c.i]
		if slices.Contains(names, call.name) && (arg0 == "" || len(call.args) > 0 && call.args[0] == arg0) {
			c.i++
			return call
		}
	}
	c.t.Fatalf("no further call of %v (first argument %q)", names, arg0)
	return nil
}

// maskOf returns the sigset_t word of signals.
func maskOf(signals []int) uint64 {
	var m uint64
	for _, s := range signals {
		m |= 1 << (s - 1)
	}
	return m
}

// TestTraceSysStructs: the structures of rt_sigaction, the signal mask
// calls, the limit calls, uname, sysinfo, openat2 and clone3 are
// recorded as STRU records and decode, as kdump --json's typed members,
// to what the stru_sys program itself passed or got.
func TestTraceSysStructs(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "stru_sys")
	tf := e.path("sys.out")
	res := e.mustTrace(tf, nil, prog, e.dir)
	out := sysOutput(t, res.Stdout)
	pid := testutil.ReadTrace(t, tf)[0].PID
	c := &sysCursor{t: t, calls: sysCalls(t, e.kdump, tf, int(pid))}
	const saRestorer = 0x04000000

	t.Run("signals", func(t *testing.T) {
		c.t = t
		type sigaction struct {
			Handler  jnum  `json:"sa_handler"`
			Mask     []int `json:"sa_mask"`
			Flags    jnum  `json:"sa_flags"`
			Restorer jnum  `json:"sa_restorer"`
		}
		const sigUSR1 = "10"
		set := sysNums(t, out, "sigaction_set")
		var in sigaction
		call := c.next(sigUSR1, "rt_sigaction")
		call.stru(t, "sigaction", 0).members(t, &in)
		// The C library adds SA_RESTORER and its restorer on amd64.
		if uint64(in.Handler) != set[0] || uint64(in.Flags)&^saRestorer != set[1] || maskOf(in.Mask) != set[2] {
			t.Errorf("sigaction in: %+v, the program passed handler %d flags %#x mask %#x", in, set[0], set[1], set[2])
		}
		if want := "sa_mask=[INT TERM]"; !strings.Contains(call.stru(t, "sigaction", 0).Decoded, want) {
			t.Errorf("sigaction in: %s lacks %s", call.stru(t, "sigaction", 0).Decoded, want)
		}
		if len(call.strus) != 1 {
			t.Errorf("sigaction(SIGUSR1, &sa, NULL): %d STRU records, want 1", len(call.strus))
		}
		get := sysNums(t, out, "sigaction_get")
		var old sigaction
		c.next(sigUSR1, "rt_sigaction").stru(t, "sigaction", 0).members(t, &old)
		if got := []uint64{uint64(old.Handler), uint64(old.Flags), uint64(old.Restorer), maskOf(old.Mask)}; !slices.Equal(got, get) {
			t.Errorf("sigaction out: %v, the program got %v", got, get)
		}

		type sigset struct {
			Signals []int `json:"signals"`
		}
		mask := func(s *sysStru) uint64 {
			var v sigset
			s.members(t, &v)
			return maskOf(v.Signals)
		}
		block := sysNums(t, out, "sigprocmask_block")
		call = c.next("0", "rt_sigprocmask") // SIG_BLOCK
		if in, old := mask(call.stru(t, "sigset", 0)), mask(call.stru(t, "sigset", 1)); in != block[0] || old != block[1] {
			t.Errorf("sigprocmask: set %#x old %#x, the program had %#x %#x", in, old, block[0], block[1])
		}
		call = c.next("0", "rt_sigprocmask")
		if len(call.strus) != 1 || mask(call.stru(t, "sigset", 0)) != sysNums(t, out, "sigprocmask_now")[0] {
			t.Errorf("rt_sigprocmask(SIG_BLOCK, NULL, &now): %v, the program got %s", call.strus, out["sigprocmask_now"])
		}
		if got := mask(c.next("", "rt_sigpending").stru(t, "sigset", 0)); got != sysNums(t, out, "sigpending")[0] {
			t.Errorf("sigpending: %#x, the program got %s", got, out["sigpending"])
		}
		for _, w := range []struct {
			key   string
			calls []string
		}{
			{"sigtimedwait", []string{"rt_sigtimedwait"}},
			{"signalfd", []string{"signalfd4", "signalfd"}},
			{"ppoll", []string{"ppoll"}},
			{"epoll_pwait", []string{"epoll_pwait", "epoll_pwait2"}},
		} {
			if got := mask(c.next("", w.calls...).stru(t, "sigset", 0)); got != sysNums(t, out, w.key)[0] {
				t.Errorf("%s: set %#x, the program passed %s", w.key, got, out[w.key])
			}
		}
	})

	t.Run("limits", func(t *testing.T) {
		c.t = t
		type rlimit struct {
			Cur jnum `json:"rlim_cur"`
			Max jnum `json:"rlim_max"`
		}
		check := func(what string, s *sysStru, want []uint64) {
			var rl rlimit
			s.members(t, &rl)
			if uint64(rl.Cur) != want[0] || uint64(rl.Max) != want[1] {
				t.Errorf("%s: STRU %s %+v, the program had %v", what, s.Name, rl, want)
			}
			for i, v := range []uint64{want[0], want[1]} {
				if m := []string{"rlim_cur=RLIM_INFINITY", "rlim_max=RLIM_INFINITY"}[i]; (v == ^uint64(0)) != strings.Contains(s.Decoded, m) {
					t.Errorf("%s: %s, value %d", what, s.Decoded, v)
				}
			}
		}
		// The C library's getrlimit and setrlimit may be prlimit64.
		first := func(call *sysCall) *sysStru {
			if len(call.strus) == 0 {
				t.Fatalf("%s%v: no STRU record", call.name, call.args)
			}
			return &call.strus[0]
		}
		c.next("", "prlimit64", "getrlimit")
		check("setrlimit", first(c.next("", "prlimit64", "setrlimit")), sysNums(t, out, "setrlimit"))
		check("getrlimit", first(c.next("", "prlimit64", "getrlimit")), sysNums(t, out, "getrlimit"))
		check("getrlimit system call", c.next("", "getrlimit").stru(t, "rlimit", 0), sysNums(t, out, "getrlimit_raw"))
		check("getrlimit RLIMIT_CPU", c.next("", "getrlimit").stru(t, "rlimit", 0), sysNums(t, out, "getrlimit_cpu"))
	})

	t.Run("system", func(t *testing.T) {
		c.t = t
		var uts map[string]string
		c.next("", "uname").stru(t, "utsname", 0).members(t, &uts)
		for _, k := range []string{"sysname", "nodename", "release", "version", "machine", "domainname"} {
			if uts[k] != out["uname_"+k] {
				t.Errorf("utsname %s %q, the program got %q", k, uts[k], out["uname_"+k])
			}
		}
		var si struct {
			Uptime   jnum    `json:"uptime"`
			Loads    [3]jnum `json:"loads"`
			Totalram jnum    `json:"totalram"`
			Freeram  jnum    `json:"freeram"`
			Procs    jnum    `json:"procs"`
			MemUnit  jnum    `json:"mem_unit"`
		}
		c.next("", "sysinfo").stru(t, "sysinfo", 0).members(t, &si)
		got := []uint64{uint64(si.Uptime), uint64(si.Loads[0]), uint64(si.Loads[1]), uint64(si.Loads[2]),
			uint64(si.Totalram), uint64(si.Freeram), uint64(si.Procs), uint64(si.MemUnit)}
		if want := sysNums(t, out, "sysinfo"); !slices.Equal(got, want) {
			t.Errorf("sysinfo: %v, the program got %v", got, want)
		}
	})

	t.Run("openat2", func(t *testing.T) {
		c.t = t
		if reason, ok := out["openat2_skip"]; ok {
			t.Skip(reason)
		}
		want := sysNums(t, out, "openat2")
		s := c.next("", "openat2").stru(t, "open_how", 0)
		var how struct{ Flags, Mode, Resolve jnum }
		s.members(t, &how)
		if got := []uint64{uint64(how.Flags), uint64(how.Mode), uint64(how.Resolve), uint64(s.Captured)}; !slices.Equal(got, want[:4]) {
			t.Errorf("open_how: %v (flags, mode, resolve, size), the program passed %v", got, want[:4])
		}
		if w := "resolve=0xc<RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH>"; !strings.Contains(s.Decoded, w) {
			t.Errorf("open_how: %s lacks %s", s.Decoded, w)
		}
	})

	t.Run("clone3", func(t *testing.T) {
		c.t = t
		if reason, ok := out["clone3_skip"]; ok {
			t.Skip(reason)
		}
		want := sysNums(t, out, "clone3")
		s := c.next("", "clone3").stru(t, "clone_args", 0)
		var ca struct {
			Flags      jnum `json:"flags"`
			Pidfd      jnum `json:"pidfd"`
			ExitSignal jnum `json:"exit_signal"`
		}
		s.members(t, &ca)
		if got := []uint64{uint64(ca.Flags), uint64(ca.Pidfd), uint64(ca.ExitSignal), uint64(s.Captured)}; !slices.Equal(got, want[:4]) {
			t.Errorf("clone_args: %v (flags, pidfd, exit_signal, size), the program passed %v", got, want[:4])
		}
		if w := "flags=0x1000<CLONE_PIDFD>"; !strings.Contains(s.Decoded, w) || !strings.Contains(s.Decoded, "exit_signal=SIGCHLD") {
			t.Errorf("clone_args: %s lacks %s or exit_signal=SIGCHLD", s.Decoded, w)
		}
	})

	t.Run("calls", func(t *testing.T) {
		// kdump --calls shows them in place, signal sets as strace does.
		calls, err := exec.Command(e.kdump, "--calls", "-f", tf).Output()
		if err != nil {
			t.Fatalf("kdump --calls: %v", err)
		}
		for _, w := range []string{
			"rt_sigprocmask(SIG_BLOCK, [INT TERM], ",
			"rt_sigprocmask(SIG_BLOCK, NULL, [INT TERM], 8) = 0",
			"rt_sigpending([TERM], 8) = 0",
			"rt_sigaction(SIGUSR1, NULL, struct sigaction { sa_handler=0x",
			"uname(struct utsname { sysname=\"" + out["uname_sysname"] + "\"",
			"stack_size=0, ", // a size, not a NULL pointer
		} {
			if !strings.Contains(string(calls), w) {
				t.Errorf("kdump --calls has no %q:\n%s", w, calls)
			}
		}
	})

	t.Run("t only", func(t *testing.T) {
		// -t t alone: the seccomp filter traps the calls with
		// structures, and they are recorded without CALL records.
		tf := e.path("sys-t.out")
		e.mustTrace(tf, []string{"-t", "t"}, prog, e.dir)
		names := map[string]int{}
		for _, r := range testutil.ReadTrace(t, tf) {
			names[r.Type.String()]++
			if r.Label != "" {
				names[r.Label]++
			}
		}
		if names["CALL"] != 0 {
			t.Errorf("-t t: %d CALL records", names["CALL"])
		}
		for _, n := range []string{"sigaction", "sigset", "rlimit", "utsname", "sysinfo"} {
			if names[n] == 0 {
				t.Errorf("-t t: no STRU %s (records %v)", n, names)
			}
		}
	})
}

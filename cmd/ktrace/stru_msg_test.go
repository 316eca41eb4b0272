package main

import (
	"encoding/binary"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/arch/tables"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/testutil"
)

// msgOutput parses what the stru_msg program printed: key, values.
func msgOutput(t *testing.T, out []byte) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("stru_msg printed %q", line)
		}
		m[f[0]] = f[1:]
	}
	for _, k := range []string{"passed", "sendmsg", "cred", "received", "recvmsg", "read_received", "udp_port",
		"udp_from", "wait4", "waitid", "sigqueue", "sigtimedwait", "segv"} {
		if len(m[k]) == 0 {
			t.Fatalf("stru_msg printed no %s line: %q", k, out)
		}
	}
	return m
}

// msgIovLens returns the iov_len of each iovec a "msghdr" STRU record
// holds, and its SCM_RIGHTS descriptors, read with the generated layouts.
func msgIovLens(t *testing.T, r *testutil.Rec) (lens []uint64, fds []int32) {
	t.Helper()
	tab := tables.For(r.ABI)
	ml, il, cl := tab.Struct("msghdr"), tab.Struct("iovec"), tab.Struct("cmsghdr")
	_, iovs, _, control, ok := arch.ParseMsghdr(r.Data, ml.Size, il.Size)
	if !ok {
		t.Fatalf("STRU msghdr of %d bytes does not parse", len(r.Data))
	}
	get := func(p []byte, f arch.StructField) uint64 {
		if f.Size == 8 {
			return binary.LittleEndian.Uint64(p[f.Off:])
		}
		return uint64(binary.LittleEndian.Uint32(p[f.Off:]))
	}
	for i := 0; i+il.Size <= len(iovs); i += il.Size {
		lens = append(lens, get(iovs[i:], il.Field("Len")))
	}
	sol, _ := tab.Const("SOL_SOCKET")
	rights, _ := tab.Const("SCM_RIGHTS")
	align := il.Field("Len").Size
	for off := 0; off+cl.Size <= len(control); {
		p := control[off:]
		n := int(get(p, cl.Field("Len")))
		if n < cl.Size || off+n > len(control) {
			break
		}
		if get(p, cl.Field("Level")) == sol && get(p, cl.Field("Type")) == rights {
			for i := off + cl.Size; i+4 <= off+n; i += 4 {
				fds = append(fds, int32(binary.LittleEndian.Uint32(control[i:])))
			}
		}
		off += (n + align - 1) / align * align
	}
	return lens, fds
}

// TestTraceMsgSiginfo: sendmsg's and recvmsg's msghdr (iovecs, address,
// SCM_RIGHTS and SCM_CREDENTIALS), the siginfo of waitid, rt_sigqueueinfo
// and rt_sigtimedwait, wait4's status and the fault address of a SIGSEGV
// are recorded and decode to what the program saw; kdump -y names the
// descriptor received with SCM_RIGHTS after the file sent.
func TestTraceMsgSiginfo(t *testing.T) {
	e := itSetup(t)
	prog := testutil.Prog(t, "stru_msg")
	file := e.path("passed.txt")
	if err := os.WriteFile(file, []byte("passed data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := e.path("msg.out")
	res := e.mustTrace(tf, []string{"-i"}, prog, file)
	out := msgOutput(t, res.Stdout)
	all := testutil.ReadTrace(t, tf)
	c := structCursor{&testutil.Cursor{TB: t, Recs: all}}
	contains := func(what, got string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s: STRU %s\nlacks %s", what, got, w)
			}
		}
	}
	// The socketpair: two iovecs, a descriptor and credentials sent.
	cred := out["cred"]
	credText := "cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=" + cred[0] + ", uid=" + cred[1] + ", gid=" + cred[2] + "}"
	got := c.after("sendmsg", "sendmsg")
	contains("sendmsg", got, "msg_name=NULL", ", iov_len=5}, {iov_base=", ", iov_len=6}], msg_iovlen=2",
		"cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=["+out["passed"][0]+"]", credText)
	lens, fds := msgIovLens(t, &c.Recs[c.I-1])
	if len(lens) != 2 || strconv.FormatUint(lens[0], 10) != out["sendmsg"][2] || strconv.FormatUint(lens[1], 10) != out["sendmsg"][3] ||
		len(fds) != 1 || strconv.Itoa(int(fds[0])) != out["passed"][0] {
		t.Errorf("sendmsg: STRU iov_len %v, fds %v; the program sent %v and fd %v", lens, fds, out["sendmsg"][2:], out["passed"])
	}
	rv := out["recvmsg"]
	got = c.after("recvmsg", "recvmsg")
	contains("recvmsg", got, ", iov_len="+rv[2]+"}], msg_iovlen=1", "cmsg_type=SCM_RIGHTS, cmsg_data=["+out["received"][0]+"]",
		credText, "msg_controllen="+rv[3]+", msg_flags=0x"+strconv.FormatInt(mustAtoi(t, rv[4]), 16))
	if _, fds := msgIovLens(t, &c.Recs[c.I-1]); len(fds) != 1 || strconv.Itoa(int(fds[0])) != out["received"][0] {
		t.Errorf("recvmsg: STRU fds %v, the program received %v", fds, out["received"])
	}
	// UDP: the address sendmsg named, the one recvmsg reported.
	got = c.after("UDP sendmsg", "sendmsg")
	contains("UDP sendmsg", got, "msg_name={AF_INET, 127.0.0.1:"+out["udp_port"][0]+"}, msg_namelen=16", "msg_control=NULL")
	got = c.after("UDP recvmsg", "recvmsg")
	contains("UDP recvmsg", got, "msg_name={AF_INET, 127.0.0.1:"+out["udp_from"][0]+"}, msg_namelen=16")

	// wait4's status and waitid's siginfo of children that exited 3.
	w4 := out["wait4"]
	if got := c.after("wait4", "wait4"); got != "struct wait_status { WIFEXITED(s) && WEXITSTATUS(s) == 3 }" {
		t.Errorf("wait4: STRU %s", got)
	}
	if s := binary.LittleEndian.Uint32(c.Recs[c.I-1].Data); strconv.FormatUint(uint64(s), 10) != w4[1] {
		t.Errorf("wait4: STRU status %d, the program got %s", s, w4[1])
	}
	wid := out["waitid"]
	got = c.after("waitid", "waitid")
	contains("waitid", got, "struct siginfo { si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid="+wid[0]+", si_uid="+cred[1]+", si_status="+wid[2]+",")
	// SIGUSR1 queued with the value 42, then taken by sigtimedwait.
	sq, st := out["sigqueue"], out["sigtimedwait"]
	queued := "struct siginfo { si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=" + sq[0] + ", si_uid=" + cred[1] + ", si_int=" + sq[1] + ","
	contains("rt_sigqueueinfo", c.after("rt_sigqueueinfo", "rt_sigqueueinfo"), queued)
	got = c.afterNamed("rt_sigtimedwait", "siginfo", "rt_sigtimedwait", "rt_sigtimedwait_time64")
	contains("rt_sigtimedwait", got, "struct siginfo { si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid="+st[2]+", si_uid="+cred[1]+", si_int="+st[3]+",")
	if si := c.Recs[c.I-1].Data; int(int32(binary.LittleEndian.Uint32(si[8:]))) != int(mustAtoi(t, st[1])) {
		t.Errorf("rt_sigtimedwait: STRU si_code %d, the program got %s", int32(binary.LittleEndian.Uint32(si[8:])), st[1])
	}
	// The faulting child: its parent's wait4, its PSIG with the address.
	sg := out["segv"]
	if got := c.after("wait4 of the faulting child", "wait4"); !strings.HasPrefix(got, "struct wait_status { WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV") {
		t.Errorf("wait4 of the faulting child: STRU %s (status %s)", got, sg[2])
	}
	// The child's PSIG may come before or after its parent's wait4 CALL.
	pc := testutil.Cursor{TB: t, Recs: all}
	ps := pc.Find("PSIG SIGSEGV of the child", func(r *testutil.Rec) bool {
		return r.Type == format.TypePsig && r.Psig.Signal == 11 && strconv.Itoa(r.PID) == sg[0]
	})
	if len(ps.Psig.Info) != format.PsigInfoSize || ps.Psig.Code != 1 ||
		"0x"+strconv.FormatUint(binary.LittleEndian.Uint64(ps.Psig.Info[16:]), 16) != sg[1] {
		t.Errorf("PSIG SIGSEGV: code %d, siginfo % x; the child faulted at %s", ps.Psig.Code, ps.Psig.Info, sg[1])
	}

	text := kdumpOut(t, e, "-r", "-f", tf)
	for _, w := range []string{" PSIG  SIGSEGV SIG_DFL code=SEGV_MAPERR addr=" + sg[1] + "\n",
		" STRU  struct wait_status { WIFEXITED(s) && WEXITSTATUS(s) == 3 }\n"} {
		if !strings.Contains(text, w) {
			t.Errorf("kdump: no line with %q", w)
		}
	}
	calls := kdumpOut(t, e, "--calls", "-y", "-f", tf)
	for _, w := range []string{
		" --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=" + sg[1] + "} ---\n",
		"[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, ", // wait4, maybe resumed
		"msg_iov=[{iov_base=\"hello\", iov_len=5}, {iov_base=\"world!\", iov_len=6}]",
		"read(" + out["received"][0] + "<" + file + ">, \"passed data\\n\", ",
	} {
		if !strings.Contains(calls, w) {
			t.Errorf("kdump --calls -y: no line with %q", w)
		}
	}
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

// kdumpOut runs kdump with args and returns its output.
func kdumpOut(t *testing.T, e *itEnv, args ...string) string {
	t.Helper()
	out, err := exec.Command(e.kdump, args...).Output()
	if err != nil {
		t.Fatalf("kdump %v: %v", args, err)
	}
	return string(out)
}

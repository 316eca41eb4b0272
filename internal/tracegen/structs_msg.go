package tracegen

import (
	"bytes"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// StructsMsg returns a trace recorded on machine m holding the STRU
// records of issue 12's msghdr and siginfo area, in the layouts of each
// ABI of m (amd64 and i386 on amd64, arm64 on arm64): "msghdr" records
// with an address, iovecs and control messages (SCM_RIGHTS,
// SCM_CREDENTIALS, SCM_TIMESTAMP, an IP_PKTINFO shown raw), cut and
// empty ones; "siginfo" of each union member kdump decodes; "wait_status"
// of each kind of status; records too short to decode; and PSIG records
// with the siginfo of a fault. The layouts are written here by hand,
// from the kernel's UAPI headers (struct msghdr, struct cmsghdr and
// include/uapi/asm-generic/siginfo.h), so that decoding them tests
// kdump's generated ones.
func StructsMsg(m arch.Machine) ([]byte, error) {
	var buf bytes.Buffer
	const pid = 4500
	g := started(&buf, m, "msgs", pid)
	for abi := range g.abis(pid) {
		w := 8 // a pointer, a long, a size_t
		if abi == arch.ABII386 {
			w = 4
		}
		un := sockaddrUn("/run/msg.sock", false)
		fds := le.AppendUint32(le.AppendUint32(nil, 5), 6)
		cred := le.AppendUint32(le.AppendUint32(le.AppendUint32(nil, 4500), 1000), 100)
		ctl := append(cmsg(w, 1, 1, fds), cmsg(w, 1, 2, cred)...) // SCM_RIGHTS, SCM_CREDENTIALS
		g.stru(pid, pid, "msghdr", msghdr(w, un, []uint64{5, 6}, 2, ctl, 0))
		g.stru(pid, pid, "msghdr", msghdr(w, nil, nil, 0, nil, 0)) // all NULL
		// recvmsg: a timestamp (the ABI's struct timeval), flags
		// MSG_TRUNC|MSG_CTRUNC, 3 iovecs of which one was recorded.
		tv := make([]byte, 2*w)
		putWord(tv, w, 1700000000)
		putWord(tv[w:], w, 250000)
		g.stru(pid, pid, "msghdr", msghdr(w, sockaddrIn([4]byte{10, 0, 0, 1}, 53), []uint64{512}, 3, cmsg(w, 1, 0x1d, tv), 0x28))
		// IP_PKTINFO of level SOL_IP, its data shown in hex.
		g.stru(pid, pid, "msghdr", msghdr(w, nil, []uint64{1}, 1, cmsg(w, 0, 8, []byte{2, 0, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}), 0))
		g.stru(pid, pid, "msghdr", make([]byte, 10)) // too short: shown raw

		g.stru(pid, pid, "siginfo", siginfo(w, 17, 1, 4501, 1000, 3, 0))       // SIGCHLD CLD_EXITED status 3
		g.stru(pid, pid, "siginfo", siginfo(w, 17, 2, 4502, 0, 9, 0))          // CLD_KILLED by SIGKILL
		g.stru(pid, pid, "siginfo", siginfo(w, 10, -1, 4500, 1000, 42, 42))    // SIGUSR1 SI_QUEUE value 42
		g.stru(pid, pid, "siginfo", siginfo(w, 15, 0, 1, 0, 0, 0))             // SIGTERM SI_USER from 1
		g.stru(pid, pid, "siginfo", siginfo(w, 11, 1, 0, 0, 0, 0xdead))        // SIGSEGV SEGV_MAPERR at 0xdead
		g.stru(pid, pid, "siginfo", siginfo(w, 29, 1, 0, 0, 0, 0))             // SIGIO POLL_IN
		g.stru(pid, pid, "siginfo", make([]byte, 128))                         // waitid WNOHANG, no child
		g.stru(pid, pid, "siginfo", []byte{17, 0, 0, 0, 0, 0, 0})              // too short
		g.stru(pid, pid, "wait_status", le.AppendUint32(nil, 3<<8))            // exited 3
		g.stru(pid, pid, "wait_status", le.AppendUint32(nil, 0x80|9))          // SIGKILL, core
		g.stru(pid, pid, "wait_status", le.AppendUint32(nil, 19<<8|0x7f))      // stopped by SIGSTOP
		g.stru(pid, pid, "wait_status", le.AppendUint32(nil, 5<<8|0x7f|1<<16)) // SIGTRAP, PTRACE_EVENT_FORK
		g.stru(pid, pid, "wait_status", le.AppendUint32(nil, 0xffff))          // continued
		g.stru(pid, pid, "wait_status", []byte{1, 2, 3})                       // too short
	}
	// PSIG: the siginfo in the tracer's 64-bit layout, whatever the ABI.
	info := siginfo(8, 11, 1, 0, 0, 0, 0xdead)[:format.PsigInfoSize]
	g.check(g.w.WritePsig(g.h(pid, pid, 1000), &format.Psig{Signal: 11, Action: format.SigDefault, Code: 1, Info: info}))
	chld := siginfo(8, 17, 1, 4501, 1000, 3, 0)[:format.PsigInfoSize]
	g.check(g.w.WritePsig(g.h(pid, pid, 1000), &format.Psig{Signal: 17, Action: format.SigDefault, Code: 1,
		Known: format.KnownSender, Sender: 4501, UID: 1000, Info: chld}))
	g.check(g.w.Flush())
	return buf.Bytes(), g.err
}

// putWord writes v in w bytes.
func putWord(b []byte, w int, v uint64) {
	if w == 8 {
		le.PutUint64(b, v)
	} else {
		le.PutUint32(b, uint32(v))
	}
}

// cmsg returns a control message with a cmsg_len of w bytes, padded to
// w (CMSG_SPACE).
func cmsg(w int, level, typ int32, data []byte) []byte {
	hdr := w + 8
	b := make([]byte, hdr+(len(data)+w-1)/w*w)
	putWord(b, w, uint64(hdr+len(data)))
	le.PutUint32(b[w:], uint32(level))
	le.PutUint32(b[w+4:], uint32(typ))
	copy(b[hdr:], data)
	return b
}

// msghdr returns a "msghdr" STRU record (arch.MsghdrPrefix) of an ABI
// of w-byte pointers: the address name, iovecs of lens of which iovlen
// were passed, control messages ctl and msg_flags.
func msghdr(w int, name []byte, lens []uint64, iovlen uint64, ctl []byte, flags uint32) []byte {
	hdrSize, iovSize := 56, 16
	if w == 4 {
		hdrSize, iovSize = 28, 8
	}
	b := make([]byte, arch.MsghdrPrefix+hdrSize)
	le.PutUint32(b, uint32(len(lens)))
	le.PutUint32(b[4:], uint32(len(name)))
	le.PutUint32(b[8:], uint32(len(ctl)))
	h := b[arch.MsghdrPrefix:]
	// name, namelen, iov, iovlen, control, controllen, flags: pointers
	// and size_t of w bytes, namelen and flags 4 (padded to w).
	off := 0
	put := func(v uint64, size int) {
		off = (off + size - 1) / size * size
		putWord(h[off:], size, v)
		off += size
	}
	if name != nil {
		put(0x7ffd0000, w)
	} else {
		put(0, w)
	}
	put(uint64(len(name)), 4)
	if len(lens) > 0 {
		put(0x7ffd0100, w)
	} else {
		put(0, w)
	}
	put(iovlen, w)
	if ctl != nil {
		put(0x7ffd0200, w)
	} else {
		put(0, w)
	}
	put(uint64(len(ctl)), w)
	put(uint64(flags), 4)
	for i, n := range lens {
		iov := make([]byte, iovSize)
		putWord(iov, w, 0x7ffd1000+uint64(i)*0x100)
		putWord(iov[w:], w, n)
		b = append(b, iov...)
	}
	b = append(b, name...)
	return append(b, ctl...)
}

// siginfo returns a siginfo_t (128 bytes) of an ABI of w-byte pointers:
// signo, code, then in the union (at 16, or 12 with 4-byte pointers)
// pid and uid, status (SIGCHLD) or the sigval (SI_QUEUE) at 8, and for
// a fault the address v at 0.
func siginfo(w int, signo, code int32, pid, uid, status uint32, v uint64) []byte {
	b := make([]byte, 128)
	le.PutUint32(b, uint32(signo))
	le.PutUint32(b[8:], uint32(code))
	u := 4 * 4
	if w == 4 {
		u = 3 * 4
	}
	if signo == 11 {
		putWord(b[u:], w, v)
		return b
	}
	if signo == 29 {
		putWord(b[u:], w, 1) // si_band POLLIN
		le.PutUint32(b[u+w:], 7)
		return b
	}
	le.PutUint32(b[u:], pid)
	le.PutUint32(b[u+4:], uid)
	if signo == 17 {
		le.PutUint32(b[u+8:], status)
		clock := (12 + w - 1) / w * w
		putWord(b[u+clock:], w, 5)   // si_utime
		putWord(b[u+clock+w:], w, 6) // si_stime
	} else if code < 0 {
		putWord(b[u+8:], w, v)
	}
	return b
}

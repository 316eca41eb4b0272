package tracer

import (
	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/procfs"
)

// syscallStop handles a syscall-entry or syscall-exit stop of th.
func (t *Tracer) syscallStop(th *thread) {
	entry, ok := t.readSyscall(th)
	if !ok {
		return
	}
	if entry {
		t.entry(th)
		t.flushAtExit(th)
	} else {
		t.exit(th)
	}
}

// flushAtExit writes out the records when th enters a call that ends its
// process (exit_group, or exit of its last thread), with the EXIT record
// of the status the call gives: the parent may see the process gone
// before the tracer sees anything more of it, and every record up to the
// exit must be in the file by then. Exits by a signal are flushed at
// their PSIG record, and their EXIT written when the tracer reaps them.
func (t *Tracer) flushAtExit(th *thread) {
	if th.call == nil {
		return
	}
	switch {
	case th.call.Traits&arch.TraitExitProcess != 0:
	case th.call.Traits&arch.TraitExitThread != 0:
		if len(th.proc.threads) > 1 {
			return
		}
	default:
		return
	}
	if p := th.proc; p.started && p.fac&FacSyscall != 0 {
		status := uint32(th.args[0]&0xff) << 8
		t.rec.exit(t.header(th, th.abi), format.Exit{Status: status})
		p.exit = exitRecorded | uint64(status)
	}
	t.rec.processEnding()
	th.proc.exitFlushed = true
}

// readSyscall reads the stopped call into th (number, arguments and ABI)
// at an entry, and reports whether the stop is an entry; returnValue
// reads the result at an exit.
func (t *Tracer) readSyscall(th *thread) (entry bool, ok bool) {
	if !t.noInfo {
		op, err := t.info.get(th.tid)
		if err == nil {
			switch op {
			case infoEntry, infoSeccomp:
				th.abi = abiOfAudit(t.info.auditArch())
				th.nr = uint32(t.info.nr())
				t.info.args(&th.args)
				return true, true
			case infoExit:
				return false, true
			}
			return false, false
		}
		if err != unix.EIO && err != unix.EINVAL {
			return false, false // the tracee is gone
		}
		t.noInfo = true
	}
	return t.readSyscallRegs(th)
}

func abiOfAudit(a uint32) arch.ABI {
	switch a {
	case auditArchX8664:
		return arch.ABIAmd64
	case auditArchI386:
		return arch.ABII386
	case auditArchAarch64:
		return arch.ABIArm64
	}
	return arch.ABIUnknown
}

// table returns the system call table of abi.
func (t *Tracer) table(abi arch.ABI) *arch.Table {
	if abi == arch.ABII386 && t.compat != nil {
		return t.compat
	}
	if abi == t.native.ABI() {
		return t.native
	}
	return nil
}

// ptrSize returns the size of a pointer under abi.
func ptrSize(abi arch.ABI) int {
	if abi == arch.ABII386 {
		return 4
	}
	return 8
}

// entry handles a syscall-entry stop; th holds the call.
func (t *Tracer) entry(th *thread) {
	th.phase = phaseInCall
	th.call = nil
	tab := t.table(th.abi)
	if tab != nil {
		th.call = tab.Lookup(th.nr)
	}
	p := th.proc
	sigCall(th)
	if !p.started {
		if th.call == nil || th.call.Traits&arch.TraitExecs == 0 {
			return
		}
		p.started = true
	}
	if p.fac == 0 {
		return // kept traced for its seccomp filter only
	}
	if th.call == nil && th.nr == arch.UtraceNumber {
		if p.fac&FacUser != 0 {
			t.utrace(th)
		}
		return
	}
	if th.call != nil && th.call.Traits&arch.TraitSigHandler != 0 {
		t.sigactionEntry(th)
	}
	if !p.records(th.abi, th.nr, tab) {
		return
	}
	fac := p.fac
	t.emul(th)
	if fac&FacSyscall != 0 {
		n := 6
		if th.call != nil {
			n = th.call.NArgs()
		}
		t.rec.call(t.header(th, th.abi), th.nr, th.args[:n])
	}
	if th.call == nil {
		return
	}
	for i, a := range th.call.Args {
		switch a.Kind {
		case arch.ArgPath:
			if fac&FacNamei != 0 {
				t.namei(th, th.args[i])
			}
		case arch.ArgSockaddr:
			if fac&FacNamei != 0 && a.Len >= 0 {
				t.sockaddrNamei(th, th.args[i], th.args[a.Len])
			}
		case arch.ArgArgv:
			if fac&FacArgs != 0 {
				t.execStrings(th, format.TypeArgs, th.args[i])
			}
		case arch.ArgEnvp:
			if fac&FacEnv != 0 {
				t.execStrings(th, format.TypeEnvs, th.args[i])
			}
		}
	}
	if fac&FacStruct != 0 {
		t.structs(th, arch.StructIn, 0)
	}
}

// emul writes an EMUL record when th's ABI differs from the last one
// recorded for it.
func (t *Tracer) emul(th *thread) {
	if th.abi == th.lastABI {
		return
	}
	th.lastABI = th.abi
	t.rec.emul(t.header(th, th.abi), th.abi)
}

// exit handles a syscall-exit stop.
func (t *Tracer) exit(th *thread) {
	th.maskUnsure = true
	sigCall(th)
	if !th.phase.inCall() {
		return // an exit without its entry: attached mid-call
	}
	th.phase = th.phase.leaveCall()
	if !th.proc.started || th.proc.fac == 0 {
		return
	}
	if th.call == nil && th.nr == arch.UtraceNumber {
		if th.proc.fac&FacUser != 0 {
			t.utraceReturn(th)
		}
		return
	}
	v, ok := t.returnValue(th)
	if !ok {
		return
	}
	// Interrupted, a call that waits with a mask of its own leaves the
	// thread with that mask while the signal is delivered.
	interrupted := v == -int64(unix.EINTR) || v < 0 && arch.IsRestart(int(-v))
	th.maskUnsure = interrupted && (th.call == nil || th.call.Traits&arch.TraitSigMask != 0)
	if !th.proc.records(th.abi, th.nr, t.table(th.abi)) {
		t.afterCall(th, v)
		return
	}
	fac := th.proc.fac
	t.emul(th)
	if th.call != nil && fac&FacGenio != 0 && v > 0 {
		t.genio(th, uint64(v))
	}
	if th.call != nil && fac&FacStruct != 0 && (v >= 0 || v < -4095) {
		t.structs(th, arch.StructOut, v)
	}
	t.afterCall(th, v)
	if fac&FacSyscall != 0 {
		t.rec.ret(t.header(th, th.abi), format.RetFromValue(th.nr, v))
	}
}

// afterCall keeps the tracer's view of the process up to date after a
// call returned v: signal handlers installed, the thread renamed.
func (t *Tracer) afterCall(th *thread, v int64) {
	if th.call == nil || v != 0 {
		return
	}
	switch {
	case th.call.Traits&arch.TraitSigHandler != 0:
		if th.sigactSignal != 0 {
			th.proc.setHandler(th.sigactSignal, th.sigact)
		}
	case th.call.Traits&arch.TraitRenames != 0:
		if int32(th.args[0]) == unix.PR_SET_NAME { // an int: the kernel reads the low half
			procfs.Comm(th.tid, &th.comm, t.scratch)
		}
	}
}

// returnValue reads the return value at a syscall-exit stop.
func (t *Tracer) returnValue(th *thread) (int64, bool) {
	if !t.noInfo {
		v := t.info.rval()
		if th.abi == arch.ABII386 {
			v = int64(int32(v))
		}
		return v, true
	}
	return t.returnRegs(th)
}

// namei records the path at addr.
func (t *Tracer) namei(th *thread, addr uint64) {
	s, cut, unreadable := t.mem.readString(th.tid, addr, t.pathBuf)
	h := t.header(th, th.abi)
	if cut {
		h.Flags |= format.FlagCut
	}
	if unreadable {
		h.Flags |= format.FlagUnreadable
	}
	t.rec.bytes(h, format.TypeNamei, s)
}

// sockaddrNamei records the path of an AF_UNIX socket address.
func (t *Tracer) sockaddrNamei(th *thread, addr, size uint64) {
	const sunPath = 2
	if addr == 0 || size <= sunPath || size > 128 {
		return
	}
	b := t.scratch[:size]
	n, err := t.mem.read(th.tid, addr, b)
	if err != nil || n <= sunPath || b[0] != unix.AF_UNIX || b[1] != 0 || b[sunPath] == 0 {
		return // not AF_UNIX, or an abstract address (no path)
	}
	path := b[sunPath:n]
	for i, c := range path {
		if c == 0 {
			path = path[:i]
			break
		}
	}
	t.rec.bytes(t.header(th, th.abi), format.TypeNamei, path)
}

// execStrings records execve's argv or envp vector at addr.
func (t *Tracer) execStrings(th *thread, typ format.Type, addr uint64) {
	if addr == 0 {
		return
	}
	size := ptrSize(th.abi)
	buf := t.dataBuffer(maxExecStrings)[:0]
	var flags format.Flags
	const batch = 64
	ptrs := t.words[:batch]
	for done := false; !done; {
		n, err := t.mem.readWords(th.tid, addr, size, ptrs, t.scratch)
		if err != nil || n == 0 {
			flags |= format.FlagUnreadable
			break
		}
		addr += uint64(n * size)
		for _, p := range ptrs[:n] {
			if p == 0 {
				done = true
				break
			}
			room := maxExecStrings - len(buf) - 1
			if room <= 0 {
				flags |= format.FlagCut
				done = true
				break
			}
			s, cut, unreadable := t.mem.readString(th.tid, p, t.pathBuf[:min(room, len(t.pathBuf))])
			if unreadable {
				flags |= format.FlagUnreadable
			}
			if cut && len(s) == len(t.pathBuf) {
				// Longer than one read: take the rest in pieces.
				s = t.longString(th.tid, p, room, &flags)
			} else if cut {
				flags |= format.FlagCut
			}
			buf = append(buf, s...)
			buf = append(buf, 0)
		}
		if n < batch && !done {
			flags |= format.FlagUnreadable
			break
		}
	}
	h := t.header(th, th.abi)
	h.Flags = flags
	t.rec.bytes(h, typ, buf)
}

// longString reads a string longer than the path buffer, up to room bytes.
func (t *Tracer) longString(tid int, addr uint64, room int, flags *format.Flags) []byte {
	out := make([]byte, 0, len(t.pathBuf)*2)
	for len(out) < room {
		s, cut, unreadable := t.mem.readString(tid, addr+uint64(len(out)), t.pathBuf[:min(room-len(out), len(t.pathBuf))])
		out = append(out, s...)
		if unreadable {
			*flags |= format.FlagUnreadable
			return out
		}
		if !cut {
			return out
		}
	}
	*flags |= format.FlagCut
	return out
}

// dataBuffer returns the reused data buffer, grown to at least n bytes.
func (t *Tracer) dataBuffer(n int) []byte {
	if cap(t.dataBuf) < n {
		t.dataBuf = make([]byte, n)
	}
	return t.dataBuf[:n]
}

// sigactionEntry remembers the handler rt_sigaction is installing.
func (t *Tracer) sigactionEntry(th *thread) {
	th.sigactSignal = 0
	sig, act := int(int32(th.args[0])), th.args[1] // sig is an int
	if sig < 1 || sig > 64 || act == 0 {
		return
	}
	var w [1]uint64
	if n, err := t.mem.readWords(th.tid, act, ptrSize(th.abi), w[:], t.scratch); err != nil || n != 1 {
		return
	}
	th.sigact, th.sigactSignal = w[0], sig
}

// genio records the data a successful I/O call moved: n bytes.
func (t *Tracer) genio(th *thread, n uint64) {
	fd := int32(-1)
	for i, a := range th.call.Args {
		switch a.Kind {
		case arch.ArgFD:
			if fd < 0 {
				fd = int32(th.args[i])
			}
		case arch.ArgBufIn, arch.ArgBufOut:
			if fd < 0 {
				return // not I/O on a descriptor (readlink, getcwd)
			}
			t.gatherBuf(th, fd, a.Kind == arch.ArgBufIn, th.args[i], n)
			return
		case arch.ArgIovIn, arch.ArgIovOut:
			cnt := uint64(0)
			if a.Len >= 0 {
				cnt = th.args[a.Len]
			}
			t.gatherIov(th, fd, a.Kind == arch.ArgIovIn, th.args[i], cnt, n)
			return
		case arch.ArgMsgIn, arch.ArgMsgOut:
			t.gatherMsg(th, fd, a.Kind == arch.ArgMsgIn, th.args[i], n)
			return
		}
	}
}

// keep returns how many of n bytes transferred by th to record.
func keep(th *thread, n uint64) uint64 {
	if size := th.proc.GenioSize; size > 0 && n > uint64(size) {
		return uint64(size)
	}
	return n
}

func (t *Tracer) gatherBuf(th *thread, fd int32, write bool, addr, n uint64) {
	t.iov = append(t.iov[:0], unix.RemoteIovec{Base: uintptr(addr), Len: int(n)})
	t.writeGenio(th, fd, write, n)
}

// gatherIov records the data of an iovec array of cnt entries at addr.
func (t *Tracer) gatherIov(th *thread, fd int32, write bool, addr, cnt, n uint64) {
	if !t.loadIov(th, addr, cnt, n) {
		t.writeGenioUnreadable(th, fd, write, n)
		return
	}
	t.writeGenio(th, fd, write, n)
}

// loadIov reads an iovec array into t.iov, trimmed to n bytes.
func (t *Tracer) loadIov(th *thread, addr, cnt, n uint64) bool {
	cnt = min(cnt, maxIov)
	size := ptrSize(th.abi)
	words := t.words[:2*cnt]
	got, err := t.mem.readWords(th.tid, addr, size, words, t.dataBuffer(16*maxIov))
	if err != nil || uint64(got) < 2*cnt {
		return false
	}
	t.iov = t.iov[:0]
	left := n
	for i := uint64(0); i < cnt && left > 0; i++ {
		base, l := words[2*i], words[2*i+1]
		l = min(l, left)
		if l == 0 {
			continue
		}
		t.iov = append(t.iov, unix.RemoteIovec{Base: uintptr(base), Len: int(l)})
		left -= l
	}
	return true
}

// gatherMsg records the data of a struct msghdr at addr.
func (t *Tracer) gatherMsg(th *thread, fd int32, write bool, addr, n uint64) {
	// msghdr: name, namelen, iov, iovlen, control, controllen, flags;
	// iov is the third word and iovlen the fourth on both pointer sizes.
	var w [4]uint64
	got, err := t.mem.readWords(th.tid, addr, ptrSize(th.abi), w[:], t.scratch)
	if err != nil || got < 4 {
		t.writeGenioUnreadable(th, fd, write, n)
		return
	}
	t.gatherIov(th, fd, write, w[2], w[3], n)
}

// writeGenio reads the ranges in t.iov (n bytes in all) and
// writes them as GIO records, kept to the genio size; a transfer longer
// than one record holds takes several, with rising offsets.
func (t *Tracer) writeGenio(th *thread, fd int32, write bool, n uint64) {
	keep := keep(th, n)
	left := keep
	for i := range t.iov {
		r := &t.iov[i]
		if uint64(r.Len) >= left {
			r.Len = int(left)
			t.iov = t.iov[:i+1]
			break
		}
		left -= uint64(r.Len)
	}
	g := &t.gio
	g.FD, g.Len, g.Offset = fd, n, 0
	g.Dir = format.Read
	if write {
		g.Dir = format.Write
	}
	for {
		chunk := min(keep-g.Offset, format.MaxGenioData)
		buf := t.dataBuffer(int(chunk))
		got, err := t.mem.gather(th.tid, t.iov, buf)
		unreadable := err != nil || uint64(got) < chunk
		last := unreadable || g.Offset+chunk >= keep
		h := t.header(th, th.abi)
		if unreadable {
			h.Flags |= format.FlagUnreadable
		} else if last && keep < n {
			h.Flags |= format.FlagCut
		}
		g.Data = buf[:got]
		t.rec.genio(h, g)
		if last {
			return
		}
		g.Offset += chunk
		t.iov = advance(t.iov, chunk)
	}
}

// advance drops the first n bytes from the ranges r, in place.
func advance(r []unix.RemoteIovec, n uint64) []unix.RemoteIovec {
	all := r
	for len(r) > 0 && n > 0 {
		if uint64(r[0].Len) <= n {
			n -= uint64(r[0].Len)
			r = r[1:]
			continue
		}
		r[0].Base += uintptr(n)
		r[0].Len -= int(n)
		n = 0
	}
	return append(all[:0], r...)
}

func (t *Tracer) writeGenioUnreadable(th *thread, fd int32, write bool, n uint64) {
	g := &t.gio
	g.FD, g.Len, g.Offset, g.Data = fd, n, 0, nil
	g.Dir = format.Read
	if write {
		g.Dir = format.Write
	}
	h := t.header(th, th.abi)
	h.Flags = format.FlagUnreadable
	t.rec.genio(h, g)
}

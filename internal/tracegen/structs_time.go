package tracegen

import (
	"bytes"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// Numbers of the calls of TimeCalls, by ABI (written by hand, as
// numbers above).
var timeNumbers = map[arch.ABI]map[string]uint32{
	arch.ABIAmd64: {"select": 23, "pselect6": 270, "epoll_ctl": 233, "epoll_wait": 232,
		"epoll_pwait2": 441, "timerfd_settime": 286, "setitimer": 38, "gettimeofday": 96,
		"utimensat": 280, "readlinkat": 267, "getcwd": 79, "getdents64": 217, "memfd_create": 319,
		"futex": 202},
	arch.ABII386: {"_newselect": 142, "pselect6_time64": 413, "epoll_wait": 256, "timerfd_settime64": 411,
		"utimensat": 320, "getdents": 141, "futex_time64": 422},
	arch.ABIArm64: {"pselect6": 72, "epoll_ctl": 21, "epoll_pwait": 22, "epoll_pwait2": 441,
		"timerfd_settime": 86, "setitimer": 103, "gettimeofday": 169, "utimensat": 88,
		"readlinkat": 78, "getcwd": 17, "getdents64": 61, "memfd_create": 279, "futex": 98},
}

// pair returns two longs of size bytes each (4 or 8): a timespec or
// timeval.
func pair(size int, a, b int64) []byte {
	p := make([]byte, 2*size)
	if size == 4 {
		le.PutUint32(p, uint32(a))
		le.PutUint32(p[4:], uint32(b))
	} else {
		le.PutUint64(p, uint64(a))
		le.PutUint64(p[8:], uint64(b))
	}
	return p
}

// epollEvents returns struct epoll_event entries (events, data) in the
// layout of abi: packed, 12 bytes, on x86; 16 bytes, data at 8, on arm64.
func epollEvents(abi arch.ABI, ev ...uint64) []byte {
	size, data := 12, 4
	if abi == arch.ABIArm64 {
		size, data = 16, 8
	}
	var b []byte
	for i := 0; i+1 < len(ev); i += 2 {
		e := make([]byte, size)
		le.PutUint32(e, uint32(ev[i]))
		le.PutUint64(e[data:], ev[i+1])
		b = append(b, e...)
	}
	return b
}

// dirent64 returns a struct linux_dirent64 entry (include/linux/dirent.h):
// d_ino, d_off, d_reclen, d_type, then the name, NUL-padded to 8 bytes.
func dirent64(ino, off uint64, typ byte, name string) []byte {
	reclen := (19 + len(name) + 1 + 7) &^ 7
	e := make([]byte, reclen)
	le.PutUint64(e, ino)
	le.PutUint64(e[8:], off)
	le.PutUint16(e[16:], uint16(reclen))
	e[18] = typ
	copy(e[19:], name)
	return e
}

// oldDirent returns a struct linux_dirent entry (fs/readdir.c) for longs
// of word bytes: d_ino, d_off, d_reclen, the name, its NUL, and the type
// in the last byte.
func oldDirent(word int, ino, off uint64, typ byte, name string) []byte {
	reclen := (2*word + 2 + len(name) + 2 + word - 1) &^ (word - 1)
	e := make([]byte, reclen)
	if word == 4 {
		le.PutUint32(e, uint32(ino))
		le.PutUint32(e[4:], uint32(off))
	} else {
		le.PutUint64(e, ino)
		le.PutUint64(e[8:], off)
	}
	le.PutUint16(e[2*word:], uint16(reclen))
	copy(e[2*word+2:], name)
	e[reclen-1] = typ
	return e
}

// fdset returns an fd_set of words longs of word bytes with fds set.
func fdset(word, words int, fds ...int) []byte {
	b := make([]byte, word*words)
	for _, fd := range fds {
		b[fd/8] |= 1 << (fd % 8)
	}
	return b
}

// d_type values (include/linux/fs_types.h).
const (
	dtDir = 4
	dtReg = 8
	dtLnk = 10
)

// StructsTime returns a trace recorded on machine m holding a STRU record
// of each time, select, epoll and output-buffer structure, in the
// layouts of each ABI of m (amd64 and i386 on amd64, arm64 on arm64), and
// records too short or damaged to decode. The layouts are written here by
// hand, from the kernel's UAPI headers.
func StructsTime(m arch.Machine) ([]byte, error) {
	var buf bytes.Buffer
	const pid = 4500
	g := started(&buf, m, "stru_time", pid)
	for abi := range g.abis(pid) {
		word := abi.WordSize()
		g.stru(pid, pid, "timeval", pair(word, 1700000000, 250000))
		g.stru(pid, pid, "timeval[2]", append(pair(word, 1, 2), pair(word, 3, 4)...))
		g.stru(pid, pid, "timespec[2]", append(pair(word, 5, 1<<30-1), pair(word, 6, 1<<30-2)...)) // UTIME_NOW, UTIME_OMIT
		g.stru(pid, pid, "timespec[2]", append(pair(8, 7, 8), pair(8, 9, 10)...))                  // __kernel_timespec[2]
		g.stru(pid, pid, "itimerspec", append(pair(word, 0, 500000000), pair(word, 2, 0)...))
		g.stru(pid, pid, "itimerspec", append(pair(8, 1, 1), pair(8, 0, 0)...)) // __kernel_itimerspec
		g.stru(pid, pid, "itimerval", append(pair(word, 0, 0), pair(word, 3, 250000)...))
		g.stru(pid, pid, "epoll_event", epollEvents(abi, 0x1|0x80000000, 5)) // EPOLLIN|EPOLLET
		g.stru(pid, pid, "epoll_event", epollEvents(abi, 0x4, 7, 0x1|0x10, 0x1234_0000_0009))
		g.stru(pid, pid, "fd_set", fdset(word, 2, 0, 3, 4, 63))
		g.stru(pid, pid, "fd_set", fdset(word, 1))
		g.stru(pid, pid, "string", []byte("ktrace-memfd"))
		g.stru(pid, pid, "string", []byte("/tmp/dir\x00")) // getcwd counts the NUL
		ents := append(dirent64(2, 1, dtDir, "."), dirent64(1, 2, dtDir, "..")...)
		ents = append(ents, dirent64(12345, 3, dtReg, "file.txt")...)
		g.stru(pid, pid, "dirent64", ents)
		g.stru(pid, pid, "dirent64", append(dirent64(77, 9, dtLnk, "link"), dirent64(78, 10, dtReg, "cut")[:12]...))
		g.stru(pid, pid, "dirent", append(oldDirent(word, 2, 1, dtDir, "."), oldDirent(word, 99, 2, dtReg, "old")...))
		// Damaged: kdump shows the bytes.
		g.stru(pid, pid, "itimerspec", make([]byte, 12))
		g.stru(pid, pid, "epoll_event", make([]byte, 5))
		g.stru(pid, pid, "dirent64", make([]byte, 24)) // d_reclen 0
		g.stru(pid, pid, "timeval[2]", make([]byte, 3))
	}
	g.check(g.w.Flush())
	return buf.Bytes(), g.err
}

// callNr writes a CALL of the ABI's call name.
func (g *gen) callNr(pid int32, name string, args ...uint64) {
	g.check(g.w.WriteCall(g.h(pid, pid, 1500), timeNumbers[g.abi][name], args))
}

// retNr writes the RET of the ABI's call name.
func (g *gen) retNr(pid int32, name string, v int64) {
	g.check(g.w.WriteRet(g.h(pid, pid, 1000), format.RetFromValue(timeNumbers[g.abi][name], v)))
}

// TimeCalls returns a trace recorded on machine m of calls whose
// structures are time values, fd_sets, epoll events and output buffers,
// with their STRU records where the tracer writes them, for kdump
// --calls: select and pselect6 with sets and timeouts in and out, epoll,
// timers, utimensat, readlinkat, getcwd, getdents64, memfd_create, and
// futex with and without a timeout; on amd64 some i386 calls too.
func TimeCalls(m arch.Machine) ([]byte, error) {
	var buf bytes.Buffer
	const pid = 4600
	g := started(&buf, m, "calls_time", pid)
	abi := m.NativeABI()
	g.abi = abi
	g.check(g.w.WriteEmul(g.h(pid, pid, 1000), abi))
	const p = 0x7ffc0000
	if abi == arch.ABIAmd64 {
		// select(5, [3 4], NULL, [4], {1, 0}) = 1 (in [3], left {0, 750000})
		g.callNr(pid, "select", 5, p, 0, p+0x80, p+0x100)
		g.stru(pid, pid, "fd_set", fdset(8, 1, 3, 4))
		g.stru(pid, pid, "fd_set", fdset(8, 1, 4))
		g.stru(pid, pid, "timeval", pair(8, 1, 0))
		g.stru(pid, pid, "fd_set", fdset(8, 1, 3))
		g.stru(pid, pid, "fd_set", fdset(8, 1))
		g.stru(pid, pid, "timeval", pair(8, 0, 750000))
		g.retNr(pid, "select", 1)
		// epoll_wait(6, [...], 8, -1) = 2
		g.callNr(pid, "epoll_wait", 6, p, 8, 0xffffffff)
		g.stru(pid, pid, "epoll_event", epollEvents(abi, 0x1, 3, 0x4, 4))
		g.retNr(pid, "epoll_wait", 2)
	}
	// pselect6(4, [3], [3], NULL, {2, 0}, NULL) = 2 (in [3], out [3], left {1, 999})
	g.callNr(pid, "pselect6", 4, p, p+0x80, 0, p+0x100, 0)
	g.stru(pid, pid, "fd_set", fdset(8, 1, 3))
	g.stru(pid, pid, "fd_set", fdset(8, 1, 3))
	g.stru(pid, pid, "timespec", pair(8, 2, 0))
	g.stru(pid, pid, "fd_set", fdset(8, 1, 3))
	g.stru(pid, pid, "fd_set", fdset(8, 1, 3))
	g.stru(pid, pid, "timespec", pair(8, 1, 999))
	g.retNr(pid, "pselect6", 2)
	// pselect6 that times out: the sets come back empty.
	g.callNr(pid, "pselect6", 4, p, 0, 0, p+0x100, 0)
	g.stru(pid, pid, "fd_set", fdset(8, 1, 3))
	g.stru(pid, pid, "timespec", pair(8, 0, 1000))
	g.stru(pid, pid, "fd_set", fdset(8, 1))
	g.stru(pid, pid, "timespec", pair(8, 0, 0))
	g.retNr(pid, "pselect6", 0)
	// epoll_ctl(6, EPOLL_CTL_ADD, 3, {EPOLLIN|EPOLLET, 3}) = 0
	g.callNr(pid, "epoll_ctl", 6, 1, 3, p)
	g.stru(pid, pid, "epoll_event", epollEvents(abi, 0x1|0x80000000, 3))
	g.retNr(pid, "epoll_ctl", 0)
	// epoll_ctl(6, EPOLL_CTL_DEL, 3, NULL) = 0
	g.callNr(pid, "epoll_ctl", 6, 2, 3, 0)
	g.retNr(pid, "epoll_ctl", 0)
	// epoll_pwait2(6, [...], 4, {0, 5000000}, NULL, 8) = 1: the timeout
	// comes first, with the CALL.
	g.callNr(pid, "epoll_pwait2", 6, p, 4, p+0x100, 0, 8)
	g.stru(pid, pid, "timespec", pair(8, 0, 5000000))
	g.stru(pid, pid, "epoll_event", epollEvents(abi, 0x1, 3))
	g.retNr(pid, "epoll_pwait2", 1)
	// timerfd_settime(7, 0, {{0, 0}, {2, 0}}, {...}) = 0
	g.callNr(pid, "timerfd_settime", 7, 0, p, p+0x40)
	g.stru(pid, pid, "itimerspec", append(pair(8, 0, 0), pair(8, 2, 0)...))
	g.stru(pid, pid, "itimerspec", append(pair(8, 0, 0), pair(8, 1, 500)...))
	g.retNr(pid, "timerfd_settime", 0)
	g.callNr(pid, "setitimer", 0, p, 0) // ITIMER_REAL, no old value
	g.stru(pid, pid, "itimerval", append(pair(8, 0, 0), pair(8, 0, 100000)...))
	g.retNr(pid, "setitimer", 0)
	g.callNr(pid, "gettimeofday", p, 0)
	g.stru(pid, pid, "timeval", pair(8, 1700000000, 123456))
	g.retNr(pid, "gettimeofday", 0)
	// utimensat(AT_FDCWD, "f", [UTIME_NOW, UTIME_OMIT], 0) = 0
	g.callNr(pid, "utimensat", uint64(0xffffff9c), p, p+0x40, 0)
	g.bytes(pid, pid, format.TypeNamei, "f", 0)
	g.stru(pid, pid, "timespec[2]", append(pair(8, 0, 1<<30-1), pair(8, 0, 1<<30-2)...))
	g.retNr(pid, "utimensat", 0)
	g.callNr(pid, "readlinkat", uint64(0xffffff9c), p, p+0x100, 4096)
	g.bytes(pid, pid, format.TypeNamei, "/proc/self/exe", 0)
	g.stru(pid, pid, "string", []byte("/usr/bin/prog"))
	g.retNr(pid, "readlinkat", 13)
	g.callNr(pid, "getcwd", p, 4096)
	g.stru(pid, pid, "string", []byte("/tmp\x00"))
	g.retNr(pid, "getcwd", 5)
	g.callNr(pid, "getdents64", 3, p, 32768)
	g.stru(pid, pid, "dirent64", append(dirent64(2, 1, dtDir, "."), dirent64(1, 2, dtDir, "..")...))
	g.retNr(pid, "getdents64", 48)
	g.callNr(pid, "memfd_create", p, 1) // MFD_CLOEXEC
	g.stru(pid, pid, "string", []byte("ktrace-memfd"))
	g.retNr(pid, "memfd_create", 8)
	// futex(uaddr, FUTEX_WAIT_PRIVATE, 0, {0, 1000}) = -ETIMEDOUT; and a
	// FUTEX_WAKE, whose fourth argument is no timeout.
	g.callNr(pid, "futex", p, 128, 0, p+0x40, 0, 0)
	g.stru(pid, pid, "timespec", pair(8, 0, 1000))
	g.retNr(pid, "futex", -110)
	g.callNr(pid, "futex", p, 129, 1, 0x7fffffff, 0, 0)
	g.retNr(pid, "futex", 0)
	if abi == arch.ABIAmd64 {
		g.abi = arch.ABII386
		g.check(g.w.WriteEmul(g.h(pid, pid, 1000), g.abi))
		const q = 0xffd00000
		g.callNr(pid, "_newselect", 33, q, 0, 0, q+0x80)
		g.stru(pid, pid, "fd_set", fdset(4, 2, 32))
		g.stru(pid, pid, "timeval", pair(4, 1, 0))
		g.stru(pid, pid, "fd_set", fdset(4, 2, 32))
		g.stru(pid, pid, "timeval", pair(4, 0, 10))
		g.retNr(pid, "_newselect", 1)
		g.callNr(pid, "pselect6_time64", 1, q, 0, 0, q+0x80, 0)
		g.stru(pid, pid, "fd_set", fdset(4, 1, 0))
		g.stru(pid, pid, "timespec", pair(8, 3, 0))
		g.stru(pid, pid, "fd_set", fdset(4, 1, 0))
		g.stru(pid, pid, "timespec", pair(8, 2, 5))
		g.retNr(pid, "pselect6_time64", 1)
		g.callNr(pid, "epoll_wait", 6, q, 8, 100)
		g.stru(pid, pid, "epoll_event", epollEvents(g.abi, 0x4, 9))
		g.retNr(pid, "epoll_wait", 1)
		g.callNr(pid, "timerfd_settime64", 7, 1, q, 0) // TFD_TIMER_ABSTIME
		g.stru(pid, pid, "itimerspec", append(pair(8, 0, 0), pair(8, 1700000000, 0)...))
		g.retNr(pid, "timerfd_settime64", 0)
		g.callNr(pid, "utimensat", 3, 0, q, 0)
		g.stru(pid, pid, "timespec[2]", append(pair(4, 1, 2), pair(4, 3, 4)...))
		g.retNr(pid, "utimensat", 0)
		g.callNr(pid, "getdents", 3, q, 4096)
		g.stru(pid, pid, "dirent", oldDirent(4, 5, 1, dtReg, "a"))
		g.retNr(pid, "getdents", 16)
		g.callNr(pid, "futex_time64", q, 9, 0, q+0x40, 0, 0xffffffff) // FUTEX_WAIT_BITSET
		g.stru(pid, pid, "timespec", pair(8, 1700000001, 0))
		g.retNr(pid, "futex_time64", 0)
	}
	g.check(g.w.Flush())
	return buf.Bytes(), g.err
}

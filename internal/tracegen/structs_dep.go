package tracegen

import (
	"bytes"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// depNumbers are the numbers of the calls with dependent arguments, by
// ABI: amd64, i386, arm64 (i386's fcntl is fcntl64).
var depNumbers = map[string][3]uint32{
	"fcntl":      {72, 221, 25},
	"ioctl":      {16, 54, 29},
	"setsockopt": {54, 366, 208},
	"getsockopt": {55, 365, 209},
	"prctl":      {157, 172, 167},
}

// Constants of the calls, the same on the three ABIs (asm-generic and
// x86 agree on these), from the kernel's UAPI headers.
const (
	fDupfdCloexec = 1030
	fGetfd        = 1
	fSetfd        = 2
	fGetfl        = 3
	fSetfl        = 4
	fGetlk        = 5
	fSetlk        = 6
	fSetown       = 8
	fGetown       = 9
	fSetsig       = 10
	fSetlk64      = 13 // i386
	fOFDGetlk     = 36
	fAddSeals     = 1033
	fGetSeals     = 1034
	tcgets        = 0x5401
	tcsets        = 0x5402
	tcflsh        = 0x540b
	tiocgwinsz    = 0x5413
	tiocswinsz    = 0x5414
	fionread      = 0x541b
	tcgets2       = 0x802c542a
	solSocket     = 1
	soReuseaddr   = 2
	soRcvbuf      = 8
	soLinger      = 13
	soRcvtimeo    = 20
	solTCP        = 6
	tcpNodelay    = 1
	tcpInfo       = 11
	prSetPdeath   = 1
	prSetName     = 15
	prGetName     = 16
)

// Depends returns a trace recorded on machine m holding calls whose
// arguments and results depend on other arguments (fcntl, ioctl,
// setsockopt, getsockopt, prctl) with the STRU records of the
// structures they select, in the layouts of each ABI of m (amd64 and
// i386 on amd64, arm64 on arm64), and structures of odd sizes that kdump
// must show raw. Numbers, constants and layouts are written by hand from
// the kernel's UAPI headers, so that decoding them tests kdump's.
func Depends(m arch.Machine) ([]byte, error) {
	var buf bytes.Buffer
	const pid = 4500
	g := started(&buf, m, "deps", pid)
	for abi := range g.abis(pid) {
		d := depGen{g, abi, pid}
		const p = 0x7ffc1000 // a structure's address

		// fcntl: flags, descriptors, owners, signals, seals, locks.
		d.whole("fcntl", 0, 3, fSetfl, 2|0x800) // O_RDWR|O_NONBLOCK
		d.whole("fcntl", 2|0x400, 3, fGetfl, 0) // O_RDWR|O_APPEND
		d.whole("fcntl", 0, 3, fSetfd, 1)       // FD_CLOEXEC
		d.whole("fcntl", 1, 3, fGetfd, 0)
		d.whole("fcntl", 10, 3, fDupfdCloexec, 10)
		d.whole("fcntl", 0, 3, fSetown, 4242)
		d.whole("fcntl", 4242, 3, fGetown, 0)
		d.whole("fcntl", 0, 3, fSetsig, 29) // SIGIO
		d.whole("fcntl", 0, 3, fAddSeals, 1|2|4)
		d.whole("fcntl", 1|8, 3, fGetSeals, 0)
		d.whole("fcntl", -11, 3, fGetfl, 0) // EAGAIN: no decoding
		wr := d.flock(1, 0, 100, 10, 0)     // F_WRLCK from 100, 10 bytes
		d.call("fcntl", 3, fSetlk, p)
		d.stru("flock", wr)
		d.ret("fcntl", 0)
		d.call("fcntl", 3, fGetlk, p)
		d.stru("flock", wr)
		d.stru("flock", d.flock(1, 0, 100, 10, 4321)) // held by 4321
		d.ret("fcntl", 0)
		if abi == arch.ABII386 {
			d.call("fcntl", 3, fSetlk64, p)
			d.stru("flock", d.flock64(0, 1, 1<<33, 0, 0)) // F_RDLCK past 4 GiB
			d.ret("fcntl", 0)
		}
		d.call("fcntl", 3, fOFDGetlk, p)
		d.stru("flock", d.flock64(2, 2, -5, 5, -1)) // F_UNLCK, SEEK_END
		d.stru("flock", d.flock64(2, 2, -5, 5, -1))
		d.ret("fcntl", 0)

		// ioctl: terminals, pipes.
		d.call("ioctl", 1, tcgets, p)
		d.stru("termios", termios(false))
		d.ret("ioctl", 0)
		d.call("ioctl", 1, tcsets, p)
		d.stru("termios", termios(false))
		d.ret("ioctl", 0)
		d.call("ioctl", 1, tcgets2, p)
		d.stru("termios2", termios(true))
		d.ret("ioctl", 0)
		d.call("ioctl", 1, tiocgwinsz, p)
		d.stru("winsize", winsize(24, 80))
		d.ret("ioctl", 0)
		d.call("ioctl", 1, tiocswinsz, p)
		d.stru("winsize", winsize(50, 132))
		d.ret("ioctl", 0)
		d.call("ioctl", 3, fionread, p)
		d.stru("int", le32b(5))
		d.ret("ioctl", 0)
		d.whole("ioctl", 0, 1, tcflsh, 2) // TCIOFLUSH
		d.whole("ioctl", -25, 3, 0xdead, p)

		// Socket options.
		d.call("setsockopt", 3, solSocket, soReuseaddr, p, 4)
		d.stru("int", le32b(1))
		d.ret("setsockopt", 0)
		d.call("getsockopt", 3, solSocket, soRcvbuf, p, p+8)
		d.stru("int", le32b(131072))
		d.ret("getsockopt", 0)
		d.call("setsockopt", 3, solTCP, tcpNodelay, p, 4)
		d.stru("int", le32b(1))
		d.ret("setsockopt", 0)
		d.call("setsockopt", 3, solSocket, soLinger, p, 8)
		d.stru("linger", append(le32b(1), le32b(5)...))
		d.ret("setsockopt", 0)
		d.call("setsockopt", 3, solSocket, soRcvtimeo, p, 16)
		if abi == arch.ABII386 {
			d.stru("timeval", append(le32b(2), le32b(500000)...))
		} else {
			d.stru("timeval", timespecBytes(2, 500000))
		}
		d.ret("setsockopt", 0)
		d.whole("getsockopt", 0, 3, solTCP, tcpInfo, p, p+8)

		// prctl: thread names, signals.
		d.call("prctl", prSetName, p)
		d.stru("name", []byte("ktrace-dep"))
		d.ret("prctl", 0)
		d.call("prctl", prGetName, p)
		d.stru("name", append([]byte("ktrace-dep"), make([]byte, 6)...))
		d.ret("prctl", 0)
		d.whole("prctl", 0, prSetPdeath, 9) // SIGKILL

		// Odd sizes: shown raw, never a panic.
		for _, s := range []struct {
			name string
			n    int
		}{{"termios", 10}, {"termios2", 40}, {"winsize", 6}, {"flock", 5}, {"linger", 4}, {"int", 3}, {"name", 20}} {
			d.stru(s.name, bytes.Repeat([]byte{0xa5}, s.n))
		}
	}
	g.check(g.w.Flush())
	return buf.Bytes(), g.err
}

// depGen writes the calls of one ABI.
type depGen struct {
	*gen
	abi arch.ABI
	pid int32
}

func (d depGen) nr(name string) uint32 {
	n := depNumbers[name]
	switch d.abi {
	case arch.ABII386:
		return n[1]
	case arch.ABIArm64:
		return n[2]
	}
	return n[0]
}

func (d depGen) call(name string, args ...int64) {
	a := make([]uint64, len(args))
	for i, v := range args {
		a[i] = uint64(v)
		if d.abi == arch.ABII386 {
			a[i] &= 0xffffffff
		}
	}
	d.check(d.w.WriteCall(d.h(d.pid, d.pid, 1500), d.nr(name), a))
}

func (d depGen) ret(name string, v int64) {
	d.check(d.w.WriteRet(d.h(d.pid, d.pid, 1000), format.RetFromValue(d.nr(name), v)))
}

// whole writes a call returning v with nothing between CALL and RET.
func (d depGen) whole(name string, v int64, args ...int64) {
	d.call(name, args...)
	d.ret(name, v)
}

func (d depGen) stru(name string, data []byte) { d.gen.stru(d.pid, d.pid, name, data) }

// flock returns the ABI's struct flock of F_GETLK and F_SETLK: i386's
// has 32-bit offsets (16 bytes), the others are struct flock64.
func (d depGen) flock(typ, whence int16, start, length int64, pid int32) []byte {
	if d.abi != arch.ABII386 {
		b := make([]byte, 32) // short, short, pad, long, long, int, pad
		le.PutUint16(b[0:], uint16(typ))
		le.PutUint16(b[2:], uint16(whence))
		le.PutUint64(b[8:], uint64(start))
		le.PutUint64(b[16:], uint64(length))
		le.PutUint32(b[24:], uint32(pid))
		return b
	}
	b := make([]byte, 16)
	le.PutUint16(b[0:], uint16(typ))
	le.PutUint16(b[2:], uint16(whence))
	le.PutUint32(b[4:], uint32(start))
	le.PutUint32(b[8:], uint32(length))
	le.PutUint32(b[12:], uint32(pid))
	return b
}

// flock64 returns a struct flock64: on i386 packed, 24 bytes, else the
// 64-bit ABIs' struct flock.
func (d depGen) flock64(typ, whence int16, start, length int64, pid int32) []byte {
	if d.abi != arch.ABII386 {
		return d.flock(typ, whence, start, length, pid)
	}
	b := make([]byte, 24)
	le.PutUint16(b[0:], uint16(typ))
	le.PutUint16(b[2:], uint16(whence))
	le.PutUint64(b[4:], uint64(start))
	le.PutUint64(b[12:], uint64(length))
	le.PutUint32(b[20:], uint32(pid))
	return b
}

// termios returns the kernel's struct termios of a terminal in cooked
// mode (36 bytes: four flag words, c_line, 19 control characters), or
// with speeds struct termios2 (44 bytes).
func termios(speeds bool) []byte {
	b := make([]byte, 36, 44)
	le.PutUint32(b[0:], 0x500)   // ICRNL|IXON
	le.PutUint32(b[4:], 0x5)     // OPOST|ONLCR
	le.PutUint32(b[8:], 0xbf)    // B38400|CS8|CREAD
	le.PutUint32(b[12:], 0x8a3b) // ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN
	copy(b[17:], []byte{3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0xf, 0x17, 0x16, 0, 0, 0})
	if speeds {
		b = append(b, le32b(38400)...)
		b = append(b, le32b(38400)...)
	}
	return b
}

// winsize returns a struct winsize of rows and columns.
func winsize(rows, cols uint16) []byte {
	b := make([]byte, 8)
	le.PutUint16(b[0:], rows)
	le.PutUint16(b[2:], cols)
	return b
}

// le32b returns v as 4 little-endian bytes.
func le32b(v uint32) []byte {
	b := make([]byte, 4)
	le.PutUint32(b, v)
	return b
}

package tracegen

import (
	"bytes"
	"encoding/binary"

	"github.com/ktrace-linux/ktrace/arch"
)

// Structs returns a trace recorded on machine m holding a STRU record of
// every structure the tracer records, in the layouts of each ABI of m:
// amd64 and i386 (32-bit calls) on amd64, arm64 on arm64. The layouts are
// written here by hand, from the kernel's UAPI headers, so that decoding
// them tests kdump's.
func Structs(m arch.Machine) ([]byte, error) {
	var buf bytes.Buffer
	const pid = 4400
	g := started(&buf, m, "structs", pid)
	for abi := range g.abis(pid) {
		switch abi {
		case arch.ABII386:
			g.stru(pid, pid, "stat", stat64I386())
			g.stru(pid, pid, "stat", oldStatI386())
			g.stru(pid, pid, "timespec", []byte{1, 0, 0, 0, 0x40, 0x42, 0x0f, 0}) // 1s 1000000ns
		default:
			g.stru(pid, pid, "stat", statBytes(m))
			g.stru(pid, pid, "timespec", timespecBytes(1, 1000000))
		}
		g.stru(pid, pid, "timespec", timespecBytes(0, 1<<30-1)) // UTIME_NOW, in the 64-bit layout
		g.stru(pid, pid, "statx", statxBytes())
		g.stru(pid, pid, "sockaddr", sockaddrIn([4]byte{127, 0, 0, 1}, 8080))
		g.stru(pid, pid, "sockaddr", sockaddrIn6(443))
		in6 := sockaddrIn6(80)
		copy(in6[8:], []byte{0xfe, 0x80, 14: 0, 15: 1})
		binary.BigEndian.PutUint32(in6[4:], 0x12345)
		le.PutUint32(in6[24:], 2) // scope: interface 2
		g.stru(pid, pid, "sockaddr", in6)
		g.stru(pid, pid, "sockaddr", sockaddrUn("/run/test.sock", false))
		g.stru(pid, pid, "sockaddr", sockaddrUn("abstract", true))
		g.stru(pid, pid, "sockaddr", []byte{1, 0}) // unnamed
		nl := make([]byte, 12)
		le.PutUint16(nl, 16)
		le.PutUint32(nl[4:], 1234)
		le.PutUint32(nl[8:], 0x11)
		g.stru(pid, pid, "sockaddr", nl)
		ll := make([]byte, 20)
		le.PutUint16(ll, 17)
		binary.BigEndian.PutUint16(ll[2:], 0x0800) // ETH_P_IP
		le.PutUint32(ll[4:], 2)
		le.PutUint16(ll[8:], 1) // ARPHRD_ETHER
		ll[10], ll[11] = 0, 6
		copy(ll[12:], []byte{0x52, 0x54, 0, 0x12, 0x34, 0x56})
		g.stru(pid, pid, "sockaddr", ll)
		g.stru(pid, pid, "sockaddr", []byte{31, 0, 0xde, 0xad, 0xbe, 0xef}) // AF_BLUETOOTH
		g.stru(pid, pid, "fd_pair", []byte{3, 0, 0, 0, 4, 0, 0, 0})
		g.stru(pid, pid, "pollfd", []byte{3, 0, 0, 0, 1, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0})
	}
	g.check(g.w.Flush())
	return buf.Bytes(), g.err
}

// stat64I386 returns i386's struct stat64 (96 bytes) of a setuid program.
func stat64I386() []byte {
	b := make([]byte, 96)
	le.PutUint64(b[0:], 0x803) // st_dev
	le.PutUint32(b[12:], 7654) // __st_ino
	le.PutUint32(b[16:], 0o104755)
	le.PutUint32(b[20:], 2)     // nlink
	le.PutUint32(b[24:], 0)     // uid
	le.PutUint32(b[28:], 50)    // gid
	le.PutUint64(b[32:], 0)     // rdev
	le.PutUint64(b[44:], 1<<33) // size: past 32 bits
	le.PutUint32(b[52:], 4096)  // blksize
	le.PutUint64(b[56:], 1<<24) // blocks
	for i := 0; i < 3; i++ {
		le.PutUint32(b[64+8*i:], 1700000000+uint32(i))
		le.PutUint32(b[68+8*i:], 999999999)
	}
	le.PutUint64(b[88:], 7654321) // st_ino
	return b
}

// oldStatI386 returns i386's struct stat (64 bytes) of a character device.
func oldStatI386() []byte {
	b := make([]byte, 64)
	le.PutUint32(b[0:], 5)       // dev
	le.PutUint32(b[4:], 13)      // ino
	le.PutUint16(b[8:], 0o20666) // mode: character device
	le.PutUint16(b[10:], 1)      // nlink
	le.PutUint16(b[12:], 0)      // uid
	le.PutUint16(b[14:], 5)      // gid
	le.PutUint32(b[16:], 0x103)  // rdev 1,3 (/dev/null)
	le.PutUint32(b[24:], 4096)
	le.PutUint32(b[32:], 1700000000)
	le.PutUint32(b[40:], 1700000001)
	le.PutUint32(b[48:], 1700000002)
	return b
}

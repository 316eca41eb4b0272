package tracer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/internal/procfs"
)

// maxIov is the most iovec entries read from a tracee in one call, the
// kernel's UIO_MAXIOV.
const maxIov = 1024

const pageSize = 4096

// memReader copies memory out of tracees with process_vm_readv, one
// system call per buffer or per gather list, into reused buffers. Where
// process_vm_readv is not allowed (ENOSYS, or EPERM under some seccomp
// sandboxes) it falls back to pread on /proc/PID/mem.
type memReader struct {
	local    [1]unix.Iovec
	one      [1]unix.RemoteIovec // the range of read
	noVMRead bool
	memFD    int // open /proc/PID/mem for memPID, or -1
	memPID   int
}

func newMemReader() *memReader {
	return &memReader{memFD: -1}
}

// read copies len(dst) bytes at addr in tid's memory into dst and returns
// how many it copied. A short count with a nil error means the rest was
// not mapped.
func (m *memReader) read(tid int, addr uint64, dst []byte) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	m.one[0] = unix.RemoteIovec{Base: uintptr(addr), Len: len(dst)}
	return m.gather(tid, m.one[:], dst)
}

// gather copies the ranges remote of tid's memory, in order, into dst.
func (m *memReader) gather(tid int, remote []unix.RemoteIovec, dst []byte) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	if !m.noVMRead {
		m.local[0].Base = &dst[0]
		m.local[0].SetLen(len(dst))
		n, err := unix.ProcessVMReadv(tid, m.local[:], remote, 0)
		switch {
		case err == nil:
			return n, nil
		case errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM):
			m.noVMRead = true
		case errors.Is(err, unix.EFAULT):
			// The first range starts unmapped; later ones may not:
			// read them one by one below.
			return m.slowGather(tid, remote, dst)
		default:
			return 0, fmt.Errorf("process_vm_readv %d: %w", tid, err)
		}
	}
	return m.slowGather(tid, remote, dst)
}

// slowGather reads the ranges one at a time, stopping at the first one
// that cannot be read whole.
func (m *memReader) slowGather(tid int, remote []unix.RemoteIovec, dst []byte) (int, error) {
	total := 0
	for _, r := range remote {
		want := min(r.Len, len(dst)-total)
		if want == 0 {
			break
		}
		n, err := m.readOne(tid, uint64(r.Base), dst[total:total+want])
		total += n
		if err != nil || n < want {
			return total, nil
		}
	}
	return total, nil
}

func (m *memReader) readOne(tid int, addr uint64, dst []byte) (int, error) {
	if !m.noVMRead {
		local := [1]unix.Iovec{{Base: &dst[0]}}
		local[0].SetLen(len(dst))
		remote := [1]unix.RemoteIovec{{Base: uintptr(addr), Len: len(dst)}}
		n, err := unix.ProcessVMReadv(tid, local[:], remote[:], 0)
		if err != nil {
			return 0, err
		}
		return n, nil
	}
	if m.memPID != tid || m.memFD < 0 {
		m.closeMem()
		fd, err := unix.Open(procfs.Path(tid, "mem"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return 0, err
		}
		m.memFD, m.memPID = fd, tid
	}
	n, err := unix.Pread(m.memFD, dst, int64(addr))
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (m *memReader) closeMem() {
	if m.memFD >= 0 {
		unix.Close(m.memFD)
		m.memFD = -1
	}
}

// readString reads a NUL-terminated string at addr of at most len(buf)
// bytes into buf. It returns the string without its NUL, whether it was
// cut (no NUL within buf) and whether the memory was unreadable.
func (m *memReader) readString(tid int, addr uint64, buf []byte) (s []byte, cut, unreadable bool) {
	if addr == 0 {
		return nil, false, true
	}
	got := 0
	for got < len(buf) {
		// Read up to the end of the page so that a string near an
		// unmapped page is still found.
		chunk := pageSize - int((addr+uint64(got))%pageSize)
		chunk = min(chunk, len(buf)-got)
		n, err := m.read(tid, addr+uint64(got), buf[got:got+chunk])
		if i := bytes.IndexByte(buf[got:got+n], 0); i >= 0 {
			return buf[:got+i], false, false
		}
		got += n
		if err != nil || n < chunk {
			return buf[:got], false, true
		}
	}
	return buf[:got], true, false
}

// readWords reads len(dst) pointer-sized words (size 4 or 8 bytes,
// little-endian) at addr, through scratch, and returns how many it read.
func (m *memReader) readWords(tid int, addr uint64, size int, dst []uint64, scratch []byte) (int, error) {
	need := len(dst) * size
	if need > len(scratch) {
		need = len(scratch) / size * size
	}
	n, err := m.read(tid, addr, scratch[:need])
	if err != nil {
		return 0, err
	}
	words := n / size
	for i := 0; i < words; i++ {
		if size == 8 {
			dst[i] = le64(scratch[8*i:])
		} else {
			dst[i] = uint64(le32(scratch[4*i:]))
		}
	}
	return words, nil
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

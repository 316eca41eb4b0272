package tracer

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// perfDataBytes is the size aimed at for each thread's ring of switch
// events: a switch record is 24 bytes, so 32 KiB holds some 1300
// switches between two stops of the thread.
const perfDataBytes = 32 << 10

// Offsets in a PERF_RECORD_SWITCH with sample_id_all and sample_type
// TID|TIME: the 8-byte header, then pid and tid (u32 each), then time;
// in a PERF_RECORD_LOST: the header, id, lost, then the sample id.
const (
	perfSwitchTime = 16
	perfSwitchLen  = 24
	perfLostCount  = 16
	perfLostLen    = 24
)

// perfEventOpen is unix.PerfEventOpen; tests replace it to see the
// fallback taken.
var perfEventOpen = unix.PerfEventOpen

// perfOpenError is a refused perf_event_open.
type perfOpenError struct{ err unix.Errno }

func (e *perfOpenError) Error() string { return "perf_event_open: " + e.err.Error() }
func (e *perfOpenError) Unwrap() error { return e.err }

// perfRing is a thread's context-switch perf event and its mapped ring
// buffer: a metadata page, then data pages the kernel fills.
type perfRing struct {
	fd   int
	mem  []byte
	meta *unix.PerfEventMmapPage
	data []byte
	mask uint64
}

// openPerfRing opens the context-switch event of thread tid and maps its
// ring buffer.
func openPerfRing(tid int) (*perfRing, error) {
	attr := unix.PerfEventAttr{
		Type:        unix.PERF_TYPE_SOFTWARE,
		Config:      unix.PERF_COUNT_SW_DUMMY,
		Sample_type: unix.PERF_SAMPLE_TID | unix.PERF_SAMPLE_TIME,
		// exclude_kernel and exclude_hv do not filter switch records,
		// and let perf_event_paranoid 2 (the default) allow the event.
		Bits: unix.PerfBitContextSwitch | unix.PerfBitSampleIDAll | unix.PerfBitUseClockID |
			unix.PerfBitExcludeKernel | unix.PerfBitExcludeHv,
		Clockid: unix.CLOCK_REALTIME,
	}
	attr.Size = uint32(unsafe.Sizeof(attr))
	fd, err := perfEventOpen(&attr, tid, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		if e, ok := err.(unix.Errno); ok {
			if e == unix.ESRCH {
				return nil, e
			}
			return nil, &perfOpenError{e}
		}
		return nil, err
	}
	page := os.Getpagesize()
	pages := max(1, perfDataBytes/page) // a power of two, as the kernel wants
	mem, err := unix.Mmap(fd, 0, (1+pages)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil && pages > 1 {
		// Over the locked-memory allowance: one data page will do.
		pages = 1
		mem, err = unix.Mmap(fd, 0, (1+pages)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("mmap perf event ring: %w", err)
	}
	r := &perfRing{fd: fd, mem: mem, meta: (*unix.PerfEventMmapPage)(unsafe.Pointer(&mem[0]))}
	off, size := r.meta.Data_offset, r.meta.Data_size
	if size == 0 { // kernels before 4.1 leave them unset
		off, size = uint64(page), uint64(pages*page)
	}
	r.data = mem[off : off+size]
	r.mask = size - 1
	return r, nil
}

// close unmaps the ring and closes the event.
func (r *perfRing) close() {
	_ = unix.Munmap(r.mem)
	unix.Close(r.fd)
}

// word returns the 8 bytes at ring position pos. Records are 8-byte
// aligned and the ring a power of two of at least 8 bytes, so an aligned
// word never wraps.
func (r *perfRing) word(pos uint64) []byte {
	off := pos & r.mask
	return r.data[off : off+8 : off+8]
}

// cswDrain reads the switch events th made since the last stop and
// writes the CSW records of the program's own switches.
func (t *Tracer) cswDrain(th *thread, s *cswState) {
	r := s.ring
	head := atomic.LoadUint64(&r.meta.Data_head) // pairs with the kernel's store
	tail := r.meta.Data_tail
	ne := binary.NativeEndian
	for tail < head {
		w := r.word(tail)
		typ, misc, size := ne.Uint32(w), ne.Uint16(w[4:]), uint64(ne.Uint16(w[6:]))
		if size < 8 || size%8 != 0 || size > head-tail {
			// Not a record boundary: give up on what is there, and
			// say so, as for events the kernel dropped.
			t.cswLost(th, max(1, (head-tail)/perfSwitchLen), unreadableReason)
			tail, s.hasOut = head, false
			break
		}
		switch {
		case typ == unix.PERF_RECORD_SWITCH && size >= perfSwitchLen:
			when := int64(ne.Uint64(r.word(tail + perfSwitchTime)))
			if misc&unix.PERF_RECORD_MISC_SWITCH_OUT != 0 {
				s.out = cswSwitch{when: when, preempt: misc&unix.PERF_RECORD_MISC_SWITCH_OUT_PREEMPT != 0}
				s.hasOut = true
			} else {
				t.cswIn(th, s, when)
			}
		case typ == unix.PERF_RECORD_LOST && size >= perfLostLen:
			t.cswLost(th, ne.Uint64(r.word(tail+perfLostCount)), lostReason)
			s.hasOut = false
		}
		tail += size
	}
	atomic.StoreUint64(&r.meta.Data_tail, tail) // frees the space for the kernel
}

// cswIn handles a switch-in of th at time when: either the end of a
// ptrace stop, the tracer's doing, or the end of a switch of the
// program's own, which it records.
//
// The switch-in that follows a resume is the next one on the ring: the
// drain at the stop read every event the thread wrote before it (a
// thread writes its events as it switches, and had switched in before it
// stopped), but perhaps not the stop's own switch-out, which the kernel
// may write after the tracer has seen the stop, but always before the
// resume's ptrace request returns; between that switch-out and the
// resume's switch-in the thread does not run. The ring's order decides,
// not the events' times: the tracer's clock and the event's are read on
// different CPUs, which an emulated machine's clocks may not agree on (a
// switch-in stamped before the resume's clock reading, taken for one of
// the program's, made the program's next sleep pass for the resume). A
// program's own switch lies wholly between a resume and the next stop, so
// by the time of a stop both its events are on the ring; the switch-out
// that ends a drain is always the stop's, held back until its switch-in.
func (t *Tracer) cswIn(th *thread, s *cswState, when int64) {
	if s.expectIn {
		s.expectIn, s.hasOut = false, false
		return
	}
	if !s.hasOut {
		return // its switch-out was lost
	}
	s.hasOut = false
	t.cswPair(th, s.out.when, when, s.out.preempt, 0)
}

// cswLost records that n switch events of th were lost, and why: the
// kernel dropped them (the ring filled up between two stops), or the ring
// could not be read (about one event per perfSwitchLen bytes given up).
func (t *Tracer) cswLost(th *thread, n uint64, reason []byte) {
	t.rec.lostRecords(t.header(th, th.lastABI), n, reason)
}

// lostReason says why context-switch records were lost.
var lostReason = []byte("context switch events: ring buffer full")

// unreadableReason says why context-switch records were lost when the
// ring held no record where one should start.
var unreadableReason = []byte("context switch events: ring buffer unreadable")

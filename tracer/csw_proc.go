package tracer

import (
	"bytes"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
)

// procCounts infers a thread's context switches from the counters of
// /proc/PID/task/TID/status, kept open and re-read at each stop.
type procCounts struct {
	fd         int // the status file, or -1
	tid        int // the thread it describes
	vol, invol uint64
	valid      bool // vol and invol hold a reading
}

// close closes the status file.
func (c *procCounts) close() {
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
}

// Fields of /proc/PID/task/TID/status with the switch counters.
var (
	volField   = []byte("\nvoluntary_ctxt_switches:")
	involField = []byte("\nnonvoluntary_ctxt_switches:")
)

// cswCount reads the switch counters of th at a stop and writes an
// inferred CSW stop/resume pair for each switch made since the last
// stop, less the one of the ptrace stop itself.
func (t *Tracer) cswCount(th *thread, s *cswState) {
	c := &s.counts
	if c.fd < 0 || c.tid != th.tid {
		// First reading, or the thread took its leader's tid in an exec.
		c.close()
		c.valid = false
		fd, err := unix.Open(procPath(th.proc.pid, "task/"+strconv.Itoa(th.tid)+"/status"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return
		}
		c.fd, c.tid = fd, th.tid
	}
	// A ptrace request returns only once the tracee is off its CPU, so
	// the switch of this stop is counted by the time we read.
	_, _ = eventMsg(th.tid)
	vol, invol, ok := readSwitchCounts(c.fd, t.scratch)
	if !ok {
		c.close()
		c.valid = false
		return
	}
	prevVol, prevInvol, valid := c.vol, c.invol, c.valid
	c.vol, c.invol, c.valid = vol, invol, true
	if !valid {
		return
	}
	// When they happened is not known: all get the stop's time.
	var now int64
	if vol > prevVol+1 || invol > prevInvol {
		now = time.Now().UnixNano()
	}
	if vol > prevVol {
		for n := vol - prevVol - 1; n > 0; n-- { // one is this stop's
			t.cswPair(th, now, now, false, format.FlagInferred)
		}
	}
	if invol > prevInvol {
		for n := invol - prevInvol; n > 0; n-- {
			t.cswPair(th, now, now, true, format.FlagInferred)
		}
	}
}

// readSwitchCounts reads the voluntary and nonvoluntary switch counts
// from the status file open at fd, using buf.
func readSwitchCounts(fd int, buf []byte) (vol, invol uint64, ok bool) {
	n, err := unix.Pread(fd, buf, 0)
	if err != nil || n <= 0 {
		return 0, 0, false
	}
	b := buf[:n]
	vol, ok1 := statusNumber(b, volField)
	invol, ok2 := statusNumber(b, involField)
	return vol, invol, ok1 && ok2
}

// statusNumber returns the decimal number after field in a status file.
func statusNumber(b, field []byte) (uint64, bool) {
	i := bytes.Index(b, field)
	if i < 0 {
		return 0, false
	}
	b = b[i+len(field):]
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	var v uint64
	digits := 0
	for ; digits < len(b) && b[digits] >= '0' && b[digits] <= '9'; digits++ {
		v = v*10 + uint64(b[digits]-'0')
	}
	return v, digits > 0
}

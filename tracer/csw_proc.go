package tracer

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/ktrace-linux/ktrace/format"
	"github.com/ktrace-linux/ktrace/internal/procfs"
)

// procCounts infers a thread's context switches from its /proc files,
// kept open and re-read at each stop: the voluntary and nonvoluntary
// switch counters of status, and the count of times it was switched in
// of schedstat, which costs a tenth as much to read and tells when there
// is nothing to count.
type procCounts struct {
	fd         int // the status file, or -1
	sched      int // the schedstat file, or -1
	tid        int // the thread they describe
	vol, invol uint64
	runs       uint64 // schedstat's count of switch-ins
	valid      bool   // the counts hold a reading
}

// close closes the files.
func (c *procCounts) close() {
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
	if c.sched >= 0 {
		unix.Close(c.sched)
		c.sched = -1
	}
	c.valid = false
}

// cswCount reads the switch counters of th at a stop and writes an
// inferred CSW stop/resume pair for each switch made since the last
// stop, less the one of the ptrace stop itself.
func (t *Tracer) cswCount(th *thread, s *cswState) {
	c := &s.counts
	if c.fd < 0 || c.tid != th.tid {
		// First reading, or the thread took its leader's tid in an exec.
		c.close()
		fd, err := unix.Open(procfs.TaskPath(th.proc.pid, th.tid, "status"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return
		}
		c.fd, c.tid = fd, th.tid
		if fd, err := unix.Open(procfs.TaskPath(th.proc.pid, th.tid, "schedstat"), unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
			c.sched = fd
		}
	}
	// A ptrace request returns only once the tracee is off its CPU, so
	// the switch of this stop is counted by the time we read.
	_, _ = eventMsg(th.tid)
	var runs uint64
	if c.sched >= 0 {
		var ok bool
		runs, ok = readSchedRuns(c.sched, t.scratch)
		switch {
		case !ok || (c.valid && runs == c.runs):
			// No schedstat, or one the kernel does not keep (every stop
			// is followed by a switch-in): status alone will do.
			unix.Close(c.sched)
			c.sched = -1
		case c.valid && runs == c.runs+1:
			// Switched in once, when resumed: no switch of the program's,
			// and the one voluntary switch of this stop.
			c.runs = runs
			c.vol++
			return
		}
	}
	vol, invol, ok := readSwitchCounts(c.fd, t.scratch)
	if !ok {
		c.close()
		return
	}
	prevVol, prevInvol, valid := c.vol, c.invol, c.valid
	c.vol, c.invol, c.runs, c.valid = vol, invol, runs, true
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

// readSchedRuns reads the number of times a thread was switched in from
// the schedstat file open at fd, using buf.
func readSchedRuns(fd int, buf []byte) (uint64, bool) {
	n, err := unix.Pread(fd, buf, 0)
	if err != nil || n <= 0 {
		return 0, false
	}
	return procfs.SchedRuns(buf[:n])
}

// readSwitchCounts reads the voluntary and nonvoluntary switch counts
// from the status file open at fd, using buf.
func readSwitchCounts(fd int, buf []byte) (vol, invol uint64, ok bool) {
	n, err := unix.Pread(fd, buf, 0)
	if err != nil || n <= 0 {
		return 0, 0, false
	}
	return procfs.SwitchCounts(buf[:n])
}

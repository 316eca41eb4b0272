package tracer

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/ktrace-linux/ktrace/arch"
	"github.com/ktrace-linux/ktrace/format"
)

// recorder owns the trace file's Writer: every record the engine writes
// goes through it. It keeps the Writer safe between the tracer's thread
// and the goroutine that flushes on a timer, carries out the flush
// policy, and counts what was lost.
//
// Flush policy: a record reaches the file when the process it describes
// may be seen to end (the engine calls processEnding at exit_group, at
// the exit of a last thread, and a signal that may kill or stop it
// flushes; the end of a process whose exit call flushed and which wrote
// nothing since needs no second flush), when the tracer answers a
// request, and otherwise within the flush interval, so that the records
// of a tracee that blocks for long are not held back.
type recorder struct {
	mu     sync.Mutex // guards w against the flusher
	w      *format.Writer
	failed atomic.Bool // w has an error: err need not lock otherwise
	lost   uint64      // records the tracer knows were lost (LOST records' counts)

	interval time.Duration
	stop     chan struct{} // closed to stop the flusher
	done     chan struct{} // closed when the flusher has stopped
}

// newRecorder returns a recorder writing to w that flushes at least
// every interval while it runs.
func newRecorder(w *format.Writer, interval time.Duration) *recorder {
	return &recorder{w: w, interval: interval}
}

// start starts flushing on the timer.
func (r *recorder) start() {
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		tick := time.NewTicker(r.interval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				r.flush()
			case <-r.stop:
				return
			}
		}
	}()
}

// finish stops the timer and flushes.
func (r *recorder) finish() {
	if r.stop != nil {
		close(r.stop)
		<-r.done
		r.stop = nil
	}
	r.flush()
}

// flush writes out buffered records.
func (r *recorder) flush() {
	r.mu.Lock()
	r.check(r.w.Flush())
	r.mu.Unlock()
}

// processEnding flushes: a process is about to end, and its parent may see
// it gone before the tracer sees anything more of it.
func (r *recorder) processEnding() { r.flush() }

// check notes the error a write under r.mu returned when it is the
// Writer's (a failed write to the file).
func (r *recorder) check(err error) {
	if err != nil && r.w.Err() != nil {
		r.failed.Store(true)
	}
}

// err returns the first write error, or nil. The tracer asks after every
// stop: without an error it takes no lock.
func (r *recorder) err() error {
	if !r.failed.Load() {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.w.Err()
}

// call writes a CALL record.
func (r *recorder) call(h *format.Header, nr uint32, args []uint64) {
	r.mu.Lock()
	r.check(r.w.WriteCall(h, nr, args))
	r.mu.Unlock()
}

// ret writes a RET record.
func (r *recorder) ret(h *format.Header, ret format.Ret) {
	r.mu.Lock()
	r.check(r.w.WriteRet(h, ret))
	r.mu.Unlock()
}

// emul writes an EMUL record.
func (r *recorder) emul(h *format.Header, abi arch.ABI) {
	r.mu.Lock()
	r.check(r.w.WriteEmul(h, abi))
	r.mu.Unlock()
}

// bytes writes a record of type typ whose payload is b (NAMI, ARGS,
// ENVS).
func (r *recorder) bytes(h *format.Header, typ format.Type, b []byte) {
	r.mu.Lock()
	r.check(r.w.WriteBytes(h, typ, b))
	r.mu.Unlock()
}

// exit writes an EXIT record.
func (r *recorder) exit(h *format.Header, e format.Exit) {
	r.mu.Lock()
	r.check(r.w.WriteExit(h, e))
	r.mu.Unlock()
}

// labeled writes a USER or STRU record.
func (r *recorder) labeled(h *format.Header, typ format.Type, label string, data []byte) {
	r.mu.Lock()
	r.check(r.w.WriteLabeled(h, typ, label, data))
	r.mu.Unlock()
}

// genio writes a GIO record.
func (r *recorder) genio(h *format.Header, g *format.Genio) {
	r.mu.Lock()
	r.check(r.w.WriteGenio(h, g))
	r.mu.Unlock()
}

// signal writes a PSIG record, and flushes when the signal may end the
// process.
func (r *recorder) signal(h *format.Header, ps *format.Psig, flush bool) {
	r.mu.Lock()
	r.check(r.w.WritePsig(h, ps))
	if flush {
		r.check(r.w.Flush())
	}
	r.mu.Unlock()
}

// csw writes a CSW record.
func (r *recorder) csw(h *format.Header, c *format.Csw) {
	r.mu.Lock()
	r.check(r.w.WriteCsw(h, c))
	r.mu.Unlock()
}

// lostRecords writes a LOST record for n records that could not be
// written, and counts them.
func (r *recorder) lostRecords(h *format.Header, n uint64, reason []byte) {
	l := format.Lost{Records: n, Reason: reason}
	r.mu.Lock()
	r.lost += n
	r.check(r.w.WriteLost(h, &l))
	r.mu.Unlock()
}

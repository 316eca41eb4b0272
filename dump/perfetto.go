package dump

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/ktrace-linux/ktrace/format"
)

// Perfetto writes the Chrome trace event format that ui.perfetto.dev and
// chrome://tracing open: one JSON object whose traceEvents are an "X"
// (complete) event per system call, with the call and its result as
// args, an "i" (instant) event per signal, thread start, fork, exec and
// exit, and "M" (metadata) events naming each process and thread by its
// command. Times are microseconds since the first record taken. Calls
// are written as their RETs are read, so memory does not grow with the
// trace.
type Perfetto struct {
	w     *bufio.Writer
	k     *tracker
	buf   []byte
	n     int // events written
	err   error
	begun bool
}

// NewPerfetto returns a Perfetto renderer writing to w.
func NewPerfetto(w io.Writer, o Options) *Perfetto {
	p := &Perfetto{w: bufio.NewWriterSize(w, 64<<10)}
	p.k = newTracker(o, p)
	return p
}

// Record takes one record, if it passes the -p and -t filters.
func (p *Perfetto) Record(rec *format.Record) error {
	p.k.record(rec)
	return p.err
}

// Flush writes out the buffered events.
func (p *Perfetto) Flush() error {
	if p.err != nil {
		return p.err
	}
	return p.w.Flush()
}

// Close ends the calls still open, names the processes and threads and
// ends the JSON object.
func (p *Perfetto) Close() error {
	p.k.finish()
	named := map[int32]bool{}
	for _, th := range p.k.sortedThreads() {
		if !named[th.pid] {
			named[th.pid] = true
			p.meta(th.pid, th.pid, "process_name", th.comm)
		}
		p.meta(th.pid, th.tid, "thread_name", th.comm)
	}
	p.begin()
	p.w.WriteString("\n],\"displayTimeUnit\":\"ns\"}\n")
	if p.err != nil {
		return p.err
	}
	return p.w.Flush()
}

// begin writes the start of the object before the first event.
func (p *Perfetto) begin() {
	if !p.begun {
		p.begun = true
		p.w.WriteString("{\"traceEvents\":[")
	}
}

// event starts an event of phase ph on th's track at time t.
func (p *Perfetto) event(b []byte, ph byte, pid, tid int32, t int64) []byte {
	p.begin()
	if p.n > 0 {
		b = append(b, ',')
	}
	p.n++
	b = append(b, "\n{\"ph\":\""...)
	b = append(b, ph)
	b = append(b, "\",\"pid\":"...)
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, ",\"tid\":"...)
	b = strconv.AppendInt(b, int64(tid), 10)
	b = append(b, ",\"ts\":"...)
	return micros(b, t)
}

// write hands an event to the output.
func (p *Perfetto) write(b []byte) {
	if _, err := p.w.Write(b); err != nil && p.err == nil {
		p.err = err
	}
	p.buf = b[:0]
}

func (p *Perfetto) meta(pid, tid int32, name, value string) {
	b := p.event(p.buf[:0], 'M', pid, tid, 0)
	b = append(b, ",\"name\":\""...)
	b = append(b, name...)
	b = append(b, "\",\"args\":{\"name\":"...)
	b = appendJSONString(b, []byte(value))
	p.write(append(b, "}}"...))
}

func (p *Perfetto) call(th *threadInfo, s *callSpan) {
	b := p.event(p.buf[:0], 'X', th.pid, th.tid, s.start-p.k.base)
	b = append(b, ",\"dur\":"...)
	b = micros(b, s.end-s.start)
	b = append(b, ",\"name\":"...)
	b = appendJSONString(b, []byte(s.name))
	b = append(b, ",\"cat\":\""...)
	b = append(b, s.class.String()...)
	b = append(b, "\",\"args\":{\"call\":"...)
	b = appendJSONString(b, []byte(s.text))
	if s.ret != "" {
		b = append(b, ",\"result\":"...)
		b = appendJSONString(b, []byte(s.ret))
	} else {
		b = append(b, ",\"result\":\"(no return seen)\""...)
	}
	p.write(append(b, "}}"...))
}

// state leaves out the times a thread was switched out: they need not
// nest within the calls, as a track's complete events must.
func (p *Perfetto) state(*threadInfo, *stateSpan) {}

func (p *Perfetto) mark(th *threadInfo, m *mark) {
	b := p.event(p.buf[:0], 'i', th.pid, th.tid, m.time-p.k.base)
	b = append(b, ",\"s\":\"t\",\"name\":"...)
	name := markNames[m.kind]
	if m.kind == markSignal {
		name = m.text
		name, _, _ = strings.Cut(name, " ")
	}
	b = appendJSONString(b, []byte(name))
	b = append(b, ",\"cat\":\""...)
	b = append(b, markNames[m.kind]...)
	b = append(b, "\",\"args\":{\"detail\":"...)
	b = appendJSONString(b, []byte(m.text))
	p.write(append(b, "}}"...))
}

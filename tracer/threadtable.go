package tracer

// threadTable maps thread ids to the state of the traced threads. The
// tracer looks a thread up at every stop; thread ids are small numbers
// (below the kernel's PID_MAX_LIMIT) handed out in order, so a two-level
// array answers with two loads where a map hashes and probes, and the
// pages of a process tree's ids stay in the cache.
type threadTable struct {
	pages []*tidPage // by tid >> tidPageBits, allocated on first use
	n     int
	// beyond holds the ids past the pages, which Linux does not hand out.
	beyond map[int]*thread
	// spare holds pages left empty, for the next page needed: a process
	// forking short-lived children one after the other empties and
	// needs again the page of its children's ids at every fork, and
	// allocating it anew (8 KiB) each time made the garbage collector
	// run every few hundred forks.
	spare []*tidPage
}

// tidPage holds the threads of tidPageSize consecutive thread ids.
type tidPage struct {
	th [tidPageSize]*thread
	n  int // threads held
}

const (
	// maxSpare is the most empty pages kept for reuse.
	maxSpare    = 4
	tidPageBits = 10
	tidPageSize = 1 << tidPageBits
	// maxTid is the kernel's PID_MAX_LIMIT on 64-bit machines: no thread
	// id reaches it.
	maxTid = 4 << 20
)

// get returns the thread tid, or nil.
func (tt *threadTable) get(tid int) *thread {
	if uint(tid) < maxTid {
		if tt.pages == nil {
			return nil
		}
		if p := tt.pages[tid>>tidPageBits]; p != nil {
			return p.th[tid&(tidPageSize-1)]
		}
		return nil
	}
	return tt.beyond[tid]
}

// set makes th the thread tid.
func (tt *threadTable) set(tid int, th *thread) {
	if uint(tid) >= maxTid {
		if tt.beyond == nil {
			tt.beyond = make(map[int]*thread)
		}
		if _, ok := tt.beyond[tid]; !ok {
			tt.n++
		}
		tt.beyond[tid] = th
		return
	}
	if tt.pages == nil {
		tt.pages = make([]*tidPage, maxTid>>tidPageBits)
	}
	p := tt.pages[tid>>tidPageBits]
	if p == nil {
		if k := len(tt.spare); k > 0 {
			p = tt.spare[k-1]
			tt.spare = tt.spare[:k-1]
		} else {
			p = new(tidPage)
		}
		tt.pages[tid>>tidPageBits] = p
	}
	slot := &p.th[tid&(tidPageSize-1)]
	if *slot == nil {
		p.n++
		tt.n++
	}
	*slot = th
}

// delete forgets the thread tid; a page left empty is kept for reuse
// (up to maxSpare pages) or freed.
func (tt *threadTable) delete(tid int) {
	if uint(tid) >= maxTid {
		if _, ok := tt.beyond[tid]; ok {
			delete(tt.beyond, tid)
			tt.n--
		}
		return
	}
	if tt.pages == nil {
		return
	}
	p := tt.pages[tid>>tidPageBits]
	if p == nil || p.th[tid&(tidPageSize-1)] == nil {
		return
	}
	p.th[tid&(tidPageSize-1)] = nil
	tt.n--
	if p.n--; p.n == 0 {
		tt.pages[tid>>tidPageBits] = nil
		if len(tt.spare) < maxSpare {
			tt.spare = append(tt.spare, p) // every slot is nil again
		}
	}
}

// len returns the number of threads held.
func (tt *threadTable) len() int { return tt.n }

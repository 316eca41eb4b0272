package tracer

import (
	"math/rand/v2"
	"testing"
)

// TestThreadTable checks the table against a map through random sets and
// deletes, over ids in the pages, at their edges and beyond them.
func TestThreadTable(t *testing.T) {
	var tt threadTable
	want := map[int]*thread{}
	ids := []int{0, 1, tidPageSize - 1, tidPageSize, maxTid - 1, maxTid, maxTid + 5, 1 << 40}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		var tid int
		if i%4 == 0 {
			tid = ids[rng.IntN(len(ids))]
		} else {
			tid = rng.IntN(3 * tidPageSize)
		}
		if rng.IntN(3) == 0 {
			tt.delete(tid)
			delete(want, tid)
		} else {
			th := &thread{tid: tid}
			tt.set(tid, th)
			want[tid] = th
		}
		if got := tt.get(tid); got != want[tid] {
			t.Fatalf("step %d: get(%d) = %p, want %p", i, tid, got, want[tid])
		}
		if tt.len() != len(want) {
			t.Fatalf("step %d: len %d, want %d", i, tt.len(), len(want))
		}
	}
	for tid, th := range want {
		if tt.get(tid) != th {
			t.Fatalf("get(%d) = %p, want %p", tid, tt.get(tid), th)
		}
	}
	for tid := range want {
		tt.delete(tid)
	}
	if tt.len() != 0 || tt.get(1) != nil {
		t.Fatalf("emptied table: len %d", tt.len())
	}
	for i, p := range tt.pages {
		if p != nil {
			t.Fatalf("page %d kept after its last thread went", i)
		}
	}
}

// TestThreadTableReusesPages: a process forking short-lived children one
// after the other empties the page of its children's ids and needs it
// again at every fork; the table keeps the empty page for the next one
// instead of allocating 8 KiB each time. The pages it keeps are empty,
// and no more than maxSpare of them.
func TestThreadTableReusesPages(t *testing.T) {
	var tt threadTable
	parent := &thread{tid: 100}
	tt.set(parent.tid, parent)
	child := &thread{}
	tid := 5000
	allocs := testing.AllocsPerRun(1000, func() {
		tid++ // a new child id each fork, crossing pages now and then
		tt.set(tid, child)
		tt.delete(tid)
	})
	if allocs != 0 {
		t.Errorf("a fork and an exit cost %v allocations in the thread table, want 0", allocs)
	}
	for page := 10; page < 30; page++ {
		tt.set(page*tidPageSize+7, child)
	}
	for page := 10; page < 30; page++ {
		tt.delete(page*tidPageSize + 7)
	}
	if len(tt.spare) > maxSpare {
		t.Errorf("%d empty pages kept, want at most %d", len(tt.spare), maxSpare)
	}
	for i, p := range tt.spare {
		if p.n != 0 || *p != (tidPage{}) {
			t.Errorf("spare page %d is not empty (%d threads)", i, p.n)
		}
	}
	tt.set(40*tidPageSize, child)
	for i := 1; i < tidPageSize; i++ {
		if th := tt.get(40*tidPageSize + i); th != nil {
			t.Fatalf("reused page: get(%d) = %p, want nil", 40*tidPageSize+i, th)
		}
	}
	if tt.get(parent.tid) != parent || tt.len() != 2 {
		t.Errorf("table lost the parent or miscounts: len %d", tt.len())
	}
}

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

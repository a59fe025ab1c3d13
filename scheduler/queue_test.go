package scheduler

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestReadyQueueModel drives the ready queue with random pushes (mostly in
// submission order, some out of order, a few priorities), removals and
// pops, and compares it after every step with a sorted slice.
func TestReadyQueueModel(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 1))
		var q readyQueue
		var model, out []*task // queued; removed, to queue again later
		var seq uint64
		less := func(a, b *task) int {
			if a.userPrio != b.userPrio {
				if a.userPrio > b.userPrio {
					return -1
				}
				return 1
			}
			if a.seq < b.seq {
				return -1
			}
			return 1
		}
		for step := range 3000 {
			switch op := r.IntN(10); {
			case op < 5: // push a new task, or a removed one again (out of order)
				var tk *task
				if r.IntN(4) == 0 && len(out) > 0 {
					i := r.IntN(len(out))
					tk = out[i]
					out = slices.Delete(out, i, i+1)
				} else {
					seq++
					tk = newTask("", seq)
					tk.userPrio = int64(r.IntN(3))
				}
				q.push(tk)
				model = append(model, tk)
			case op < 7 && len(model) > 0: // remove any
				i := r.IntN(len(model))
				q.remove(model[i])
				out = append(out, model[i])
				model = slices.Delete(model, i, i+1)
			case len(model) > 0: // pop the most urgent
				slices.SortFunc(model, less)
				if got := q.peek(); got != model[0] {
					t.Fatalf("seed %d step %d: peek = (prio %d, seq %d), want (prio %d, seq %d)",
						seed, step, got.userPrio, got.seq, model[0].userPrio, model[0].seq)
				}
				q.remove(model[0])
				out = append(out, model[0])
				model = model[1:]
			}
			if q.Len() != len(model) {
				t.Fatalf("seed %d step %d: Len = %d, want %d", seed, step, q.Len(), len(model))
			}
			n := 0
			for tk := range q.all {
				n++
				if tk.qlevel == nil {
					t.Fatalf("seed %d step %d: queued task with no level", seed, step)
				}
			}
			if n != len(model) {
				t.Fatalf("seed %d step %d: all yields %d tasks, want %d", seed, step, n, len(model))
			}
		}
	}
}

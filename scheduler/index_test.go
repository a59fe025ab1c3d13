package scheduler

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestIndexAgainstMap drives the index with random adds and removes and
// compares every lookup with a map's answer. The hashes are chosen by the
// test from a few values, so that runs of colliding and wrapping entries
// form and removal has to shift them back; with real hashes that is rare.
func TestIndexAgainstMap(t *testing.T) {
	for _, tags := range []uint64{3, 40, 1 << 20} {
		t.Run(strconv.FormatUint(tags, 10), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, tags))
			x := newIndex()
			var slots []*task
			var free []uint32
			model := map[string]*task{}
			hashes := map[string]uint64{}
			h := func(k string) uint64 {
				if v, ok := hashes[k]; ok {
					return v
				}
				// Tags near the top of the range wrap around the table's end.
				v := (r.Uint64N(tags) - tags/2) << 32
				hashes[k] = v
				return v
			}
			for step := range 20_000 {
				k := "k" + strconv.Itoa(r.IntN(300))
				if tt := model[k]; tt != nil {
					x.remove(tt, h(k))
					delete(model, k)
					slots[tt.slot] = nil
					free = append(free, tt.slot)
				} else {
					tt := newTask(k, uint64(step))
					if n := len(free); n > 0 {
						tt.slot, free = free[n-1], free[:n-1]
						slots[tt.slot] = tt
					} else {
						tt.slot = uint32(len(slots))
						slots = append(slots, tt)
					}
					x.add(tt, h(k))
					model[k] = tt
				}
				if x.n != len(model) || x.n*4 > len(x.entries)*3 {
					t.Fatalf("step %d: %d entries in a table of %d, the map has %d", step, x.n, len(x.entries), len(model))
				}
				for range 4 {
					k := "k" + strconv.Itoa(r.IntN(300))
					if got := x.find(slots, k, h(k)); got != model[k] {
						t.Fatalf("step %d: find(%s) = %v, want %v", step, k, got, model[k])
					}
				}
			}
			for k, tt := range model {
				if got := x.find(slots, k, h(k)); got != tt {
					t.Fatalf("find(%s) = %v, want %v", k, got, tt)
				}
			}
		})
	}
}

func TestIndexReserve(t *testing.T) {
	x := newIndex()
	x.reserve(1000)
	size := len(x.entries)
	if size*3 < 1000*4 {
		t.Fatalf("reserved %d entries for 1000", size)
	}
	slots := make([]*task, 1000)
	for i := range slots {
		slots[i] = newTask(strconv.Itoa(i), uint64(i))
		slots[i].slot = uint32(i)
		x.add(slots[i], x.hash(slots[i].key))
	}
	if len(x.entries) != size {
		t.Fatalf("grew from %d to %d entries after reserving room", size, len(x.entries))
	}
	for _, tt := range slots {
		if x.find(slots, tt.key, x.hash(tt.key)) != tt {
			t.Fatalf("%s not found", tt.key)
		}
	}
}

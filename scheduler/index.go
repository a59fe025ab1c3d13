package scheduler

import (
	"hash/maphash"
	"iter"

	"github.com/gask-dev/gask/internal/keymap"
)

// The index finds a task by its key: a keymap.Index of the tasks' slots
// (refs.go), with a hash seed of its own. Keys are compared only when the
// tags of their hashes match, through the slot.
//
// A Go map would do, but on a graph of a million tasks its probes are
// cache and TLB misses, one after the other, and they were a third of
// the scheduler's time taking the graph in. Entries of one word make the
// table a third of the map's size, and a caller with many keys to look up
// can warm their entries first, a batch at a time (Warm): the misses then
// overlap instead of each stalling the loop.
//
// The hash seed is random, as a Go map's is, so that no client can choose
// keys that all collide; nothing the scheduler decides depends on it (it
// walks tasks in slot order, never in the index's).
type index struct {
	seed maphash.Seed
	keymap.Index
}

// warmBatch is how many keys a caller hashes and warms before it probes
// them: enough misses to overlap, few enough to stay cached.
const warmBatch = 16

func newIndex() index { return index{seed: maphash.MakeSeed()} }

func (x *index) hash(key string) uint64 { return maphash.String(x.seed, key) }

// find returns the task of key (whose hash is h) among slots, or nil.
func (x *index) find(slots []*task, key string, h uint64) *task {
	for p := x.Probe(h); ; {
		s, ok := p.Next()
		if !ok {
			return nil
		}
		if t := slots[s]; t.key == key {
			return t
		}
	}
}

// add indexes t, whose key (of hash h) is not in the index yet.
func (x *index) add(t *task, h uint64) { x.Add(h, t.slot) }

// remove drops t (of key hash h) from the index.
func (x *index) remove(t *task, h uint64) {
	if !x.Remove(h, t.slot) {
		panic("scheduler: task " + t.key + " is not in the index")
	}
}

// lookup returns the task of key, or nil.
func (s *State) lookup(key string) *task { return s.index.find(s.slots, key, s.index.hash(key)) }

// allTasks yields every task, in slot order.
func (s *State) allTasks() iter.Seq[*task] {
	return func(yield func(*task) bool) {
		for _, t := range s.slots {
			if t != nil && !yield(t) {
				return
			}
		}
	}
}

// lookupAll calls f with each key's task (nil for a key not known),
// in order, warming the index a batch of keys ahead.
func (s *State) lookupAll(keys []string, f func(i int, t *task)) {
	var hs [warmBatch]uint64
	for lo := 0; lo < len(keys); lo += warmBatch {
		batch := keys[lo:min(lo+warmBatch, len(keys))]
		for j, k := range batch {
			hs[j] = s.index.hash(k)
			s.index.Warm(hs[j])
		}
		for j, k := range batch {
			f(lo+j, s.index.find(s.slots, k, hs[j]))
		}
	}
}

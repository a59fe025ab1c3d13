package scheduler

import (
	"hash/maphash"
	"iter"
	"math/bits"
)

// The index finds a task by its key. It is an open-addressing table with
// linear probing whose entries are one word each: the high 32 bits of the
// key's hash (the tag, which also gives the entry's home position) and the
// task's slot plus one (refs.go); 0 is an empty entry. Keys are compared
// only when tags match, through the slot.
//
// A Go map would do, but on a graph of a million tasks its probes are
// cache and TLB misses, one after the other, and they were a third of
// the scheduler's time taking the graph in. Entries of one word make the
// table a third of the map's size, and a caller with many keys to look up
// can warm their entries first, a batch at a time (warm): the misses then
// overlap instead of each stalling the loop.
//
// The hash seed is random, as a Go map's is, so that no client can choose
// keys that all collide; nothing the scheduler decides depends on it (it
// walks tasks in slot order, never in the index's).
type index struct {
	seed    maphash.Seed
	entries []uint64
	n       int    // entries in use
	sink    uint64 // the sum of what warm read: kept, so that the compiler keeps the reads
}

const (
	indexMin = 64
	// warmBatch is how many keys a caller hashes and warms before it
	// probes them: enough misses to overlap, few enough to stay cached.
	warmBatch = 16
)

func newIndex() index { return index{seed: maphash.MakeSeed()} }

func (x *index) hash(key string) uint64 { return maphash.String(x.seed, key) }

func (x *index) mask() uint32 { return uint32(len(x.entries) - 1) }

// warm reads the entry where a probe for hash h starts, for the cache.
func (x *index) warm(h uint64) {
	if len(x.entries) > 0 {
		x.sink += x.entries[uint32(h>>32)&x.mask()]
	}
}

// find returns the task of key (whose hash is h) among slots, or nil.
func (x *index) find(slots []*task, key string, h uint64) *task {
	if len(x.entries) == 0 {
		return nil
	}
	tag, mask := uint32(h>>32), x.mask()
	for i := tag & mask; ; i = (i + 1) & mask {
		e := x.entries[i]
		if e == 0 {
			return nil
		}
		if uint32(e>>32) == tag {
			if t := slots[uint32(e)-1]; t.key == key {
				return t
			}
		}
	}
}

// add indexes t, whose key (of hash h) is not in the index yet.
func (x *index) add(t *task, h uint64) {
	if (x.n+1)*4 > len(x.entries)*3 {
		x.resize(max(indexMin, 2*len(x.entries)))
	}
	x.put(uint64(uint32(h>>32))<<32 | uint64(t.slot+1))
	x.n++
}

func (x *index) put(e uint64) {
	mask := x.mask()
	i := uint32(e>>32) & mask
	for x.entries[i] != 0 {
		i = (i + 1) & mask
	}
	x.entries[i] = e
}

// reserve makes room for n more entries without growing on the way.
func (x *index) reserve(n int) {
	if need := (x.n + n) * 4 / 3; need > len(x.entries) {
		x.resize(max(indexMin, 1<<bits.Len(uint(need-1)))) // the power of two at or above need
	}
}

// resize moves the entries to a table of size entries (a power of two).
// The tags give their positions: no key is hashed again.
func (x *index) resize(size int) {
	old := x.entries
	x.entries = make([]uint64, size)
	for _, e := range old {
		if e != 0 {
			x.put(e)
		}
	}
}

// remove drops t (of key hash h) from the index. The entries after it in
// its run move back to close the gap (backward-shift deletion), so that
// no probe stops early and no tombstones build up.
func (x *index) remove(t *task, h uint64) {
	if x.n == 0 {
		panic("scheduler: task " + t.key + " is not in the index")
	}
	tag, mask, want := uint32(h>>32), x.mask(), t.slot+1
	i := tag & mask
	for uint32(x.entries[i]) != want {
		if x.entries[i] == 0 {
			panic("scheduler: task " + t.key + " is not in the index")
		}
		i = (i + 1) & mask
	}
	for j := i; ; {
		j = (j + 1) & mask
		e := x.entries[j]
		if e == 0 {
			break
		}
		// e may fill the gap at i unless its home lies cyclically in (i, j].
		if home := uint32(e>>32) & mask; (j-home)&mask >= (j-i)&mask {
			x.entries[i] = e
			i = j
		}
	}
	x.entries[i] = 0
	x.n--
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
			s.index.warm(hs[j])
		}
		for j, k := range batch {
			f(lo+j, s.index.find(s.slots, k, hs[j]))
		}
	}
}

package keymap

import (
	"fmt"
	"hash/maphash"
	"iter"
	"slices"
)

// Map is a map from string keys to values of type V, made of an Index and
// its own slots. The zero Map is empty and ready to use.
type Map[V any] struct {
	seed  maphash.Seed
	index Index
	slots []slot[V]
	free  []uint32 // slots of deleted keys, for the next Set
}

type slot[V any] struct {
	key  string
	val  V
	used bool
}

func (m *Map[V]) hash(key string) uint64 { return maphash.String(m.seed, key) }

// find returns the slot of key (of hash h), or ok false.
func (m *Map[V]) find(key string, h uint64) (uint32, bool) {
	for p := m.index.Probe(h); ; {
		s, ok := p.Next()
		if !ok || m.slots[s].key == key {
			return s, ok
		}
	}
}

// Len is the number of keys.
func (m *Map[V]) Len() int { return m.index.Len() }

// Get returns key's value, or the zero V when key is absent.
func (m *Map[V]) Get(key string) V {
	v, _ := m.Lookup(key)
	return v
}

// Lookup returns key's value and whether key is present.
func (m *Map[V]) Lookup(key string) (V, bool) {
	if m.index.Len() == 0 {
		var zero V
		return zero, false
	}
	s, ok := m.find(key, m.hash(key))
	if !ok {
		var zero V
		return zero, false
	}
	return m.slots[s].val, true
}

// Reserve makes room for n more keys, so that adding them does not grow
// the map on the way.
func (m *Map[V]) Reserve(n int) {
	m.index.Reserve(n)
	m.slots = slices.Grow(m.slots, max(0, n-len(m.free)))
}

// Set sets key's value, adding key if it is absent.
func (m *Map[V]) Set(key string, v V) {
	if m.seed == (maphash.Seed{}) {
		m.seed = maphash.MakeSeed()
	}
	h := m.hash(key)
	if s, ok := m.find(key, h); ok {
		// The new key too, as a Go map does: the old one's bytes may go.
		m.slots[s].key, m.slots[s].val = key, v
		return
	}
	var s uint32
	if n := len(m.free); n > 0 {
		s, m.free = m.free[n-1], m.free[:n-1]
	} else {
		s = uint32(len(m.slots))
		m.slots = append(m.slots, slot[V]{})
	}
	m.slots[s] = slot[V]{key: key, val: v, used: true}
	m.index.Add(h, s)
}

// Delete removes key, if present.
func (m *Map[V]) Delete(key string) {
	if m.index.Len() == 0 {
		return
	}
	h := m.hash(key)
	s, ok := m.find(key, h)
	if !ok {
		return
	}
	m.index.Remove(h, s)
	m.slots[s] = slot[V]{} // drops the key and value for the collector
	m.free = append(m.free, s)
}

// All yields every key and value, in slot order. A key deleted during the
// loop is not yielded after. Unlike a Go map's, the loop yields every key
// added during it into a new slot (so a loop that adds a key at each step
// never ends), and a key deleted and added again during it may be yielded
// twice, in the slot a deleted key freed.
func (m *Map[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		for i := 0; i < len(m.slots); i++ {
			if s := &m.slots[i]; s.used && !yield(s.key, s.val) {
				return
			}
		}
	}
}

// Check reports the first way m is broken, for invariant checks in tests.
// Every key in use must be found in its own slot, and counted once.
func (m *Map[V]) Check() error {
	err := m.index.Check(func(s uint32) (uint32, bool) {
		if int(s) >= len(m.slots) || !m.slots[s].used {
			return 0, false
		}
		return tag(m.hash(m.slots[s].key)), true
	})
	if err != nil {
		return err
	}
	used := 0
	for i, s := range m.slots {
		if !s.used {
			continue
		}
		used++
		if got, ok := m.find(s.key, m.hash(s.key)); !ok || got != uint32(i) {
			return fmt.Errorf("keymap: key %q of slot %d is found in slot %d (%v)", s.key, i, got, ok)
		}
	}
	freed := make(map[uint32]bool, len(m.free))
	for _, s := range m.free {
		if int(s) >= len(m.slots) || m.slots[s].used || freed[s] {
			return fmt.Errorf("keymap: free slot %d is out of range, in use or free twice", s)
		}
		freed[s] = true
	}
	if used != m.index.Len() || used+len(m.free) != len(m.slots) {
		return fmt.Errorf("keymap: %d slots in use and %d free of %d, %d indexed", used, len(m.free), len(m.slots), m.index.Len())
	}
	return nil
}

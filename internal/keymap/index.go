package keymap

import (
	"fmt"
	"math"
	"math/bits"
)

// Index maps hash tags to slot numbers. Each entry is one word: the high 32
// bits of a key's hash (its tag, which also gives the entry's home
// position) and the slot number plus one; 0 is an empty entry. Probing is
// linear; removal shifts the entries after a gap back into it, so that no
// probe stops early and no tombstones build up. The load stays at most
// three quarters.
type Index struct {
	entries []uint64
	n       int    // entries in use
	sink    uint64 // the sum of what Warm read: kept, so that the compiler keeps the reads
}

const minEntries = 64

// Len is the number of slots indexed.
func (x *Index) Len() int { return x.n }

// Size is the table's length in entries, a power of two (0 until the first
// Add or Reserve): Len is at most three quarters of it.
func (x *Index) Size() int { return len(x.entries) }

func (x *Index) mask() uint32 { return uint32(len(x.entries) - 1) }

func tag(h uint64) uint32 { return uint32(h >> 32) }

// Warm reads the entry where a probe for hash h starts, so that the cache
// miss it costs overlaps with others: hash and warm a batch of keys, then
// probe them.
func (x *Index) Warm(h uint64) {
	if len(x.entries) > 0 {
		x.sink += x.entries[tag(h)&x.mask()]
	}
}

// Probe starts a lookup for hash h. Its Next yields the slots whose tag is
// h's, in probe order; the caller compares their keys with its own and
// stops at the first that matches.
func (x *Index) Probe(h uint64) Probe {
	if len(x.entries) == 0 {
		return Probe{entries: noEntries[:]}
	}
	t, mask := tag(h), x.mask()
	return Probe{entries: x.entries, tag: t, mask: mask, i: t & mask}
}

// noEntries is the table an empty Index's probes read: one empty entry,
// so that Next needs no test of its own for it.
var noEntries [1]uint64

// A Probe is a lookup under way: see Index.Probe. Changing the index ends
// it (Next then answers from a table that may be gone).
type Probe struct {
	entries []uint64
	i, tag  uint32
	mask    uint32
}

// Next returns the next slot whose tag matches, or ok false when there is
// none: the key is not in the index.
func (p *Probe) Next() (slot uint32, ok bool) {
	for {
		e := p.entries[p.i]
		if e == 0 {
			return 0, false
		}
		p.i = (p.i + 1) & p.mask
		if uint32(e>>32) == p.tag {
			return uint32(e) - 1, true
		}
	}
}

// Add indexes slot under hash h. The caller must not add a slot twice;
// slots go up to math.MaxUint32 - 1 (the entry holds slot + 1).
func (x *Index) Add(h uint64, slot uint32) {
	if slot == math.MaxUint32 {
		panic("keymap: slot number out of range")
	}
	if (x.n+1)*4 > len(x.entries)*3 {
		x.resize(max(minEntries, 2*len(x.entries)))
	}
	x.put(uint64(tag(h))<<32 | uint64(slot+1))
	x.n++
}

func (x *Index) put(e uint64) {
	mask := x.mask()
	i := uint32(e>>32) & mask
	for x.entries[i] != 0 {
		i = (i + 1) & mask
	}
	x.entries[i] = e
}

// Reserve makes room for n more entries, so that adding them does not
// grow the table on the way.
func (x *Index) Reserve(n int) {
	if need := (x.n + n) * 4 / 3; need > len(x.entries) {
		x.resize(max(minEntries, 1<<bits.Len(uint(need-1)))) // the power of two at or above need
	}
}

// resize moves the entries to a table of size entries (a power of two).
// The tags give their positions: no key is read or hashed again.
func (x *Index) resize(size int) {
	old := x.entries
	x.entries = make([]uint64, size)
	for _, e := range old {
		if e != 0 {
			x.put(e)
		}
	}
}

// Remove drops slot, indexed under hash h, and reports whether it was
// there (under that hash: the entry must carry h's tag).
func (x *Index) Remove(h uint64, slot uint32) bool {
	if x.n == 0 {
		return false
	}
	mask, want := x.mask(), uint64(tag(h))<<32|uint64(slot+1)
	i := tag(h) & mask
	for x.entries[i] != want {
		if x.entries[i] == 0 {
			return false
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
	return true
}

// Check reports the first way the index is broken, for invariant checks
// in tests: tagOf gives the tag each slot's key has now (the high 32 bits
// of its hash), ok false for a slot not in use. Every entry must name a
// slot in use, carry its tag, sit where a probe from its home reaches it,
// and be counted.
func (x *Index) Check(tagOf func(slot uint32) (tag uint32, ok bool)) error {
	n := 0
	mask := x.mask()
	for i, e := range x.entries {
		if e == 0 {
			continue
		}
		n++
		slot := uint32(e) - 1
		t, ok := tagOf(slot)
		if !ok {
			return fmt.Errorf("keymap: an entry names slot %d, not in use", slot)
		}
		if t != uint32(e>>32) {
			return fmt.Errorf("keymap: the entry of slot %d has tag %#x, its key %#x", slot, uint32(e>>32), t)
		}
		for j := uint32(e>>32) & mask; j != uint32(i); j = (j + 1) & mask {
			if x.entries[j] == 0 {
				return fmt.Errorf("keymap: the entry of slot %d is past an empty entry from its home", slot)
			}
		}
	}
	if n != x.n || n*4 > len(x.entries)*3 {
		return fmt.Errorf("keymap: %d entries of %d in use, %d counted", n, len(x.entries), x.n)
	}
	return nil
}

package keymap

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"testing"
	"unsafe"
)

// TestIndexAgainstMap drives an Index with random adds and removes and
// compares every lookup with a Go map's answer. The test chooses the
// hashes from a few values, so that runs of colliding entries form, wrap
// around the table's end, and must shift back on removal; with real
// hashes that is rare.
func TestIndexAgainstMap(t *testing.T) {
	for _, tags := range []uint64{3, 40, 1 << 20} {
		t.Run(strconv.FormatUint(tags, 10), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, tags))
			var x Index
			var keys []string // by slot; "" for a free slot
			var free []uint32
			model := map[string]uint32{}
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
			find := func(k string) (uint32, bool) {
				for p := x.Probe(h(k)); ; {
					s, ok := p.Next()
					if !ok || keys[s] == k {
						return s, ok
					}
				}
			}
			for step := range 20_000 {
				k := "k" + strconv.Itoa(r.IntN(300))
				if s, ok := model[k]; ok {
					if !x.Remove(h(k), s) {
						t.Fatalf("step %d: Remove(%s) found nothing", step, k)
					}
					delete(model, k)
					keys[s] = ""
					free = append(free, s)
				} else {
					var s uint32
					if n := len(free); n > 0 {
						s, free = free[n-1], free[:n-1]
						keys[s] = k
					} else {
						s = uint32(len(keys))
						keys = append(keys, k)
					}
					x.Add(h(k), s)
					model[k] = s
				}
				if err := x.Check(func(s uint32) (uint32, bool) { return tag(h(keys[s])), keys[s] != "" }); err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if x.Len() != len(model) {
					t.Fatalf("step %d: Len %d, the map has %d", step, x.Len(), len(model))
				}
				for range 4 {
					k := "k" + strconv.Itoa(r.IntN(300))
					got, ok := find(k)
					want, wantOK := model[k]
					if ok != wantOK || ok && got != want {
						t.Fatalf("step %d: find(%s) = %d, %v; want %d, %v", step, k, got, ok, want, wantOK)
					}
				}
			}
		})
	}
}

func TestIndexRemoveAbsent(t *testing.T) {
	var x Index
	if x.Remove(1<<32, 0) {
		t.Fatal("Remove on an empty index reported a slot removed")
	}
	x.Add(1<<32, 0)
	// Tag 0's probe starts at position 0 and passes over slot 0's entry,
	// at 1: under tag 0 it is not there.
	if x.Remove(1<<32, 1) || x.Remove(2<<32, 0) || x.Remove(0, 0) || x.Len() != 1 {
		t.Fatalf("Remove of a slot not indexed under that hash changed the index: Len %d", x.Len())
	}
	if !x.Remove(1<<32, 0) || x.Len() != 0 {
		t.Fatal("Remove under the right hash did not remove")
	}
}

func TestReserve(t *testing.T) {
	var x Index
	x.Reserve(1000)
	size := x.Size()
	if size < 1334 {
		t.Fatalf("Reserve(1000) made %d entries, fewer than 1,000 at a load of 3/4 need", size)
	}
	for i := range uint32(1000) {
		x.Add(uint64(i)*0x9e3779b97f4a7c15, i)
	}
	if x.Size() != size {
		t.Fatalf("adding the 1,000 reserved grew the table from %d to %d", size, x.Size())
	}
}

// TestMapAgainstMap checks Map's Set, Get, Lookup, Delete, Len and All
// against a Go map over random operations, with its invariants after each.
func TestMapAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	var m Map[int]
	model := map[string]int{}
	for step := range 30_000 {
		k := "key-" + strconv.Itoa(r.IntN(2000))
		switch op := r.IntN(10); {
		case op < 5:
			m.Set(k, step)
			model[k] = step
		case op < 8:
			m.Delete(k)
			delete(model, k)
		default:
			v, ok := m.Lookup(k)
			want, wantOK := model[k]
			if v != want || ok != wantOK || m.Get(k) != want {
				t.Fatalf("step %d: Lookup(%s) = %d, %v; want %d, %v", step, k, v, ok, want, wantOK)
			}
		}
		if m.Len() != len(model) {
			t.Fatalf("step %d: Len %d, want %d", step, m.Len(), len(model))
		}
		if step%1000 == 0 {
			if err := m.Check(); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			if got := maps.Collect(m.All()); !maps.Equal(got, model) {
				t.Fatalf("step %d: All yields %d keys, not the model's %d", step, len(got), len(model))
			}
		}
	}
}

func TestZeroMap(t *testing.T) {
	var m Map[*int]
	if m.Get("x") != nil || m.Len() != 0 {
		t.Fatal("the zero Map is not empty")
	}
	m.Delete("x")
	for k := range m.All() {
		t.Fatalf("the zero Map yields %q", k)
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestDeleteWhileIterating deletes every key as All yields it, and half
// of the keys not yet yielded: none of those is yielded after.
func TestDeleteWhileIterating(t *testing.T) {
	var m Map[int]
	for i := range 1000 {
		m.Set(strconv.Itoa(i), i)
	}
	seen := map[string]bool{}
	for k, v := range m.All() {
		if seen[k] {
			t.Fatalf("%s yielded twice", k)
		}
		seen[k] = true
		m.Delete(k)
		if other := strconv.Itoa(999 - v); !seen[other] {
			m.Delete(other)
			seen[other] = true
		}
	}
	if m.Len() != 0 {
		t.Fatalf("%d keys left", m.Len())
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	m.Set("again", 1)
	if m.Get("again") != 1 || m.Len() != 1 {
		t.Fatal("a Map emptied by Delete does not take a key again")
	}
}

// TestSeedsDiffer: two Maps hash with different seeds, as two Go maps do,
// so that keys chosen to collide in one do not collide in every one.
func TestSeedsDiffer(t *testing.T) {
	var a, b Map[int]
	a.Set("k", 1)
	b.Set("k", 1)
	if a.hash("k") == b.hash("k") {
		t.Fatal("two maps hash a key alike: their seeds are not random")
	}
}

func ExampleMap() {
	var m Map[int]
	m.Set("inc-1", 2)
	m.Set("inc-2", 3)
	m.Delete("inc-1")
	v, ok := m.Lookup("inc-2")
	fmt.Println(v, ok, m.Len(), m.Get("inc-1"))
	// Output: 3 true 1 0
}

func TestMapReserve(t *testing.T) {
	var fresh Map[int]
	fresh.Reserve(10) // before any Set
	fresh.Set("a", 1)
	if fresh.Get("a") != 1 {
		t.Fatal("a Map reserved before its first Set lost the key")
	}
	var m Map[int]
	m.Set("a", 1)
	m.Delete("a")
	m.Reserve(0) // fewer than the free slots: no panic
	m.Reserve(1000)
	size, slots := m.index.Size(), cap(m.slots)
	for i := range 1000 {
		m.Set(strconv.Itoa(i), i)
	}
	if m.index.Size() != size || cap(m.slots) != slots {
		t.Fatalf("adding the 1,000 reserved grew the map: index %d → %d entries, slots %d → %d", size, m.index.Size(), slots, cap(m.slots))
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestMapKeysOfOneTag: two keys whose hashes share a tag (found by trying
// keys under the map's own seed) sit in one probe run; each is found as
// itself, and deleting either leaves the other.
func TestMapKeysOfOneTag(t *testing.T) {
	var m Map[string]
	m.Set("seed", "") // the seed is made on the first Set
	m.Delete("seed")
	seen := map[uint32]string{}
	var a, b string
	for i := 0; a == ""; i++ {
		k := "k" + strconv.Itoa(i)
		tg := tag(m.hash(k))
		if other, ok := seen[tg]; ok {
			a, b = other, k
		}
		seen[tg] = k
	}
	for _, first := range []string{a, b} {
		m.Set(a, a)
		m.Set(b, b)
		if m.Get(a) != a || m.Get(b) != b {
			t.Fatalf("keys %q and %q of one tag: Get gives %q and %q", a, b, m.Get(a), m.Get(b))
		}
		m.Delete(first)
		other := a
		if first == a {
			other = b
		}
		if _, ok := m.Lookup(first); ok || m.Get(other) != other {
			t.Fatalf("after deleting %q: it is there (%v) or %q is not (%q)", first, ok, other, m.Get(other))
		}
		if err := m.Check(); err != nil {
			t.Fatal(err)
		}
		m.Delete(other)
	}
}

// TestSetKeepsTheNewKey: setting a key that is there stores the key given,
// as a Go map does, so that the old string's bytes are not kept.
func TestSetKeepsTheNewKey(t *testing.T) {
	var m Map[int]
	old := string([]byte("key"))
	m.Set(old, 1)
	newer := string([]byte("key"))
	m.Set(newer, 2)
	for k := range m.All() {
		if unsafe.StringData(k) != unsafe.StringData(newer) {
			t.Fatal("Set of a key that is there kept the old key's string")
		}
	}
}

// TestCheckFindsABrokenFreeList: a free list naming a slot in use is found
// by Check (the next Set would overwrite that slot's key).
func TestCheckFindsABrokenFreeList(t *testing.T) {
	var m Map[int]
	m.Set("a", 1)
	m.Set("b", 2)
	m.Delete("b")
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	m.free[0] = 0 // "a"'s slot
	if m.Check() == nil {
		t.Fatal("Check passed a free list that names a slot in use")
	}
}

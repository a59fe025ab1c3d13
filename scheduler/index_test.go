package scheduler

import (
	"strconv"
	"testing"
)

// TestIndexFindsTasks adds tasks to the index, removes every other one
// and looks all of them up: the index itself (keymap.Index) is tested
// against a Go map in its package; this checks the scheduler's use of it,
// through task slots and the seed's hash. Removing a task not indexed is
// a broken invariant, and panics.
func TestIndexFindsTasks(t *testing.T) {
	x := newIndex()
	slots := make([]*task, 1000)
	for i := range slots {
		slots[i] = newTask("k"+strconv.Itoa(i), uint64(i))
		slots[i].slot = uint32(i)
		x.add(slots[i], x.hash(slots[i].key))
	}
	for i := 0; i < len(slots); i += 2 {
		x.remove(slots[i], x.hash(slots[i].key))
	}
	for i, tt := range slots {
		want := tt
		if i%2 == 0 {
			want = nil
		}
		if got := x.find(slots, tt.key, x.hash(tt.key)); got != want {
			t.Fatalf("find(%s) = %v, want %v", tt.key, got, want)
		}
	}
	if x.Len() != len(slots)/2 {
		t.Fatalf("%d tasks indexed, want %d", x.Len(), len(slots)/2)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("removing a task not in the index did not panic")
		}
	}()
	x.remove(slots[0], x.hash(slots[0].key))
}

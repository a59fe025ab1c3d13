package scheduler

import (
	"slices"
	"testing"
)

func TestFew(t *testing.T) {
	var f few[int]
	check := func(want ...int) {
		t.Helper()
		if got := f.all(); !slices.Equal(got, want) || f.len() != len(want) {
			t.Fatalf("all() = %v, len() = %d, want %v", got, f.len(), want)
		}
	}
	check()
	f.add(1)
	check(1)
	f.all()[0] = 5 // writes through the view stick
	check(5)
	f.add(2)
	f.add(3)
	check(5, 2, 3)
	f.deleteFunc(func(x int) bool { return x == 2 })
	check(5, 3)
	f.deleteFunc(func(x int) bool { return x == 5 })
	check(3)
	if f.more != nil {
		t.Fatal("one element left, still on the heap")
	}
	f.deleteFunc(func(x int) bool { return x == 3 })
	check()
	f.add(7)
	f.add(8)
	f.deleteFunc(func(int) bool { return true })
	check()
	f.add(9)
	check(9)
	f.reset()
	check()
	if allocs := testing.AllocsPerRun(100, func() {
		var g few[*int]
		x := new(int)
		g.add(x)
		_ = g.all()
		g.deleteFunc(func(p *int) bool { return p == x })
	}); allocs > 1 { // the new(int)
		t.Errorf("one element costs %v allocations, want none", allocs)
	}
}

package graph

import (
	"maps"
	"slices"
	"testing"
)

func TestCull(t *testing.T) {
	base := func() *Graph {
		return parse("$x", "$y", "a<x", "b<a", "!c<b", "side<a y", "other", "!d<other")
	}
	for _, tc := range []struct {
		name       string
		outputs    []Key
		wantTasks  []Key
		wantInputs []Key
	}{
		{"one output", keys("c"), keys("a", "b", "c"), keys("x")},
		{"default outputs", nil, keys("a", "b", "c", "d", "other"), keys("x")},
		{"a side branch", keys("side"), keys("a", "side"), keys("x", "y")},
		{"two outputs sharing", keys("c", "side"), keys("a", "b", "c", "side"), keys("x", "y")},
		{"a leaf", keys("other"), keys("other"), nil},
		{"an input", keys("y"), nil, keys("y")},
		{"an unknown key", keys("zz"), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := base()
			before := len(g.Tasks)
			got := Cull(g, tc.outputs...)
			if k := sortedKeys(got); !slices.Equal(k, tc.wantTasks) {
				t.Errorf("Cull(%v) tasks = %v, want %v", tc.outputs, k, tc.wantTasks)
			}
			if in := slices.Sorted(maps.Keys(got.Inputs)); !slices.Equal(in, tc.wantInputs) {
				t.Errorf("Cull(%v) inputs = %v, want %v", tc.outputs, in, tc.wantInputs)
			}
			wantOut := tc.outputs
			if len(wantOut) == 0 {
				wantOut = g.Outputs
			}
			if !slices.Equal(got.Outputs, wantOut) {
				t.Errorf("Cull(%v) outputs = %v, want %v", tc.outputs, got.Outputs, wantOut)
			}
			if len(g.Tasks) != before {
				t.Errorf("Cull changed its input: %d tasks, had %d", len(g.Tasks), before)
			}
			for k, task := range got.Tasks {
				if g.Tasks[k] != task {
					t.Errorf("Cull copied task %s; tasks are shared", k)
				}
			}
		})
	}
}

// Cull keeps exactly what a reachability model says, on random graphs.
func TestCullRandom(t *testing.T) {
	for seed := range uint64(30) {
		g := randomDAG(seed, 80)
		all := sortedKeys(g)
		out := []Key{all[int(seed)%len(all)], all[(int(seed)*7+3)%len(all)]}
		got := Cull(g, out...)
		want := map[Key]bool{}
		var mark func(k Key)
		mark = func(k Key) {
			if want[k] {
				return
			}
			want[k] = true
			for _, d := range g.Tasks[k].Deps {
				mark(d)
			}
		}
		for _, k := range out {
			mark(k)
		}
		if !slices.Equal(sortedKeys(got), slices.Sorted(maps.Keys(want))) {
			t.Errorf("seed %d: Cull(%v) = %v, want %v", seed, out, sortedKeys(got), slices.Sorted(maps.Keys(want)))
		}
	}
}

package graph

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomDAG has n tasks "f-i", each depending on up to three earlier ones
// (maybe the same one twice), and no outputs.
func randomDAG(seed uint64, n int) *Graph {
	r := rand.New(rand.NewPCG(seed, 1))
	g := New()
	for i := range n {
		t := &Task{Key: Key(fmt.Sprintf("f-%d", i)), Func: "f@0"}
		if i > 0 {
			for range r.IntN(4) {
				t.Deps = append(t.Deps, Key(fmt.Sprintf("f-%d", r.IntN(i))))
			}
		}
		g.Add(t)
	}
	return g
}

// peakLive runs g's tasks serially in order and returns the most results
// held at once: a result lives from its task's run until its last
// dependent has run, or to the end for an output. It fails the test if
// order runs a task before its dependencies or misses one.
func peakLive(t *testing.T, g *Graph, order []Key) int {
	t.Helper()
	if len(order) != len(g.Tasks) {
		t.Fatalf("order has %d tasks, the graph %d", len(order), len(g.Tasks))
	}
	remaining := map[Key]int{}
	for _, task := range g.Tasks {
		for _, d := range uniqueDeps(task) {
			remaining[d]++
		}
	}
	outputs := map[Key]bool{}
	for _, k := range g.Outputs {
		outputs[k] = true
	}
	done := map[Key]bool{}
	live, peak := 0, 0
	for _, k := range order {
		task := g.Tasks[k]
		if task == nil || done[k] {
			t.Fatalf("order runs %s, not a task or twice", k)
		}
		for _, d := range task.Deps {
			if g.Tasks[d] != nil && !done[d] {
				t.Fatalf("order runs %s before its dependency %s", k, d)
			}
		}
		done[k] = true
		live++
		peak = max(peak, live)
		for _, d := range uniqueDeps(task) {
			if g.Tasks[d] == nil {
				continue
			}
			remaining[d]--
			if remaining[d] == 0 && !outputs[d] {
				live--
			}
		}
		if remaining[k] == 0 && !outputs[k] {
			live-- // nothing needs it
		}
	}
	return peak
}

// levelOrder runs a tree level by level, as submitting futures in a loop
// does: the order Order must beat.
func levelOrder(g *Graph) []Key {
	d := index(g)
	depth := make([]int, len(d.tasks))
	topo, _ := d.topo()
	for _, v := range topo {
		for _, w := range d.deps(v) {
			depth[v] = max(depth[v], depth[w]+1)
		}
	}
	ids := make([]int32, len(d.tasks))
	for i := range ids {
		ids[i] = int32(i)
	}
	slices.SortStableFunc(ids, func(a, b int32) int { return depth[a] - depth[b] })
	out := make([]Key, len(ids))
	for i, v := range ids {
		out[i] = d.tasks[v].Key
	}
	return out
}

func TestOrderTreeMemory(t *testing.T) {
	for _, tc := range []struct {
		leaves, fanIn int
	}{
		{2, 2}, {3, 2}, {64, 2}, {100, 2}, {1000, 2}, {8192, 2}, {4096, 4}, {10000, 8},
	} {
		t.Run(fmt.Sprintf("%d leaves, fan-in %d", tc.leaves, tc.fanIn), func(t *testing.T) {
			g := tree(tc.leaves, tc.fanIn)
			peak := peakLive(t, g, Order(g))
			// Depth-first: at each of the log levels, at most fanIn-1
			// finished siblings wait, plus the running task's inputs.
			levels := bits.Len(uint(tc.leaves - 1))
			if tc.fanIn > 2 {
				levels = (levels + bits.Len(uint(tc.fanIn-1)) - 1) / bits.Len(uint(tc.fanIn-1))
			}
			limit := levels*(tc.fanIn-1) + 3
			if peak > limit {
				t.Errorf("Order holds %d results at once, want at most %d (O(log n))", peak, limit)
			}
			if tc.leaves >= 64 {
				if byLevel := peakLive(t, g, levelOrder(g)); byLevel < 4*peak {
					t.Errorf("level order holds %d, Order %d: the test does not tell them apart", byLevel, peak)
				}
			}
		})
	}
}

// The hungrier dependency runs first: while a big tree is reduced nothing
// else is held, and the leaf beside it is computed after.
func TestOrderHungriestFirst(t *testing.T) {
	g := tree(64, 2)
	root := g.Outputs[0]
	g.Add(&Task{Key: "leaf", Func: "leaf@0"})
	g.Add(&Task{Key: "top", Func: "top@0", Deps: []Key{"leaf", root}})
	g.Outputs = keys("top")
	order := Order(g)
	if i, j := slices.Index(order, "leaf"), slices.Index(order, root); i < j {
		t.Errorf("Order runs the leaf (position %d) before the tree (root at %d): it is held while the tree runs", i, j)
	}
	if slices.Index(order, "leaf") != len(order)-2 {
		t.Errorf("Order = …%v, want the leaf just before top", order[len(order)-3:])
	}
	// The same holds whichever argument comes first.
	g.Tasks["top"].Deps = []Key{root, "leaf"}
	order2 := Order(g)
	if !slices.Equal(order, order2) {
		t.Errorf("Order depends on the argument order where need decides")
	}
	reversed := slices.Clone(order)
	// Moving the leaf first costs one more held result.
	reversed = slices.DeleteFunc(reversed, func(k Key) bool { return k == "leaf" })
	reversed = append([]Key{"leaf"}, reversed...)
	if a, b := peakLive(t, g, order), peakLive(t, g, reversed); a >= b {
		t.Errorf("peak with Order %d, with the leaf first %d: want Order lower", a, b)
	}
}

// Outputs are computed one after another, each completely before the next
// one's own tasks start.
func TestOrderOutputsInTurn(t *testing.T) {
	g := parse("a-1", "a-2<a-1", "!a-3<a-2", "b-1", "b-2<b-1", "!b-3<b-2", "c-1", "!c-2<c-1 a-1")
	g.Outputs = keys("b-3", "c-2", "a-3")
	got := Order(g)
	want := keys("b-1", "b-2", "b-3", "c-1", "a-1", "c-2", "a-2", "a-3")
	if !slices.Equal(got, want) {
		t.Errorf("Order = %v, want %v", got, want)
	}
}

func TestOrderDeterministic(t *testing.T) {
	g := randomDAG(7, 300)
	first := Order(g)
	for range 20 {
		if got := Order(g); !slices.Equal(got, first) {
			t.Fatalf("Order gave two different orders of one graph")
		}
	}
}

// On random graphs Order is a topological order of every task.
func TestOrderRandom(t *testing.T) {
	for seed := range uint64(50) {
		g := randomDAG(seed, 200)
		if seed%2 == 0 {
			g.Outputs = keys(fmt.Sprintf("f-%d", 199), fmt.Sprintf("f-%d", seed))
		}
		peakLive(t, g, Order(g)) // checks the order
	}
}

func TestOrderInputsAndCycles(t *testing.T) {
	g := parse("$x", "a<x", "!b<a x")
	if got := Order(g); !slices.Equal(got, keys("a", "b")) {
		t.Errorf("Order with inputs = %v, want [a b]", got)
	}
	g = parse("!a<b", "b<c", "c<a", "d")
	got := Order(g)
	slices.Sort(got)
	if !slices.Equal(got, keys("a", "b", "c", "d")) {
		t.Errorf("Order of a cyclic graph = %v, want every task once", got)
	}
}

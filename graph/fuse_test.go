package graph

import (
	"fmt"
	"slices"
	"testing"
)

func TestFuse(t *testing.T) {
	for _, tc := range []struct {
		name  string
		g     *Graph
		keep  []Key
		want  [][]Key
		tweak func(g *Graph)
	}{
		{"a chain", parse("a", "b<a", "c<b", "!d<c"), nil, [][]Key{keys("a", "b", "c", "d")}, nil},
		{"a chain after a join", parse("x", "y", "j<x y", "k<j", "!l<k"), nil, [][]Key{keys("j", "k", "l")}, nil},
		{"a chain from an input", parse("$x", "a<x", "!b<a"), nil, [][]Key{keys("a", "b")}, nil},
		{"a tree does not fuse", tree(8, 2), nil, nil, nil},
		{"a diamond does not fuse", parse("a", "b<a", "c<a", "!d<b c"), nil, nil, nil},
		{"an output stops a chain", parse("a", "!b<a", "c<b", "!d<c"), nil, [][]Key{keys("a", "b"), keys("c", "d")}, nil},
		{"keep stops a chain", parse("a", "b<a", "c<b", "!d<c"), keys("b"), [][]Key{keys("a", "b"), keys("c", "d")}, nil},
		{"two dependents stop a chain", parse("a", "b<a", "!c<b", "!e<b"), nil, [][]Key{keys("a", "b")}, nil},
		{"a second dependency stops a chain", parse("$x", "a", "b<a x", "!c<b"), nil, [][]Key{keys("b", "c")}, nil},
		{"the same dependency twice", parse("a", "b<a a", "!c<b"), nil, [][]Key{keys("a", "b", "c")}, nil},
		{"different options stop a chain", parse("a", "b<a", "c<b", "!d<c"), nil, [][]Key{keys("a", "b"), keys("c", "d")},
			func(g *Graph) {
				g.Tasks["c"].Resources = map[string]float64{"GPU": 1}
				g.Tasks["d"].Resources = map[string]float64{"GPU": 1}
			}},
		{"two chains", parse("a", "b<a", "x", "y<x", "!j<b y"), nil, [][]Key{keys("a", "b"), keys("x", "y")}, nil},
		{"a cycle does not fuse or hang", parse("!a<b", "b<a"), nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.tweak != nil {
				tc.tweak(tc.g)
			}
			got := Fuse(tc.g, tc.keep...)
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("Fuse = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSameOptions(t *testing.T) {
	for i, tweak := range []func(*Task){
		func(t *Task) { t.Priority = 1 },
		func(t *Task) { t.Retries = 2 },
		func(t *Task) { t.Resources = map[string]float64{"MEM": 1e9} },
		func(t *Task) { t.Workers = []string{"w1"} },
		func(t *Task) { t.AllowOtherWorkers = true },
	} {
		a, b := &Task{}, &Task{}
		if !a.sameOptions(b) {
			t.Fatalf("default tasks differ")
		}
		tweak(b)
		if a.sameOptions(b) {
			t.Errorf("option %d: tasks with different options are the same", i)
		}
	}
}

// addChains hangs a chain of length tasks "chain-i-j" off each of g's
// first count tasks (by key), so that there is something to fuse; with
// inputs, every third chain's head also takes an input twice.
func addChains(g *Graph, count, length int, inputs bool) {
	for i, k := range sortedKeys(g)[:count] {
		prev := k
		for j := range length {
			nk := Key(fmt.Sprintf("chain-%d-%d", i, j))
			deps := []Key{prev}
			if inputs && j == 0 && i%3 == 0 {
				in := Key(fmt.Sprintf("input-%d", i))
				deps = append(deps, in, in)
				g.Inputs[in] = true
			}
			g.Add(&Task{Key: nk, Func: "chain@0", Deps: deps})
			prev = nk
		}
	}
}

// Fused chains on random graphs satisfy the rule, and every task is in at
// most one chain.
func TestFuseRandom(t *testing.T) {
	for seed := range uint64(40) {
		g := randomDAG(seed, 100)
		addChains(g, 10, 3, false)
		users := map[Key][]Key{}
		for _, task := range g.Tasks {
			for _, d := range uniqueDeps(task) {
				users[d] = append(users[d], task.Key)
			}
		}
		seen := map[Key]bool{}
		total := 0
		for _, chain := range Fuse(g) {
			total += len(chain)
			if len(chain) < 2 {
				t.Fatalf("seed %d: chain %v is shorter than 2", seed, chain)
			}
			for i, k := range chain {
				if seen[k] {
					t.Fatalf("seed %d: %s in two chains", seed, k)
				}
				seen[k] = true
				if i == len(chain)-1 {
					continue
				}
				next := chain[i+1]
				if u := users[k]; len(u) != 1 || u[0] != next {
					t.Fatalf("seed %d: %s in chain %v has dependents %v", seed, k, chain, u)
				}
				if d := uniqueDeps(g.Tasks[next]); len(d) != 1 || d[0] != k {
					t.Fatalf("seed %d: %s in chain %v has dependencies %v", seed, next, chain, d)
				}
			}
		}
		if total < 30 {
			t.Errorf("seed %d: only %d tasks fused; the 10 added chains fuse at least 30", seed, total)
		}
	}
}

// The chains Fuse finds are consecutive in Order, and OrderAndFuse agrees
// with both.
func TestOrderAndFuse(t *testing.T) {
	for seed := range uint64(40) {
		g := randomDAG(seed, 100)
		addChains(g, 10, 4, false)
		if seed%2 == 0 {
			g.Outputs = keys("chain-3-3", "f-99", "chain-5-1")
		}
		order, chains := OrderAndFuse(g)
		if want := Order(g); !slices.Equal(order, want) {
			t.Fatalf("seed %d: OrderAndFuse order differs from Order", seed)
		}
		if want := Fuse(g); !slices.EqualFunc(chains, want, slices.Equal) {
			t.Fatalf("seed %d: OrderAndFuse chains %v, Fuse %v", seed, chains, want)
		}
		for _, chain := range chains {
			at := slices.Index(order, chain[0])
			if at < 0 || at+len(chain) > len(order) || !slices.Equal(order[at:at+len(chain)], chain) {
				t.Fatalf("seed %d: chain %v is not consecutive in the order", seed, chain)
			}
		}
	}
}

// numbered is g as a Numbered, its tasks numbered by perm of index's
// numbering (nil: index's own); keys not tasks are -1.
func numbered(g *Graph, perm []int32) *Numbered {
	d := index(g)
	if perm == nil {
		perm = make([]int32, len(d.tasks))
		for i := range perm {
			perm[i] = int32(i)
		}
	}
	n := &Numbered{Tasks: make([]*Task, len(d.tasks)), DepOff: make([]int32, 0, len(d.tasks)+1)}
	for i, t := range d.tasks {
		n.Tasks[perm[i]] = t
	}
	for _, t := range n.Tasks {
		n.DepOff = append(n.DepOff, int32(len(n.DepIDs)))
		for _, k := range uniqueDeps(t) {
			id := int32(-1)
			if i := d.lookup(k); i >= 0 {
				id = perm[i]
			}
			n.DepIDs = append(n.DepIDs, id)
		}
	}
	n.DepOff = append(n.DepOff, int32(len(n.DepIDs)))
	for _, k := range g.Outputs {
		if i := d.lookup(k); i >= 0 {
			n.Outputs = append(n.Outputs, perm[i])
		}
	}
	return n
}

// A graph numbered by its builder orders and fuses as the same graph
// indexed by key, and its arrays are left as they were.
func TestNumberedAgreesWithGraph(t *testing.T) {
	for seed := range uint64(40) {
		g := randomDAG(seed, 100)
		addChains(g, 10, 3, true)
		if seed%2 == 0 {
			g.Outputs = keys("chain-3-2", "f-99", "chain-5-1")
		}
		keep := keys("f-10", "chain-1-0")
		wantOrder, wantChains := OrderAndFuse(g, keep...)

		n := numbered(g, nil)
		before := slices.Clone(n.DepIDs)
		d := index(g)
		order, chains := n.OrderAndFuse(d.lookupAll(keep)...)
		if got := d.keys(order); !slices.Equal(got, wantOrder) {
			t.Fatalf("seed %d: Numbered order\n%v\nGraph order\n%v", seed, got, wantOrder)
		}
		if got := d.chainKeys(chains); !slices.EqualFunc(got, wantChains, slices.Equal) {
			t.Fatalf("seed %d: Numbered chains %v, Graph chains %v", seed, got, wantChains)
		}
		if !slices.Equal(n.DepIDs, before) {
			t.Fatalf("seed %d: OrderAndFuse changed the caller's DepIDs", seed)
		}
		if got := d.keys(n.Order()); !slices.Equal(got, wantOrder) {
			t.Fatalf("seed %d: Numbered.Order differs from Order", seed)
		}

		// Numbered the other way round: another valid order, the same chains.
		perm := make([]int32, len(n.Tasks))
		for i := range perm {
			perm[i] = int32(len(perm) - 1 - i)
		}
		r := numbered(g, perm)
		key := func(ids []int32) []Key {
			ks := make([]Key, len(ids))
			for i, id := range ids {
				ks[i] = r.Tasks[id].Key
			}
			return ks
		}
		rorder := key(r.Order())
		peakLive(t, g, rorder) // fails on a task before its dependencies or one missed
		var rchains [][]Key
		for _, c := range r.Fuse(perm[d.lookup("f-10")], perm[d.lookup("chain-1-0")]) {
			rchains = append(rchains, key(c))
		}
		sortChains := func(cs [][]Key) {
			slices.SortFunc(cs, func(a, b []Key) int { return slices.Compare(a, b) })
		}
		sortChains(rchains)
		want := slices.Clone(wantChains)
		sortChains(want)
		if !slices.EqualFunc(rchains, want, slices.Equal) {
			t.Fatalf("seed %d: renumbered chains %v, want %v", seed, rchains, want)
		}
	}
}

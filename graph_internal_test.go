package gask

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gask-dev/gask/graph"
)

var (
	graphInc = Func("graphbench.inc", func(ctx context.Context, x int) (int, error) { return x + 1, nil })
	graphAdd = Func2("graphbench.add", func(ctx context.Context, a, b int) (int, error) { return a + b, nil })
)

// BenchmarkTreeGraph is the client's side of the tree benchmark: building
// a lazy binary tree reduction over 8,192 leaves (16,383 tasks), then
// planning, ordering, fusing and turning it into wire specs, as Compute
// does before it sends. An op is the whole graph.
func BenchmarkTreeGraph(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		xs := make([]*Delayed[int], 8192)
		for j := range xs {
			xs[j] = graphInc.Delay(V(j + i*8192))
		}
		root := TreeReduce(graphAdd, xs, 2)
		p, err := newPlan([]*node{root.lazy()})
		if err != nil {
			b.Fatal(err)
		}
		order, chains := p.OrderAndFuse()
		if len(chains) != 0 || len(order) != 16383 {
			b.Fatalf("%d tasks ordered, %d chains fused", len(order), len(chains))
		}
		if specs := taskSpecs(p.fuse(chains), order); len(specs) != 16383 {
			b.Fatalf("%d specs", len(specs))
		}
	}
}

// keysOf maps task numbers of p to keys.
func keysOf(p *plan, ids []int32) []graph.Key {
	ks := make([]graph.Key, len(ids))
	for i, id := range ids {
		ks[i] = p.Tasks[id].Key
	}
	return ks
}

// A plan numbers its tasks as graph.Order numbers the same graph keyed by
// strings, so that ordering and fusing it by number gives what the graph
// package gives for the Graph: on random lazy graphs with shared values,
// repeated arguments, pure tasks built twice and chains to fuse.
func TestPlanAgreesWithGraph(t *testing.T) {
	fused := 0
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 7))
		var ds []*Delayed[int]
		for i := range 200 {
			switch {
			case i < 10 || r.IntN(5) == 0:
				ds = append(ds, graphInc.Delay(V(r.IntN(20)))) // some built twice: one task
			case r.IntN(3) == 0:
				ds = append(ds, graphInc.Delay(ds[len(ds)-1])) // chains
			default:
				a := ds[r.IntN(len(ds))]
				b := a
				if r.IntN(4) > 0 {
					b = ds[r.IntN(len(ds))]
				}
				ds = append(ds, graphAdd.Delay(a, b))
			}
		}
		outs := []*node{ds[len(ds)-1].lazy(), ds[len(ds)/2].lazy(), ds[len(ds)-3].lazy()}
		p, err := newPlan(outs)
		if err != nil {
			t.Fatal(err)
		}
		g := p.graph(p.Tasks)
		if err := graph.Validate(g); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		keep := []graph.Key{p.Tasks[len(p.Tasks)/2].Key}
		wantOrder, wantChains := graph.OrderAndFuse(g, keep...)
		order, chains := p.OrderAndFuse(p.id[keep[0]])
		if got := keysOf(p, order); !slices.Equal(got, wantOrder) {
			t.Fatalf("seed %d: plan's order\n%v\ngraph's\n%v", seed, got, wantOrder)
		}
		var got [][]graph.Key
		for _, c := range chains {
			got = append(got, keysOf(p, c))
		}
		if !slices.EqualFunc(got, wantChains, slices.Equal) {
			t.Fatalf("seed %d: plan's chains %v, graph's %v", seed, got, wantChains)
		}
		if len(chains) > 0 {
			fused++
		}
	}
	if fused < 20 {
		t.Errorf("only %d of 30 graphs had chains to fuse", fused)
	}
}

// A task's dependencies are listed once however often it takes them; an
// input whose key a task of the graph has is that task; other inputs are
// negative numbers and the graph's Inputs.
func TestPlanDependencies(t *testing.T) {
	a := graphInc.Delay(V(1))
	again := graphInc.Delay(V(1)) // another node, the same task
	own := &Future[int]{st: &futureState{key: a.Key()}}
	other := &Future[int]{st: &futureState{key: "elsewhere-1"}}
	sum := graphAdd.Delay(FromFuture(own), graphAdd.Delay(a, again))
	root := graphAdd.Delay(sum, FromFuture(other))
	p, err := newPlan([]*node{root.lazy()})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tasks) != 4 {
		t.Fatalf("%d tasks, want 4 (root, sum, a+a, a)", len(p.Tasks))
	}
	deps := func(k string) []int32 {
		id := p.id[graph.Key(k)]
		return p.DepIDs[p.DepOff[id]:p.DepOff[id+1]]
	}
	aID := p.id[graph.Key(a.Key())]
	if aID < 0 || p.Tasks[aID].Key != graph.Key(a.Key()) {
		t.Fatalf("a is number %d", aID)
	}
	inner := graphAdd.Delay(a, again)
	if got := deps(inner.Key()); !slices.Equal(got, []int32{aID}) {
		t.Errorf("a+a depends on %v, want [%d] once", got, aID)
	}
	if got := deps(sum.Key()); len(got) != 2 || got[0] != aID {
		t.Errorf("sum depends on %v, want a's number %d (the future of its key) first", got, aID)
	}
	if got := deps(root.Key()); len(got) != 2 || got[1] >= 0 {
		t.Errorf("root depends on %v, want an input (negative) second", got)
	}
	g := p.graph(p.Tasks)
	if len(g.Inputs) != 1 || !g.Inputs["elsewhere-1"] {
		t.Errorf("inputs %v, want elsewhere-1 alone", g.Inputs)
	}
	if err := graph.Validate(g); err != nil {
		t.Error(err)
	}
}

package gask

import (
	"context"
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
		order, chains := graph.OrderAndFuse(p.g)
		g, gone := p.fuse(chains)
		if len(gone) != 0 || len(order) != 16383 {
			b.Fatalf("%d tasks ordered, %d fused away", len(order), len(gone))
		}
		if specs := taskSpecs(g, order); len(specs) != 16383 {
			b.Fatalf("%d specs", len(specs))
		}
	}
}

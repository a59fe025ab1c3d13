package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array"
	"github.com/gask-dev/gask/array/chunk"
)

// exactArrayMax is the largest n whose sum runArray recomputes serially.
const exactArrayMax = 5000

// runArray computes the seed workload of package array,
// (sin(x) + cos(xᵀ)).sum() for x uniform on [0, 1), n×n (default 20,000)
// in blocks of n/10 × n/10 (2,000 at the default, so always 100 blocks),
// timed from building the graph to holding the sum. The sum must be
// within 1e-3 of its expectation n²·((1 - cos 1) + sin 1) (the relative
// spread is about 1e-6 at the default size); up to n = 5,000 it must also
// equal a serial recomputation over the same numbers, which are chunk's
// per-block streams.
func runArray(ctx context.Context, p params) (figures, error) {
	n := orDefault(p.n, 20_000)
	c := max(n/10, 1)
	cl, err := newCluster(ctx, 2, 1)
	if err != nil {
		return nil, err
	}
	defer cl.Close()

	t0 := time.Now()
	x := array.Uniform(1, []int{n, n}, array.Chunks(c, c))
	s := array.Add(array.Sin(x), array.Cos(x.T())).Sum()
	total, err := array.ComputeScalar(ctx, cl.Client(), s)
	secs := time.Since(t0).Seconds()
	if err != nil {
		return nil, err
	}

	expect := float64(n) * float64(n) * ((1 - math.Cos(1)) + math.Sin(1))
	if rel := math.Abs(total-expect) / expect; !(rel < 1e-3) {
		return nil, fmt.Errorf("sum %v, expected about %v (relative difference %.2g)", total, expect, rel)
	}
	if n <= exactArrayMax {
		want, err := serialArraySum(n, c)
		if err != nil {
			return nil, err
		}
		if rel := math.Abs(total-want) / want; !(rel < 1e-10) {
			return nil, fmt.Errorf("sum %v, serial recomputation %v (relative difference %.2g)", total, want, rel)
		}
	}
	built, fused := arrayTasks(s)
	return figures{"n": n, "chunk": c, "tasks": fused, "tasks_built": built, "seconds": secs, "result": total}, nil
}

// serialArraySum is the same sum computed here, one element at a time:
// over all (i, j), sin x[i][j] + cos x[j][i] = Σ sin x + Σ cos x.
func serialArraySum(n, c int) (float64, error) {
	g, err := chunk.RegularGrid([]int{n, n}, []int{c, c})
	if err != nil {
		return 0, err
	}
	sum := 0.0
	for b := range g.Len() {
		blk := chunk.Uniform(g.BlockShape(g.Unlinear(b)), 1, uint64(b))
		for _, v := range blk.Data {
			sum += math.Sin(v) + math.Cos(v)
		}
	}
	return sum, nil
}

// arrayTasks counts the tasks of s's graph, as built and as submitted
// (linear chains fused).
func arrayTasks(s array.Array) (built, fused int) {
	var ds []gask.AnyDelayed
	for _, b := range s.Blocks() {
		ds = append(ds, b)
	}
	if g, err := gask.GraphOf(ds...); err == nil {
		built = len(g.Tasks)
	}
	if g, err := gask.Optimize(ds...); err == nil {
		fused = len(g.Tasks)
	}
	return built, fused
}

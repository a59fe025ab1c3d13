package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
)

// newCluster starts a local cluster of worker processes.
func newCluster(ctx context.Context, workers, threads int) (*local.Cluster, error) {
	return local.New(ctx, local.Processes(), local.Workers(workers), local.Threads(threads))
}

// runThroughput maps Inc over n ints and gathers the results.
func runThroughput(ctx context.Context, p params) (figures, error) {
	n := orDefault(p.n, 20_000)
	cl, err := newCluster(ctx, 2, 1)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	c := cl.Client()
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	t0 := time.Now()
	futs := Inc.Map(c, xs)
	submit := time.Since(t0)
	ys, err := gask.Gather(ctx, futs)
	secs := time.Since(t0).Seconds()
	if err != nil {
		return nil, err
	}
	for i, y := range ys {
		if y != i+1 {
			return nil, fmt.Errorf("inc(%d) = %d, want %d", i, y, i+1)
		}
	}
	return figures{"n": n, "seconds": secs, "submit_seconds": submit.Seconds(), "tasks_per_sec": float64(n) / secs}, nil
}

// runLatency submits one impure Inc and waits for its result, n times.
func runLatency(ctx context.Context, p params) (figures, error) {
	n := orDefault(p.n, 2_000)
	cl, err := newCluster(ctx, 2, 1)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	c := cl.Client()
	lat := make([]time.Duration, n)
	t0 := time.Now()
	for i := range n {
		t := time.Now()
		v, err := Inc.Submit(c, gask.V(i), gask.Impure()).Result(ctx)
		lat[i] = time.Since(t)
		if err != nil {
			return nil, err
		}
		if v != i+1 {
			return nil, fmt.Errorf("inc(%d) = %d, want %d", i, v, i+1)
		}
	}
	secs := time.Since(t0).Seconds()
	slices.Sort(lat)
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	return figures{"n": n, "seconds": secs, "median_us": us(quantile(lat, 0.5)), "p99_us": us(quantile(lat, 0.99))}, nil
}

// quantile of sorted xs, nearest rank.
func quantile(xs []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[max(0, min(i, len(xs)-1))]
}

// runTree reduces Inc over 0..leaves-1 pairwise with Add: a lazy graph
// (gask.TreeReduce, fan-in 2) computed in one submission.
func runTree(ctx context.Context, p params) (figures, error) {
	leaves := orDefault(p.n, 8_192)
	cl, err := newCluster(ctx, 2, 1)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	c := cl.Client()
	t0 := time.Now()
	xs := make([]*gask.Delayed[int], leaves)
	for i := range xs {
		xs[i] = Inc.Delay(gask.V(i))
	}
	root := gask.TreeReduce(Add, xs, 2)
	tasks := 2*leaves - 1 // every Add joins two values into one
	got, err := gask.Compute(ctx, c, root)
	secs := time.Since(t0).Seconds()
	if err != nil {
		return nil, err
	}
	if want := leaves * (leaves + 1) / 2; got != want {
		return nil, fmt.Errorf("tree sum = %d, want %d", got, want)
	}
	return figures{"leaves": leaves, "tasks": tasks, "seconds": secs, "tasks_per_sec": float64(tasks) / secs}, nil
}

// runSleepBalance: A) sleeps of 0.8, 0.7, …, 0.1 s on 3 workers × 1 thread
// (best makespan 1.2 s); B) 1,000 sleeps of 10 ms on 2 workers × 4 threads
// (best 1.25 s). With -short every sleep is ten times shorter.
func runSleepBalance(ctx context.Context, p params) (figures, error) {
	scale := 1
	if p.short {
		scale = 10
	}
	makespan := func(workers, threads int, ms []int) (float64, error) {
		cl, err := newCluster(ctx, workers, threads)
		if err != nil {
			return 0, err
		}
		defer cl.Close()
		c := cl.Client()
		idx := make([]int, len(ms))
		for i := range idx {
			idx[i] = i
		}
		t0 := time.Now()
		got, err := gask.Gather(ctx, Sleep.Map(c, idx, ms))
		secs := time.Since(t0).Seconds()
		if err != nil {
			return 0, err
		}
		if !slices.Equal(got, idx) {
			return 0, fmt.Errorf("sleep results out of order or wrong")
		}
		return secs, nil
	}
	var a []int
	for ms := 800; ms >= 100; ms -= 100 {
		a = append(a, ms/scale)
	}
	b := make([]int, 1000)
	for i := range b {
		b[i] = 10 / scale
		if p.short {
			b[i] = 1
		}
	}
	as, err := makespan(3, 1, a)
	if err != nil {
		return nil, fmt.Errorf("A: %w", err)
	}
	bs, err := makespan(2, 4, b)
	if err != nil {
		return nil, fmt.Errorf("B: %w", err)
	}
	return figures{"seconds": as + bs, "a_makespan_seconds": as, "b_makespan_seconds": bs,
		"a_ideal_seconds": 1.2 / float64(scale), "b_ideal_seconds": float64(len(b)*b[0]) / 1000 / 8}, nil
}

// runPi estimates π from n tasks × points random points.
func runPi(ctx context.Context, p params) (figures, error) {
	n := orDefault(p.n, 200)
	points := orDefault(p.points, 1_000_000)
	cl, err := newCluster(ctx, 2, 1)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	c := cl.Client()
	seeds := make([]uint64, n)
	pts := make([]int, n)
	for i := range seeds {
		seeds[i], pts[i] = uint64(i), points
	}
	t0 := time.Now()
	hits, err := gask.Gather(ctx, Hits.Map(c, seeds, pts))
	secs := time.Since(t0).Seconds()
	if err != nil {
		return nil, err
	}
	var in int64
	for _, h := range hits {
		in += h
	}
	total := float64(n) * float64(points)
	est := 4 * float64(in) / total
	abserr := math.Abs(est - math.Pi)
	// Six standard deviations of the estimate.
	if tol := 6 * 4 * math.Sqrt(math.Pi/4*(1-math.Pi/4)/total); abserr > tol {
		return nil, fmt.Errorf("π estimate %v is off by %v > %v", est, abserr, tol)
	}
	return figures{"tasks": n, "points": points, "seconds": secs, "estimate": est, "abs_error": abserr}, nil
}

// runStartup measures from the start of main to a cluster of 2 worker
// processes ready and one task done.
func runStartup(ctx context.Context, p params) (figures, error) {
	cl, err := newCluster(ctx, 2, 1)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ready := time.Since(start)
	v, err := Inc.Submit(cl.Client(), gask.V(41)).Result(ctx)
	secs := time.Since(start).Seconds()
	if err != nil {
		return nil, err
	}
	if v != 42 {
		return nil, fmt.Errorf("inc(41) = %d", v)
	}
	return figures{"seconds": secs, "cluster_ready_seconds": ready.Seconds()}, nil
}

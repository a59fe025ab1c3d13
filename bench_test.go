package gask_test

import (
	"context"
	"testing"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
)

// BenchmarkMapGather is the per-task cost of the whole runtime (client,
// scheduler, worker) in one process: an op is one trivial task mapped and
// gathered, in batches of 10,000 on two goroutine workers. The bench
// program measures the same against worker processes and Dask; this one
// is for profiling and A/B comparisons (go test -bench MapGather -cpuprofile).
func BenchmarkMapGather(b *testing.B) {
	ctx := context.Background()
	cl, err := local.New(ctx, local.Workers(2), local.Threads(1))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	c := cl.Client()
	const batch = 10_000
	xs := make([]int, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for done, round := 0, 0; done < b.N; round++ {
		n := min(batch, b.N-done)
		for i := range n {
			xs[i] = round*batch + i // fresh keys every round
		}
		ys, err := gask.Gather(ctx, Inc.Map(c, xs[:n]))
		if err != nil {
			b.Fatal(err)
		}
		if ys[n-1] != xs[n-1]+1 {
			b.Fatalf("inc(%d) = %d", xs[n-1], ys[n-1])
		}
		done += n
	}
}

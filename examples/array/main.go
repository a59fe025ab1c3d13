// Command array runs the seed workload of package array — Dask's
//
//	x = da.random.random((n, n), chunks=(c, c)); (da.sin(x) + da.cos(x.T)).sum()
//
// — on a local cluster of worker processes, and prints the array's
// summary, the sum, how it compares with its expectation and the time.
//
//	go run ./examples/array             # 4000×4000 in 400×400 blocks
//	go run ./examples/array -n 20000    # the full one: 3 GiB in 100 blocks of 2000×2000
//	go run ./examples/array -workers 4 -threads 2
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array"
	"github.com/gask-dev/gask/cluster/local"
)

func main() {
	gask.Main() // the worker processes are this program, re-executed
	n := flag.Int("n", 4000, "the array is n×n")
	chunk := flag.Int("chunk", 0, "blocks are chunk×chunk (0: n/10, 100 blocks as in the seed)")
	seed := flag.Uint64("seed", 1, "random seed")
	workers := flag.Int("workers", 2, "worker processes")
	threads := flag.Int("threads", 1, "threads per worker")
	flag.Parse()

	if *chunk <= 0 {
		*chunk = max(1, *n/10)
	}
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Processes(), local.Workers(*workers), local.Threads(*threads))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	x := array.Uniform(*seed, []int{*n, *n}, array.Chunks(*chunk, *chunk))
	s := array.Add(array.Sin(x), array.Cos(x.T())).Sum()
	fmt.Println("x:  ", x)
	fmt.Println("sum:", s)

	start := time.Now()
	total, err := array.ComputeScalar(ctx, c, s)
	if err != nil {
		log.Fatal(err)
	}
	elapsed := time.Since(start)

	// For u uniform on [0, 1), E[sin u + cos u] = (1 - cos 1) + sin 1.
	elements := float64(*n) * float64(*n)
	expect := elements * (1 - math.Cos(1) + math.Sin(1))
	fmt.Printf("(sin(x) + cos(xᵀ)).sum() = %.6g (expected %.6g, relative difference %.1e)\n", total, expect, math.Abs(total-expect)/expect)
	fmt.Printf("computed in %v on %d workers × %d threads\n", elapsed.Round(time.Millisecond), *workers, *threads)
}

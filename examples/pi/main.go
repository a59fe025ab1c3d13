// Command pi estimates π by Monte Carlo on a local gask cluster: 200 tasks,
// each throwing 1,000,000 random points at the unit square.
//
//	go run ./examples/pi
//	go run ./examples/pi -processes -workers 2
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
)

// Hits counts the points of a seeded sample that fall inside the unit circle.
var Hits = gask.Func("pi.hits", func(ctx context.Context, s Sample) (int64, error) {
	// The concrete generator, not rand.Rand (no interface call per
	// number), and one 64-bit draw per point: its halves are x and y, each
	// uniform on a 2⁻³² grid, far finer than the estimate's error.
	r := rand.NewPCG(s.Seed, 0x9e3779b97f4a7c15)
	var in int64
	for range s.Points {
		u := r.Uint64()
		x := float64(u>>32) * 0x1p-32
		y := float64(u&0xffffffff) * 0x1p-32
		if x*x+y*y <= 1 {
			in++
		}
	}
	return in, nil
})

// Sample is one task's share of the work.
type Sample struct {
	Seed   uint64
	Points int
}

func main() {
	gask.Main()
	tasks := flag.Int("tasks", 200, "number of tasks")
	points := flag.Int("points", 1_000_000, "points per task")
	workers := flag.Int("workers", 0, "workers (default: from the CPUs this process may use)")
	processes := flag.Bool("processes", false, "run workers as separate processes")
	flag.Parse()

	ctx := context.Background()
	start := time.Now()
	opts := []local.Option{local.Workers(*workers)}
	if *processes {
		opts = append(opts, local.Processes(), local.Threads(1))
	}
	cluster, err := local.New(ctx, opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	samples := make([]Sample, *tasks)
	for i := range samples {
		samples[i] = Sample{Seed: uint64(i), Points: *points}
	}
	hits, err := gask.Gather(ctx, Hits.Map(c, samples))
	if err != nil {
		log.Fatal(err)
	}
	var in int64
	for _, h := range hits {
		in += h
	}
	pi := 4 * float64(in) / float64(*tasks**points)
	fmt.Printf("π ≈ %.6f (error %.2e) from %d tasks × %d points in %v\n",
		pi, math.Abs(pi-math.Pi), *tasks, *points, time.Since(start).Round(time.Millisecond))
}

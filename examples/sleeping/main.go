// Command sleeping is the "sleeping" tasks of the Dask futures tutorial in
// gask: eight tasks that sleep 0.8, 0.7, ..., 0.1 seconds on a local cluster
// of three single-threaded workers. It prints each task's (secs, elapsed)
// as it completes, with gask.AsCompleted, and then the makespan.
//
//	go run ./examples/sleeping
//	go run ./examples/sleeping -processes   # workers as separate processes
//
// Sleeping tasks need no CPU, so the makespan shows the scheduling alone:
// handing out the longest tasks first, three at a time, finishes after
// 0.8+0.3+0.2 = 1.30 s (the best possible split is 1.20 s, which no
// scheduler that does not know durations in advance can be sure to find).
// Sequentially the tasks take 3.6 s.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
)

// Slept is what a sleeping task returns: how long it slept and when, since
// the start, it finished.
type Slept struct {
	Secs    float64
	Elapsed float64
}

// Sleeping sleeps secs seconds and reports the time since start.
var Sleeping = gask.Func2("sleeping.sleeping", func(ctx context.Context, secs float64, start time.Time) (Slept, error) {
	select {
	case <-time.After(time.Duration(secs * float64(time.Second))):
	case <-ctx.Done():
		return Slept{}, ctx.Err()
	}
	return Slept{Secs: secs, Elapsed: time.Since(start).Seconds()}, nil
})

func main() {
	gask.Main()
	processes := flag.Bool("processes", false, "run the workers as separate processes")
	flag.Parse()

	ctx := context.Background()
	opts := []local.Option{local.Workers(3), local.Threads(1)}
	if *processes {
		opts = append(opts, local.Processes())
	}
	cluster, err := local.New(ctx, opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	secs := []float64{0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1}
	start := time.Now()
	starts := make([]time.Time, len(secs))
	for i := range starts {
		starts[i] = start
	}
	// Impure: like Dask's pure=False, run the tasks even if the same
	// arguments were computed before.
	futs := Sleeping.Map(c, secs, starts, gask.Impure())
	for f, err := range gask.AsCompleted(ctx, futs) {
		if err != nil {
			log.Fatal(err)
		}
		r, err := f.Result(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("(%.1f, %.2f)\n", r.Secs, r.Elapsed)
	}
	fmt.Printf("makespan %.2f s (longest-first on 3 workers: 1.30 s; sequential: 3.60 s)\n", time.Since(start).Seconds())
}

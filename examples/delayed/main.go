// Command delayed builds a lazy task graph — Dask's delayed — on a local
// gask cluster: per-chunk work on 1,000 chunks of numbers (generate,
// square, sum: a chain that is fused into one task per chunk), a tree
// reduction of the chunk sums with fan-in 8, and a final mean. It prints
// the graph's summary, computes it and checks the result.
//
//	go run ./examples/delayed
//	go run ./examples/delayed -chunks 10000 -svg graph.svg   # needs Graphviz's dot
//	go run ./examples/delayed -processes -workers 2
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

// The task functions, registered in package-level variables so that
// worker processes (this program, re-executed) register them too.
var (
	// Numbers is chunk i of the data: size consecutive integers.
	Numbers = gask.Func2("delayed.numbers", func(ctx context.Context, i, size int) ([]float64, error) {
		xs := make([]float64, size)
		for j := range xs {
			xs[j] = float64(i*size + j)
		}
		return xs, nil
	})
	Square = gask.Func("delayed.square", func(ctx context.Context, xs []float64) ([]float64, error) {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = x * x
		}
		return out, nil
	})
	Sum = gask.Func("delayed.sum", func(ctx context.Context, xs []float64) (float64, error) {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s, nil
	})
	Add = gask.Func2("delayed.add", func(ctx context.Context, a, b float64) (float64, error) { return a + b, nil })
	Div = gask.Func2("delayed.div", func(ctx context.Context, a, b float64) (float64, error) { return a / b, nil })
)

func main() {
	gask.Main()
	chunks := flag.Int("chunks", 1000, "number of chunks")
	size := flag.Int("size", 1000, "numbers per chunk")
	fanIn := flag.Int("fan-in", 8, "values each reduction task combines (2 to 16)")
	svg := flag.String("svg", "", "draw the graph into this .svg (or .png, .dot) file")
	workers := flag.Int("workers", 0, "workers (default: from the CPUs this process may use)")
	processes := flag.Bool("processes", false, "run workers as separate processes")
	flag.Parse()

	ctx := context.Background()
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

	// Build the graph: nothing runs yet.
	sums := make([]*gask.Delayed[float64], *chunks)
	for i := range sums {
		sums[i] = Sum.Delay(Square.Delay(Numbers.Delay(gask.V(i), gask.V(*size))))
	}
	n := float64(*chunks * *size)
	mean := Div.Delay(gask.TreeReduce(Add, sums, *fanIn), gask.V(n))
	fmt.Println(mean) // the summary line
	if *svg != "" {
		if err := gask.VisualizeFile(ctx, *svg, mean); err != nil {
			log.Fatal(err)
		}
		fmt.Println("drew the graph into", *svg)
	}
	if g, err := gask.Optimize(mean); err == nil {
		fmt.Printf("submitted as %d tasks after fusion\n", len(g.Tasks))
	}

	start := time.Now()
	got, err := gask.Compute(ctx, c, mean)
	if err != nil {
		log.Fatal(err)
	}
	// The mean of the squares of 0..n-1 is (n-1)(2n-1)/6.
	want := (n - 1) * (2*n - 1) / 6
	fmt.Printf("mean of squares of 0..%.0f = %.6g (want %.6g) in %v\n", n-1, got, want, time.Since(start).Round(time.Millisecond))
	if d := (got - want) / want; d > 1e-9 || d < -1e-9 {
		log.Fatalf("relative error %g", d)
	}
}

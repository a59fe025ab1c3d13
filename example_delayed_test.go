package gask_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
)

// More functions for the examples of lazy graphs.
var (
	Plus  = gask.Func2("example.plus", func(ctx context.Context, a, b int) (int, error) { return a + b, nil })
	Upper = gask.Func("example.upper", func(ctx context.Context, s string) (string, error) { return strings.ToUpper(s), nil })
)

// Delay builds a task without running it; lazy values are arguments of
// other Delay calls, and Compute runs the whole graph at once.
func ExampleFn2_Delay() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	a := Square.Delay(gask.V(3)) // *gask.Delayed[int]: nothing runs yet
	b := Square.Delay(gask.V(4))
	h := SqrtSum.Delay(a, b) // depends on a and b
	v, err := gask.Compute(ctx, c, h)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v)
	// Output: 5
}

// Compute returns a typed value; the graph goes to the scheduler in one
// message, in depth-first order.
func ExampleCompute() {
	ctx := context.Background()
	cluster, err := local.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	total := Plus.Delay(Square.Delay(gask.V(5)), gask.V(1))
	v, err := gask.Compute(ctx, c, total)
	fmt.Println(v, err)
	// Output: 26 <nil>
}

// Persist runs the graph and keeps its value on the cluster, behind a
// future that Submit and Delay take like any other.
func ExamplePersist() {
	ctx := context.Background()
	cluster, err := local.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	f := gask.Persist(c, Square.Delay(gask.V(7))) // *gask.Future[int]
	defer f.Release()
	again, err := gask.Compute(ctx, c, Plus.Delay(f, gask.V(1)))
	if err != nil {
		log.Fatal(err)
	}
	v, err := f.Result(ctx)
	fmt.Println(v, again, err)
	// Output: 49 50 <nil>
}

// ComputeMany computes values of different types in one graph, each into
// a typed destination.
func ExampleComputeMany() {
	ctx := context.Background()
	cluster, err := local.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	var n int
	var s string
	err = gask.ComputeMany(ctx, c, []gask.Target{
		gask.Into(&n, Square.Delay(gask.V(12))),
		gask.Into(&s, Upper.Delay(gask.V("lazy"))),
	})
	fmt.Println(n, s, err)
	// Output: 144 LAZY <nil>
}

// TreeReduce sums many values in a tree of tasks, each adding up to
// fan-in values; Summary describes the graph without running it.
func ExampleTreeReduce() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	squares := make([]*gask.Delayed[int], 100)
	for i := range squares {
		squares[i] = Square.Delay(gask.V(i + 1))
	}
	sum := gask.TreeReduce(Plus, squares, 4)
	fmt.Println(sum)
	v, err := gask.Compute(ctx, c, sum)
	fmt.Println(v, err)
	// Output:
	// Delayed graph: 134 tasks, 1 output, depth 5, functions: example.plus×34, example.square×100
	// 338350 <nil>
}

// Summary (and a lazy value's String) describes a graph in one line;
// Visualize draws it for Graphviz.
func ExampleSummary() {
	leaves := make([]*gask.Delayed[int], 8192)
	for i := range leaves {
		leaves[i] = Square.Delay(gask.V(i))
	}
	fmt.Println(gask.Summary(gask.TreeReduce(Plus, leaves, 2)))
	// Output: Delayed graph: 16383 tasks, 1 output, depth 14, functions: example.plus×8191, example.square×8192
}

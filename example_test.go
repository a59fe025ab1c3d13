package gask_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"slices"
	"strings"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
)

// Functions for the examples. A task function is registered once, in a
// package-level variable, so that every process of the program (the client
// and each worker) registers the same functions under the same names.
var (
	Square  = gask.Func("example.square", func(ctx context.Context, x int) (int, error) { return x * x, nil })
	SqrtSum = gask.Func2("example.sqrtsum", func(ctx context.Context, a, b int) (float64, error) {
		return math.Sqrt(float64(a) + float64(b)), nil
	})
	Halve = gask.Func("example.halve", func(ctx context.Context, x int) (int, error) {
		if x%2 != 0 {
			return 0, fmt.Errorf("%d is odd", x)
		}
		return x / 2, nil
	})
	CountLines = gask.Func("example.countlines", func(ctx context.Context, r gask.CmdResult) (int, error) {
		return strings.Count(string(r.Stdout), "\n"), nil
	})
	Total = gask.Func("example.total", func(ctx context.Context, xs []int) (int, error) {
		n := 0
		for _, x := range xs {
			n += x
		}
		return n, nil
	})
	Ready = gask.Func0("example.ready", func(ctx context.Context) (string, error) { return "ready", nil })
)

// A local cluster, a task, a task that depends on it, and the result.
func Example() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	a := Square.Submit(c, gask.V(3)) // *gask.Future[int]
	b := Square.Submit(c, gask.V(4))
	h := SqrtSum.Submit(c, a, b) // futures as arguments: h runs when a and b are done
	v, err := h.Result(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v)
	// Output: 5
}

// Map submits one task per element; Gather fetches the values in order.
func ExampleFn1_Map() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	squares, err := gask.Gather(ctx, Square.Map(c, []int{1, 2, 3, 4}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(squares)
	// Output: [1 4 9 16]
}

// All passes a list of futures as one slice argument, as Dask's submit
// takes a list: the task waits for them all.
func ExampleAll() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	squares := Square.Map(c, []int{1, 2, 3, 4})
	total, err := Total.Submit(c, gask.All(squares...)).Result(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(total)
	// Output: 30
}

// AsCompleted yields futures in the order their tasks finish.
func ExampleAsCompleted() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	for f, err := range gask.AsCompleted(ctx, Square.Map(c, []int{5, 6, 7})) {
		if err != nil {
			log.Fatal(err)
		}
		v, err := f.Result(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(v)
	}
	// Unordered output:
	// 25
	// 36
	// 49
}

// A task's error comes back from its future as a *TaskError, with the
// remote message; tasks that depend on a failed task fail too.
func ExampleTaskError() {
	ctx := context.Background()
	cluster, err := local.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	half := Halve.Submit(c, gask.V(7))
	_, err = Square.Submit(c, half).Result(ctx)
	var te *gask.TaskError
	if errors.As(err, &te) {
		fmt.Println(te.Kind, te.Message)
	}
	// Output: task 7 is odd
}

// The same function with the same arguments has the same key, and is
// computed once while a future holds it; Impure opts out.
func ExampleImpure() {
	ctx := context.Background()
	cluster, err := local.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	a, b := Square.Submit(c, gask.V(9)), Square.Submit(c, gask.V(9))
	d := Square.Submit(c, gask.V(9), gask.Impure())
	fmt.Println(a.Key() == b.Key(), a.Key() == d.Key())
	// Output: true false
}

// Exec runs a command as a task. A []byte future becomes its standard
// input, and a Go task can take its CmdResult.
func ExampleExec() {
	ctx := context.Background()
	cluster, err := local.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	sorted := gask.Exec.Submit(c,
		gask.V(gask.Cmd{Args: []string{"sort"}, Env: []string{"LC_ALL=C"}}),
		gask.V([]byte("pear\napple\nfig\n")))
	n := CountLines.Submit(c, sorted)

	out, err := sorted.Result(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lines, err := n.Result(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q, %d lines\n", out.Stdout, lines)
	// Output: "apple\nfig\npear\n", 3 lines
}

// Scatter puts a value on the workers once; tasks take its future instead
// of carrying the value themselves.
func ExampleScatter() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	data, err := gask.Scatter(ctx, c, [][]int{{1, 2, 3}, {10, 20, 30}})
	if err != nil {
		log.Fatal(err)
	}
	totals, err := gask.Gather(ctx, Total.MapArgs(c, []gask.Arg[[]int]{data[0], data[1]}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(totals)
	// Output: [6 60]
}

// Wait splits futures into those done and those not.
func ExampleWait() {
	ctx := context.Background()
	cluster, err := local.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	futs := Halve.Map(c, []int{2, 3, 4})
	done, notDone, err := gask.Wait(ctx, futs, gask.AllCompleted)
	if err != nil {
		log.Fatal(err)
	}
	failed := 0
	for _, f := range done {
		if f.Status() == gask.Failed {
			failed++
		}
	}
	fmt.Println(len(done), len(notDone), failed)
	// Output: 3 0 1
}

// Run calls a function on every worker, outside the task graph.
func ExampleRun() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	byWorker, err := gask.Run(ctx, c, Ready)
	if err != nil {
		log.Fatal(err)
	}
	names := make([]string, 0, len(byWorker))
	for name, v := range byWorker {
		names = append(names, name+": "+v)
	}
	slices.Sort(names)
	fmt.Println(names)
	// Output: [local-1: ready local-2: ready]
}

// RetireWorkers closes workers without losing their results: the values
// only they hold move to the other workers first, so nothing is computed
// again. (A local cluster's Scale retires the workers it removes.)
func ExampleClient_RetireWorkers() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	squares := Square.Map(c, []int{1, 2, 3, 4})
	if _, err := gask.Gather(ctx, squares); err != nil {
		log.Fatal(err)
	}
	if err := c.RetireWorkers(ctx, "local-2"); err != nil {
		log.Fatal(err)
	}
	ws, err := c.Workers(ctx)
	if err != nil {
		log.Fatal(err)
	}
	vs, err := gask.Gather(ctx, squares)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(ws), ws[0].Name, vs)
	// Output: 1 local-1 [1 4 9 16]
}

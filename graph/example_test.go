package graph_test

import (
	"fmt"
	"os"

	"github.com/gask-dev/gask/graph"
)

// Validate, cull, fuse, order and summarise a small graph.
func Example() {
	g := graph.New()
	g.Add(&graph.Task{Key: "a", Func: "load@1"})
	g.Add(&graph.Task{Key: "b", Func: "inc@2", Deps: []graph.Key{"a"}})
	g.Add(&graph.Task{Key: "c", Func: "inc@2", Deps: []graph.Key{"b"}})
	g.Add(&graph.Task{Key: "unused", Func: "inc@2", Deps: []graph.Key{"a"}})
	g.Outputs = []graph.Key{"c"}
	if err := graph.Validate(g); err != nil {
		fmt.Println(err)
		return
	}
	g = graph.Cull(g)
	fmt.Println(graph.Fuse(g))
	fmt.Println(graph.Order(g))
	fmt.Println(graph.Summarize(g))
	// Output:
	// [[a b c]]
	// [a b c]
	// 3 tasks, 1 output, depth 3, functions: inc×2, load×1
}

// Order runs a tree depth-first: each pair is added as soon as both are
// there, so few results wait at once.
func ExampleOrder() {
	g := graph.New()
	for _, k := range []graph.Key{"x1", "x2", "x3", "x4"} {
		g.Add(&graph.Task{Key: k, Func: "load@1"})
	}
	g.Add(&graph.Task{Key: "s12", Func: "add@1", Deps: []graph.Key{"x1", "x2"}})
	g.Add(&graph.Task{Key: "s34", Func: "add@1", Deps: []graph.Key{"x3", "x4"}})
	g.Add(&graph.Task{Key: "total", Func: "add@1", Deps: []graph.Key{"s12", "s34"}})
	g.Outputs = []graph.Key{"total"}
	fmt.Println(graph.Order(g))
	// Output: [x1 x2 s12 x3 x4 s34 total]
}

// A builder that numbers its tasks as it makes them orders and fuses them
// by number. Here load (0) feeds clean (1), which feeds total (2) with the
// input "offset" (-1): load and clean are a chain.
func ExampleNumbered() {
	n := &graph.Numbered{
		Tasks: []*graph.Task{
			{Key: "load", Func: "load@1"},
			{Key: "clean", Func: "clean@1", Deps: []graph.Key{"load"}},
			{Key: "total", Func: "add@1", Deps: []graph.Key{"clean", "offset"}},
		},
		DepOff:  []int32{0, 0, 1, 3},
		DepIDs:  []int32{0, 1, -1},
		Outputs: []int32{2},
	}
	order, chains := n.OrderAndFuse()
	fmt.Println(order, chains)
	// Output: [0 1 2] [[0 1]]
}

// Validate names the keys of a cycle.
func ExampleValidate() {
	g := graph.New()
	g.Add(&graph.Task{Key: "a", Func: "f@1", Deps: []graph.Key{"b"}})
	g.Add(&graph.Task{Key: "b", Func: "f@1", Deps: []graph.Key{"a"}})
	fmt.Println(graph.Validate(g))
	// Output: graph: dependency cycle: a → b → a
}

func ExampleWriteText() {
	g := graph.New()
	g.Inputs["data-1"] = true
	g.Add(&graph.Task{Key: "clean-2", Func: "clean@1", Deps: []graph.Key{"data-1"}})
	g.Add(&graph.Task{Key: "fit-3", Func: "fit@1", Deps: []graph.Key{"clean-2"}, Retries: 2})
	g.Outputs = []graph.Key{"fit-3"}
	graph.WriteText(os.Stdout, g)
	// Output:
	// # 2 tasks, 1 input, 1 output, depth 2, functions: clean×1, fit×1
	// data-1: input
	// clean-2: clean ← data-1
	// fit-3: fit ← clean-2 [retries 2] (output)
}

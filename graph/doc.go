// Package graph is gask's task-graph vocabulary and the algorithms over
// it: a Graph of Tasks, each a function applied to encoded arguments and
// to the results of other tasks, named by Keys. It is pure: standard
// library only, no I/O but the io.Writer it is given, no clock, no
// randomness, so every result is deterministic and tested without a
// cluster.
//
// Lazy values (gask.Delayed) and the collections build Graphs; the client
// validates, culls, fuses and orders them, then submits the tasks in order
// in one message. The scheduler never sees this package's types.
//
// # A minimal use
//
//	g := graph.New()
//	g.Add(&graph.Task{Key: "a", Func: "load@1"})
//	g.Add(&graph.Task{Key: "b", Func: "inc@2", Deps: []graph.Key{"a"}})
//	g.Add(&graph.Task{Key: "c", Func: "inc@2", Deps: []graph.Key{"b"}})
//	g.Add(&graph.Task{Key: "unused", Func: "inc@2", Deps: []graph.Key{"a"}})
//	g.Outputs = []graph.Key{"c"}
//	if err := graph.Validate(g); err != nil { ... } // missing keys, cycles
//	g = graph.Cull(g)                               // drops "unused"
//	chains := graph.Fuse(g)                         // [[a b c]]: one task will do
//	order := graph.Order(g)                         // [a b c]: the submission order
//	fmt.Println(graph.Summarize(g))                 // 3 tasks, 1 output, depth 3, functions: inc×2, load×1
//	graph.WriteDOT(os.Stdout, g)                    // for Graphviz
//
// # The pieces
//
//   - Validate: every dependency and output is a task or an Input (a value
//     already on the cluster), no cycles; errors name the keys.
//   - Cull: only what the outputs need.
//   - Fuse: the linear chains (each task's only dependent is the next,
//     which has no other dependency), to run as one task each. The caller
//     builds the fused task; it keeps the last task's key.
//   - Order: the order to run tasks in, depth-first with the hungriest
//     branch first, so that a tree reduction holds O(log n) intermediate
//     results rather than O(n). The comment on Order gives the algorithm.
//     OrderAndFuse computes both from one index; each chain is consecutive
//     in the order.
//   - Summarize, WriteText, WriteDOT: for people.
//   - Numbered: a graph whose builder numbered its tasks, with the
//     dependencies as numbers; its Order, Fuse and OrderAndFuse skip
//     indexing keys (gask's lazy values are planned this way).
//
// # The caller's duties
//
// Tasks are shared, never copied or changed by this package: do not change
// a Task after adding it to a graph that others use. Run Validate before
// trusting Order on a graph from elsewhere. Keys must be unique across the
// cluster for different computations: gask derives them from a hash of the
// function and its arguments.
package graph

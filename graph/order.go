package graph

import (
	"cmp"
	"slices"
)

// Order returns g's tasks in the order to run them: every task after its
// dependencies, and depth-first, so that few intermediate results are held
// at once (Dask's dask.order idea). Position i is the task's priority:
// lower runs first. A scheduler that runs ready tasks in this order, as
// gask's does when the tasks are submitted in it, realises the plan.
//
// The algorithm, in two passes over the graph:
//
//  1. Each task gets an estimate of the most results held at once while it
//     and everything it needs are computed serially (Sethi and Ullman's
//     register need, on the graph as if it were a tree): a task without
//     dependencies needs 1; a task whose dependencies need n1 ≥ n2 ≥ … ≥ nk
//     needs max(n1, 1+n2, …, (k-1)+nk, k+1), since while its j-th
//     dependency is computed the j-1 before it are held.
//  2. A depth-first walk from the outputs, in their order, then from the
//     tasks nothing depends on, emits each task after its dependencies.
//     A task's dependencies are visited hungriest first (greatest need;
//     ties in argument order): while the big branch runs nothing else of
//     this task is held, and once it is done the small branches are
//     finished at once, before anything new starts, so that the task can
//     run and release its inputs.
//
// For a tree this is the optimal order (Sethi–Ullman); a binary tree
// reduction of n leaves holds O(log n) results instead of the O(n) of
// running level by level. Shared dependencies are computed once, when
// first needed. Order costs O(V + E log E).
//
// Order expects a valid graph (Validate). On a cyclic one it still returns
// every task once, in an order that cannot be topological.
func Order(g *Graph) []Key {
	d := index(g)
	return d.keys(d.order())
}

// order is Order on an index, as task ids. It sorts the dependencies in d.
func (d *dag) order() []int32 {
	n := len(d.tasks)
	need := d.need()
	for i := range int32(n) {
		if ds := d.deps(i); len(ds) > 1 {
			slices.SortStableFunc(ds, func(a, b int32) int { return cmp.Compare(need[b], need[a]) })
		}
	}
	const (
		unseen = iota
		active
		emitted
	)
	state := make([]uint8, n)
	order := make([]int32, 0, n)
	type frame struct {
		v    int32
		next int32
	}
	var stack []frame
	visit := func(root int32) {
		if state[root] != unseen {
			return
		}
		state[root] = active
		stack = append(stack[:0], frame{v: root})
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if ds := d.deps(top.v); int(top.next) < len(ds) {
				w := ds[top.next]
				top.next++
				if state[w] == unseen {
					state[w] = active
					stack = append(stack, frame{v: w})
				}
				continue
			}
			state[top.v] = emitted
			order = append(order, top.v)
			stack = stack[:len(stack)-1]
		}
	}
	for _, i := range d.outputs {
		visit(i)
	}
	for i := range n {
		if len(d.users(int32(i))) == 0 {
			visit(int32(i))
		}
	}
	for i := range n { // only tasks on cycles are left
		visit(int32(i))
	}
	return order
}

// need is step 1 of Order: each task's estimated peak of results held.
func (d *dag) need() []int32 {
	const most = 1 << 30
	need := make([]int32, len(d.tasks))
	for i := range need {
		need[i] = 1
	}
	topo, _ := d.topo()
	var ns []int32
	for _, v := range topo {
		ds := d.deps(v)
		if len(ds) == 0 {
			continue
		}
		ns = ns[:0]
		for _, w := range ds {
			ns = append(ns, need[w])
		}
		slices.SortFunc(ns, func(a, b int32) int { return cmp.Compare(b, a) })
		m := int64(len(ds) + 1)
		for j, x := range ns {
			m = max(m, int64(j)+int64(x))
		}
		need[v] = int32(min(m, most))
	}
	return need
}

package gask

import (
	"fmt"

	"github.com/gask-dev/gask/graph"
	"github.com/gask-dev/gask/internal/registry"
)

// TreeReduce combines leaves with fn in a tree of lazy tasks, as Dask's
// reductions do with split_every: each task combines up to fanIn values,
// left to right (fn(fn(fn(a, b), c), d) for fan-in 4), and the tree has
// ⌈log_fanIn(len(leaves))⌉ levels, so no task waits for all the leaves and
// the work spreads over the workers. fn must be associative; the leaves
// keep their order, so it need not be commutative. A group of one at the
// end of a level goes up unchanged.
//
// With fan-in 2 each node is fn.Delay(a, b): the same tasks, with the same
// keys, as a tree of Submit calls. With a larger fan-in each node is one
// task that runs fn fanIn-1 times in one worker (a fused task), which
// halves the tasks for fan-in 4 and more; fanIn may be at most 16. opts
// apply to every node (a Key option would give them all one key, so it is
// not allowed).
//
//	sum := gask.TreeReduce(Add, parts, 8)
//	total, err := gask.Compute(ctx, c, sum)
func TreeReduce[T any](fn *Fn2[T, T, T], leaves []*Delayed[T], fanIn int, opts ...Option) *Delayed[T] {
	o := collect(opts)
	switch {
	case len(leaves) == 0:
		return failedDelayed[T](fn.Name(), fmt.Errorf("gask: TreeReduce(%s): no leaves", fn.Name()))
	case fanIn < 2 || fanIn > maxFusedDeps:
		return failedDelayed[T](fn.Name(), fmt.Errorf("gask: TreeReduce(%s): fan-in %d, want 2 to %d", fn.Name(), fanIn, maxFusedDeps))
	case o.key != "":
		return failedDelayed[T](fn.Name(), fmt.Errorf("gask: TreeReduce(%s): a Key option would name every node alike", fn.Name()))
	}
	for i, l := range leaves {
		if l == nil {
			return failedDelayed[T](fn.Name(), fmt.Errorf("gask: TreeReduce(%s): leaf %d is nil", fn.Name(), i+1))
		}
	}
	level := leaves
	for len(level) > 1 {
		next := make([]*Delayed[T], 0, (len(level)+fanIn-1)/fanIn)
		for i := 0; i < len(level); i += fanIn {
			group := level[i:min(i+fanIn, len(level))]
			switch len(group) {
			case 1:
				next = append(next, group[0])
			case 2:
				next = append(next, newDelayed[T](fn.f, []argument{group[0], group[1]}, o))
			default:
				next = append(next, &Delayed[T]{foldNode(fn.f, lazyNodes(group), o)})
			}
		}
		level = next
	}
	return level[0]
}

// foldNode is one task that folds the values of deps with the binary
// function f, left to right: a fused chain of len(deps)-1 steps.
func foldNode(f *registry.Func, deps []*node, o taskOptions) *node {
	n := &node{}
	var keys []graph.Key
	index := make([]int, len(deps))
	for i, d := range deps {
		j := -1
		for m, k := range keys {
			if k == d.key() {
				j = m
			}
		}
		if j < 0 {
			j = len(keys)
			keys = append(keys, d.key())
			n.deps = append(n.deps, d)
		}
		index[i] = j
	}
	steps := make([]chainStep, len(deps)-1)
	steps[0] = chainStep{fn: f.ID, args: []stepArg{{kind: argDep, index: index[0]}, {kind: argDep, index: index[1]}}}
	for i := 1; i < len(steps); i++ {
		steps[i] = chainStep{fn: f.ID, args: []stepArg{{kind: argStep, index: i - 1}, {kind: argDep, index: index[i+1]}}}
	}
	raw := make([]registry.Arg, 1+len(keys))
	raw[0] = registry.Arg{Dep: -1, Value: appendChain(nil, steps)}
	for i := range keys {
		raw[i+1] = registry.Arg{Dep: i}
	}
	n.fn = fusedFuncs[len(keys)]
	t := newTask(n.fn.ID, f.Name, o)
	t.Args, t.Deps = registry.AppendArgs(nil, raw), keys
	t.Key = taskKey(f.Name, t.Func, t.Args, t.Deps, o)
	n.task = t
	return n
}

package gask

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"

	"github.com/gask-dev/gask/graph"
	"github.com/gask-dev/gask/internal/registry"
)

// Delayed is a lazy value of type T: a task that has not run, with the
// tasks it needs behind it. Build one with a function's Delay method, pass
// it to other Delay calls as an argument (a *Delayed[T] is an Arg[T]), and
// run the whole graph with Compute or Persist:
//
//	a := Inc.Delay(gask.V(1))         // *gask.Delayed[int]; nothing runs
//	b := Add.Delay(a, gask.V(10))     // depends on a
//	v, err := gask.Compute(ctx, c, b) // 12: one message to the scheduler
//
// A Delayed is immutable and safe for concurrent use; it belongs to no
// client, so one graph can be computed on several. Its key is the key the
// same task submitted with Submit would have.
type Delayed[T any] struct {
	n *node
}

// AnyDelayed is any *Delayed[T], for functions that take lazy values of
// different types (GraphOf, Visualize).
type AnyDelayed interface {
	Key() string
	lazy() *node
}

// node is one lazy task, or an input: a future's value already on the
// cluster.
type node struct {
	task *graph.Task    // nil for an input
	fn   *registry.Func // what task runs: a registered function or a gask.fused one
	deps []*node        // one per task.Deps entry
	fut  AnyFuture      // an input's future, kept alive by the graph
	err  error          // building the task failed; Compute reports it
}

func (n *node) key() graph.Key {
	if n.task == nil {
		return graph.Key(n.fut.Key())
	}
	return n.task.Key
}

// Key is the task's key: the same function with the same arguments has
// the same key, lazily or not.
func (d *Delayed[T]) Key() string { return string(d.n.key()) }

// String summarises d's graph, as Summary does.
func (d *Delayed[T]) String() string { return Summary(d) }

func (d *Delayed[T]) lazy() *node {
	if d == nil {
		return nil
	}
	return d.n
}

// argument makes a *Delayed[T] an Arg[T]. Delay calls take its graph;
// Submit and Map persist it first (see mapTyped) and pass its future, so
// this is reached only by a caller that bypasses them.
func (d *Delayed[T]) argument() (*futureState, []byte, error) {
	return nil, nil, fmt.Errorf("%s is a lazy value (*gask.Delayed): pass gask.Persist(c, d) to Submit, or build this task with Delay", d.Key())
}

// lazyArg is an argument that brings a graph along.
type lazyArg interface{ lazy() *node }

// FromFuture makes a future's value a lazy value, for APIs that take
// []*Delayed[T] (TreeReduce, ComputeAll). The graph takes the value from
// the cluster; it is computed only with the future's client, which must
// still hold it then.
func FromFuture[T any](f *Future[T]) *Delayed[T] { return &Delayed[T]{&node{fut: f}} }

// Delay is Submit made lazy: the task is added to a graph that runs when
// it, or something that depends on it, is computed. Options apply to the
// task as with Submit.
func (f *Fn0[R]) Delay(opts ...Option) *Delayed[R] {
	return newDelayed[R](f.f, nil, collect(opts))
}

// Delay is Submit made lazy. Its argument is a value (V(x)), a future, or
// another lazy value of type A.
func (f *Fn1[A, R]) Delay(a Arg[A], opts ...Option) *Delayed[R] {
	return newDelayed[R](f.f, []argument{a}, collect(opts))
}

// Delay is Submit made lazy. Each argument is a value, a future, or a
// lazy value.
func (f *Fn2[A, B, R]) Delay(a Arg[A], b Arg[B], opts ...Option) *Delayed[R] {
	return newDelayed[R](f.f, []argument{a, b}, collect(opts))
}

// Delay is Submit made lazy. Each argument is a value, a future, or a
// lazy value.
func (f *Fn3[A, B, C, R]) Delay(a Arg[A], b Arg[B], c Arg[C], opts ...Option) *Delayed[R] {
	return newDelayed[R](f.f, []argument{a, b, c}, collect(opts))
}

// A lazy task is allocated with its Delayed, node and graph task in one
// block, with room for two dependencies if it has one or two (most tasks
// of a graph do): one allocation instead of up to five. A graph task then
// keeps its node alive too, and so the nodes it depends on, for as long as
// a graph holds it (while it is planned; a GraphOf's for longer).
type (
	lazyTask[T any] struct {
		d Delayed[T]
		n node
		t graph.Task
	}
	lazyTask2[T any] struct {
		lazyTask[T]
		keys [2]graph.Key
		deps [2]*node
	}
)

// newDelayed builds one lazy task, encoding its arguments as buildSpec
// does, so that its key is the key Submit would give it.
func newDelayed[T any](f *registry.Func, args []argument, o taskOptions) *Delayed[T] {
	ndeps := len(o.after)
	for _, a := range args {
		switch a.(type) {
		case lazyArg, AnyFuture:
			ndeps++
		}
	}
	var lt *lazyTask[T]
	switch {
	case ndeps == 0:
		lt = new(lazyTask[T])
	case ndeps <= 2:
		lt2 := new(lazyTask2[T])
		lt = &lt2.lazyTask
		lt.t.Deps, lt.n.deps = lt2.keys[:0:ndeps], lt2.deps[:0:ndeps]
	default:
		lt = new(lazyTask[T])
		lt.t.Deps, lt.n.deps = make([]graph.Key, 0, ndeps), make([]*node, 0, ndeps)
	}
	lt.d.n = &lt.n
	lt.n.task = &lt.t
	lt.n.build(f, args, o)
	return &lt.d
}

// build makes n the task of f on args, into n.task, whose Deps (and
// n.deps) have room for its dependencies.
func (n *node) build(f *registry.Func, args []argument, o taskOptions) {
	n.fn = f
	t := n.task
	t.Func, t.Name = f.ID, f.Name
	setOptions(t, o)
	var rawArgs [4]registry.Arg
	raw := append(rawArgs[:0], make([]registry.Arg, len(args))...)
	for j, a := range args {
		if l, ok := a.(lazyArg); ok {
			raw[j] = registry.Arg{Dep: n.addDep(t, l.lazy())}
			continue
		}
		dep, val, err := a.argument()
		switch {
		case err != nil:
			n.fail(fmt.Errorf("gask: %s: encode argument %d: %w", f.Name, j+1, err))
		case dep != nil:
			fut, ok := a.(AnyFuture)
			if !ok {
				n.fail(fmt.Errorf("gask: %s: argument %d: a %T cannot be part of a lazy graph", f.Name, j+1, a))
				continue
			}
			raw[j] = registry.Arg{Dep: n.addDep(t, &node{fut: fut})}
		default:
			raw[j] = registry.Arg{Dep: -1, Value: val}
		}
	}
	for _, fut := range o.after {
		n.addDep(t, &node{fut: fut})
	}
	t.Args = registry.AppendArgs(nil, raw)
	t.Key = taskKey(f.Name, f.ID, t.Args, t.Deps, o)
}

func newTask(fn, name string, o taskOptions) *graph.Task {
	t := &graph.Task{Func: fn, Name: name}
	setOptions(t, o)
	return t
}

// setOptions sets t's scheduling options from o.
func setOptions(t *graph.Task, o taskOptions) {
	t.Priority, t.Retries = o.priority, max(o.retries, 0)
	t.Resources, t.Workers, t.AllowOtherWorkers = maps.Clone(o.resources), slices.Clone(o.workers), o.loose
}

// addDep makes d the next dependency of n's task t and returns its index.
func (n *node) addDep(t *graph.Task, d *node) int {
	t.Deps = append(t.Deps, d.key())
	n.deps = append(n.deps, d)
	return len(t.Deps) - 1
}

func (n *node) fail(err error) {
	if n.err == nil {
		n.err = err
	}
}

// taskKey derives a task's key exactly as buildSpec does: an explicit key,
// a random one for impure tasks, or pureKey's.
func taskKey(name, fnID string, args []byte, deps []graph.Key, o taskOptions) graph.Key {
	switch {
	case o.key != "":
		return graph.Key(o.key)
	case o.impure:
		var r [8]byte
		rand.Read(r[:])
		return graph.Key(name + "-" + hex.EncodeToString(r[:]))
	}
	return graph.Key(pureKey(name, fnID, args, deps))
}

// failedDelayed is a lazy value that cannot be built; computing it
// returns err.
func failedDelayed[T any](name string, err error) *Delayed[T] {
	t := &graph.Task{Key: graph.Key(name + "-invalid"), Func: name, Name: name}
	return &Delayed[T]{&node{task: t, err: err}}
}

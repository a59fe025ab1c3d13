package gask

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/gask-dev/gask/graph"
	"github.com/gask-dev/gask/wire"
)

// ComputeOption configures Compute, ComputeAll, ComputeMany, Persist and
// PersistAll.
type ComputeOption func(*computeConfig)

type computeConfig struct {
	noFusion bool
}

// NoFusion submits every lazy task as a task of its own. By default each
// linear chain (a task whose only dependent is the next, which needs
// nothing else) runs as one task on one worker, which saves a scheduler
// round trip and a stored result per step; NoFusion shows every step to
// the scheduler instead, as Dask's optimize_graph=False does.
func NoFusion() ComputeOption { return func(c *computeConfig) { c.noFusion = true } }

func collectCompute(opts []ComputeOption) computeConfig {
	var cfg computeConfig
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// Compute runs d's graph on the cluster and returns its value. Only the
// tasks d needs run; tasks already held on the cluster are not run again;
// intermediate results are freed as soon as their dependents finish, and
// d's own once it is fetched. If ctx ends first, Compute returns ctx.Err()
// and releases the graph, which stops the tasks nothing else needs.
func Compute[T any](ctx context.Context, c *Client, d *Delayed[T], opts ...ComputeOption) (T, error) {
	vs, err := ComputeAll(ctx, c, []*Delayed[T]{d}, opts...)
	if err != nil {
		var zero T
		return zero, err
	}
	return vs[0], nil
}

// ComputeAll computes many lazy values of one type in one graph, shared
// tasks once, and returns their values in order. The first task error is
// returned.
func ComputeAll[T any](ctx context.Context, c *Client, ds []*Delayed[T], opts ...ComputeOption) ([]T, error) {
	if len(ds) == 0 {
		return []T{}, nil
	}
	states, err := submitGraph(c, lazyNodes(ds), collectCompute(opts))
	if err != nil {
		return nil, err
	}
	futs := make([]*Future[T], len(states))
	for i, st := range states {
		futs[i] = newFuture[T](c, st)
	}
	defer func() {
		for _, f := range futs {
			f.Release()
		}
	}()
	return Gather(ctx, futs)
}

// Target is a lazy value and where ComputeMany puts it; make one with Into.
type Target interface {
	lazy() *node
	bind(c *Client, st *futureState) boundTarget
}

type boundTarget interface {
	fetch(ctx context.Context) error
	release()
}

// Into makes a Target: ComputeMany stores d's value in *dst.
func Into[T any](dst *T, d *Delayed[T]) Target { return into[T]{dst, d} }

type into[T any] struct {
	dst *T
	d   *Delayed[T]
}

type boundInto[T any] struct {
	dst *T
	f   *Future[T]
}

func (t into[T]) lazy() *node { return t.d.lazy() }
func (t into[T]) bind(c *Client, st *futureState) boundTarget {
	return boundInto[T]{t.dst, newFuture[T](c, st)}
}

func (b boundInto[T]) fetch(ctx context.Context) error {
	v, err := b.f.Result(ctx)
	if err == nil {
		*b.dst = v
	}
	return err
}

func (b boundInto[T]) release() { b.f.Release() }

// ComputeMany computes lazy values of different types in one graph and
// stores each in its destination, typed:
//
//	var total int
//	var names []string
//	err := gask.ComputeMany(ctx, c, []gask.Target{gask.Into(&total, sum), gask.Into(&names, list)})
//
// It returns the first error; destinations of values that failed are left
// alone.
func ComputeMany(ctx context.Context, c *Client, targets []Target, opts ...ComputeOption) error {
	if len(targets) == 0 {
		return nil
	}
	outs := make([]*node, len(targets))
	for i, t := range targets {
		outs[i] = t.lazy()
	}
	states, err := submitGraph(c, outs, collectCompute(opts))
	if err != nil {
		return err
	}
	bound := make([]boundTarget, len(targets))
	for i, t := range targets {
		bound[i] = t.bind(c, states[i])
	}
	defer func() {
		for _, b := range bound {
			b.release()
		}
	}()
	for _, b := range bound {
		if err := b.fetch(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Persist runs d's graph on the cluster and returns a future for its
// value, which stays on the cluster while the future holds it (Dask's
// persist). Intermediate results are freed as their dependents finish. A
// graph that cannot be submitted gives a failed future.
func Persist[T any](c *Client, d *Delayed[T], opts ...ComputeOption) *Future[T] {
	return PersistAll(c, []*Delayed[T]{d}, opts...)[0]
}

// PersistAll persists many lazy values of one type in one graph.
func PersistAll[T any](c *Client, ds []*Delayed[T], opts ...ComputeOption) []*Future[T] {
	if len(ds) == 0 {
		return []*Future[T]{}
	}
	outs := lazyNodes(ds)
	futs := make([]*Future[T], len(ds))
	states, err := submitGraph(c, outs, collectCompute(opts))
	if err != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, n := range outs {
			// Not the value's own key: releasing this future must not
			// drop another future's hold on it.
			key := fmt.Sprintf("delayed-invalid-%d", i)
			if n != nil {
				key = string(n.key()) + "-invalid"
			}
			st := &futureState{key: key, refs: 1}
			c.finish(st, Failed, err)
			futs[i] = newFuture[T](c, st)
		}
		return futs
	}
	for i, st := range states {
		futs[i] = newFuture[T](c, st)
	}
	return futs
}

func lazyNodes[T any](ds []*Delayed[T]) []*node {
	outs := make([]*node, len(ds))
	for i, d := range ds {
		outs[i] = d.lazy()
	}
	return outs
}

// submitGraph sends the graph behind outs in one UpdateGraph: every task,
// fused unless cfg says not to, in graph.Order's order, so that the
// scheduler (which breaks ties in user priority by submission order) runs
// it depth-first; and one hold per output in Wants. Intermediate tasks
// are not held: the scheduler frees them when their dependents are done.
//
// Every task goes out, even those the cluster may hold already: the
// scheduler skips keys it knows, and a task whose result is held is not
// run again. Keys this client holds are not fused away, so their results
// are reused rather than recomputed inside a fused task.
func submitGraph(c *Client, outs []*node, cfg computeConfig) ([]*futureState, error) {
	p, err := newPlan(outs)
	if err != nil {
		return nil, err
	}
	for _, fut := range p.futures {
		if fut != nil && fut.client() != c {
			return nil, fmt.Errorf("gask: the graph takes future %s, which belongs to another client", fut.Key())
		}
	}
	var keep []int32
	c.mu.Lock()
	err = c.unusable()
	if err == nil {
		for i, k := range p.inputs {
			if p.futures[i] != nil && c.futures.Get(string(k)) == nil {
				err = fmt.Errorf("gask: the graph takes future %s, which was released", k)
				break
			}
		}
	}
	if err == nil && !cfg.noFusion {
		// Tasks the client holds futures of: look up the smaller map's
		// keys in the other (a new graph's tasks are mostly not held).
		held := func(id int32, st *futureState) {
			if st != nil && st.status != Cancelled {
				keep = append(keep, id)
			}
		}
		if c.futures.Len() < len(p.Tasks) {
			for k, st := range c.futures.All() {
				if id, ok := p.id[graph.Key(k)]; ok && id >= 0 {
					held(id, st)
				}
			}
		} else {
			for id, t := range p.Tasks {
				held(int32(id), c.futures.Get(string(t.Key)))
			}
		}
	}
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}

	var order []int32
	tasks := p.Tasks
	if cfg.noFusion {
		order = p.Order()
	} else {
		var chains [][]int32
		order, chains = p.OrderAndFuse(keep...)
		tasks = p.fuse(chains)
	}
	msg := &wire.UpdateGraph{Tasks: taskSpecs(tasks, order), Wants: make([]string, len(outs))}
	states := make([]*futureState, len(outs))

	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.unusable(); err != nil {
		return nil, err
	}
	for i, n := range outs {
		states[i], _ = c.stateFor(string(n.key()))
		msg.Wants[i] = string(n.key())
	}
	// Sent under the lock, so that a Submit of one of these keys from
	// another goroutine, which takes the key as known, cannot overtake the
	// tasks. Send only queues.
	c.conn.Send(msg)
	return states, nil
}

// unusable is why the client cannot submit, or nil; c.mu is held.
func (c *Client) unusable() error {
	if c.lost != nil {
		return c.lost
	}
	if c.closed {
		return ErrClientClosed
	}
	return nil
}

// taskSpecs turns tasks into wire specs, in order (task numbers); the
// numbers of tasks fused away, which hold nil, are skipped.
func taskSpecs(tasks []*graph.Task, order []int32) []wire.TaskSpec {
	ndeps, n := 0, 0
	for _, id := range order {
		if t := tasks[id]; t != nil {
			ndeps += len(t.Deps)
			n++
		}
	}
	specs := make([]wire.TaskSpec, 0, n)
	deps := make([]string, 0, ndeps) // every spec's Deps, in one block
	for _, id := range order {
		t := tasks[id]
		if t == nil {
			continue
		}
		specs = append(specs, wire.TaskSpec{Key: string(t.Key), Func: t.Func, Args: t.Args, Priority: t.Priority,
			Retries: uint32(t.Retries), Workers: t.Workers, Loose: t.AllowOtherWorkers})
		s := &specs[len(specs)-1]
		if len(t.Deps) > 0 {
			start := len(deps)
			for _, d := range t.Deps {
				deps = append(deps, string(d))
			}
			s.Deps = deps[start:len(deps):len(deps)]
		}
		if len(t.Resources) > 0 {
			for _, name := range slices.Sorted(maps.Keys(t.Resources)) {
				s.Resources = append(s.Resources, wire.Resource{Name: name, Amount: t.Resources[name]})
			}
		}
	}
	return specs
}

package array

import (
	"fmt"
	"slices"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// Reductions are tree reductions, as Dask's: a partial per block (a sum,
// an extremum, Moments, an ArgPartial), combined by gask.TreeReduce, with
// a fan-in of 8 unless FanIn says otherwise, separately for each block of
// the result; a reduction over axis 0 of a 2-D array combines the
// partials down each column of blocks. A reduction over all axes of an
// element-wise expression is computed inside the expression's task, so
// the block is never stored.

// ReduceOption configures a reduction.
type ReduceOption func(*reduceConfig)

type reduceConfig struct {
	axes     []int
	keepDims bool
	ddof     int
	fanIn    int
}

// Axis reduces over these axes (negative count from the end) instead of
// all of them; Axis() with none is all of them.
func Axis(axes ...int) ReduceOption {
	return func(c *reduceConfig) { c.axes = append(c.axes, axes...) }
}

// KeepDims keeps the reduced axes in the result, with extent 1.
func KeepDims() ReduceOption { return func(c *reduceConfig) { c.keepDims = true } }

// DDOF sets Var's and Std's delta degrees of freedom: they divide by
// N-ddof (default 0, as NumPy).
func DDOF(ddof int) ReduceOption { return func(c *reduceConfig) { c.ddof = ddof } }

// FanIn sets how many partials one task combines, 2 to 16 (default 8,
// Dask's split_every).
func FanIn(n int) ReduceOption { return func(c *reduceConfig) { c.fanIn = n } }

const defaultFanIn = 8

// reduction is a planned reduction of a.
type reduction struct {
	a      Array
	name   string
	cfg    reduceConfig
	red    []bool // which axes are reduced
	all    bool   // every axis is
	out    *chunk.Grid
	groups [][]int // for each result block, the blocks of a it combines, row-major
}

func (a Array) plan(name string, opts []ReduceOption) (*reduction, error) {
	if err := a.Err(); err != nil {
		return nil, err
	}
	cfg := reduceConfig{fanIn: defaultFanIn}
	for _, o := range opts {
		o(&cfg)
	}
	nd := a.NDim()
	r := &reduction{a: a, name: name, cfg: cfg, red: make([]bool, nd)}
	if cfg.fanIn < 2 || cfg.fanIn > 16 {
		return nil, fmt.Errorf("array: %s: fan-in %d, want 2 to 16", name, cfg.fanIn)
	}
	if cfg.axes == nil {
		for d := range r.red {
			r.red[d] = true
		}
	} else {
		axes, err := normalizeAxes(cfg.axes, nd)
		if err != nil {
			return nil, fmt.Errorf("array: %s: %w", name, err)
		}
		for _, d := range axes {
			r.red[d] = true
		}
	}
	r.all = !slices.Contains(r.red, false)
	r.out = &chunk.Grid{Shape: []int{}, Chunks: [][]int{}}
	for d, red := range r.red {
		switch {
		case !red:
			r.out.Shape = append(r.out.Shape, a.grid.Shape[d])
			r.out.Chunks = append(r.out.Chunks, a.grid.Chunks[d])
		case cfg.keepDims:
			r.out.Shape = append(r.out.Shape, 1)
			r.out.Chunks = append(r.out.Chunks, []int{1})
		}
	}
	r.groups = make([][]int, r.out.Len())
	for n := range a.blocks {
		o := r.out.Linear(r.project(a.grid.Unlinear(n)))
		r.groups[o] = append(r.groups[o], n)
	}
	return r, nil
}

// project maps a block index of a to the index of the result block it
// goes into.
func (r *reduction) project(idx []int) []int {
	out := []int{}
	for d, red := range r.red {
		switch {
		case !red:
			out = append(out, idx[d])
		case r.cfg.keepDims:
			out = append(out, 0)
		}
	}
	return out
}

// axes lists the reduced axes, never nil.
func (r *reduction) axes() []int {
	axes := []int{}
	for d, red := range r.red {
		if red {
			axes = append(axes, d)
		}
	}
	return axes
}

// count is the number of elements each result element reduces.
func (r *reduction) count() int {
	n := 1
	for d, red := range r.red {
		if red {
			n *= r.a.grid.Shape[d]
		}
	}
	return n
}

// tree builds the result: for each result block, a partial of each of
// its input blocks, combined by a tree, then finished.
func tree[T any](r *reduction, partial func(n int, e *expr, shape []int) *gask.Delayed[T],
	combine *gask.Fn2[T, T, T], finish func(root *gask.Delayed[T], shape []int) *expr) Array {
	return newArray(r.out, eachBlock(r.out, func(o int, _, shape []int) *expr {
		group := r.sharersAdjacent(r.groups[o])
		leaves := make([]*gask.Delayed[T], len(group))
		for i, n := range group {
			leaves[i] = partial(n, r.a.blocks[n], shape)
		}
		return finish(gask.TreeReduce(combine, leaves, r.cfg.fanIn), shape)
	}))
}

// sharersAdjacent orders the blocks of one reduction so that blocks that
// read a common task come one after the other: each next block is, when
// there is one, an unused block sharing an input with the last one taken,
// else the next in block order. The tree then combines them in that order
// and the depth-first graph order computes them together, so a shared
// input (block (j,i) of x is read by block (i,j) of x and of xᵀ) is
// dropped soon after it is made instead of waiting for a far row.
func (r *reduction) sharersAdjacent(group []int) []int {
	readers := map[string][]int{} // input task key → blocks of group reading it
	for _, n := range group {
		for _, in := range r.a.blocks[n].ins {
			readers[in.Key()] = append(readers[in.Key()], n)
		}
	}
	used := make(map[int]bool, len(group))
	out := make([]int, 0, len(group))
	next := 0
	for len(out) < len(group) {
		var pick = -1
		if len(out) > 0 {
		search:
			for _, in := range r.a.blocks[out[len(out)-1]].ins {
				for _, m := range readers[in.Key()] {
					if !used[m] {
						pick = m
						break search
					}
				}
			}
		}
		if pick < 0 {
			for used[group[next]] {
				next++
			}
			pick = group[next]
		}
		used[pick] = true
		out = append(out, pick)
	}
	return out
}

func asBlock(root *gask.Delayed[*chunk.Chunk], shape []int) *expr { return leaf(root, shape) }

// simple is a sum, min or max: partials of the result's kind, combined
// element by element.
func (a Array) simple(name string, red uint8, partial *gask.Fn2[reduceSpec, *chunk.Chunk, *chunk.Chunk],
	combine *gask.Fn2[*chunk.Chunk, *chunk.Chunk, *chunk.Chunk], opts []ReduceOption) Array {
	r, err := a.plan(name, opts)
	if err != nil {
		return failed(err)
	}
	spec := reduceSpec{Axes: r.axes(), KeepDims: r.cfg.keepDims}
	return tree(r, func(_ int, e *expr, shape []int) *gask.Delayed[*chunk.Chunk] {
		switch {
		case r.all && e.kind == leafExpr:
			// The order of the elements does not matter: skip a transpose.
			return partial.Delay(gask.V(spec), e.d)
		case r.all:
			return e.reduced(red, shape)
		}
		return partial.Delay(gask.V(spec), e.delayed())
	}, combine, asBlock)
}

// Sum is the sum of the elements, over all axes or those of Axis.
func (a Array) Sum(opts ...ReduceOption) Array {
	return a.simple("Sum", reduceSum, sumFn, addFn, opts)
}

// Min is the smallest element (NaN if there is a NaN; +Inf over none).
func (a Array) Min(opts ...ReduceOption) Array {
	return a.simple("Min", reduceMin, minFn, minimumFn, opts)
}

// Max is the largest element (NaN if there is a NaN; -Inf over none).
func (a Array) Max(opts ...ReduceOption) Array {
	return a.simple("Max", reduceMax, maxFn, maximumFn, opts)
}

// Mean is the arithmetic mean: the Sum divided by the number of elements
// summed (NaN over none).
func (a Array) Mean(opts ...ReduceOption) Array {
	r, err := a.plan("Mean", opts)
	if err != nil {
		return failed(err)
	}
	return Div(a.Sum(opts...), Scalar(float64(r.count())))
}

// Var is the variance, Σ(x-mean)²/(N-ddof) with DDOF's ddof (default 0),
// from per-block Moments combined by Chan's parallel algorithm, which is
// as accurate as a two-pass computation.
func (a Array) Var(opts ...ReduceOption) Array { return a.moments("Var", varFn, opts) }

// Std is the standard deviation, the square root of Var.
func (a Array) Std(opts ...ReduceOption) Array { return a.moments("Std", stdFn, opts) }

func (a Array) moments(name string, finish *gask.Fn2[int, *chunk.Moments, *chunk.Chunk], opts []ReduceOption) Array {
	r, err := a.plan(name, opts)
	if err != nil {
		return failed(err)
	}
	spec := reduceSpec{Axes: r.axes(), KeepDims: r.cfg.keepDims}
	return tree(r, func(_ int, e *expr, _ []int) *gask.Delayed[*chunk.Moments] {
		if r.all && e.kind == leafExpr {
			return momentsFn.Delay(gask.V(spec), e.d)
		}
		return momentsFn.Delay(gask.V(spec), e.delayed())
	}, combineMomentsFn, func(root *gask.Delayed[*chunk.Moments], shape []int) *expr {
		return leaf(finish.Delay(gask.V(r.cfg.ddof), root), shape)
	})
}

// ArgMin is the index of the first smallest element (of the first NaN, if
// any): over all axes, the flat index in row-major order; with Axis (one
// axis only), the index along it. Indices are float64s, exact below 2⁵³.
func (a Array) ArgMin(opts ...ReduceOption) Array {
	return a.arg("ArgMin", argMinFn, combineArgMinFn, opts)
}

// ArgMax is the index of the first largest element, as ArgMin.
func (a Array) ArgMax(opts ...ReduceOption) Array {
	return a.arg("ArgMax", argMaxFn, combineArgMaxFn, opts)
}

func (a Array) arg(name string, partial *gask.Fn2[argSpec, *chunk.Chunk, *chunk.ArgPartial],
	combine *gask.Fn2[*chunk.ArgPartial, *chunk.ArgPartial, *chunk.ArgPartial], opts []ReduceOption) Array {
	r, err := a.plan(name, opts)
	if err != nil {
		return failed(err)
	}
	axes := r.axes()
	if r.cfg.axes != nil && len(axes) != 1 {
		return failedf("%s over axes %v: one axis or all of them", name, r.cfg.axes)
	}
	flat := r.cfg.axes == nil
	return tree(r, func(n int, e *expr, _ []int) *gask.Delayed[*chunk.ArgPartial] {
		idx := a.grid.Unlinear(n)
		s := argSpec{Flat: flat, Global: a.grid.Shape, Offset: a.grid.BlockOffset(idx)}
		if !flat {
			s.Axis = axes[0]
		}
		return partial.Delay(gask.V(s), e.delayed())
	}, combine, func(root *gask.Delayed[*chunk.ArgPartial], shape []int) *expr {
		return leaf(argIndexFn.Delay(gask.V(slices.Clone(shape)), root), shape)
	})
}

package array

import (
	"context"
	"fmt"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// Compute runs a's graph on the cluster and returns the whole array as
// one dense chunk in this process. Only the tasks a needs run, in one
// submission (opts are gask's: NoFusion); the blocks are fetched from the
// workers and pasted together here, so the array must fit in memory. To
// keep a big result on the cluster use Persist, or reduce it first.
func Compute(ctx context.Context, c *gask.Client, a Array, opts ...gask.ComputeOption) (*chunk.Chunk, error) {
	out, err := ComputeAll(ctx, c, []Array{a}, opts...)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// ComputeAll computes several arrays in one graph, tasks they share
// once: x.Mean() and x.Std() read x's blocks once.
func ComputeAll(ctx context.Context, c *gask.Client, arrays []Array, opts ...gask.ComputeOption) ([]*chunk.Chunk, error) {
	if err := firstErr(arrays...); err != nil {
		return nil, err
	}
	var ds []*gask.Delayed[*chunk.Chunk]
	for _, a := range arrays {
		ds = append(ds, a.Blocks()...)
	}
	blocks, err := gask.ComputeAll(ctx, c, ds, opts...)
	if err != nil {
		return nil, err
	}
	out := make([]*chunk.Chunk, len(arrays))
	for i, a := range arrays {
		n := len(a.blocks)
		if out[i], err = a.assemble(blocks[:n]); err != nil {
			return nil, err
		}
		blocks = blocks[n:]
	}
	return out, nil
}

// ComputeScalar computes an array of one element, such as a reduction
// over all axes, and returns its value.
func ComputeScalar(ctx context.Context, c *gask.Client, a Array, opts ...gask.ComputeOption) (float64, error) {
	if err := a.Err(); err != nil {
		return 0, err
	}
	if a.Size() != 1 {
		return 0, fmt.Errorf("array: ComputeScalar of shape %v: %w (want one element)", a.grid.Shape, chunk.ErrShape)
	}
	r, err := Compute(ctx, c, a, opts...)
	if err != nil {
		return 0, err
	}
	return r.Data[0], nil
}

// assemble pastes computed blocks into the dense array, checking that
// each has the shape the grid says.
func (a Array) assemble(blocks []*chunk.Chunk) (*chunk.Chunk, error) {
	for n, b := range blocks {
		if want := a.grid.BlockShape(a.grid.Unlinear(n)); !chunk.SameShape(b.Shape, want) {
			return nil, fmt.Errorf("array: block %v is %v, want %v: %w", a.grid.Unlinear(n), b.Shape, want, chunk.ErrShape)
		}
	}
	if len(blocks) == 1 {
		return blocks[0], nil
	}
	out := chunk.New(a.grid.Shape...)
	for n, b := range blocks {
		if err := pasteInto(out, b, a.grid.BlockOffset(a.grid.Unlinear(n))); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Persist runs a's graph on the cluster and returns an array whose blocks
// are the results, kept there (Dask's persist): operations on it start
// from them instead of recomputing a. It returns at once; Compute of
// anything built on it waits as needed. Release the blocks with Release
// when done (they are released when the array is garbage collected, too).
// A graph that cannot be submitted gives an array whose blocks fail.
func Persist(c *gask.Client, a Array, opts ...gask.ComputeOption) Array {
	if err := a.Err(); err != nil {
		return failed(err)
	}
	futs := gask.PersistAll(c, a.Blocks(), opts...)
	blocks := make([]*expr, len(futs))
	for n, f := range futs {
		blocks[n] = leaf(gask.FromFuture(f), a.grid.BlockShape(a.grid.Unlinear(n)))
	}
	p := newArray(a.grid, blocks)
	p.futs = futs
	return p
}

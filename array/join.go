package array

import (
	"slices"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// Concatenate joins arrays along an existing axis (negative counts from
// the end). Their other extents must match; arrays chunked differently
// along them are rechunked to the first's. The result's blocks are the
// arrays' blocks: nothing moves.
func Concatenate(arrays []Array, axis int) Array {
	if len(arrays) == 0 {
		return failedf("Concatenate of no arrays: %w", chunk.ErrShape)
	}
	if err := firstErr(arrays...); err != nil {
		return failed(err)
	}
	first := arrays[0]
	nd := first.NDim()
	ax, err := normalizeAxes([]int{axis}, nd)
	if err != nil {
		return failedf("Concatenate along axis %d of %d-d arrays: %w", axis, nd, chunk.ErrShape)
	}
	axis = ax[0]
	g := &chunk.Grid{Shape: slices.Clone(first.grid.Shape), Chunks: slices.Clone(first.grid.Chunks)}
	g.Shape[axis], g.Chunks[axis] = 0, nil
	parts := slices.Clone(arrays)
	owner := []int{} // for each block index along axis: which array, and its index there
	local := []int{}
	for k, a := range arrays {
		if a.NDim() != nd {
			return failedf("Concatenate of shapes %v and %v: %w", first.grid.Shape, a.grid.Shape, chunk.ErrShape)
		}
		want := slices.Clone(g.Chunks)
		for d := range nd {
			if d != axis && a.grid.Shape[d] != first.grid.Shape[d] {
				return failedf("Concatenate of shapes %v and %v along axis %d: %w", first.grid.Shape, a.grid.Shape, axis, chunk.ErrShape)
			}
		}
		want[axis] = a.grid.Chunks[axis]
		if !slices.EqualFunc(want, a.grid.Chunks, slices.Equal) {
			parts[k] = a.Rechunk(ExplicitChunks(want))
		}
		g.Shape[axis] += a.grid.Shape[axis]
		g.Chunks[axis] = append(slices.Clone(g.Chunks[axis]), a.grid.Chunks[axis]...)
		for i := range a.grid.Chunks[axis] {
			owner = append(owner, k)
			local = append(local, i)
		}
	}
	in := make([]int, nd)
	return newArray(g, eachBlock(g, func(_ int, idx, _ []int) *expr {
		copy(in, idx)
		in[axis] = local[idx[axis]]
		return parts[owner[idx[axis]]].block(in)
	}))
}

// Stack joins arrays of one shape along a new axis, placed at axis (0 to
// their number of axes; negative counts from the end of the result's).
func Stack(arrays []Array, axis int) Array {
	if len(arrays) == 0 {
		return failedf("Stack of no arrays: %w", chunk.ErrShape)
	}
	if err := firstErr(arrays...); err != nil {
		return failed(err)
	}
	nd := arrays[0].NDim()
	ax, err := normalizeAxes([]int{axis}, nd+1)
	if err != nil {
		return failedf("Stack along axis %d of %d-d arrays: %w", axis, nd, chunk.ErrShape)
	}
	axis = ax[0]
	parts := make([]Array, len(arrays))
	for k, a := range arrays {
		if !chunk.SameShape(a.grid.Shape, arrays[0].grid.Shape) {
			return failedf("Stack of shapes %v and %v: %w", arrays[0].grid.Shape, a.grid.Shape, chunk.ErrShape)
		}
		parts[k] = a.insertAxis(axis)
	}
	return Concatenate(parts, axis)
}

// insertAxis is a with a new axis of extent 1 at axis.
func (a Array) insertAxis(axis int) Array {
	g := &chunk.Grid{
		Shape:  slices.Insert(slices.Clone(a.grid.Shape), axis, 1),
		Chunks: slices.Insert(slices.Clone(a.grid.Chunks), axis, []int{1}),
	}
	return a.reshapeBlocks(g)
}

// dropAxis is a without its axis of extent 1 at axis.
func (a Array) dropAxis(axis int) Array {
	g := &chunk.Grid{
		Shape:  slices.Delete(slices.Clone(a.grid.Shape), axis, axis+1),
		Chunks: slices.Delete(slices.Clone(a.grid.Chunks), axis, axis+1),
	}
	return a.reshapeBlocks(g)
}

// reshapeBlocks gives a's blocks, in order, the shapes of g's: g must
// have as many blocks, each of the same size (axes of extent 1 added or
// removed).
func (a Array) reshapeBlocks(g *chunk.Grid) Array {
	return newArray(g, eachBlock(g, func(n int, _, shape []int) *expr {
		e := a.blocks[n]
		if e.kind == constExpr {
			return constant(e.v, shape)
		}
		return leaf(reshapeFn.Delay(gask.V(shape), e.delayed()), shape)
	}))
}

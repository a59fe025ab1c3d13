package array

import (
	"slices"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// MatMul is the matrix product of the 2-D arrays a (m×k) and b (k×n).
// Block (i, j) of the result is the sum over k of the products of a's
// blocks (i, k) and b's blocks (k, j), a tree of additions with a fan-in
// of 8; b is rechunked along its rows to a's column blocks if they
// differ.
func MatMul(a, b Array) Array {
	if err := firstErr(a, b); err != nil {
		return failed(err)
	}
	if a.NDim() != 2 || b.NDim() != 2 || a.grid.Shape[1] != b.grid.Shape[0] {
		return failedf("MatMul of shapes %v and %v: %w", a.grid.Shape, b.grid.Shape, chunk.ErrShape)
	}
	if !slices.Equal(a.grid.Chunks[1], b.grid.Chunks[0]) {
		b = b.Rechunk(ExplicitChunks([][]int{a.grid.Chunks[1], b.grid.Chunks[1]}))
	}
	g := &chunk.Grid{
		Shape:  []int{a.grid.Shape[0], b.grid.Shape[1]},
		Chunks: [][]int{a.grid.Chunks[0], b.grid.Chunks[1]},
	}
	nk := len(a.grid.Chunks[1])
	return newArray(g, eachBlock(g, func(_ int, idx, shape []int) *expr {
		products := make([]*gask.Delayed[*chunk.Chunk], nk)
		for k := range nk {
			x := a.block([]int{idx[0], k}).delayed()
			y := b.block([]int{k, idx[1]}).delayed()
			products[k] = matmulFn.Delay(x, y)
		}
		return leaf(gask.TreeReduce(addFn, products, defaultFanIn), shape)
	}))
}

// Dot is the dot product as NumPy's dot for arrays of one or two axes:
// the inner product of two vectors (a 0-d array), the matrix product of
// two matrices, and a matrix times a vector or a vector times a matrix
// (a vector).
func Dot(a, b Array) Array {
	if err := firstErr(a, b); err != nil {
		return failed(err)
	}
	switch {
	case a.NDim() == 1 && b.NDim() == 1:
		if a.grid.Shape[0] != b.grid.Shape[0] {
			return failedf("Dot of shapes %v and %v: %w", a.grid.Shape, b.grid.Shape, chunk.ErrShape)
		}
		return Mul(a, b).Sum()
	case a.NDim() == 2 && b.NDim() == 2:
		return MatMul(a, b)
	case a.NDim() == 2 && b.NDim() == 1:
		return MatMul(a, b.insertAxis(1)).dropAxis(1)
	case a.NDim() == 1 && b.NDim() == 2:
		return MatMul(a.insertAxis(0), b).dropAxis(0)
	}
	return failedf("Dot of shapes %v and %v: %w (want 1 or 2 axes each)", a.grid.Shape, b.grid.Shape, chunk.ErrShape)
}

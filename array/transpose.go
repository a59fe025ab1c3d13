package array

import (
	"fmt"
	"slices"

	"github.com/gask-dev/gask/array/chunk"
)

// T is the array with its axes reversed: the matrix transpose of a 2-D
// array.
func (a Array) T() Array { return a.Transpose() }

// Transpose permutes the axes: axis i of the result is axis axes[i] of a
// (negative axes count from the end); no axes reverse them, as NumPy's
// transpose. Block (i, j) of xᵀ is the transpose of x's block (j, i),
// done inside whatever task reads it: no data move for the transpose
// itself.
func (a Array) Transpose(axes ...int) Array {
	if err := a.Err(); err != nil {
		return failed(err)
	}
	nd := a.NDim()
	if len(axes) == 0 {
		axes = make([]int, nd)
		for i := range axes {
			axes[i] = nd - 1 - i
		}
	}
	perm, err := normalizeAxes(axes, nd)
	if err != nil || len(perm) != nd {
		return failedf("Transpose(%v) of %d axes: %w (want a permutation of the axes)", axes, nd, chunk.ErrShape)
	}
	axes = perm
	g := &chunk.Grid{Shape: make([]int, nd), Chunks: make([][]int, nd)}
	for i, ax := range axes {
		g.Shape[i] = a.grid.Shape[ax]
		g.Chunks[i] = a.grid.Chunks[ax]
	}
	if isIdentity(axes) {
		return a
	}
	in := make([]int, nd)
	return newArray(g, eachBlock(g, func(_ int, idx, _ []int) *expr {
		for i, ax := range axes {
			in[ax] = idx[i]
		}
		return a.block(in).transposed(axes)
	}))
}

// normalizeAxes resolves negative axes and checks that they are distinct
// and in range.
func normalizeAxes(axes []int, nd int) ([]int, error) {
	out := make([]int, len(axes))
	for i, ax := range axes {
		if ax < 0 {
			ax += nd
		}
		if ax < 0 || ax >= nd || slices.Contains(out[:i], ax) {
			return nil, fmt.Errorf("array: axes %v for %d axes: %w", axes, nd, chunk.ErrShape)
		}
		out[i] = ax
	}
	return out, nil
}

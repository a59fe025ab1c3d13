package array

import (
	"fmt"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// Range selects along one axis as Python's start:stop:step: negative
// bounds count from the end, bounds out of range are clamped, and a
// negative step walks backwards. It is chunk.Range.
type Range = chunk.Range

// Begin and End are the bounds before the first and past the last
// element, for a Range's Start and Stop.
const (
	Begin = chunk.Begin
	End   = chunk.End
)

// All selects a whole axis (:).
func All() Range { return chunk.All() }

// Span selects [start, stop) (start:stop).
func Span(start, stop int) Range { return chunk.Span(start, stop) }

// Every selects every step-th element from the start, or for a negative
// step from the end backwards (::step): Every(-1) reverses an axis.
func Every(step int) Range {
	if step < 0 {
		return Range{Start: End, Stop: Begin, Step: step}
	}
	return Range{Start: 0, Stop: End, Step: step}
}

// Slice selects with one Range per leading axis (the other axes are taken
// whole), as x[r0, r1] in NumPy. Each block of the result comes from one
// block of a, as in Dask, so slicing moves no data between blocks; a
// block taken whole is a's block itself.
func (a Array) Slice(ranges ...Range) Array {
	if err := a.Err(); err != nil {
		return failed(err)
	}
	g, plans, err := a.grid.SlicePlan(ranges)
	if err != nil {
		return failed(fmt.Errorf("array: Slice(%v) of shape %v: %w", ranges, a.grid.Shape, err))
	}
	return newArray(g, eachBlock(g, func(n int, _, shape []int) *expr {
		if len(plans[n]) == 0 {
			return constant(0, shape) // nothing selected: an empty block
		}
		p := plans[n][0]
		return a.piece(p, shape)
	}))
}

// piece is the part of a's block p.In that p.Ranges select, as a block of
// shape.
func (a Array) piece(p chunk.Piece, shape []int) *expr {
	in := a.block(p.In)
	switch {
	case in.kind == constExpr:
		return constant(in.v, shape)
	case wholeBlock(a.grid, p):
		return in
	}
	return leaf(sliceFn.Delay(gask.V(p.Ranges), in.delayed()), shape)
}

// wholeBlock reports whether p takes its input block whole, in order.
func wholeBlock(g *chunk.Grid, p chunk.Piece) bool {
	for ax, r := range p.Ranges {
		n := g.Chunks[ax][p.In[ax]]
		start, step, count, err := r.Indices(n)
		if err != nil || start != 0 || step != 1 || count != n {
			return false
		}
	}
	return true
}

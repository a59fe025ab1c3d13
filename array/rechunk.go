package array

import (
	"fmt"
	"math"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// pasteFanIn is how many pieces one task of a rechunk gathers: the most
// dependencies a fused task takes.
const pasteFanIn = 16

// Rechunk cuts the array into other blocks. Each new block is made from
// the pieces of the old blocks it overlaps (chunk.Grid.RechunkPlan): a
// task per piece cut out of an old block, and one that pastes up to 16
// pieces into the new block (more go through a tree of such tasks). A
// new block that is an old one is not copied.
func (a Array) Rechunk(chunks Chunking) Array {
	if err := a.Err(); err != nil {
		return failed(err)
	}
	g, err := chunks.grid(a.grid.Shape)
	if err != nil {
		return failed(fmt.Errorf("array: Rechunk(%v) of shape %v: %w", chunks, a.grid.Shape, err))
	}
	if sameChunks(g, a.grid) {
		return a
	}
	plans, err := a.grid.RechunkPlan(g)
	if err != nil {
		return failed(fmt.Errorf("array: Rechunk(%v): %w", chunks, err))
	}
	return newArray(g, eachBlock(g, func(n int, _, shape []int) *expr {
		pieces := plans[n]
		if len(pieces) == 1 {
			return a.piece(pieces[0], shape)
		}
		if v, ok := a.sameConstant(pieces); ok {
			return constant(v, shape)
		}
		leaves := make([]*gask.Delayed[*patch], len(pieces))
		for i, p := range pieces {
			s := pieceSpec{Ranges: p.Ranges, At: p.Out, Whole: wholeBlock(a.grid, p)}
			leaves[i] = pieceFn.Delay(gask.V(s), a.block(p.In).delayed())
		}
		all := gask.TreeReduce(pasteFn, leaves, pasteFanIn)
		return leaf(assembleFn.Delay(gask.V(shape), all), shape)
	}))
}

// sameConstant reports whether every piece comes from a constant block
// of one value, and which.
func (a Array) sameConstant(pieces []chunk.Piece) (float64, bool) {
	var v float64
	for i, p := range pieces {
		e := a.block(p.In)
		if e.kind != constExpr || i > 0 && !sameFloat(e.v, v) {
			return 0, false
		}
		v = e.v
	}
	return v, true
}

func sameFloat(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

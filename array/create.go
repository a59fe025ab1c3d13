package array

import (
	"fmt"
	"math"
	"slices"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// fromGrid makes an array of shape cut by chunks, block by block.
func fromGrid(shape []int, chunks Chunking, block func(g *chunk.Grid, idx, bshape []int) *expr) Array {
	g, err := chunks.grid(shape)
	if err != nil {
		return failed(fmt.Errorf("array: shape %v, %v: %w", shape, chunks, err))
	}
	return newArray(g, eachBlock(g, func(_ int, idx, bshape []int) *expr { return block(g, idx, bshape) }))
}

// FromChunk makes an array of the dense c, cut by chunks. The data are
// copied into the graph (each block's values travel in its task), so
// this is for data of modest size; c may be reused afterwards.
func FromChunk(c *chunk.Chunk, chunks Chunking) Array {
	if c == nil {
		return failedf("FromChunk(nil)")
	}
	if n, err := chunk.Size(c.Shape); err != nil || n != len(c.Data) {
		return failedf("FromChunk of shape %v with %d elements: %w", c.Shape, len(c.Data), chunk.ErrShape)
	}
	return fromGrid(c.Shape, chunks, func(g *chunk.Grid, idx, bshape []int) *expr {
		off := g.BlockOffset(idx)
		ranges := make([]chunk.Range, len(idx))
		for a := range ranges {
			ranges[a] = chunk.Span(off[a], off[a]+bshape[a])
		}
		b, err := chunk.Slice(c, ranges)
		if err != nil {
			panic("array: slicing a block of its own grid: " + err.Error()) // the grid fits c
		}
		return leaf(dataFn.Delay(gask.V(b)), bshape)
	})
}

// FromSlice makes an array of shape from data in row-major order, which
// must hold exactly the elements shape has; as FromChunk.
func FromSlice(data []float64, shape []int, chunks Chunking) Array {
	c, err := chunk.FromData(shape, data)
	if err != nil {
		return failed(fmt.Errorf("array: FromSlice: %w", err))
	}
	return FromChunk(c, chunks)
}

// Full returns an array of shape with every element v. Its blocks are
// constants: an element-wise operation with it takes v as a number, and
// a block is made only where one is needed on its own.
func Full(shape []int, v float64, chunks Chunking) Array {
	return fromGrid(shape, chunks, func(_ *chunk.Grid, _, bshape []int) *expr { return constant(v, bshape) })
}

// Zeros returns an array of zeros, as Full.
func Zeros(shape []int, chunks Chunking) Array { return Full(shape, 0, chunks) }

// Ones returns an array of ones, as Full.
func Ones(shape []int, chunks Chunking) Array { return Full(shape, 1, chunks) }

// Scalar returns the 0-d array v, which element-wise operations broadcast
// to the other operand's shape: array.Add(x, array.Scalar(1)).
func Scalar(v float64) Array { return Full([]int{}, v, Chunking{}) }

// Arange returns the 1-D array start, start+step, … up to but not
// including stop, as NumPy's arange: ⌈(stop-start)/step⌉ elements, each
// computed from its index (start + i·step), so the values do not depend
// on the chunking.
func Arange(start, stop, step float64, chunks Chunking) Array {
	if step == 0 || math.IsNaN(start) || math.IsNaN(stop) || math.IsNaN(step) || math.IsInf(step, 0) {
		return failedf("Arange(%v, %v, %v): want a finite, non-zero step and bounds", start, stop, step)
	}
	n := math.Ceil((stop - start) / step)
	if n >= 1<<53 {
		return failedf("Arange(%v, %v, %v): too many elements", start, stop, step)
	}
	return fromGrid([]int{max(int(n), 0)}, chunks, func(g *chunk.Grid, idx, bshape []int) *expr {
		s := arangeSpec{Start: start, Step: step, Offset: g.BlockOffset(idx)[0], N: bshape[0]}
		return leaf(arangeFn.Delay(gask.V(s)), bshape)
	})
}

// Linspace returns num evenly spaced numbers from start to stop, both
// included, as NumPy's linspace.
func Linspace(start, stop float64, num int, chunks Chunking) Array {
	if num < 0 {
		return failedf("Linspace(%v, %v, %d): negative number of samples", start, stop, num)
	}
	return fromGrid([]int{num}, chunks, func(g *chunk.Grid, idx, bshape []int) *expr {
		s := linspaceSpec{Start: start, Stop: stop, Num: num, Endpoint: true, Offset: g.BlockOffset(idx)[0], N: bshape[0]}
		return leaf(linspaceFn.Delay(gask.V(s)), bshape)
	})
}

// Uniform returns an array of random numbers uniform on [0, 1). Each
// block is a pure function of the seed and its place in the grid, so the
// same seed, shape and chunks give the same numbers on any cluster, with
// any number of workers and in any order of computation, and a lost block
// is recomputed exactly. (Other chunks give other numbers.)
func Uniform(seed uint64, shape []int, chunks Chunking) Array {
	return random(uniformFn, seed, shape, chunks)
}

// Normal returns an array of standard normal random numbers, as Uniform.
func Normal(seed uint64, shape []int, chunks Chunking) Array {
	return random(normalFn, seed, shape, chunks)
}

func random(fn *gask.Fn3[uint64, []int, uint64, *chunk.Chunk], seed uint64, shape []int, chunks Chunking) Array {
	return fromGrid(shape, chunks, func(g *chunk.Grid, idx, bshape []int) *expr {
		d := fn.Delay(gask.V(seed), gask.V(slices.Clone(bshape)), gask.V(uint64(g.Linear(idx))))
		return leaf(d, bshape)
	})
}

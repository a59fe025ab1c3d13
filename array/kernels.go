package array

import (
	"context"
	"fmt"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// The registered functions that array tasks run, one per kind of block
// operation, each a thin call into package chunk. They are package-level
// variables, so every process of a program that uses arrays (the client
// and its workers, started from the same binary) registers them under the
// same names: importing this package is all a worker needs.

// Creation.
var (
	fullFn = gask.Func2("array.full", func(_ context.Context, shape []int, v float64) (*chunk.Chunk, error) {
		if _, err := chunk.Size(shape); err != nil {
			return nil, err
		}
		return chunk.Full(shape, v), nil
	})
	dataFn = gask.Func("array.data", func(_ context.Context, c *chunk.Chunk) (*chunk.Chunk, error) {
		return c, nil
	})
	arangeFn = gask.Func("array.arange", func(_ context.Context, s arangeSpec) (*chunk.Chunk, error) {
		if s.N < 0 {
			return nil, fmt.Errorf("%w: arange block of %d elements", chunk.ErrShape, s.N)
		}
		return chunk.Arange(s.Start, s.Step, s.Offset, s.N), nil
	})
	linspaceFn = gask.Func("array.linspace", func(_ context.Context, s linspaceSpec) (*chunk.Chunk, error) {
		if s.N < 0 {
			return nil, fmt.Errorf("%w: linspace block of %d elements", chunk.ErrShape, s.N)
		}
		return chunk.Linspace(s.Start, s.Stop, s.Num, s.Endpoint, s.Offset, s.N), nil
	})
	uniformFn = gask.Func3("array.uniform", func(_ context.Context, seed uint64, shape []int, block uint64) (*chunk.Chunk, error) {
		if _, err := chunk.Size(shape); err != nil {
			return nil, err
		}
		return chunk.Uniform(shape, seed, block), nil
	})
	normalFn = gask.Func3("array.normal", func(_ context.Context, seed uint64, shape []int, block uint64) (*chunk.Chunk, error) {
		if _, err := chunk.Size(shape); err != nil {
			return nil, err
		}
		return chunk.Normal(shape, seed, block), nil
	})
)

type arangeSpec struct {
	_           struct{} `cbor:",toarray"`
	Start, Step float64
	Offset, N   int
}

type linspaceSpec struct {
	_           struct{} `cbor:",toarray"`
	Start, Stop float64
	Num         int
	Endpoint    bool
	Offset, N   int
}

// Element-wise expressions (eval.go) and the moving of data.
var (
	elementwise0Fn = gask.Func("array.elementwise0", func(_ context.Context, p program) (*chunk.Chunk, error) {
		return p.run(nil)
	})
	elementwiseFn = gask.Func2("array.elementwise", func(_ context.Context, p program, a *chunk.Chunk) (*chunk.Chunk, error) {
		return p.run([]*chunk.Chunk{a})
	})
	elementwise2Fn = gask.Func3("array.elementwise2", func(_ context.Context, p program, a, b *chunk.Chunk) (*chunk.Chunk, error) {
		return p.run([]*chunk.Chunk{a, b})
	})
	whereFn = gask.Func3("array.where", func(_ context.Context, c, a, b *chunk.Chunk) (*chunk.Chunk, error) {
		return whereProgram(c, a, b).run([]*chunk.Chunk{c, a, b})
	})
	transposeFn = gask.Func2("array.transpose", func(_ context.Context, axes []int, c *chunk.Chunk) (*chunk.Chunk, error) {
		return chunk.Transpose(c, axes)
	})
	sliceFn = gask.Func2("array.slice", func(_ context.Context, ranges []chunk.Range, c *chunk.Chunk) (*chunk.Chunk, error) {
		return chunk.Slice(c, ranges)
	})
	reshapeFn = gask.Func2("array.reshape", func(_ context.Context, shape []int, c *chunk.Chunk) (*chunk.Chunk, error) {
		return c.Reshape(shape...)
	})
	matmulFn = gask.Func2("array.matmul", func(_ context.Context, a, b *chunk.Chunk) (*chunk.Chunk, error) {
		return chunk.MatMul(a, b)
	})
)

// Rechunking: pieces of input blocks, gathered by a tree of pastes into
// one patch per output block, which is then assembled. Within one fused
// TreeReduce task the pieces are only collected; assemble copies each
// once.
var (
	pieceFn = gask.Func2("array.piece", func(_ context.Context, s pieceSpec, c *chunk.Chunk) (*patch, error) {
		if !s.Whole {
			var err error
			if c, err = chunk.Slice(c, s.Ranges); err != nil {
				return nil, err
			}
		}
		return &patch{Pieces: []placed{{At: s.At, Block: c}}}, nil
	})
	pasteFn = gask.Func2("array.paste", func(_ context.Context, a, b *patch) (*patch, error) {
		return &patch{Pieces: append(append(make([]placed, 0, len(a.Pieces)+len(b.Pieces)), a.Pieces...), b.Pieces...)}, nil
	})
	assembleFn = gask.Func2("array.assemble", func(_ context.Context, shape []int, p *patch) (*chunk.Chunk, error) {
		if _, err := chunk.Size(shape); err != nil {
			return nil, err
		}
		out := chunk.New(shape...)
		for _, pl := range p.Pieces {
			if err := pasteInto(out, pl.Block, pl.At); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
)

type pieceSpec struct {
	_      struct{} `cbor:",toarray"`
	Ranges []chunk.Range
	At     []int // where the piece goes in the output block
	Whole  bool  // the whole input block: no copy
}

// patch is part of an output block: input pieces and where they go.
type patch struct {
	_      struct{} `cbor:",toarray"`
	Pieces []placed
}

type placed struct {
	_     struct{} `cbor:",toarray"`
	At    []int
	Block *chunk.Chunk
}

// pasteInto copies src into dst at offset at.
func pasteInto(dst, src *chunk.Chunk, at []int) error {
	nd := len(dst.Shape)
	if len(src.Shape) != nd || len(at) != nd {
		return fmt.Errorf("%w: pasting %v at %v into %v", chunk.ErrShape, src.Shape, at, dst.Shape)
	}
	for a := range nd {
		if at[a] < 0 || at[a]+src.Shape[a] > dst.Shape[a] {
			return fmt.Errorf("%w: pasting %v at %v into %v", chunk.ErrShape, src.Shape, at, dst.Shape)
		}
	}
	if src.Len() == 0 {
		return nil
	}
	if nd == 0 {
		dst.Data[0] = src.Data[0]
		return nil
	}
	st := dst.Strides()
	inner := src.Shape[nd-1]
	idx := make([]int, nd-1)
	for o := 0; o < src.Len(); o += inner {
		off := at[nd-1]
		for a, i := range idx {
			off += (at[a] + i) * st[a]
		}
		copy(dst.Data[off:off+inner], src.Data[o:o+inner])
		for a := nd - 2; a >= 0; a-- {
			idx[a]++
			if idx[a] < src.Shape[a] {
				break
			}
			idx[a] = 0
		}
	}
	return nil
}

// Reductions: a partial per block, a combining function for
// gask.TreeReduce, and a final step where the partial is not the result.
var (
	sumFn = gask.Func2("array.sum", func(_ context.Context, s reduceSpec, c *chunk.Chunk) (*chunk.Chunk, error) {
		return chunk.Sum(c, s.Axes, s.KeepDims)
	})
	minFn = gask.Func2("array.min", func(_ context.Context, s reduceSpec, c *chunk.Chunk) (*chunk.Chunk, error) {
		return chunk.Min(c, s.Axes, s.KeepDims)
	})
	maxFn = gask.Func2("array.max", func(_ context.Context, s reduceSpec, c *chunk.Chunk) (*chunk.Chunk, error) {
		return chunk.Max(c, s.Axes, s.KeepDims)
	})
	addFn = gask.Func2("array.add", func(_ context.Context, a, b *chunk.Chunk) (*chunk.Chunk, error) {
		return chunk.Binary(chunk.Add, a, b)
	})
	minimumFn = gask.Func2("array.minimum", func(_ context.Context, a, b *chunk.Chunk) (*chunk.Chunk, error) {
		return chunk.Binary(chunk.Minimum, a, b)
	})
	maximumFn = gask.Func2("array.maximum", func(_ context.Context, a, b *chunk.Chunk) (*chunk.Chunk, error) {
		return chunk.Binary(chunk.Maximum, a, b)
	})

	momentsFn = gask.Func2("array.moments", func(_ context.Context, s reduceSpec, c *chunk.Chunk) (*chunk.Moments, error) {
		return chunk.MomentsOf(c, s.Axes, s.KeepDims)
	})
	combineMomentsFn = gask.Func2("array.combine_moments", func(_ context.Context, a, b *chunk.Moments) (*chunk.Moments, error) {
		return chunk.CombineMoments(a, b)
	})
	varFn = gask.Func2("array.var", func(_ context.Context, ddof int, m *chunk.Moments) (*chunk.Chunk, error) {
		return m.Var(ddof), nil
	})
	stdFn = gask.Func2("array.std", func(_ context.Context, ddof int, m *chunk.Moments) (*chunk.Chunk, error) {
		return m.Std(ddof), nil
	})

	argMinFn = gask.Func2("array.argmin", func(_ context.Context, s argSpec, c *chunk.Chunk) (*chunk.ArgPartial, error) {
		return s.partial(c, false)
	})
	argMaxFn = gask.Func2("array.argmax", func(_ context.Context, s argSpec, c *chunk.Chunk) (*chunk.ArgPartial, error) {
		return s.partial(c, true)
	})
	combineArgMinFn = gask.Func2("array.combine_argmin", func(_ context.Context, a, b *chunk.ArgPartial) (*chunk.ArgPartial, error) {
		return chunk.CombineArg(a, b, false)
	})
	combineArgMaxFn = gask.Func2("array.combine_argmax", func(_ context.Context, a, b *chunk.ArgPartial) (*chunk.ArgPartial, error) {
		return chunk.CombineArg(a, b, true)
	})
	argIndexFn = gask.Func2("array.argindex", func(_ context.Context, shape []int, p *chunk.ArgPartial) (*chunk.Chunk, error) {
		data := make([]float64, len(p.Index))
		for i, x := range p.Index {
			data[i] = float64(x)
		}
		return chunk.FromData(shape, data)
	})
)

type reduceSpec struct {
	_        struct{} `cbor:",toarray"`
	Axes     []int    // never nil: every axis is listed
	KeepDims bool
}

// argSpec is where a block sits, for argmin and argmax: the global index
// along Axis, or, with Flat, the flat index in an array of shape Global.
type argSpec struct {
	_      struct{} `cbor:",toarray"`
	Flat   bool
	Axis   int
	Global []int
	Offset []int
}

func (s argSpec) partial(c *chunk.Chunk, isMax bool) (*chunk.ArgPartial, error) {
	switch {
	case s.Flat && isMax:
		return chunk.ArgMaxFlat(c, s.Global, s.Offset)
	case s.Flat:
		return chunk.ArgMinFlat(c, s.Global, s.Offset)
	}
	if s.Axis < 0 || s.Axis >= len(s.Offset) {
		return nil, fmt.Errorf("%w: argmin/argmax axis %d at offset %v", chunk.ErrShape, s.Axis, s.Offset)
	}
	if isMax {
		return chunk.ArgMax(c, s.Axis, s.Offset[s.Axis])
	}
	return chunk.ArgMin(c, s.Axis, s.Offset[s.Axis])
}

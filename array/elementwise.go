package array

import (
	"fmt"
	"slices"

	"github.com/gask-dev/gask/array/chunk"
)

// Element-wise operations. Operands have one shape, or one holds a single
// element (a 0-d array such as Scalar(2) or a reduction, or any shape of
// one element with no more axes than the other), which is broadcast.
// Operands of one shape but different chunks are rechunked to the first's.
// Nothing here makes a task: see expr.go.

func unaryOp(op chunk.UnaryOp, a Array) Array {
	if err := a.Err(); err != nil {
		return failed(err)
	}
	return newArray(a.grid, eachBlock(a.grid, func(n int, _, _ []int) *expr { return unary(op, a.blocks[n]) }))
}

// Sin is the sine of every element.
func Sin(a Array) Array { return unaryOp(chunk.Sin, a) }

// Cos is the cosine of every element.
func Cos(a Array) Array { return unaryOp(chunk.Cos, a) }

// Exp is e to the power of every element.
func Exp(a Array) Array { return unaryOp(chunk.Exp, a) }

// Log is the natural logarithm of every element.
func Log(a Array) Array { return unaryOp(chunk.Log, a) }

// Sqrt is the square root of every element.
func Sqrt(a Array) Array { return unaryOp(chunk.Sqrt, a) }

// Abs is the absolute value of every element.
func Abs(a Array) Array { return unaryOp(chunk.Abs, a) }

// Negative is minus every element.
func Negative(a Array) Array { return unaryOp(chunk.Negate, a) }

// Square is every element squared.
func Square(a Array) Array { return unaryOp(chunk.Square, a) }

// Power raises every element to p.
func Power(a Array, p float64) Array {
	if err := a.Err(); err != nil {
		return failed(err)
	}
	return newArray(a.grid, eachBlock(a.grid, func(n int, _, _ []int) *expr { return power(a.blocks[n], p) }))
}

// Add is a + b, element by element.
func Add(a, b Array) Array { return binaryOp(chunk.Add, a, b) }

// Sub is a - b.
func Sub(a, b Array) Array { return binaryOp(chunk.Sub, a, b) }

// Mul is a · b.
func Mul(a, b Array) Array { return binaryOp(chunk.Mul, a, b) }

// Div is a / b.
func Div(a, b Array) Array { return binaryOp(chunk.Div, a, b) }

// Pow is a to the power b, element by element.
func Pow(a, b Array) Array { return binaryOp(chunk.Pow, a, b) }

// Minimum is the smaller of a and b (NaN if either is NaN).
func Minimum(a, b Array) Array { return binaryOp(chunk.Minimum, a, b) }

// Maximum is the larger of a and b (NaN if either is NaN).
func Maximum(a, b Array) Array { return binaryOp(chunk.Maximum, a, b) }

// Less is 1 where a < b and 0 elsewhere; so are the other comparisons.
func Less(a, b Array) Array { return binaryOp(chunk.Less, a, b) }

// LessEqual is 1 where a ≤ b.
func LessEqual(a, b Array) Array { return binaryOp(chunk.LessEqual, a, b) }

// Greater is 1 where a > b.
func Greater(a, b Array) Array { return binaryOp(chunk.Greater, a, b) }

// GreaterEqual is 1 where a ≥ b.
func GreaterEqual(a, b Array) Array { return binaryOp(chunk.GreaterEqual, a, b) }

// Equal is 1 where a = b.
func Equal(a, b Array) Array { return binaryOp(chunk.Equal, a, b) }

// NotEqual is 1 where a ≠ b (and where either is NaN).
func NotEqual(a, b Array) Array { return binaryOp(chunk.NotEqual, a, b) }

func binaryOp(op chunk.BinaryOp, a, b Array) Array {
	g, blocks, err := aligned(op.String(), a, b)
	if err != nil {
		return failed(err)
	}
	return newArray(g, eachBlock(g, func(n int, _, shape []int) *expr {
		x, y := blocks(0, n), blocks(1, n)
		if op == chunk.Pow && y.kind == constExpr && (x.kind == constExpr || chunk.SameShape(x.shape, shape)) {
			return power(broadcastTo(x, shape), y.v)
		}
		return binary(op, x, y, shape)
	}))
}

// broadcastTo is e as a block of shape: a one-element constant takes the
// shape, so that power and unary operations keep the result's shape.
func broadcastTo(e *expr, shape []int) *expr {
	if e.kind == constExpr && !chunk.SameShape(e.shape, shape) {
		return constant(e.v, shape)
	}
	return e
}

// Where is a where cond is non-zero (or NaN) and b elsewhere, element by
// element.
func Where(cond, a, b Array) Array {
	g, blocks, err := aligned("where", cond, a, b)
	if err != nil {
		return failed(err)
	}
	return newArray(g, eachBlock(g, func(n int, _, shape []int) *expr {
		return where(blocks(0, n), blocks(1, n), blocks(2, n), shape)
	}))
}

// aligned checks that the operands of an element-wise operation fit and
// returns the result's grid and, for operand i and result block n, the
// operand's block: its own, rechunked to the result's grid, or its one
// element.
func aligned(name string, args ...Array) (*chunk.Grid, func(i, n int) *expr, error) {
	if err := firstErr(args...); err != nil {
		return nil, nil, err
	}
	// The result has the shape of the first operand of more than one
	// element, or of the one with most axes.
	base := 0
	for i, a := range args {
		if a.Size() != 1 {
			base = i
			break
		}
		if a.NDim() > args[base].NDim() {
			base = i
		}
	}
	g := args[base].grid
	ops := slices.Clone(args)
	bcast := make([]bool, len(args))
	for i, a := range args {
		switch {
		case chunk.SameShape(a.grid.Shape, g.Shape):
			if !sameChunks(a.grid, g) {
				ops[i] = a.Rechunk(ExplicitChunks(g.Chunks))
			}
		case a.Size() == 1 && a.NDim() <= len(g.Shape):
			bcast[i] = true
		default:
			shapes := make([]string, len(args))
			for j, x := range args {
				shapes[j] = fmt.Sprint(x.grid.Shape)
			}
			return nil, nil, fmt.Errorf("array: %s of shapes %v: %w (want one shape, or one element to broadcast)", name, shapes, chunk.ErrShape)
		}
	}
	return g, func(i, n int) *expr {
		if bcast[i] {
			return ops[i].blocks[0]
		}
		return ops[i].blocks[n]
	}, nil
}

func sameChunks(a, b *chunk.Grid) bool {
	return slices.EqualFunc(a.Chunks, b.Chunks, slices.Equal)
}

package array

import (
	"fmt"
	"slices"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// Element-wise work is not a task per operation. Each block of an array
// is an expression: a task's result (a leaf, maybe to be transposed), a
// constant, or an element-wise operation on expressions. Operations
// build expressions; a block becomes a task only when something needs
// it as one (a reduction, a slice, Compute), and then the whole
// expression is one task, array.elementwise or array.elementwise2, that
// evaluates it a thousand elements at a time, kept in cache (see
// eval.go), with the transposes of its leaves done inside the task. So
// sin(x) + cos(xᵀ) is one task per block over x's blocks (i, j) and
// (j, i), as Dask's blockwise fusion makes it; a reduction over all axes
// of an expression even runs inside that task, and the block is never
// stored.
//
// The task takes at most maxInputs lazy blocks (functions take up to
// three arguments, one of them the program). An operation whose operands
// together need more makes tasks of some operands first (fit); a where
// of three distinct blocks is a task of its own, array.where. Expressions
// grow no larger than maxCode instructions, so that rewriting and
// compiling them stays linear even when one subexpression is used many
// times.

const (
	maxInputs = 2
	maxCode   = 64
)

type exprKind uint8

const (
	leafExpr   exprKind = iota // a task's result, transposed by perm
	constExpr                  // every element v
	unaryExpr                  // op(args[0])
	powerExpr                  // args[0] ** v
	binaryExpr                 // op(args[0], args[1])
	whereExpr                  // where(args[0], args[1], args[2])
)

// expr is one block's lazy value. Expressions are immutable and shared.
type expr struct {
	kind  exprKind
	shape []int // the block's shape; a leaf of one element broadcasts
	d     *gask.Delayed[*chunk.Chunk]
	perm  []int   // leafExpr: the transpose to apply, nil for none
	v     float64 // constExpr: the value; powerExpr: the exponent
	op    uint8   // unaryExpr: a chunk.UnaryOp; binaryExpr: a chunk.BinaryOp
	args  []*expr
	ins   []*gask.Delayed[*chunk.Chunk] // the distinct tasks it reads, by key
	code  int                           // instructions it compiles to
	// gen, on a leaf, says how to make the block afresh inside the task
	// that reads it (a random block: cheaper to regenerate than to store
	// and move). Such a leaf reads no task; d is its block as a task of
	// its own, for when it is needed on its own.
	gen *genSpec
}

// genSpec makes a random block: what a task needs to regenerate it.
type genSpec struct {
	_     struct{} `cbor:",toarray"`
	Dist  uint8    // genUniform or genNormal
	Seed  uint64
	Shape []int
	Block uint64
}

// Distributions of generated blocks.
const (
	genUniform = iota + 1
	genNormal
)

// generated is a leaf made afresh by each task that reads it; d makes the
// same block as a task, for when it is needed on its own.
func generated(d *gask.Delayed[*chunk.Chunk], g *genSpec, shape []int) *expr {
	return &expr{kind: leafExpr, shape: shape, d: d, gen: g, code: 1}
}

func (g *genSpec) make() (*chunk.Chunk, error) {
	switch g.Dist {
	case genUniform:
		return chunk.Uniform(g.Shape, g.Seed, g.Block), nil
	case genNormal:
		return chunk.Normal(g.Shape, g.Seed, g.Block), nil
	}
	return nil, fmt.Errorf("%w: element-wise program: distribution %d", chunk.ErrFormat, g.Dist)
}

func leaf(d *gask.Delayed[*chunk.Chunk], shape []int) *expr {
	return &expr{kind: leafExpr, shape: shape, d: d, ins: []*gask.Delayed[*chunk.Chunk]{d}, code: 1}
}

func constant(v float64, shape []int) *expr {
	return &expr{kind: constExpr, shape: shape, v: v, code: 1}
}

func (e *expr) size() int {
	n, _ := chunk.Size(e.shape)
	return n
}

// broadcasts reports whether e is a single element that stands for every
// element of a block of shape.
func (e *expr) broadcasts(shape []int) bool {
	return !chunk.SameShape(e.shape, shape) && e.size() == 1
}

// delayed returns the task that computes e: the leaf's own task, or a
// new one.
func (e *expr) delayed() *gask.Delayed[*chunk.Chunk] {
	switch {
	case e.kind == leafExpr && e.perm == nil:
		return e.d
	case e.kind == leafExpr:
		return transposeFn.Delay(gask.V(e.perm), e.d)
	case e.kind == constExpr:
		return fullFn.Delay(gask.V(e.shape), gask.V(e.v))
	}
	return e.reduced(reduceNone, nil)
}

// reduced returns the task that computes e and, unless red is
// reduceNone, reduces it over all its elements to a block of shape out.
func (e *expr) reduced(red uint8, out []int) *gask.Delayed[*chunk.Chunk] {
	p := e.compile()
	p.Reduce, p.Out = red, out
	switch len(e.ins) {
	case 0:
		// A constant that is reduced: no input at all.
		return elementwise0Fn.Delay(gask.V(p))
	case 1:
		return elementwiseFn.Delay(gask.V(p), e.ins[0])
	default:
		return elementwise2Fn.Delay(gask.V(p), e.ins[0], e.ins[1])
	}
}

// materialized returns e as a leaf: e itself if it is one.
func (e *expr) materialized() *expr {
	if e.kind == leafExpr {
		return e
	}
	return leaf(e.delayed(), e.shape)
}

// union returns the distinct tasks that args read, in first-use order.
func union(args []*expr) []*gask.Delayed[*chunk.Chunk] {
	var out []*gask.Delayed[*chunk.Chunk]
	for _, a := range args {
		for _, d := range a.ins {
			if !slices.ContainsFunc(out, func(o *gask.Delayed[*chunk.Chunk]) bool { return o.Key() == d.Key() }) {
				out = append(out, d)
			}
		}
	}
	return out
}

// fit makes tasks of some of args until together they read at most
// maxInputs tasks and compile to at most maxCode instructions, largest
// first. It reports whether they fit; only three distinct leaves do not.
func fit(args []*expr) ([]*expr, bool) {
	args = slices.Clone(args)
	over := func() bool {
		code := 1
		for _, a := range args {
			code += a.code
		}
		return len(union(args)) > maxInputs || code > maxCode
	}
	for over() {
		big := -1
		for i, a := range args {
			if a.kind != leafExpr && a.kind != constExpr && (big < 0 || a.code > args[big].code) {
				big = i
			}
		}
		if big < 0 {
			return args, false
		}
		// The same operand twice (x + x) becomes one task.
		m, old := args[big].materialized(), args[big]
		for i, a := range args {
			if a == old {
				args[i] = m
			}
		}
	}
	return args, true
}

func (e *expr) with(kind exprKind, shape []int, args ...*expr) *expr {
	e.kind, e.shape, e.args = kind, shape, args
	e.ins = union(args)
	e.code = 1
	for _, a := range args {
		e.code += a.code
	}
	return e
}

// unary is op(a).
func unary(op chunk.UnaryOp, a *expr) *expr {
	if a.kind == constExpr {
		return constant(fold(func(c *chunk.Chunk) (*chunk.Chunk, error) { return chunk.Unary(op, c) }, a.v), a.shape)
	}
	args, _ := fit([]*expr{a})
	return (&expr{op: uint8(op)}).with(unaryExpr, a.shape, args...)
}

// power is a ** p.
func power(a *expr, p float64) *expr {
	if a.kind == constExpr {
		return constant(fold(func(c *chunk.Chunk) (*chunk.Chunk, error) { return chunk.Power(c, p), nil }, a.v), a.shape)
	}
	args, _ := fit([]*expr{a})
	return (&expr{v: p}).with(powerExpr, a.shape, args...)
}

// binary is op(a, b) as a block of shape.
func binary(op chunk.BinaryOp, a, b *expr, shape []int) *expr {
	if a.kind == constExpr && b.kind == constExpr {
		v := fold(func(c *chunk.Chunk) (*chunk.Chunk, error) {
			return chunk.Binary(op, c, chunk.Scalar(b.v))
		}, a.v)
		return constant(v, shape)
	}
	args, _ := fit([]*expr{a, b})
	return (&expr{op: uint8(op)}).with(binaryExpr, shape, args...)
}

// where is where(c, a, b) as a block of shape.
func where(c, a, b *expr, shape []int) *expr {
	if c.kind == constExpr {
		pick := b
		if c.v != 0 || c.v != c.v { // NaN is true, as in NumPy
			pick = a
		}
		if pick.kind == constExpr {
			return constant(pick.v, shape)
		}
		if chunk.SameShape(pick.shape, shape) {
			return pick
		}
	}
	args, ok := fit([]*expr{c, a, b})
	if !ok {
		// Three distinct blocks: a task of its own.
		d := whereFn.Delay(args[0].delayed(), args[1].delayed(), args[2].delayed())
		return leaf(d, shape)
	}
	return (&expr{}).with(whereExpr, shape, args...)
}

// fold applies f to the one-element chunk v: constant folding, with the
// kernels' own arithmetic.
func fold(f func(*chunk.Chunk) (*chunk.Chunk, error), v float64) float64 {
	c, err := f(chunk.Scalar(v))
	if err != nil {
		panic("array: folding a constant: " + err.Error()) // ops are checked when built
	}
	return c.Data[0]
}

// transposed returns e with its axes permuted by axes (axis i of the
// result is axis axes[i] of e). Leaves keep the permutation, applied
// inside the task that reads them; a transposed expression is the
// expression of transposed operands.
func (e *expr) transposed(axes []int) *expr {
	if e.size() == 1 {
		return e // extents of 1 (or none): the same in any order
	}
	shape := permute(e.shape, axes)
	switch e.kind {
	case leafExpr:
		perm := axes
		if e.perm != nil {
			// Transposing by q what was transposed by p: axis i is
			// axis p[q[i]] of the task's result.
			perm = make([]int, len(axes))
			for i, q := range axes {
				perm[i] = e.perm[q]
			}
		}
		if isIdentity(perm) {
			perm = nil
		}
		c := *e
		c.shape, c.perm = shape, perm
		return &c
	case constExpr:
		return constant(e.v, shape)
	}
	args := make([]*expr, len(e.args))
	for i, a := range e.args {
		if a.broadcasts(e.shape) {
			args[i] = a
		} else {
			args[i] = a.transposed(axes)
		}
	}
	c := &expr{op: e.op, v: e.v}
	return c.with(e.kind, shape, args...)
}

func permute(shape, axes []int) []int {
	if len(shape) != len(axes) {
		return shape // a broadcast operand of fewer axes
	}
	out := make([]int, len(axes))
	for i, a := range axes {
		out[i] = shape[a]
	}
	return out
}

func isIdentity(perm []int) bool {
	for i, p := range perm {
		if p != i {
			return false
		}
	}
	return true
}

func sameGen(a, b *genSpec) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Dist == b.Dist && a.Seed == b.Seed && a.Block == b.Block && slices.Equal(a.Shape, b.Shape)
}

// compile turns e into a program over e.ins.
func (e *expr) compile() *program {
	p := &program{Shape: e.shape}
	var emit func(x *expr)
	emit = func(x *expr) {
		switch x.kind {
		case leafExpr:
			in, gen := -1, x.gen
			if gen == nil {
				in = slices.IndexFunc(e.ins, func(d *gask.Delayed[*chunk.Chunk]) bool { return d.Key() == x.d.Key() })
			}
			ref := slices.IndexFunc(p.Leaves, func(l leafRef) bool {
				return l.In == in && slices.Equal(l.Perm, x.perm) && sameGen(l.Gen, gen)
			})
			if ref < 0 {
				ref = len(p.Leaves)
				p.Leaves = append(p.Leaves, leafRef{In: in, Perm: x.perm, Gen: gen})
			}
			p.Code = append(p.Code, instr{Op: opLoad, Arg: ref})
		case constExpr:
			p.Code = append(p.Code, instr{Op: opConst, X: x.v})
		case unaryExpr:
			emit(x.args[0])
			p.Code = append(p.Code, instr{Op: opUnary, Sub: x.op})
		case powerExpr:
			emit(x.args[0])
			p.Code = append(p.Code, instr{Op: opPower, X: x.v})
		case binaryExpr:
			emit(x.args[0])
			emit(x.args[1])
			p.Code = append(p.Code, instr{Op: opBinary, Sub: x.op})
		case whereExpr:
			emit(x.args[0])
			emit(x.args[1])
			emit(x.args[2])
			p.Code = append(p.Code, instr{Op: opWhere})
		}
	}
	emit(e)
	return p
}

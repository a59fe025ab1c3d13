package array

import (
	"fmt"
	"math"

	"github.com/gask-dev/gask/array/chunk"
	"github.com/gask-dev/gask/internal/vec"
)

// program is a compiled element-wise expression, the first argument of
// array.elementwise: postfix code over a stack of pieces of the block
// (strips or tiles of a thousand elements). It travels as
// CBOR arrays (the toarray tags), a few bytes per instruction.
type program struct {
	_      struct{}  `cbor:",toarray"`
	Shape  []int     // of the expression
	Leaves []leafRef // the blocks the code loads
	Code   []instr
	Reduce uint8 // reduceNone, or a reduction of every element
	Out    []int // with Reduce: the result's shape, of one element
}

// leafRef is input In of the task, or with In -1 the block Gen makes,
// transposed by Perm (nil: as it is).
type leafRef struct {
	_    struct{} `cbor:",toarray"`
	In   int
	Perm []int
	Gen  *genSpec
}

type instr struct {
	_   struct{} `cbor:",toarray"`
	Op  uint8
	Sub uint8   // opUnary: a chunk.UnaryOp; opBinary: a chunk.BinaryOp
	Arg int     // opLoad: the leaf
	X   float64 // opConst: the value; opPower: the exponent
}

// Instructions.
const (
	opLoad   = iota + 1 // push leaf Arg
	opConst             // push X
	opUnary             // replace the top with Sub(top)
	opPower             // replace the top with top ** X
	opBinary            // pop b, replace a with Sub(a, b)
	opWhere             // pop b and a, replace cond with where(cond, a, b)
)

// Reductions a program may end with: of every element of the result.
const (
	reduceNone = iota
	reduceSum
	reduceMin
	reduceMax
)

// strip is how many elements the evaluator computes at a time: a few
// strips of it stay in the L1 cache.
const strip = 1024

// whereProgram is array.where's: where(in0, in1, in2), with the shape of
// whichever operand is not broadcast.
func whereProgram(c, a, b *chunk.Chunk) *program {
	shape := c.Shape
	for _, x := range []*chunk.Chunk{a, b} {
		if x.Len() != 1 {
			shape = x.Shape
		}
	}
	return &program{
		Shape:  shape,
		Leaves: []leafRef{{In: 0}, {In: 1}, {In: 2}},
		Code:   []instr{{Op: opLoad, Arg: 0}, {Op: opLoad, Arg: 1}, {Op: opLoad, Arg: 2}, {Op: opWhere}},
	}
}

// tileSide is the side of the square tiles that a 2-D block with a
// transposed leaf is computed in: strip elements each.
const tileSide = 32

// run evaluates p over the task's inputs. It checks the program first: a
// malformed one is an error, never a panic.
//
// A block is computed a strip at a time, in row-major order; a 2-D block
// with a transposed input is computed in square tiles instead, reading
// the input in place, so that it is never transposed whole (which costs a
// block-sized allocation as well as the copy).
func (p *program) run(ins []*chunk.Chunk) (*chunk.Chunk, error) {
	size, err := chunk.Size(p.Shape) // elements of the expression
	if err != nil {
		return nil, err
	}
	outShape := p.Shape
	if p.Reduce != reduceNone {
		outShape = p.Out
		if n, err := chunk.Size(outShape); err != nil || n != 1 {
			return nil, fmt.Errorf("%w: element-wise program: a reduction to shape %v", chunk.ErrFormat, outShape)
		}
	}
	depth, err := p.check(len(ins))
	if err != nil {
		return nil, err
	}
	ev := &evaluator{code: p.Code, size: size, leaves: make([]leafData, len(p.Leaves))}
	tiled := false
	made := map[int]*chunk.Chunk{} // generated blocks, by the first leaf that made one
	for i, l := range p.Leaves {
		var c *chunk.Chunk
		if l.In >= 0 {
			c = ins[l.In]
		} else {
			for j, o := range p.Leaves[:i] {
				if o.In < 0 && sameGen(o.Gen, l.Gen) && made[j] != nil {
					c = made[j]
					break
				}
			}
			if c == nil {
				if c, err = l.Gen.make(); err != nil {
					return nil, err
				}
				made[i] = c
			}
		}
		if p.swaps(l, c) {
			ev.leaves[i] = leafData{data: c.Data, swap: true}
			tiled = true
			continue
		}
		if l.Perm != nil {
			if c, err = chunk.Transpose(c, l.Perm); err != nil {
				return nil, err
			}
		}
		if len(c.Data) != 1 && len(c.Data) != size {
			return nil, fmt.Errorf("%w: element-wise input %v for a block %v", chunk.ErrShape, c.Shape, p.Shape)
		}
		ev.leaves[i] = leafData{data: c.Data}
	}
	ev.bufs = make([][]float64, depth)
	for i := range ev.bufs {
		ev.bufs[i] = make([]float64, min(strip, size))
	}
	ev.stack = make([][]float64, depth)

	var out []float64
	if p.Reduce == reduceNone {
		out = make([]float64, size)
	}
	acc := 0.0
	switch p.Reduce {
	case reduceMin:
		acc = math.Inf(1)
	case reduceMax:
		acc = math.Inf(-1)
	}
	reduce := func(r []float64) {
		switch p.Reduce {
		case reduceSum:
			acc += vec.Sum(r)
		case reduceMin:
			acc = math.Min(acc, vec.Min(r))
		case reduceMax:
			acc = math.Max(acc, vec.Max(r))
		}
	}
	if !tiled {
		for lo := 0; lo < size; lo += strip {
			hi := min(lo+strip, size)
			var dst []float64
			if out != nil {
				dst = out[lo:hi]
			}
			r, err := ev.step(hi-lo, func(l leafData, _ []float64) []float64 { return l.data[lo:hi] }, dst)
			if err != nil {
				return nil, err
			}
			reduce(r)
		}
	} else {
		rows, cols := p.Shape[0], p.Shape[1]
		for r0 := 0; r0 < rows; r0 += tileSide {
			th := min(tileSide, rows-r0)
			for c0 := 0; c0 < cols; c0 += tileSide {
				tw := min(tileSide, cols-c0)
				load := func(l leafData, buf []float64) []float64 {
					if l.swap {
						gatherTransposed(buf, l.data, rows, r0, c0, th, tw)
					} else {
						for k := range th {
							copy(buf[k*tw:(k+1)*tw], l.data[(r0+k)*cols+c0:])
						}
					}
					return buf[:th*tw]
				}
				r, err := ev.step(th*tw, load, nil)
				if err != nil {
					return nil, err
				}
				reduce(r)
				if out != nil {
					for k := range th {
						copy(out[(r0+k)*cols+c0:][:tw], r[k*tw:(k+1)*tw])
					}
				}
			}
		}
	}
	if p.Reduce != reduceNone {
		out = []float64{acc}
	}
	return &chunk.Chunk{Shape: append([]int{}, outShape...), Data: out}, nil
}

// gatherTransposed sets buf, a th×tw tile, to the tile at (r0, c0) of
// the transpose of src, a matrix of rows columns: element (r, c) is
// src[c·rows + r]. Four columns at a time, so that each row of the tile
// is written four elements at once.
func gatherTransposed(buf, src []float64, rows, r0, c0, th, tw int) {
	j := 0
	for ; j+4 <= tw; j += 4 {
		s0 := src[(c0+j)*rows+r0:][:th]
		s1 := src[(c0+j+1)*rows+r0:][:th]
		s2 := src[(c0+j+2)*rows+r0:][:th]
		s3 := src[(c0+j+3)*rows+r0:][:th]
		for k := range th {
			d := buf[k*tw+j:][:4]
			d[0], d[1], d[2], d[3] = s0[k], s1[k], s2[k], s3[k]
		}
	}
	for ; j < tw; j++ {
		for k, v := range src[(c0+j)*rows+r0:][:th] {
			buf[k*tw+j] = v
		}
	}
}

// swaps reports whether leaf l, over input c, is the transpose of a 2-D
// block that the evaluator can read in place, in tiles.
func (p *program) swaps(l leafRef, c *chunk.Chunk) bool {
	return len(p.Shape) == 2 && len(l.Perm) == 2 && l.Perm[0] == 1 && l.Perm[1] == 0 &&
		len(c.Shape) == 2 && c.Shape[0] == p.Shape[1] && c.Shape[1] == p.Shape[0] && len(c.Data) > 1
}

// leafData is a leaf's elements as the evaluator reads them.
type leafData struct {
	data []float64
	swap bool // a 2-D block stored transposed
}

// evaluator runs a program's code over one piece of the block at a time.
type evaluator struct {
	code   []instr
	size   int // elements of the whole block
	leaves []leafData
	bufs   [][]float64 // one per stack slot
	stack  [][]float64
}

// step runs the code over m elements, which load gives for each leaf
// (returning a view of the leaf, or the elements copied into buf), and
// returns the result: dst, if not nil, which the last instruction writes
// into directly, or a buffer valid until the next step.
func (ev *evaluator) step(m int, load func(l leafData, buf []float64) []float64, dst []float64) ([]float64, error) {
	stack, sp, last := ev.stack, 0, len(ev.code)-1
	for pc, in := range ev.code {
		final := pc == last && dst != nil
		slot := func(i int) []float64 {
			if final {
				return dst
			}
			return ev.bufs[i][:m]
		}
		switch in.Op {
		case opLoad:
			l := ev.leaves[in.Arg]
			if len(l.data) == 1 && ev.size != 1 { // broadcast
				d := slot(sp)
				vec.Fill(d, l.data[0])
				stack[sp] = d
			} else {
				v := load(l, ev.bufs[sp][:cap(ev.bufs[sp])])
				if final {
					copy(dst, v)
					v = dst
				}
				stack[sp] = v
			}
			sp++
		case opConst:
			d := slot(sp)
			vec.Fill(d, in.X)
			stack[sp] = d
			sp++
		case opUnary:
			d := slot(sp - 1)
			if err := chunk.UnaryInto(d, chunk.UnaryOp(in.Sub), stack[sp-1]); err != nil {
				return nil, err
			}
			stack[sp-1] = d
		case opPower:
			d := slot(sp - 1)
			vec.Pow(d, stack[sp-1], in.X)
			stack[sp-1] = d
		case opBinary:
			d := slot(sp - 2)
			if err := chunk.BinaryInto(d, chunk.BinaryOp(in.Sub), stack[sp-2], stack[sp-1]); err != nil {
				return nil, err
			}
			stack[sp-2] = d
			sp--
		case opWhere:
			d := slot(sp - 3)
			vec.Where(d, stack[sp-3], stack[sp-2], stack[sp-1])
			stack[sp-3] = d
			sp -= 2
		}
	}
	return stack[0], nil
}

// check validates the program for nIn inputs and returns the stack depth
// it needs.
func (p *program) check(nIn int) (int, error) {
	bad := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("%w: element-wise program: "+format, append([]any{chunk.ErrFormat}, args...)...)
	}
	size, err := chunk.Size(p.Shape)
	if err != nil {
		return 0, err
	}
	for i, l := range p.Leaves {
		switch {
		case l.In == -1 && l.Gen != nil:
			// A generated block is no bigger than the expression's: the
			// program decides no allocation of its own.
			if n, err := chunk.Size(l.Gen.Shape); err != nil || n != size {
				return bad("leaf %d generates a block of shape %v for a block of %v", i, l.Gen.Shape, p.Shape)
			}
			if l.Gen.Dist != genUniform && l.Gen.Dist != genNormal {
				return bad("leaf %d: distribution %d", i, l.Gen.Dist)
			}
		case l.In < 0 || l.In >= nIn || l.Gen != nil:
			return bad("leaf %d reads input %d of %d", i, l.In, nIn)
		}
	}
	if p.Reduce > reduceMax {
		return bad("reduction %d", p.Reduce)
	}
	sp, depth := 0, 0
	for pc, in := range p.Code {
		need, push := 0, 1
		switch in.Op {
		case opLoad:
			if in.Arg < 0 || in.Arg >= len(p.Leaves) {
				return bad("instruction %d loads leaf %d of %d", pc, in.Arg, len(p.Leaves))
			}
		case opConst:
		case opUnary, opPower:
			need = 1
		case opBinary:
			need = 2
		case opWhere:
			need = 3
		default:
			return bad("instruction %d: op %d", pc, in.Op)
		}
		if sp < need {
			return bad("instruction %d needs %d operands, has %d", pc, need, sp)
		}
		sp += push - need
		depth = max(depth, sp)
	}
	if sp != 1 {
		return bad("leaves %d values", sp)
	}
	return depth, nil
}

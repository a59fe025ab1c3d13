package chunk

import (
	"fmt"
	"math"

	"github.com/gask-dev/gask/internal/vec"
)

// UnaryOp names an element-wise function of one chunk. Ops are small
// integers so that a task can carry one as an argument.
type UnaryOp uint8

const (
	Sin UnaryOp = iota + 1
	Cos
	Exp
	Log
	Sqrt
	Abs
	Negate
	Square
	unaryEnd
)

var unaryNames = [...]string{Sin: "sin", Cos: "cos", Exp: "exp", Log: "log", Sqrt: "sqrt", Abs: "abs", Negate: "negative", Square: "square"}

func (op UnaryOp) String() string {
	if op == 0 || op >= unaryEnd {
		return fmt.Sprintf("UnaryOp(%d)", op)
	}
	return unaryNames[op]
}

// Unary returns op applied to every element of c.
func Unary(op UnaryOp, c *Chunk) (*Chunk, error) {
	out := &Chunk{Shape: append([]int{}, c.Shape...), Data: make([]float64, len(c.Data))}
	return out, UnaryInto(out.Data, op, c.Data)
}

// UnaryInto sets dst = op(src) element by element; dst may be src.
func UnaryInto(dst []float64, op UnaryOp, src []float64) error {
	if len(dst) != len(src) {
		return fmt.Errorf("%w: %d outputs for %d inputs", ErrShape, len(dst), len(src))
	}
	switch op {
	case Sin:
		vec.Sin(dst, src)
	case Cos:
		vec.Cos(dst, src)
	case Exp:
		vec.Exp(dst, src)
	case Log:
		vec.Log(dst, src)
	case Sqrt:
		vec.Sqrt(dst, src)
	case Abs:
		vec.Abs(dst, src)
	case Negate:
		vec.Neg(dst, src)
	case Square:
		vec.Pow(dst, src, 2)
	default:
		return fmt.Errorf("chunk: unknown %v", op)
	}
	return nil
}

// Power returns c with every element raised to p.
func Power(c *Chunk, p float64) *Chunk {
	out := &Chunk{Shape: append([]int{}, c.Shape...), Data: make([]float64, len(c.Data))}
	vec.Pow(out.Data, c.Data, p)
	return out
}

// BinaryOp names an element-wise function of two operands. Comparisons
// give 1 for true and 0 for false.
type BinaryOp uint8

const (
	Add BinaryOp = iota + 1
	Sub
	Mul
	Div
	Pow
	Minimum
	Maximum
	Less
	LessEqual
	Greater
	GreaterEqual
	Equal
	NotEqual
	binaryEnd
)

var binaryNames = [...]string{Add: "add", Sub: "subtract", Mul: "multiply", Div: "divide", Pow: "power",
	Minimum: "minimum", Maximum: "maximum", Less: "less", LessEqual: "less_equal", Greater: "greater",
	GreaterEqual: "greater_equal", Equal: "equal", NotEqual: "not_equal"}

func (op BinaryOp) String() string {
	if op == 0 || op >= binaryEnd {
		return fmt.Sprintf("BinaryOp(%d)", op)
	}
	return binaryNames[op]
}

func (op BinaryOp) cmp() (vec.Cmp, bool) {
	switch op {
	case Less:
		return vec.Less, true
	case LessEqual:
		return vec.LessEqual, true
	case Greater:
		return vec.Greater, true
	case GreaterEqual:
		return vec.GreaterEqual, true
	case Equal:
		return vec.Equal, true
	case NotEqual:
		return vec.NotEqual, true
	}
	return 0, false
}

// Binary returns op(a, b) element by element. The shapes must match, or
// one operand must hold a single element (a scalar chunk, or any shape
// of size 1), which is broadcast.
func Binary(op BinaryOp, a, b *Chunk) (*Chunk, error) {
	switch {
	case SameShape(a.Shape, b.Shape):
	case len(b.Data) == 1 && len(b.Shape) <= len(a.Shape):
		return BinaryScalar(op, a, b.Data[0])
	case len(a.Data) == 1 && len(a.Shape) <= len(b.Shape):
		return ScalarBinary(op, a.Data[0], b)
	default:
		return nil, fmt.Errorf("%w: %v %v %v", ErrShape, a.Shape, op, b.Shape)
	}
	out := &Chunk{Shape: append([]int{}, a.Shape...), Data: make([]float64, len(a.Data))}
	return out, BinaryInto(out.Data, op, a.Data, b.Data)
}

// BinaryInto sets dst = op(a, b) element by element over slices of one
// length; dst may be a or b.
func BinaryInto(dst []float64, op BinaryOp, a, b []float64) error {
	if len(a) != len(dst) || len(b) != len(dst) {
		return fmt.Errorf("%w: lengths %d, %d into %d", ErrShape, len(a), len(b), len(dst))
	}
	if c, ok := op.cmp(); ok {
		vec.Compare(dst, a, b, c)
		return nil
	}
	switch op {
	case Add:
		vec.Add(dst, a, b)
	case Sub:
		vec.Sub(dst, a, b)
	case Mul:
		vec.Mul(dst, a, b)
	case Div:
		vec.Div(dst, a, b)
	case Minimum:
		vec.Minimum(dst, a, b)
	case Maximum:
		vec.Maximum(dst, a, b)
	case Pow:
		for i := range dst {
			dst[i] = math.Pow(a[i], b[i])
		}
	default:
		return fmt.Errorf("chunk: unknown %v", op)
	}
	return nil
}

// BinaryScalar returns op(a, s) for every element of a.
func BinaryScalar(op BinaryOp, a *Chunk, s float64) (*Chunk, error) {
	out := &Chunk{Shape: append([]int{}, a.Shape...), Data: make([]float64, len(a.Data))}
	d := out.Data
	if c, ok := op.cmp(); ok {
		vec.CompareScalar(d, a.Data, s, c)
		return out, nil
	}
	switch op {
	case Add:
		vec.AddScalar(d, a.Data, s)
	case Sub:
		vec.AddScalar(d, a.Data, -s)
	case Mul:
		vec.MulScalar(d, a.Data, s)
	case Div:
		vec.DivScalar(d, a.Data, s)
	case Pow:
		vec.Pow(d, a.Data, s)
	case Minimum, Maximum:
		f := math.Min
		if op == Maximum {
			f = math.Max
		}
		for i, x := range a.Data {
			d[i] = f(x, s)
		}
	default:
		return nil, fmt.Errorf("chunk: unknown %v", op)
	}
	return out, nil
}

// ScalarBinary returns op(s, b) for every element of b.
func ScalarBinary(op BinaryOp, s float64, b *Chunk) (*Chunk, error) {
	switch op {
	case Add, Mul, Minimum, Maximum, Equal, NotEqual:
		return BinaryScalar(op, b, s) // commutative
	case Less:
		return BinaryScalar(Greater, b, s)
	case LessEqual:
		return BinaryScalar(GreaterEqual, b, s)
	case Greater:
		return BinaryScalar(Less, b, s)
	case GreaterEqual:
		return BinaryScalar(LessEqual, b, s)
	}
	out := &Chunk{Shape: append([]int{}, b.Shape...), Data: make([]float64, len(b.Data))}
	d := out.Data
	switch op {
	case Sub:
		vec.SubFromScalar(d, b.Data, s)
	case Div:
		vec.DivIntoScalar(d, b.Data, s)
	case Pow:
		for i, x := range b.Data {
			d[i] = math.Pow(s, x)
		}
	default:
		return nil, fmt.Errorf("chunk: unknown %v", op)
	}
	return out, nil
}

// Where returns a[i] where cond[i] is non-zero and b[i] elsewhere. All
// three have one shape, or a or b holds a single element.
func Where(cond, a, b *Chunk) (*Chunk, error) {
	bcast := func(x *Chunk) (*Chunk, error) {
		if SameShape(x.Shape, cond.Shape) {
			return x, nil
		}
		if len(x.Data) == 1 && len(x.Shape) <= len(cond.Shape) {
			return Full(cond.Shape, x.Data[0]), nil
		}
		return nil, fmt.Errorf("%w: where(%v, %v, %v)", ErrShape, cond.Shape, a.Shape, b.Shape)
	}
	a, err := bcast(a)
	if err != nil {
		return nil, err
	}
	if b, err = bcast(b); err != nil {
		return nil, err
	}
	out := &Chunk{Shape: append([]int{}, cond.Shape...), Data: make([]float64, len(cond.Data))}
	vec.Where(out.Data, cond.Data, a.Data, b.Data)
	return out, nil
}

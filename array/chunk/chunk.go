package chunk

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// MaxDims is the most axes a Chunk may have, as in NumPy.
const MaxDims = 32

// ErrShape is matched by every error about shapes that do not fit:
// mismatched operands, bad axes, data of the wrong length.
var ErrShape = errors.New("chunk: shape mismatch")

// ErrFormat is matched by every error decoding a malformed NPY or raw
// file or payload.
var ErrFormat = errors.New("chunk: malformed data")

// A Chunk is a dense block of float64s in row-major (C) order: the last
// axis varies fastest. A Chunk with no axes holds one number. Operations
// never retain their inputs and return new Chunks unless they say Into.
type Chunk struct {
	Shape []int
	Data  []float64
}

// New returns a Chunk of zeros. It panics on a negative extent or a
// size that overflows int, as make does.
func New(shape ...int) *Chunk {
	n, err := Size(shape)
	if err != nil {
		panic(err)
	}
	return &Chunk{Shape: append([]int{}, shape...), Data: make([]float64, n)}
}

// FromData returns a Chunk over data (not copied), which must hold
// exactly the number of elements shape has.
func FromData(shape []int, data []float64) (*Chunk, error) {
	n, err := Size(shape)
	if err != nil {
		return nil, err
	}
	if n != len(data) {
		return nil, fmt.Errorf("%w: %d elements for shape %v, want %d", ErrShape, len(data), shape, n)
	}
	return &Chunk{Shape: append([]int{}, shape...), Data: data}, nil
}

// Scalar returns a Chunk with no axes holding v.
func Scalar(v float64) *Chunk { return &Chunk{Shape: []int{}, Data: []float64{v}} }

// Size returns the number of elements of shape, or an error for a
// negative extent, too many axes, or a product that overflows int.
func Size(shape []int) (int, error) {
	if len(shape) > MaxDims {
		return 0, fmt.Errorf("%w: %d axes, at most %d", ErrShape, len(shape), MaxDims)
	}
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("%w: negative extent in %v", ErrShape, shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("%w: %v has more than MaxInt elements", ErrShape, shape)
		}
		n *= d
	}
	return n, nil
}

// Len returns the number of elements.
func (c *Chunk) Len() int { return len(c.Data) }

// NDim returns the number of axes.
func (c *Chunk) NDim() int { return len(c.Shape) }

// Strides returns, for each axis, how many elements apart neighbours
// along it are.
func (c *Chunk) Strides() []int { return strides(c.Shape) }

func strides(shape []int) []int {
	s := make([]int, len(shape))
	n := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = n
		n *= shape[i]
	}
	return s
}

// At returns the element at idx, which must be within the shape.
func (c *Chunk) At(idx ...int) float64 { return c.Data[c.offset(idx)] }

// Set sets the element at idx.
func (c *Chunk) Set(v float64, idx ...int) { c.Data[c.offset(idx)] = v }

func (c *Chunk) offset(idx []int) int {
	if len(idx) != len(c.Shape) {
		panic(fmt.Sprintf("chunk: %d indices for %d axes", len(idx), len(c.Shape)))
	}
	o := 0
	for i, x := range idx {
		if x < 0 || x >= c.Shape[i] {
			panic(fmt.Sprintf("chunk: index %v out of range for shape %v", idx, c.Shape))
		}
		o = o*c.Shape[i] + x
	}
	return o
}

// Clone returns a deep copy.
func (c *Chunk) Clone() *Chunk {
	return &Chunk{Shape: append([]int{}, c.Shape...), Data: append([]float64{}, c.Data...)}
}

// Reshape returns a Chunk with the same data (not copied) and a new shape
// of the same size. One extent may be -1, inferred as in NumPy.
func (c *Chunk) Reshape(shape ...int) (*Chunk, error) {
	shape = append([]int{}, shape...)
	infer := -1
	known := 1
	for i, d := range shape {
		if d == -1 && infer < 0 {
			infer = i
			continue
		}
		if d < 0 {
			return nil, fmt.Errorf("%w: cannot reshape %v to %v", ErrShape, c.Shape, shape)
		}
		known *= d
	}
	if infer >= 0 {
		if known == 0 || len(c.Data)%known != 0 {
			return nil, fmt.Errorf("%w: cannot reshape %v to %v", ErrShape, c.Shape, shape)
		}
		shape[infer] = len(c.Data) / known
	}
	return FromData(shape, c.Data)
}

// SameShape reports whether a and b have the same shape.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// String shows the shape and, for small chunks, the values.
func (c *Chunk) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "chunk%v", c.Shape)
	if len(c.Data) <= 16 {
		fmt.Fprintf(&b, "%v", c.Data)
	}
	return b.String()
}

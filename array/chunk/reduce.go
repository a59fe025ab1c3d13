package chunk

import (
	"fmt"
	"math"
	"slices"

	"github.com/gask-dev/gask/internal/vec"
)

// Reductions over some or all axes of a chunk. Each has a partial form
// that combines exactly across chunks, for the tree reductions of the
// array graph: sums add, minima take the minimum, Moments combine by
// Chan's parallel algorithm, ArgPartials carry global indices.

// reduction is a chunk's data laid out for reducing: kept·m values,
// either as kept segments of m contiguous values (rows == false) or as m
// rows of kept contiguous values (rows == true, when the reduced axes
// lead and no copy is needed).
type reduction struct {
	data  []float64
	kept  int
	m     int
	rows  bool
	shape []int // shape of the result
}

// prepare validates axes (nil for all; negative counts from the end) and
// lays c out for reducing them.
func prepare(c *Chunk, axes []int, keepDims bool) (*reduction, error) {
	nd := len(c.Shape)
	red := make([]bool, nd)
	if axes == nil {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += nd
		}
		if a < 0 || a >= nd || red[a] {
			return nil, fmt.Errorf("%w: reduction axes %v for %d axes", ErrShape, axes, nd)
		}
		red[a] = true
	}
	var keptAxes, redAxes, shape []int
	kept, m := 1, 1
	for a, r := range red {
		if r {
			redAxes = append(redAxes, a)
			m *= c.Shape[a]
			if keepDims {
				shape = append(shape, 1)
			}
		} else {
			keptAxes = append(keptAxes, a)
			kept *= c.Shape[a]
			shape = append(shape, c.Shape[a])
		}
	}
	if shape == nil {
		shape = []int{}
	}
	r := &reduction{data: c.Data, kept: kept, m: m, shape: shape}
	leading := slices.Equal(redAxes, seq(len(redAxes)))
	trailing := slices.Equal(keptAxes, seq(len(keptAxes)))
	switch {
	case trailing:
	case leading:
		r.rows = true
	default:
		t, err := Transpose(c, append(keptAxes, redAxes...))
		if err != nil {
			return nil, err
		}
		r.data = t.Data
	}
	return r, nil
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// fold reduces with seg (over a contiguous run) or, in rows mode, with
// row (combining a row into the accumulator), starting from init.
func (r *reduction) fold(init float64, seg func([]float64) float64, row func(acc, x []float64)) *Chunk {
	out := &Chunk{Shape: r.shape, Data: make([]float64, r.kept)}
	if r.rows {
		vec.Fill(out.Data, init)
		for i := range r.m {
			row(out.Data, r.data[i*r.kept:(i+1)*r.kept])
		}
		return out
	}
	for o := range out.Data {
		out.Data[o] = seg(r.data[o*r.m : (o+1)*r.m])
	}
	return out
}

// Sum returns the sum over axes (nil for all); with keepDims the reduced
// axes stay, with extent 1.
func Sum(c *Chunk, axes []int, keepDims bool) (*Chunk, error) {
	r, err := prepare(c, axes, keepDims)
	if err != nil {
		return nil, err
	}
	return r.fold(0, vec.Sum, func(acc, x []float64) { vec.Add(acc, acc, x) }), nil
}

// Min returns the minimum over axes: NaN if any element is NaN, +Inf
// over nothing (combine partials with Binary(Minimum, ...)).
func Min(c *Chunk, axes []int, keepDims bool) (*Chunk, error) {
	r, err := prepare(c, axes, keepDims)
	if err != nil {
		return nil, err
	}
	return r.fold(math.Inf(1), vec.Min, func(acc, x []float64) { vec.Minimum(acc, acc, x) }), nil
}

// Max returns the maximum over axes, like Min.
func Max(c *Chunk, axes []int, keepDims bool) (*Chunk, error) {
	r, err := prepare(c, axes, keepDims)
	if err != nil {
		return nil, err
	}
	return r.fold(math.Inf(-1), vec.Max, func(acc, x []float64) { vec.Maximum(acc, acc, x) }), nil
}

// Moments is the partial form of mean, variance and standard deviation:
// for each output element, the count of values, their mean and M2, the
// sum of squared deviations from the mean. Two Moments over disjoint
// values combine exactly (up to rounding) with CombineMoments.
type Moments struct {
	Shape []int
	Count int64
	Mean  []float64
	M2    []float64
}

// MomentsOf returns the Moments of c over axes, computed in two passes
// (mean, then squared deviations) for accuracy.
func MomentsOf(c *Chunk, axes []int, keepDims bool) (*Moments, error) {
	r, err := prepare(c, axes, keepDims)
	if err != nil {
		return nil, err
	}
	mo := &Moments{Shape: r.shape, Count: int64(r.m), Mean: make([]float64, r.kept), M2: make([]float64, r.kept)}
	n := float64(r.m)
	if r.rows {
		for i := range r.m {
			vec.Add(mo.Mean, mo.Mean, r.data[i*r.kept:(i+1)*r.kept])
		}
		vec.DivScalar(mo.Mean, mo.Mean, n)
		for i := range r.m {
			row := r.data[i*r.kept : (i+1)*r.kept]
			for j, x := range row {
				d := x - mo.Mean[j]
				mo.M2[j] += d * d
			}
		}
		return mo, nil
	}
	for o := range mo.Mean {
		seg := r.data[o*r.m : (o+1)*r.m]
		mean := vec.Sum(seg) / n
		mo.Mean[o] = mean
		mo.M2[o] = vec.SumSquaredDeviations(seg, mean)
	}
	return mo, nil
}

// CombineMoments returns the Moments of the union of the values a and b
// summarise (Chan, Golub and LeVeque's pairwise update).
func CombineMoments(a, b *Moments) (*Moments, error) {
	if !SameShape(a.Shape, b.Shape) {
		return nil, fmt.Errorf("%w: combining moments of %v and %v", ErrShape, a.Shape, b.Shape)
	}
	if a.Count == 0 {
		return b, nil
	}
	if b.Count == 0 {
		return a, nil
	}
	n := a.Count + b.Count
	na, nb, nn := float64(a.Count), float64(b.Count), float64(n)
	out := &Moments{Shape: append([]int{}, a.Shape...), Count: n, Mean: make([]float64, len(a.Mean)), M2: make([]float64, len(a.M2))}
	for i := range out.Mean {
		d := b.Mean[i] - a.Mean[i]
		out.Mean[i] = a.Mean[i] + d*(nb/nn)
		out.M2[i] = a.M2[i] + b.M2[i] + d*d*(na*nb/nn)
	}
	return out, nil
}

// MeanChunk returns the means.
func (m *Moments) MeanChunk() *Chunk {
	out := &Chunk{Shape: append([]int{}, m.Shape...), Data: append([]float64{}, m.Mean...)}
	if m.Count == 0 {
		vec.Fill(out.Data, math.NaN())
	}
	return out
}

// Var returns the variances with ddof delta degrees of freedom: M2/(n-ddof),
// NaN when n ≤ ddof (NumPy gives NaN with a warning, or Inf).
func (m *Moments) Var(ddof int) *Chunk {
	out := &Chunk{Shape: append([]int{}, m.Shape...), Data: make([]float64, len(m.M2))}
	den := float64(m.Count - int64(ddof))
	for i, x := range m.M2 {
		if den <= 0 {
			out.Data[i] = math.NaN()
			continue
		}
		out.Data[i] = x / den
	}
	return out
}

// Std returns the standard deviations, √Var(ddof).
func (m *Moments) Std(ddof int) *Chunk {
	out := m.Var(ddof)
	vec.Sqrt(out.Data, out.Data)
	return out
}

// Mean returns the mean over axes.
func Mean(c *Chunk, axes []int, keepDims bool) (*Chunk, error) {
	m, err := MomentsOf(c, axes, keepDims)
	if err != nil {
		return nil, err
	}
	return m.MeanChunk(), nil
}

// Var returns the variance over axes with ddof degrees of freedom.
func Var(c *Chunk, axes []int, ddof int, keepDims bool) (*Chunk, error) {
	m, err := MomentsOf(c, axes, keepDims)
	if err != nil {
		return nil, err
	}
	return m.Var(ddof), nil
}

// Std returns the standard deviation over axes.
func Std(c *Chunk, axes []int, ddof int, keepDims bool) (*Chunk, error) {
	m, err := MomentsOf(c, axes, keepDims)
	if err != nil {
		return nil, err
	}
	return m.Std(ddof), nil
}

// ArgPartial is the partial form of argmin and argmax: for each output
// element, the best value found and its index in the whole array (along
// the reduced axis, or flat over all axes). Index is -1 where nothing was
// seen.
type ArgPartial struct {
	Shape []int
	Value []float64
	Index []int64
}

// ArgMin returns, along axis, the first minimum of c and its global
// index offset+i, where offset is the chunk's offset along axis in the
// array. A NaN wins, as in NumPy.
func ArgMin(c *Chunk, axis, offset int) (*ArgPartial, error) { return argAxis(c, axis, offset, false) }

// ArgMax is ArgMin for the maximum.
func ArgMax(c *Chunk, axis, offset int) (*ArgPartial, error) { return argAxis(c, axis, offset, true) }

func argAxis(c *Chunk, axis, offset int, isMax bool) (*ArgPartial, error) {
	if axis < 0 {
		axis += len(c.Shape)
	}
	r, err := prepare(c, []int{axis}, false)
	if err != nil {
		return nil, err
	}
	if r.rows { // want contiguous segments
		t, err := Transpose(c, append(append(seq(axis), seq(len(c.Shape))[axis+1:]...), axis))
		if err != nil {
			return nil, err
		}
		r.data = t.Data
	}
	p := &ArgPartial{Shape: r.shape, Value: make([]float64, r.kept), Index: make([]int64, r.kept)}
	for o := range p.Value {
		seg := r.data[o*r.m : (o+1)*r.m]
		i := vec.ArgMin(seg)
		if isMax {
			i = vec.ArgMax(seg)
		}
		if i < 0 {
			p.Value[o], p.Index[o] = math.NaN(), -1
			continue
		}
		p.Value[o], p.Index[o] = seg[i], int64(offset+i)
	}
	return p, nil
}

// ArgMinFlat returns the first minimum of c and its flat (row-major)
// index in the whole array of shape global, where c's block starts at
// offset: a partial with no axes.
func ArgMinFlat(c *Chunk, global, offset []int) (*ArgPartial, error) {
	return argFlat(c, global, offset, false)
}

// ArgMaxFlat is ArgMinFlat for the maximum.
func ArgMaxFlat(c *Chunk, global, offset []int) (*ArgPartial, error) {
	return argFlat(c, global, offset, true)
}

func argFlat(c *Chunk, global, offset []int, isMax bool) (*ArgPartial, error) {
	if len(global) != len(c.Shape) || len(offset) != len(c.Shape) {
		return nil, fmt.Errorf("%w: chunk %v at %v in %v", ErrShape, c.Shape, offset, global)
	}
	for a := range global {
		if offset[a] < 0 || offset[a]+c.Shape[a] > global[a] {
			return nil, fmt.Errorf("%w: chunk %v at %v in %v", ErrShape, c.Shape, offset, global)
		}
	}
	i := vec.ArgMin(c.Data)
	if isMax {
		i = vec.ArgMax(c.Data)
	}
	p := &ArgPartial{Shape: []int{}, Value: []float64{math.NaN()}, Index: []int64{-1}}
	if i < 0 {
		return p, nil
	}
	// Local multi-index, then the global flat index.
	flat, rest := int64(0), i
	st := c.Strides()
	for a := range c.Shape {
		li := rest / st[a]
		rest %= st[a]
		flat = flat*int64(global[a]) + int64(offset[a]+li)
	}
	p.Value[0], p.Index[0] = c.Data[i], flat
	return p, nil
}

// CombineArg returns the better of two partials element by element: a
// NaN first, then the smaller (isMax: larger) value, then the smaller
// index, so that the result is the first extremum however the array was
// chunked.
func CombineArg(a, b *ArgPartial, isMax bool) (*ArgPartial, error) {
	if !SameShape(a.Shape, b.Shape) {
		return nil, fmt.Errorf("%w: combining arg partials of %v and %v", ErrShape, a.Shape, b.Shape)
	}
	out := &ArgPartial{Shape: append([]int{}, a.Shape...), Value: make([]float64, len(a.Value)), Index: make([]int64, len(a.Index))}
	for i := range out.Value {
		av, bv, ai, bi := a.Value[i], b.Value[i], a.Index[i], b.Index[i]
		takeB := false
		switch {
		case ai < 0:
			takeB = true
		case bi < 0:
		case av != av || bv != bv: // NaN: the first NaN wins
			takeB = bv != bv && (av == av || bi < ai)
		case bv == av:
			takeB = bi < ai
		case isMax:
			takeB = bv > av
		default:
			takeB = bv < av
		}
		if takeB {
			out.Value[i], out.Index[i] = bv, bi
		} else {
			out.Value[i], out.Index[i] = av, ai
		}
	}
	return out, nil
}

package array_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array"
	"github.com/gask-dev/gask/array/chunk"
)

// dense is the reference the tests check arrays against: a plain
// row-major array and serial loops over it, written without package
// chunk's kernels.
type dense struct {
	shape []int
	data  []float64
}

func newDense(shape ...int) *dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &dense{shape: slices.Clone(shape), data: make([]float64, n)}
}

// sample is a dense array of shape filled from a seeded generator with
// values in [lo, hi).
func sample(seed uint64, lo, hi float64, shape ...int) *dense {
	d := newDense(shape...)
	x := seed*0x9e3779b97f4a7c15 + 1
	for i := range d.data {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		d.data[i] = lo + (hi-lo)*float64(x>>11)/(1<<53)
	}
	return d
}

func (d *dense) array(chunks array.Chunking) array.Array {
	return array.FromSlice(d.data, d.shape, chunks)
}

func (d *dense) strides() []int {
	s := make([]int, len(d.shape))
	n := 1
	for i := len(d.shape) - 1; i >= 0; i-- {
		s[i] = n
		n *= d.shape[i]
	}
	return s
}

func (d *dense) offset(idx []int) int {
	o := 0
	for i, st := range d.strides() {
		o += idx[i] * st
	}
	return o
}

func (d *dense) at(idx ...int) float64 { return d.data[d.offset(idx)] }

// each calls f with every index of shape in row-major order.
func each(shape []int, f func(idx []int)) {
	for _, s := range shape {
		if s == 0 {
			return
		}
	}
	idx := make([]int, len(shape))
	for {
		f(idx)
		a := len(shape) - 1
		for ; a >= 0; a-- {
			idx[a]++
			if idx[a] < shape[a] {
				break
			}
			idx[a] = 0
		}
		if a < 0 {
			return
		}
	}
}

func (d *dense) mapf(f func(float64) float64) *dense {
	out := newDense(d.shape...)
	for i, x := range d.data {
		out.data[i] = f(x)
	}
	return out
}

// zip applies f element by element; a one-element operand broadcasts.
func zip(a, b *dense, f func(x, y float64) float64) *dense {
	shape := a.shape
	if len(a.data) == 1 && len(b.data) != 1 || len(a.data) == 1 && len(b.shape) > len(a.shape) {
		shape = b.shape
	}
	out := newDense(shape...)
	for i := range out.data {
		x, y := a.data[0], b.data[0]
		if len(a.data) > 1 || len(out.data) == 1 {
			x = a.data[i]
		}
		if len(b.data) > 1 || len(out.data) == 1 {
			y = b.data[i]
		}
		out.data[i] = f(x, y)
	}
	return out
}

func (d *dense) transpose(perm ...int) *dense {
	nd := len(d.shape)
	if len(perm) == 0 {
		for i := range nd {
			perm = append(perm, nd-1-i)
		}
	}
	shape := make([]int, nd)
	for i, p := range perm {
		shape[i] = d.shape[p]
	}
	out := newDense(shape...)
	in := make([]int, nd)
	n := 0
	each(shape, func(idx []int) {
		for i, p := range perm {
			in[p] = idx[i]
		}
		out.data[n] = d.at(in...)
		n++
	})
	return out
}

// indices resolves a Python slice on an axis of length n, as CPython's
// PySlice_AdjustIndices, and lists the indices it selects.
func indices(r array.Range, n int) []int {
	step := r.Step
	clamp := func(x int) int {
		switch {
		case x < 0 && x+n < 0:
			if step < 0 {
				return -1
			}
			return 0
		case x < 0:
			return x + n
		case x >= n && step < 0:
			return n - 1
		case x >= n:
			return n
		}
		return x
	}
	var out []int
	for i := clamp(r.Start); step > 0 && i < clamp(r.Stop) || step < 0 && i > clamp(r.Stop); i += step {
		out = append(out, i)
	}
	return out
}

func (d *dense) slice(ranges ...array.Range) *dense {
	sel := make([][]int, len(d.shape))
	shape := make([]int, len(d.shape))
	for a, n := range d.shape {
		r := array.All()
		if a < len(ranges) {
			r = ranges[a]
		}
		sel[a] = indices(r, n)
		shape[a] = len(sel[a])
	}
	out := newDense(shape...)
	in := make([]int, len(shape))
	k := 0
	each(shape, func(idx []int) {
		for a, i := range idx {
			in[a] = sel[a][i]
		}
		out.data[k] = d.at(in...)
		k++
	})
	return out
}

func concat(ds []*dense, axis int) *dense {
	shape := slices.Clone(ds[0].shape)
	shape[axis] = 0
	for _, d := range ds {
		shape[axis] += d.shape[axis]
	}
	out := newDense(shape...)
	k := 0
	each(shape, func(idx []int) {
		i := idx[axis]
		for _, d := range ds {
			if i < d.shape[axis] {
				in := slices.Clone(idx)
				in[axis] = i
				out.data[k] = d.at(in...)
				break
			}
			i -= d.shape[axis]
		}
		k++
	})
	return out
}

func stack(ds []*dense, axis int) *dense {
	parts := make([]*dense, len(ds))
	for i, d := range ds {
		parts[i] = &dense{shape: slices.Insert(slices.Clone(d.shape), axis, 1), data: d.data}
	}
	return concat(parts, axis)
}

// reduce applies f to the values along axes (all if none), gathered in
// row-major order, for each element of the result.
func (d *dense) reduce(axes []int, keepDims bool, f func([]float64) float64) *dense {
	red := make([]bool, len(d.shape))
	if axes == nil {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		red[(a+len(d.shape))%len(d.shape)] = true
	}
	var shape, kept []int
	for a, r := range red {
		switch {
		case !r:
			shape = append(shape, d.shape[a])
			kept = append(kept, a)
		case keepDims:
			shape = append(shape, 1)
		}
	}
	groups := map[int][]float64{}
	each(d.shape, func(idx []int) {
		o := 0
		for _, a := range kept {
			o = o*d.shape[a] + idx[a]
		}
		groups[o] = append(groups[o], d.at(idx...))
	})
	out := newDense(shape...)
	for o := range out.data {
		out.data[o] = f(groups[o])
	}
	return out
}

func refSum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

func refMin(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		if x != x {
			return x
		}
		m = min(m, x)
	}
	return m
}

func refMax(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		if x != x {
			return x
		}
		m = max(m, x)
	}
	return m
}

// refVar is the two-pass variance.
func refVar(ddof int) func([]float64) float64 {
	return func(xs []float64) float64 {
		mean := refSum(xs) / float64(len(xs))
		ss := 0.0
		for _, x := range xs {
			ss += (x - mean) * (x - mean)
		}
		return ss / float64(len(xs)-ddof)
	}
}

func refArg(isMax bool) func([]float64) float64 {
	return func(xs []float64) float64 {
		best := 0
		for i, x := range xs {
			if x != x {
				return float64(i)
			}
			if isMax && x > xs[best] || !isMax && x < xs[best] {
				best = i
			}
		}
		return float64(best)
	}
}

func matmul(a, b *dense) *dense {
	m, k, n := a.shape[0], a.shape[1], b.shape[1]
	out := newDense(m, n)
	for i := range m {
		for j := range n {
			s := 0.0
			for p := range k {
				s += a.at(i, p) * b.at(p, j)
			}
			out.data[i*n+j] = s
		}
	}
	return out
}

// check computes a and compares it with want, element by element, within
// tol relative to max(1, |want|).
func check(t *testing.T, ctx context.Context, c *gask.Client, name string, a array.Array, want *dense, tol float64) {
	t.Helper()
	got, err := array.Compute(ctx, c, a)
	if err != nil {
		t.Errorf("%s: Compute: %v", name, err)
		return
	}
	if !slices.Equal(got.Shape, want.shape) && !(len(got.Shape) == 0 && len(want.shape) == 0) {
		t.Errorf("%s: shape %v, want %v", name, got.Shape, want.shape)
		return
	}
	if !slices.Equal(a.Shape(), want.shape) && !(len(a.Shape()) == 0 && len(want.shape) == 0) {
		t.Errorf("%s: Shape() = %v, want %v", name, a.Shape(), want.shape)
	}
	bad := 0
	for i, w := range want.data {
		if g := got.Data[i]; !closeTo(g, w, tol) {
			if bad < 3 {
				t.Errorf("%s: element %d = %v, want %v", name, i, g, w)
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d elements wrong in all", name, bad)
	}
}

func closeTo(got, want, tol float64) bool {
	switch {
	case math.IsNaN(want) || math.IsNaN(got):
		return math.IsNaN(want) && math.IsNaN(got)
	case math.IsInf(want, 0) || math.IsInf(got, 0):
		return got == want
	}
	return math.Abs(got-want) <= tol*max(1, math.Abs(want))
}

// denseOf copies a computed chunk.
func denseOf(c *chunk.Chunk) *dense {
	return &dense{shape: slices.Clone(c.Shape), data: slices.Clone(c.Data)}
}

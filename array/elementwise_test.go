package array_test

import (
	"errors"
	"math"
	"testing"

	"github.com/gask-dev/gask/array"
)

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestElementwise(t *testing.T) {
	ctx, c := startCluster(t, 2)
	explicit := array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}})
	d := sample(3, -4, 4, 9, 12)
	pos := sample(4, 0.01, 10, 9, 12)
	x, p := d.array(explicit), pos.array(array.Chunks(4, 5)) // p chunked otherwise: rechunked to x's

	unary := []struct {
		name string
		f    func(array.Array) array.Array
		ref  func(float64) float64
		in   *dense
	}{
		{"Sin", array.Sin, math.Sin, d},
		{"Cos", array.Cos, math.Cos, d},
		{"Exp", array.Exp, math.Exp, d},
		{"Log", array.Log, math.Log, pos},
		{"Sqrt", array.Sqrt, math.Sqrt, pos},
		{"Abs", array.Abs, math.Abs, d},
		{"Negative", array.Negative, func(x float64) float64 { return -x }, d},
		{"Square", array.Square, func(x float64) float64 { return x * x }, d},
	}
	for _, u := range unary {
		in := x
		if u.in == pos {
			in = p
		}
		check(t, ctx, c, u.name, u.f(in), u.in.mapf(u.ref), 1e-14)
	}
	check(t, ctx, c, "Power 3", array.Power(x, 3), d.mapf(func(v float64) float64 { return math.Pow(v, 3) }), 1e-14)
	check(t, ctx, c, "Power 0.7", array.Power(p, 0.7), pos.mapf(func(v float64) float64 { return math.Pow(v, 0.7) }), 1e-14)

	binary := []struct {
		name string
		f    func(a, b array.Array) array.Array
		ref  func(a, b float64) float64
	}{
		{"Add", array.Add, func(a, b float64) float64 { return a + b }},
		{"Sub", array.Sub, func(a, b float64) float64 { return a - b }},
		{"Mul", array.Mul, func(a, b float64) float64 { return a * b }},
		{"Div", array.Div, func(a, b float64) float64 { return a / b }},
		{"Pow", array.Pow, math.Pow},
		{"Minimum", array.Minimum, math.Min},
		{"Maximum", array.Maximum, math.Max},
		{"Less", array.Less, func(a, b float64) float64 { return b2f(a < b) }},
		{"LessEqual", array.LessEqual, func(a, b float64) float64 { return b2f(a <= b) }},
		{"Greater", array.Greater, func(a, b float64) float64 { return b2f(a > b) }},
		{"GreaterEqual", array.GreaterEqual, func(a, b float64) float64 { return b2f(a >= b) }},
		{"Equal", array.Equal, func(a, b float64) float64 { return b2f(a == b) }},
		{"NotEqual", array.NotEqual, func(a, b float64) float64 { return b2f(a != b) }},
	}
	two := &dense{shape: []int{}, data: []float64{2}}
	// A lazy 0-d operand, computed on the cluster, is broadcast too.
	lazyTwo := array.Full([]int{3}, 2, array.Chunks(2)).Max()
	rounded := d.mapf(math.Round) // with ties for the comparisons
	xr := rounded.array(explicit)
	for _, b := range binary {
		check(t, ctx, c, b.name+" arrays", b.f(p, x), zip(pos, d, b.ref), 1e-14)
		check(t, ctx, c, b.name+" scalar right", b.f(xr, array.Scalar(2)), zip(rounded, two, b.ref), 1e-14)
		check(t, ctx, c, b.name+" scalar left", b.f(array.Scalar(2), xr), zip(two, rounded, b.ref), 1e-14)
		check(t, ctx, c, b.name+" lazy scalar", b.f(xr, lazyTwo), zip(rounded, two, b.ref), 1e-14)
		check(t, ctx, c, b.name+" constants", b.f(array.Full([]int{4, 3}, 3, array.Chunks(2)), array.Scalar(2)),
			zip(newDense(4, 3).mapf(func(float64) float64 { return 3 }), two, b.ref), 1e-14)
	}

	cond := rounded.mapf(func(v float64) float64 { return b2f(v > 0) })
	where := func(c, a, b *dense) *dense {
		out := newDense(c.shape...)
		for i := range out.data {
			av, bv := a.data[0], b.data[0]
			if len(a.data) > 1 {
				av = a.data[i]
			}
			if len(b.data) > 1 {
				bv = b.data[i]
			}
			if c.data[i] != 0 {
				out.data[i] = av
			} else {
				out.data[i] = bv
			}
		}
		return out
	}
	zero := &dense{shape: []int{}, data: []float64{0}}
	check(t, ctx, c, "Where one input", array.Where(array.Greater(xr, array.Scalar(0)), xr, array.Scalar(0)), where(cond, rounded, zero), 0)
	// Three distinct inputs: a task of its own.
	check(t, ctx, c, "Where three inputs", array.Where(cond.array(array.Chunks(2)), x, p), where(cond, d, pos), 0)
	check(t, ctx, c, "Where of expressions", array.Where(array.Less(x, p), array.Sin(x), array.Cos(p)),
		where(zip(d, pos, func(a, b float64) float64 { return b2f(a < b) }), d.mapf(math.Sin), pos.mapf(math.Cos)), 1e-14)

	// 1-D and 3-D, and a longer expression: (x·2 - 1)² / (|x| + 1) + e^(-x).
	for _, shape := range [][]int{{10}, {4, 5, 6}} {
		dd := sample(5, -1, 1, shape...)
		chunks := array.Chunks(3)
		xx := dd.array(chunks)
		got := array.Add(array.Div(array.Square(array.Sub(array.Mul(xx, array.Scalar(2)), array.Scalar(1))),
			array.Add(array.Abs(xx), array.Scalar(1))), array.Exp(array.Negative(xx)))
		want := dd.mapf(func(v float64) float64 { return (v*2-1)*(v*2-1)/(math.Abs(v)+1) + math.Exp(-v) })
		check(t, ctx, c, "expression", got, want, 1e-14)
	}

	// An expression over many arrays splits into several tasks.
	var sum array.Array
	want := newDense(9, 12)
	for i := range 5 {
		di := sample(uint64(10+i), 0, 1, 9, 12)
		want = zip(want, di.mapf(math.Sin), func(a, b float64) float64 { return a + b })
		if i == 0 {
			sum = array.Sin(di.array(explicit))
		} else {
			sum = array.Add(sum, array.Sin(di.array(explicit)))
		}
	}
	check(t, ctx, c, "sum of five", sum, want, 1e-14)
	// One subexpression used many times stays small.
	y := x
	wantY := d
	for range 20 {
		y = array.Mul(array.Add(y, y), array.Scalar(0.5))
		wantY = wantY.mapf(func(v float64) float64 { return (v + v) * 0.5 })
	}
	check(t, ctx, c, "shared subexpression", y, wantY, 1e-14)
}

func TestElementwiseErrors(t *testing.T) {
	a := array.Zeros([]int{3, 4}, array.Chunks(2))
	for name, bad := range map[string]array.Array{
		"Add":           array.Add(a, array.Zeros([]int{4, 3}, array.Chunks(2))),
		"Add 1-element": array.Add(array.Zeros([]int{1, 1, 1}, array.Chunks(1)), array.Zeros([]int{4}, array.Chunks(2))),
		"Where":         array.Where(a, a, array.Zeros([]int{3}, array.Chunks(2))),
		"carried":       array.Sin(array.Add(a, a.T())),
	} {
		if err := bad.Err(); !errors.Is(err, array.ErrShape) {
			t.Errorf("%s: Err() = %v, want ErrShape", name, err)
		}
	}
	if err := array.Sin(array.Array{}).Err(); err == nil {
		t.Errorf("Sin(Array{}).Err() = nil, want an error")
	}
}

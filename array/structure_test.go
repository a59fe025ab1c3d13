package array_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/gask-dev/gask/array"
)

func TestTranspose(t *testing.T) {
	ctx, c := startCluster(t, 2)
	d := sample(20, -1, 1, 9, 12)
	x := d.array(array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}}))
	check(t, ctx, c, "T", x.T(), d.transpose(), 0)
	if got, want := x.T().Chunks(), [][]int{{3, 3, 6}, {1, 4, 4}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("x.T().Chunks() = %v, want %v", got, want)
	}
	check(t, ctx, c, "T.T", x.T().T(), d, 0)
	check(t, ctx, c, "sin(T)", array.Sin(x.T()), d.transpose().mapf(math.Sin), 1e-14)
	check(t, ctx, c, "T of expression", array.Add(array.Sin(x), array.Scalar(1)).T(), d.mapf(func(v float64) float64 { return math.Sin(v) + 1 }).transpose(), 1e-14)

	sq := sample(21, 0, 1, 10, 10)
	y := sq.array(array.Chunks(3))
	check(t, ctx, c, "sin(x)+cos(xT)", array.Add(array.Sin(y), array.Cos(y.T())),
		zip(sq.mapf(math.Sin), sq.transpose().mapf(math.Cos), func(a, b float64) float64 { return a + b }), 1e-14)
	check(t, ctx, c, "x·xT transposed", array.Mul(y, y.T()).T(),
		zip(sq, sq.transpose(), func(a, b float64) float64 { return a * b }).transpose(), 1e-14)

	d3 := sample(22, -1, 1, 4, 5, 6)
	z := d3.array(array.Chunks(3, 2, 4))
	check(t, ctx, c, "3-D reversed", z.T(), d3.transpose(), 0)
	check(t, ctx, c, "3-D (1, 2, 0)", z.Transpose(1, 2, 0), d3.transpose(1, 2, 0), 0)
	check(t, ctx, c, "3-D twice", z.Transpose(2, 0, 1).Transpose(0, 2, 1), d3.transpose(2, 0, 1).transpose(0, 2, 1), 0)
	check(t, ctx, c, "3-D negative axes", z.Transpose(-1, 0, 1), d3.transpose(2, 0, 1), 0)
	check(t, ctx, c, "3-D expression with broadcast", array.Sub(z, z.Mean()).Transpose(1, 2, 0),
		d3.mapf(func(v float64) float64 { return v - refSum(d3.data)/float64(len(d3.data)) }).transpose(1, 2, 0), 1e-14)
	d1 := sample(23, -1, 1, 7)
	check(t, ctx, c, "1-D", d1.array(array.Chunks(2)).T(), d1, 0)

	for _, bad := range [][]int{{0, 0, 1}, {0, 1}, {0, 1, 3}} {
		if err := z.Transpose(bad...).Err(); !errors.Is(err, array.ErrShape) {
			t.Errorf("Transpose(%v).Err() = %v, want ErrShape", bad, err)
		}
	}
}

func TestSlice(t *testing.T) {
	ctx, c := startCluster(t, 2)
	d := sample(30, -1, 1, 9, 12)
	x := d.array(array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}}))
	cases := [][]array.Range{
		{array.Span(2, 7)},
		{array.All(), array.Span(1, 11)},
		{array.Every(2), array.Every(3)},
		{array.Every(-1)},
		{array.Every(-1), array.Every(-1)},
		{{Start: 7, Stop: 0, Step: -2}, {Start: -2, Stop: array.Begin, Step: -3}},
		{{Start: -5, Stop: -1, Step: 1}},
		{array.Span(5, 5)},
		{array.Span(3, 2), array.All()},
		{array.Span(-100, 100), {Start: 100, Stop: -100, Step: -5}},
		{array.Span(1, 5), array.Span(3, 6)}, // one whole block: no task
	}
	for _, rs := range cases {
		check(t, ctx, c, "Slice", x.Slice(rs...), d.slice(rs...), 0)
	}
	// Slices of expressions and of constants, 1-D and 3-D.
	check(t, ctx, c, "Slice of sin", array.Sin(x).Slice(array.Every(-2)), d.mapf(math.Sin).slice(array.Every(-2)), 1e-14)
	check(t, ctx, c, "Slice of Full", array.Full([]int{5, 5}, 3, array.Chunks(2)).Slice(array.Every(2)),
		newDense(3, 5).mapf(func(float64) float64 { return 3 }), 0)
	d1 := sample(31, 0, 1, 10)
	check(t, ctx, c, "1-D", d1.array(array.Chunks(3)).Slice(array.Range{Start: 8, Stop: 1, Step: -3}), d1.slice(array.Range{Start: 8, Stop: 1, Step: -3}), 0)
	d3 := sample(32, 0, 1, 4, 5, 6)
	rs := []array.Range{array.Every(-1), array.Span(1, 4), array.Every(4)}
	check(t, ctx, c, "3-D", d3.array(array.Chunks(3, 2, 4)).Slice(rs...), d3.slice(rs...), 0)

	if err := x.Slice(array.Range{Start: 0, Stop: 3, Step: 0}).Err(); !errors.Is(err, array.ErrShape) {
		t.Errorf("Slice with step 0: Err() = %v, want ErrShape", err)
	}
	if err := x.Slice(array.All(), array.All(), array.All()).Err(); !errors.Is(err, array.ErrShape) {
		t.Errorf("Slice with 3 ranges of 2-D: Err() = %v, want ErrShape", err)
	}
}

func TestConcatenateAndStack(t *testing.T) {
	ctx, c := startCluster(t, 2)
	a, b := sample(40, 0, 1, 5, 7), sample(41, 0, 1, 5, 4)
	xa, xb := a.array(array.Chunks(2, 3)), b.array(array.Chunks(3, 3)) // rows chunked differently
	check(t, ctx, c, "axis 1", array.Concatenate([]array.Array{xa, xb}, 1), concat([]*dense{a, b}, 1), 0)
	check(t, ctx, c, "axis -1", array.Concatenate([]array.Array{xb, xa, xb}, -1), concat([]*dense{b, a, b}, 1), 0)
	e := sample(42, 0, 1, 3, 7)
	xe := e.array(array.ExplicitChunks([][]int{{1, 2}, {7}}))
	got := array.Concatenate([]array.Array{xa, xe, array.Sin(xa)}, 0)
	check(t, ctx, c, "axis 0", got, concat([]*dense{a, e, a.mapf(math.Sin)}, 0), 1e-14)
	if want := [][]int{{2, 2, 1, 1, 2, 2, 2, 1}, {3, 3, 1}}; !slices.EqualFunc(got.Chunks(), want, slices.Equal) {
		t.Errorf("Concatenate chunks = %v, want %v", got.Chunks(), want)
	}
	d1 := sample(43, 0, 1, 4)
	check(t, ctx, c, "1-D", array.Concatenate([]array.Array{d1.array(array.Chunks(3)), array.Arange(0, 3, 1, array.Chunks(2))}, 0),
		concat([]*dense{d1, {shape: []int{3}, data: []float64{0, 1, 2}}}, 0), 0)

	s := sample(44, 0, 1, 5, 7)
	xs := s.array(array.Chunks(3))
	for _, axis := range []int{0, 1, 2, -1} {
		check(t, ctx, c, "Stack", array.Stack([]array.Array{xa, xs, xa}, axis), stack([]*dense{a, s, a}, (axis+3)%3), 0)
	}
	check(t, ctx, c, "Stack of constants", array.Stack([]array.Array{array.Ones([]int{2}, array.Chunks(1)), array.Zeros([]int{2}, array.Chunks(1))}, 0),
		&dense{shape: []int{2, 2}, data: []float64{1, 1, 0, 0}}, 0)

	for name, bad := range map[string]array.Array{
		"none":        array.Concatenate(nil, 0),
		"ndim":        array.Concatenate([]array.Array{xa, d1.array(array.Chunks(2))}, 0),
		"extent":      array.Concatenate([]array.Array{xa, xb}, 0),
		"axis":        array.Concatenate([]array.Array{xa, xa}, 2),
		"stack shape": array.Stack([]array.Array{xa, xb}, 0),
		"stack axis":  array.Stack([]array.Array{xa, xa}, 3),
	} {
		if err := bad.Err(); !errors.Is(err, array.ErrShape) {
			t.Errorf("%s: Err() = %v, want ErrShape", name, err)
		}
	}
}

func TestRechunk(t *testing.T) {
	ctx, c := startCluster(t, 2)
	d := sample(50, -1, 1, 9, 12)
	x := d.array(array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}}))
	for _, to := range []array.Chunking{
		array.Chunks(3),
		array.Chunks(9, 12),
		array.Chunks(1),
		array.ExplicitChunks([][]int{{5, 4}, {2, 10}}),
		array.Chunks(-1, 4),
	} {
		y := x.Rechunk(to)
		check(t, ctx, c, "Rechunk "+to.String(), y, d, 0)
		check(t, ctx, c, "Rechunk of sin "+to.String(), array.Sin(x).Rechunk(to), d.mapf(math.Sin), 1e-14)
		check(t, ctx, c, "and back "+to.String(), y.Rechunk(array.ExplicitChunks(x.Chunks())), d, 0)
	}
	// More than 16 pieces in a block: a tree of pastes.
	fine := d.array(array.Chunks(1, 2))
	check(t, ctx, c, "54 pieces", fine.Rechunk(array.Chunks(9, 12)), d, 0)
	d3 := sample(51, 0, 1, 4, 5, 6)
	check(t, ctx, c, "3-D", d3.array(array.Chunks(3, 2, 4)).Rechunk(array.Chunks(2, 5, 5)), d3, 0)
	check(t, ctx, c, "constant", array.Full([]int{4, 4}, 2, array.Chunks(3)).Rechunk(array.Chunks(2)),
		newDense(4, 4).mapf(func(float64) float64 { return 2 }), 0)
	if same := x.Rechunk(array.ExplicitChunks(x.Chunks())); same.String() != x.String() {
		t.Errorf("Rechunk to its own chunks changed the array: %v, was %v", same, x)
	}
	if err := x.Rechunk(array.Chunks(1, 2, 3)).Err(); !errors.Is(err, array.ErrShape) {
		t.Errorf("Rechunk to 3 axes: Err() = %v, want ErrShape", err)
	}
}

package array_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/gask-dev/gask/array"
)

func TestReductions(t *testing.T) {
	ctx, c := startCluster(t, 2)
	type input struct {
		name   string
		d      *dense
		chunks array.Chunking
	}
	d2 := sample(60, -1, 1, 9, 12)
	inputs := []input{
		{"1-D", sample(61, -1, 1, 10), array.Chunks(3)},
		{"2-D explicit", d2, array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}})},
		{"3-D", sample(62, -1, 1, 4, 5, 6), array.Chunks(3, 2, 4)},
	}
	reductions := []struct {
		name string
		f    func(array.Array, ...array.ReduceOption) array.Array
		ref  func([]float64) float64
		tol  float64
	}{
		{"Sum", array.Array.Sum, refSum, 1e-13},
		{"Mean", array.Array.Mean, func(xs []float64) float64 { return refSum(xs) / float64(len(xs)) }, 1e-13},
		{"Min", array.Array.Min, refMin, 0},
		{"Max", array.Array.Max, refMax, 0},
		{"Var", array.Array.Var, refVar(0), 1e-13},
		{"Std", array.Array.Std, func(xs []float64) float64 { return math.Sqrt(refVar(0)(xs)) }, 1e-13},
		{"ArgMin", array.Array.ArgMin, refArg(false), 0},
		{"ArgMax", array.Array.ArgMax, refArg(true), 0},
	}
	for _, in := range inputs {
		x := in.d.array(in.chunks)
		nd := len(in.d.shape)
		var axesSets [][]int
		axesSets = append(axesSets, nil)
		for a := range nd {
			axesSets = append(axesSets, []int{a})
		}
		if nd == 3 {
			axesSets = append(axesSets, []int{0, 2}, []int{-1, 0, 1})
		}
		for _, r := range reductions {
			for _, axes := range axesSets {
				if (r.name == "ArgMin" || r.name == "ArgMax") && len(axes) > 1 {
					continue
				}
				for _, keep := range []bool{false, true} {
					var opts []array.ReduceOption
					if axes != nil {
						opts = append(opts, array.Axis(axes...))
					}
					if keep {
						opts = append(opts, array.KeepDims())
					}
					name := fmt.Sprintf("%s %s axes %v keep %v", r.name, in.name, axes, keep)
					check(t, ctx, c, name, r.f(x, opts...), in.d.reduce(axes, keep, r.ref), r.tol)
				}
			}
		}
	}

	x := d2.array(array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}}))
	// Over all axes of an expression: inside the expression's task.
	check(t, ctx, c, "Sum of an expression", array.Add(array.Sin(x), array.Cos(x)).Sum(),
		d2.mapf(func(v float64) float64 { return math.Sin(v) + math.Cos(v) }).reduce(nil, false, refSum), 1e-13)
	check(t, ctx, c, "Max of a transposed expression", array.Sin(x.T()).Max(array.KeepDims()),
		d2.mapf(math.Sin).reduce(nil, true, refMax), 1e-14)
	check(t, ctx, c, "Min of a constant", array.Full([]int{3, 4}, -2, array.Chunks(2)).Min(), &dense{shape: []int{}, data: []float64{-2}}, 0)
	check(t, ctx, c, "Sum of a constant", array.Ones([]int{30, 40}, array.Chunks(7)).Sum(), &dense{shape: []int{}, data: []float64{1200}}, 0)
	check(t, ctx, c, "Sum of a transposed block", x.T().Sum(array.Axis(1)), d2.transpose().reduce([]int{1}, false, refSum), 1e-13)
	// DDOF, fan-ins, and a sum over many blocks.
	check(t, ctx, c, "Var ddof 1", x.Var(array.DDOF(1), array.Axis(0)), d2.reduce([]int{0}, false, refVar(1)), 1e-13)
	check(t, ctx, c, "Std ddof 1", x.Std(array.DDOF(1)), d2.reduce(nil, false, func(xs []float64) float64 { return math.Sqrt(refVar(1)(xs)) }), 1e-13)
	many := sample(63, 0, 1, 40, 30)
	y := many.array(array.Chunks(2, 3))
	for _, fan := range []int{2, 3, 16} {
		check(t, ctx, c, fmt.Sprintf("Sum fan-in %d", fan), y.Sum(array.FanIn(fan)), many.reduce(nil, false, refSum), 1e-13)
		check(t, ctx, c, fmt.Sprintf("Sum axis 0 fan-in %d", fan), y.Sum(array.Axis(0), array.FanIn(fan)), many.reduce([]int{0}, false, refSum), 1e-13)
		check(t, ctx, c, fmt.Sprintf("ArgMax fan-in %d", fan), y.ArgMax(array.FanIn(fan)), many.reduce(nil, false, refArg(true)), 0)
	}
	// Variance of values with a large mean: Moments stay accurate where
	// E[x²]-E[x]² would not.
	shifted := many.mapf(func(v float64) float64 { return v + 1e8 })
	check(t, ctx, c, "Var shifted", shifted.array(array.Chunks(7, 6)).Var(), shifted.reduce(nil, false, refVar(0)), 1e-7)
	// Ties and NaN: the first extremum, the first NaN.
	ties := &dense{shape: []int{3, 4}, data: []float64{5, 1, 7, 1, 7, 0, 0, 7, 2, 7, 3, 0}}
	tx := ties.array(array.Chunks(2))
	for _, axes := range [][]int{nil, {0}, {1}} {
		var opts []array.ReduceOption
		if axes != nil {
			opts = append(opts, array.Axis(axes...))
		}
		check(t, ctx, c, fmt.Sprintf("ArgMin ties %v", axes), tx.ArgMin(opts...), ties.reduce(axes, false, refArg(false)), 0)
		check(t, ctx, c, fmt.Sprintf("ArgMax ties %v", axes), tx.ArgMax(opts...), ties.reduce(axes, false, refArg(true)), 0)
	}
	withNaN := ties.mapf(func(v float64) float64 { return v })
	withNaN.data[6] = math.NaN()
	nx := withNaN.array(array.Chunks(2))
	check(t, ctx, c, "ArgMax NaN", nx.ArgMax(), withNaN.reduce(nil, false, refArg(true)), 0)
	check(t, ctx, c, "Max NaN", nx.Max(array.Axis(1)), withNaN.reduce([]int{1}, false, refMax), 0)
	check(t, ctx, c, "Sum NaN", nx.Sum(), withNaN.reduce(nil, false, refSum), 0)

	// A scalar through ComputeScalar.
	got, err := array.ComputeScalar(ctx, c, x.Sum())
	if want := refSum(d2.data); err != nil || math.Abs(got-want) > 1e-12 {
		t.Errorf("ComputeScalar(x.Sum()) = %v, %v; want %v", got, err, want)
	}
	if _, err := array.ComputeScalar(ctx, c, x); !errors.Is(err, array.ErrShape) {
		t.Errorf("ComputeScalar of a 9×12 array: %v, want ErrShape", err)
	}

	for name, bad := range map[string]array.Array{
		"axis":       x.Sum(array.Axis(2)),
		"twice":      x.Sum(array.Axis(0, -2)),
		"arg axes":   x.ArgMin(array.Axis(0, 1)),
		"fan-in 1":   x.Sum(array.FanIn(1)),
		"fan-in 17":  x.Max(array.FanIn(17)),
		"mean axis":  x.Mean(array.Axis(5)),
		"std fan-in": x.Std(array.FanIn(0)),
	} {
		if err := bad.Err(); err == nil {
			t.Errorf("%s: Err() = nil, want an error", name)
		}
	}
}

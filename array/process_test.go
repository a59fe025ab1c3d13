package array_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gask-dev/gask/array"
	"github.com/gask-dev/gask/cluster/local"
)

// TestProcessWorkers runs one of each kind of task on worker processes,
// so that every value they pass (chunks, programs, patches, Moments,
// ArgPartials) crosses a process boundary encoded.
func TestProcessWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes in -short mode")
	}
	ctx, c := startCluster(t, 2, local.Processes())

	// The seed workload, small: (sin(x) + cos(xᵀ)).sum(), against a serial
	// sum over the same x.
	x := array.Uniform(7, []int{60, 60}, array.Chunks(16))
	xs, err := array.Compute(ctx, c, x)
	if err != nil {
		t.Fatal(err)
	}
	d := denseOf(xs)
	want := 0.0
	for i := range 60 {
		for j := range 60 {
			want += math.Sin(d.at(i, j)) + math.Cos(d.at(j, i))
		}
	}
	got, err := array.ComputeScalar(ctx, c, array.Add(array.Sin(x), array.Cos(x.T())).Sum())
	if err != nil || !closeTo(got, want, 1e-12) {
		t.Errorf("(sin(x)+cos(xT)).Sum() = %v, %v; want %v", got, err, want)
	}

	y := array.Sub(x, x.Mean())
	check(t, ctx, c, "rechunked", y.Rechunk(array.ExplicitChunks([][]int{{50, 10}, {7, 53}})),
		d.mapf(func(v float64) float64 { return v - refSum(d.data)/3600 }), 1e-13)
	check(t, ctx, c, "Var axis 1", x.Var(array.Axis(1)), d.reduce([]int{1}, false, refVar(0)), 1e-13)
	check(t, ctx, c, "ArgMax", x.ArgMax(), d.reduce(nil, false, refArg(true)), 0)
	check(t, ctx, c, "ArgMin axis 0", x.ArgMin(array.Axis(0)), d.reduce([]int{0}, false, refArg(false)), 0)
	check(t, ctx, c, "MatMul", array.MatMul(x, x.T().Rechunk(array.Chunks(25))), matmul(d, d.transpose()), 1e-12)
	check(t, ctx, c, "Where", array.Where(array.Greater(x, array.Scalar(0.5)), x.T(), array.Sqrt(x)),
		func() *dense {
			tr := d.transpose()
			out := newDense(60, 60)
			for i, v := range d.data {
				if v > 0.5 {
					out.data[i] = tr.data[i]
				} else {
					out.data[i] = math.Sqrt(v)
				}
			}
			return out
		}(), 1e-14)

	dir := filepath.Join(t.TempDir(), "x")
	if _, err := array.ToNPY(ctx, c, x, dir); err != nil {
		t.Fatal(err)
	}
	check(t, ctx, c, "FromNPY", array.FromNPY(dir, []int{60, 60}, array.Chunks(16)).Slice(array.Every(-3)), d.slice(array.Every(-3)), 0)
}

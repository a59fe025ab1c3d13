package array_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array"
)

// graphSize counts the tasks behind a's blocks, as built and as Compute
// submits them.
func graphSize(t *testing.T, a array.Array) (built, fused int, summary string) {
	t.Helper()
	var ds []gask.AnyDelayed
	for _, d := range a.Blocks() {
		ds = append(ds, d)
	}
	g, err := gask.GraphOf(ds...)
	if err != nil {
		t.Fatalf("GraphOf: %v", err)
	}
	opt, err := gask.Optimize(ds...)
	if err != nil {
		t.Fatalf("Optimize: %v", err)
	}
	return len(g.Tasks), len(opt.Tasks), gask.Summary(ds...)
}

// TestSeedWorkloadGraph: (sin(x) + cos(xᵀ)).sum() for x of 20000×20000 in
// 2000×2000 blocks is built, not run: one task per block makes x, one per
// block computes the expression and its partial sum, and a tree of fan-in
// 8 adds the 100 partials (13 + 2 + 1 tasks). The diagonal blocks read
// one block of x, so each fuses with it.
func TestSeedWorkloadGraph(t *testing.T) {
	x := array.Uniform(1, []int{20000, 20000}, array.Chunks(2000, 2000))
	y := array.Add(array.Sin(x), array.Cos(x.T()))
	built, fused, summary := graphSize(t, y)
	t.Logf("sin(x)+cos(xT): %d tasks, %d after fusion; %s", built, fused, summary)
	if built != 200 || fused != 190 {
		t.Errorf("sin(x)+cos(xT): %d tasks, %d fused; want 200 and 190", built, fused)
	}
	s := y.Sum()
	built, fused, summary = graphSize(t, s)
	t.Logf("(sin(x)+cos(xT)).sum(): %d tasks, %d after fusion; %s", built, fused, summary)
	if built != 216 || fused != 206 {
		t.Errorf("(sin(x)+cos(xT)).sum(): %d tasks, %d fused; want 216 and 206", built, fused)
	}
	if got, want := s.String(), "tasks=206 (216 before fusion)>"; !strings.HasSuffix(got, want) {
		t.Errorf("String() = %q, want it to end %q", got, want)
	}
	if !strings.Contains(summary, "array.elementwise2×90") || !strings.Contains(summary, "array.uniform×100") {
		t.Errorf("summary %q: want array.uniform×100 and array.elementwise2×90", summary)
	}
}

func TestString(t *testing.T) {
	x := array.Uniform(1, []int{4000, 4000}, array.Chunks(1000))
	want := "array<shape=(4000, 4000), chunksize=(1000, 1000), chunks=16 (4, 4), bytes=122.07 MiB (7.63 MiB per chunk), dtype=float64, tasks=16>"
	if got := x.String(); got != want {
		t.Errorf("String() =\n%s, want\n%s", got, want)
	}
	bad := array.Add(x, array.Zeros([]int{3}, array.Chunks(1)))
	if got := bad.String(); !strings.HasPrefix(got, "array<error: array: add of shapes") {
		t.Errorf("String() of a failed array = %q", got)
	}
	var buf bytes.Buffer
	if err := array.Visualize(&buf, x.Sum()); err != nil || !strings.Contains(buf.String(), "array.uniform") {
		t.Errorf("Visualize: %v, %q", err, buf.String())
	}
}

func TestPersistAndComputeAll(t *testing.T) {
	ctx, c := startCluster(t, 2)
	d := sample(90, 0, 1, 20, 30)
	x := array.Sin(d.array(array.Chunks(7)))
	p := array.Persist(c, x)
	if len(p.Blocks()) != 15 {
		t.Fatalf("Persist: %d blocks, want 15", len(p.Blocks()))
	}
	for _, b := range p.Blocks() {
		if !strings.HasPrefix(b.Key(), "array.elementwise-") {
			t.Errorf("persisted block %s: want the key of the element-wise task", b.Key())
		}
	}
	sin := d.mapf(math.Sin)
	check(t, ctx, c, "persisted", p, sin, 1e-14)
	check(t, ctx, c, "from persisted", array.Add(p, p.T().T()).Sum(array.Axis(1)), sin.mapf(func(v float64) float64 { return 2 * v }).reduce([]int{1}, false, refSum), 1e-13)

	got, err := array.ComputeAll(ctx, c, []array.Array{p.Mean(), p.Std(), p.Mean()})
	if err != nil {
		t.Fatal(err)
	}
	mean, sd := refSum(sin.data)/float64(len(sin.data)), math.Sqrt(refVar(0)(sin.data))
	if !closeTo(got[0].Data[0], mean, 1e-13) || !closeTo(got[1].Data[0], sd, 1e-13) || got[2].Data[0] != got[0].Data[0] {
		t.Errorf("ComputeAll(mean, std, mean) = %v, %v, %v; want %v, %v, %v", got[0], got[1], got[2], mean, sd, mean)
	}
	p.Release()
	if _, err := array.Compute(ctx, c, p.Sum()); err == nil {
		t.Errorf("Compute after Release: no error")
	}
	// The unpersisted array still computes.
	check(t, ctx, c, "recomputed", x, sin, 1e-14)
}

func TestComputeErrors(t *testing.T) {
	ctx, c := startCluster(t, 1)
	bad := array.MatMul(array.Zeros([]int{2, 3}, array.Chunks(1)), array.Zeros([]int{2, 3}, array.Chunks(1)))
	if _, err := array.Compute(ctx, c, array.Sin(bad)); !errors.Is(err, array.ErrShape) {
		t.Errorf("Compute of a failed array: %v, want ErrShape", err)
	}
	if _, err := array.ComputeAll(ctx, c, []array.Array{array.Scalar(1), bad}); !errors.Is(err, array.ErrShape) {
		t.Errorf("ComputeAll with a failed array: %v, want ErrShape", err)
	}
	if _, err := array.Compute(ctx, c, array.Array{}); err == nil {
		t.Errorf("Compute(Array{}): no error")
	}
	if err := array.Persist(c, bad).Err(); !errors.Is(err, array.ErrShape) {
		t.Errorf("Persist of a failed array: %v, want ErrShape", err)
	}
	// A task that fails on the cluster: log of a file that is not there.
	missing := array.FromNPY(t.TempDir(), []int{2}, array.Chunks())
	if _, err := array.Compute(ctx, c, array.Log(missing)); err == nil {
		t.Errorf("Compute of a missing file: no error")
	}
	if _, err := array.ToNPY(ctx, c, bad, t.TempDir()); !errors.Is(err, array.ErrShape) {
		t.Errorf("ToNPY of a failed array: %v, want ErrShape", err)
	}
}

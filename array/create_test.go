package array_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/gask-dev/gask/array"
	"github.com/gask-dev/gask/array/chunk"
)

func TestChunking(t *testing.T) {
	cases := []struct {
		shape  []int
		chunks array.Chunking
		want   [][]int
	}{
		{[]int{9, 12}, array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}}), [][]int{{1, 4, 4}, {3, 3, 6}}},
		{[]int{10, 7}, array.Chunks(4, 3), [][]int{{4, 4, 2}, {3, 3, 1}}},
		{[]int{5, 5, 5}, array.Chunks(2), [][]int{{2, 2, 1}, {2, 2, 1}, {2, 2, 1}}},
		{[]int{6, 4}, array.Chunks(-1, 3), [][]int{{6}, {3, 1}}},
		{[]int{6, 4}, array.Chunking{}, [][]int{{6}, {4}}},
		{[]int{7}, array.Chunks(3), [][]int{{3, 3, 1}}},
		{[]int{0, 3}, array.Chunks(2), [][]int{{0}, {2, 1}}},
		{[]int{}, array.Chunks(), [][]int{}},
	}
	for _, tc := range cases {
		a := array.Zeros(tc.shape, tc.chunks)
		if err := a.Err(); err != nil {
			t.Errorf("Zeros(%v, %v): %v", tc.shape, tc.chunks, err)
			continue
		}
		if got := a.Chunks(); !slices.EqualFunc(got, tc.want, slices.Equal) {
			t.Errorf("Zeros(%v, %v).Chunks() = %v, want %v", tc.shape, tc.chunks, got, tc.want)
		}
	}
	for _, bad := range []struct {
		shape  []int
		chunks array.Chunking
	}{
		{[]int{9, 12}, array.ExplicitChunks([][]int{{1, 4, 3}, {3, 3, 6}})},
		{[]int{9, 12}, array.ExplicitChunks([][]int{{9}})},
		{[]int{9, 12}, array.Chunks(2, 2, 2)},
		{[]int{9, 12}, array.Chunks(0, 2)},
		{[]int{-1}, array.Chunks(2)},
	} {
		if err := array.Zeros(bad.shape, bad.chunks).Err(); !errors.Is(err, array.ErrShape) {
			t.Errorf("Zeros(%v, %v).Err() = %v, want ErrShape", bad.shape, bad.chunks, err)
		}
	}
}

func TestCreation(t *testing.T) {
	ctx, c := startCluster(t, 2)
	d := sample(1, -3, 3, 9, 12)
	check(t, ctx, c, "FromSlice explicit", d.array(array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}})), d, 0)
	check(t, ctx, c, "FromSlice regular", d.array(array.Chunks(4, 5)), d, 0)
	d3 := sample(2, 0, 1, 4, 5, 6)
	check(t, ctx, c, "FromSlice 3-D", d3.array(array.Chunks(3, 2, 4)), d3, 0)
	check(t, ctx, c, "FromSlice 0-d", array.FromSlice([]float64{4.5}, []int{}, array.Chunks()), &dense{shape: []int{}, data: []float64{4.5}}, 0)

	full := func(v float64, shape ...int) *dense {
		return newDense(shape...).mapf(func(float64) float64 { return v })
	}
	check(t, ctx, c, "Zeros", array.Zeros([]int{5, 7}, array.Chunks(2, 3)), full(0, 5, 7), 0)
	check(t, ctx, c, "Ones", array.Ones([]int{5, 7}, array.Chunks(2, 3)), full(1, 5, 7), 0)
	check(t, ctx, c, "Full", array.Full([]int{3, 2, 4}, -2.5, array.Chunks(2)), full(-2.5, 3, 2, 4), 0)
	check(t, ctx, c, "Scalar", array.Scalar(7), full(7), 0)

	ar := func(start, stop, step float64) *dense {
		var xs []float64
		for i := 0; ; i++ {
			x := start + float64(i)*step
			if step > 0 && x >= stop || step < 0 && x <= stop {
				break
			}
			xs = append(xs, x)
		}
		return &dense{shape: []int{len(xs)}, data: xs}
	}
	check(t, ctx, c, "Arange", array.Arange(0, 10, 1, array.Chunks(3)), ar(0, 10, 1), 0)
	check(t, ctx, c, "Arange fractional", array.Arange(1, 2, 0.1, array.Chunks(4)), ar(1, 2, 0.1), 1e-15)
	check(t, ctx, c, "Arange down", array.Arange(5, -5, -1.5, array.Chunks(2)), ar(5, -5, -1.5), 0)
	check(t, ctx, c, "Arange empty", array.Arange(3, 1, 1, array.Chunks(2)), ar(3, 1, 1), 0)

	lin := newDense(11)
	for i := range lin.data {
		lin.data[i] = -1 + float64(i)*0.2
	}
	lin.data[10] = 1
	check(t, ctx, c, "Linspace", array.Linspace(-1, 1, 11, array.Chunks(4)), lin, 1e-15)
	check(t, ctx, c, "Linspace one", array.Linspace(3, 5, 1, array.Chunks(4)), &dense{shape: []int{1}, data: []float64{3}}, 0)
}

// TestRandomIsReproducible: the same seed and chunks give the same
// numbers whatever the workers and the order blocks are computed in, and
// each block is chunk.Uniform (or Normal) of its place in the grid.
func TestRandomIsReproducible(t *testing.T) {
	shape, chunks := []int{30, 20}, array.ExplicitChunks([][]int{{7, 13, 10}, {20}})
	want := func(normal bool) *dense {
		g, _ := chunk.ExplicitGrid(shape, [][]int{{7, 13, 10}, {20}})
		out := newDense(shape...)
		for n := range g.Len() {
			idx := g.Unlinear(n)
			var b *chunk.Chunk
			if normal {
				b = chunk.Normal(g.BlockShape(idx), 42, uint64(n))
			} else {
				b = chunk.Uniform(g.BlockShape(idx), 42, uint64(n))
			}
			off := g.BlockOffset(idx)
			each(b.Shape, func(i []int) { out.data[(off[0]+i[0])*shape[1]+off[1]+i[1]] = b.At(i...) })
		}
		return out
	}
	u, nrm := want(false), want(true)
	for _, workers := range []int{1, 2} {
		ctx, c := startCluster(t, workers)
		check(t, ctx, c, "Uniform", array.Uniform(42, shape, chunks), u, 0)
		check(t, ctx, c, "Normal", array.Normal(42, shape, chunks), nrm, 0)
		// Blocks in reverse order, and one block alone.
		check(t, ctx, c, "Uniform reversed", array.Uniform(42, shape, chunks).Slice(array.Every(-1)), u.slice(array.Every(-1)), 0)
		check(t, ctx, c, "Uniform block 2", array.Uniform(42, shape, chunks).Slice(array.Span(20, 30)), u.slice(array.Span(20, 30)), 0)
	}
	ctx, c := startCluster(t, 2)
	other, err := array.Compute(ctx, c, array.Uniform(43, shape, chunks))
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other.Data, u.data) {
		t.Errorf("Uniform(43) = Uniform(42)")
	}
	// Plausible distributions.
	big, err := array.Compute(ctx, c, array.Normal(7, []int{200, 200}, array.Chunks(50)))
	if err != nil {
		t.Fatal(err)
	}
	d := denseOf(big)
	mean := refSum(d.data) / float64(len(d.data))
	if sd := math.Sqrt(refVar(0)(d.data)); math.Abs(mean) > 0.03 || math.Abs(sd-1) > 0.03 {
		t.Errorf("Normal: mean %v, sd %v, want about 0 and 1", mean, sd)
	}
}

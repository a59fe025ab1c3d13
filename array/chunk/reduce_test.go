package chunk

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveReduce groups the elements of c by their kept coordinates.
func naiveReduce(c *Chunk, axes []int) (shape []int, groups map[int][]float64, order map[int][]int) {
	red := make([]bool, len(c.Shape))
	for _, a := range axes {
		red[a] = true
	}
	if axes == nil {
		for i := range red {
			red[i] = true
		}
	}
	shape = []int{}
	for a, d := range c.Shape {
		if !red[a] {
			shape = append(shape, d)
		}
	}
	groups = map[int][]float64{}
	for i, x := range c.Data {
		idx := index(c.Shape, i)
		o := 0
		for a, k := range idx {
			if !red[a] {
				o = o*c.Shape[a] + k
			}
		}
		groups[o] = append(groups[o], x)
	}
	return shape, groups, nil
}

func TestReductions(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for range 300 {
		shape := randShape(r)
		c := randChunk(r, shape...)
		var axes []int
		if r.IntN(4) > 0 {
			for _, a := range r.Perm(len(shape))[:1+r.IntN(len(shape))] {
				axes = append(axes, a)
			}
		}
		wantShape, groups, _ := naiveReduce(c, axes)
		sum, err := Sum(c, axes, false)
		if err != nil {
			t.Fatal(err)
		}
		mn, _ := Min(c, axes, false)
		mx, _ := Max(c, axes, false)
		mean, _ := Mean(c, axes, false)
		vr, _ := Var(c, axes, 1, false)
		sd, _ := Std(c, axes, 0, true)
		if !SameShape(sum.Shape, wantShape) || len(sd.Shape) != len(shape) {
			t.Fatalf("reduce %v over %v: shape %v (keepdims %v), want %v", shape, axes, sum.Shape, sd.Shape, wantShape)
		}
		for o := range sum.Data {
			g := groups[o]
			var s, m2 float64
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, x := range g {
				s += x
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
			mu := s / float64(len(g))
			for _, x := range g {
				m2 += (x - mu) * (x - mu)
			}
			v1 := m2 / float64(len(g)-1)
			if len(g) <= 1 {
				v1 = math.NaN()
			}
			if !near(sum.Data[o], s, 1e-12) || mn.Data[o] != lo || mx.Data[o] != hi ||
				!near(mean.Data[o], mu, 1e-12) || !near(vr.Data[o], v1, 1e-12) || !near(sd.Data[o], math.Sqrt(m2/float64(len(g))), 1e-12) {
				t.Fatalf("reduce %v over %v at %d: sum %v min %v max %v mean %v var %v std %v; want %v %v %v %v %v",
					shape, axes, o, sum.Data[o], mn.Data[o], mx.Data[o], mean.Data[o], vr.Data[o], sd.Data[o], s, lo, hi, mu, v1)
			}
		}
	}
}

// TestPartialsCombine splits a chunk in pieces along axis 0, reduces each
// and combines the partials: the result equals the reduction of the
// whole, for moments and for argmin/argmax (with ties and NaN).
func TestPartialsCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for range 100 {
		rows, cols := 2+r.IntN(20), 1+r.IntN(5)
		c := randChunk(r, rows, cols)
		for i := range c.Data {
			c.Data[i] = math.Round(c.Data[i]) // ties
		}
		if r.IntN(3) == 0 {
			c.Data[r.IntN(len(c.Data))] = math.NaN()
		}
		cut := 1 + r.IntN(rows-1)
		top, _ := Slice(c, []Range{Span(0, cut)})
		bot, _ := Slice(c, []Range{Span(cut, End)})
		whole, _ := MomentsOf(c, []int{0}, false)
		ma, _ := MomentsOf(top, []int{0}, false)
		mb, _ := MomentsOf(bot, []int{0}, false)
		comb, err := CombineMoments(ma, mb)
		if err != nil {
			t.Fatal(err)
		}
		checkChunk(t, "combined mean", comb.MeanChunk(), whole.MeanChunk(), 1e-12)
		checkChunk(t, "combined var", comb.Var(0), whole.Var(0), 1e-12)
		for _, isMax := range []bool{false, true} {
			argf := ArgMin
			if isMax {
				argf = ArgMax
			}
			w, _ := argf(c, 0, 0)
			pa, _ := argf(top, 0, 0)
			pb, _ := argf(bot, 0, cut)
			got, _ := CombineArg(pb, pa, isMax) // order must not matter
			for j := range cols {
				if got.Index[j] != w.Index[j] {
					t.Fatalf("arg (max %v) column %d: combined index %d, whole %d", isMax, j, got.Index[j], w.Index[j])
				}
			}
			// Flat partials over blocks with global offsets.
			wf, _ := argFlat(c, c.Shape, []int{0, 0}, isMax)
			fa, _ := argFlat(top, c.Shape, []int{0, 0}, isMax)
			fb, _ := argFlat(bot, c.Shape, []int{cut, 0}, isMax)
			gf, _ := CombineArg(fa, fb, isMax)
			if gf.Index[0] != wf.Index[0] {
				t.Fatalf("flat arg (max %v): %d, want %d", isMax, gf.Index[0], wf.Index[0])
			}
			// And the serial reference: first NaN, else first extremum.
			best := 0
			for i, x := range c.Data {
				if math.IsNaN(x) {
					best = i
					break
				}
				if (!isMax && x < c.Data[best]) || (isMax && x > c.Data[best]) {
					best = i
				}
			}
			if wf.Index[0] != int64(best) {
				t.Fatalf("flat arg (max %v) = %d, serial loop says %d", isMax, wf.Index[0], best)
			}
		}
	}
}

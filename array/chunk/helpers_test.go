package chunk

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randChunk returns a chunk of shape with values in [-5, 5).
func randChunk(r *rand.Rand, shape ...int) *Chunk {
	c := New(shape...)
	for i := range c.Data {
		c.Data[i] = r.Float64()*10 - 5
	}
	return c
}

// randShape returns 1 to 4 extents in 0..5 (rarely 0).
func randShape(r *rand.Rand) []int {
	s := make([]int, 1+r.IntN(4))
	for i := range s {
		s[i] = 1 + r.IntN(5)
		if r.IntN(15) == 0 {
			s[i] = 0
		}
	}
	return s
}

// index converts a flat row-major index into a multi-index.
func index(shape []int, flat int) []int {
	idx := make([]int, len(shape))
	for a := len(shape) - 1; a >= 0; a-- {
		idx[a] = flat % shape[a]
		flat /= shape[a]
	}
	return idx
}

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if a == b {
		return true
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func checkChunk(t *testing.T, what string, got, want *Chunk, tol float64) {
	t.Helper()
	if !SameShape(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, want.Shape)
	}
	for i := range want.Data {
		if !near(got.Data[i], want.Data[i], tol) {
			t.Fatalf("%s: [%v] = %v, want %v", what, index(want.Shape, i), got.Data[i], want.Data[i])
		}
	}
}

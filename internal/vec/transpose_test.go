package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveTranspose is the reference: the loop Transpose must agree with.
func naiveTranspose(dst, src []float64, rows, cols int) {
	for i := range rows {
		for j := range cols {
			dst[j*rows+i] = src[i*cols+j]
		}
	}
}

// transposeShapes are the edge cases (empty, one row or column, sizes
// around the 4×4 and 8×4 blocks and the tiles) and random shapes.
func transposeShapes(r *rand.Rand) [][2]int {
	shapes := [][2]int{
		{0, 0}, {0, 5}, {5, 0}, {1, 1}, {1, 37}, {37, 1}, {2, 2}, {3, 5}, {4, 4},
		{4, 8}, {8, 4}, {8, 8}, {7, 9}, {9, 7}, {12, 20}, {63, 65}, {64, 64},
		{65, 1025}, {128, 1024}, {129, 6}, {6, 129}, {2, 3000}, {3000, 2},
		{tileRows + 4, tileCols + 4}, {tileRows + 12, 2*tileCols - 3},
	}
	for range 60 {
		shapes = append(shapes, [2]int{1 + r.IntN(150), 1 + r.IntN(150)})
	}
	return shapes
}

func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	shapes := transposeShapes(r)
	for _, m := range transposeModes() {
		t.Run(m.name, func(t *testing.T) {
			m.set(t)
			for _, s := range shapes {
				rows, cols := s[0], s[1]
				src := make([]float64, rows*cols)
				for i := range src {
					src[i] = math.Float64frombits(r.Uint64()) // NaN payloads too
				}
				want := make([]float64, len(src))
				naiveTranspose(want, src, rows, cols)
				// Offset dst by one element too, so that the kernels see
				// destinations that are not 32-byte aligned.
				for _, off := range []int{0, 1} {
					buf := make([]float64, len(src)+off)
					for i := range buf {
						buf[i] = -1
					}
					dst := buf[off:]
					Transpose(dst, src, rows, cols)
					for i := range want {
						if math.Float64bits(dst[i]) != math.Float64bits(want[i]) {
							j, k := i/max(rows, 1), i%max(rows, 1)
							t.Fatalf("Transpose(%d×%d, dst offset %d): dst[%d][%d] = %v, want %v", rows, cols, off, j, k, dst[i], want[i])
						}
					}
				}
			}
		})
	}
}

// TestTransposeLarge runs the default kernel choice on a matrix big
// enough for non-temporal stores.
func TestTransposeLarge(t *testing.T) {
	rows, cols := 1028, 1100 // 8.6 MiB
	src := make([]float64, rows*cols)
	for i := range src {
		src[i] = float64(i)
	}
	dst := make([]float64, len(src))
	Transpose(dst, src, rows, cols)
	for i := range rows {
		for j := range cols {
			if dst[j*rows+i] != src[i*cols+j] {
				t.Fatalf("Transpose(%d×%d): dst[%d][%d] = %v, want %v", rows, cols, j, i, dst[j*rows+i], src[i*cols+j])
			}
		}
	}
}

func TestTransposePanics(t *testing.T) {
	for _, tt := range []struct {
		dst, src, rows, cols int
	}{
		{6, 6, 2, 2}, {4, 6, 2, 3}, {6, 6, -2, -3}, {0, 0, -1, 0},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Transpose(%d, %d elements, %d×%d) did not panic", tt.dst, tt.src, tt.rows, tt.cols)
				}
			}()
			Transpose(make([]float64, tt.dst), make([]float64, tt.src), tt.rows, tt.cols)
		}()
	}
}

// BenchmarkTranspose2000 times the 2000×2000 transpose of the seed
// workload's blocks into a reused destination, with each kernel and the
// naive loop.
func BenchmarkTranspose2000(b *testing.B) {
	const n = 2000
	src := make([]float64, n*n)
	for i := range src {
		src[i] = float64(i)
	}
	dst := make([]float64, n*n)
	run := func(b *testing.B, f func()) {
		b.SetBytes(8 * n * n)
		for b.Loop() {
			f()
		}
		perElement(b, n*n)
	}
	for _, m := range transposeModes() {
		b.Run(m.name, func(b *testing.B) {
			m.set(b)
			run(b, func() { Transpose(dst, src, n, n) })
		})
	}
	b.Run("naive", func(b *testing.B) {
		run(b, func() { naiveTranspose(dst, src, n, n) })
	})
}

func BenchmarkTransposeSizes(b *testing.B) {
	for _, n := range []int{100, 300, 700, 1000, 4000} {
		src := make([]float64, n*n)
		dst := make([]float64, n*n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(8 * n * n))
			for b.Loop() {
				Transpose(dst, src, n, n)
			}
			perElement(b, n*n)
		})
	}
}

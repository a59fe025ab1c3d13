package chunk

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkMatMul(b *testing.B) {
	const n = 512
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randChunk(r, n, n), randChunk(r, n, n)
	c := New(n, n)
	for b.Loop() {
		MatMulAdd(c.Data, x.Data, y.Data, n, n, n)
	}
	b.ReportMetric(2*n*n*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkTranspose2000(b *testing.B) {
	c := Uniform([]int{2000, 2000}, 1, 1)
	b.SetBytes(8 * 2000 * 2000)
	for b.Loop() {
		Transpose(c, nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/4e6, "ns/elem")
}

// BenchmarkTransposeInto2000 is BenchmarkTranspose2000 with the output
// buffer reused, which leaves out the allocation and its page faults.
func BenchmarkTransposeInto2000(b *testing.B) {
	c := Uniform([]int{2000, 2000}, 1, 1)
	dst := make([]float64, c.Len())
	b.SetBytes(8 * 2000 * 2000)
	for b.Loop() {
		TransposeInto(dst, c, nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/4e6, "ns/elem")
}

// BenchmarkSeedBlock is the seed workload's unit of work on one core:
// for output block (i, j) of (sin(x) + cos(xᵀ)).sum() with x random
// 20000×20000 in 2000×2000 chunks, make x's blocks (i, j) and (j, i),
// take sin of one and cos of the other's transpose, add, and sum. The
// report gives ms per block; the workload is 100 such blocks on two
// cores.
func BenchmarkSeedBlock(b *testing.B) {
	const n = 2000
	g, _ := RegularGrid([]int{20000, 20000}, []int{n, n})
	shape := []int{n, n}
	i, j := 3, 7
	for b.Loop() {
		a := Uniform(shape, 42, uint64(g.Linear([]int{i, j})))
		t := Uniform(shape, 42, uint64(g.Linear([]int{j, i})))
		UnaryInto(a.Data, Sin, a.Data)
		tt, _ := Transpose(t, nil)
		UnaryInto(tt.Data, Cos, tt.Data)
		BinaryInto(a.Data, Add, a.Data, tt.Data)
		s, _ := Sum(a, nil, false)
		_ = s
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/block")
}

// BenchmarkSeedSteps times the steps of BenchmarkSeedBlock one by one.
func BenchmarkSeedSteps(b *testing.B) {
	shape := []int{2000, 2000}
	a := Uniform(shape, 42, 1)
	t := Uniform(shape, 42, 2)
	b.Run("uniform", func(b *testing.B) {
		for b.Loop() {
			Uniform(shape, 42, 1)
		}
	})
	b.Run("sin", func(b *testing.B) {
		for b.Loop() {
			UnaryInto(t.Data, Sin, a.Data)
		}
	})
	b.Run("transpose", func(b *testing.B) {
		for b.Loop() {
			Transpose(a, nil)
		}
	})
	b.Run("add", func(b *testing.B) {
		for b.Loop() {
			BinaryInto(t.Data, Add, a.Data, t.Data)
		}
	})
	b.Run("sum", func(b *testing.B) {
		for b.Loop() {
			Sum(a, nil, false)
		}
	})
}

func BenchmarkMarshalBinary(b *testing.B) {
	c := Uniform([]int{2000, 2000}, 1, 1)
	b.SetBytes(8 * 2000 * 2000)
	for b.Loop() {
		buf, _ := c.MarshalBinary()
		var d Chunk
		d.UnmarshalBinary(buf)
	}
}

package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// benchN is the length of the benchmark vectors: 32 KiB each, so that
// src and dst stay in L2 and the kernels, not memory, are measured.
const benchN = 4096

func benchInput(lo, hi float64) []float64 {
	r := rand.New(rand.NewPCG(1, 2))
	s := make([]float64, benchN)
	for i := range s {
		s[i] = lo + (hi-lo)*r.Float64()
	}
	return s
}

// perElement reports ns per element as the custom metric ns/elem.
func perElement(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

func benchVec(b *testing.B, f func(dst, src []float64), lo, hi float64) {
	src := benchInput(lo, hi)
	dst := make([]float64, len(src))
	b.SetBytes(8 * benchN)
	for b.Loop() {
		f(dst, src)
	}
	perElement(b, benchN)
}

func benchMath(b *testing.B, f func(float64) float64, lo, hi float64) {
	src := benchInput(lo, hi)
	dst := make([]float64, len(src))
	b.SetBytes(8 * benchN)
	for b.Loop() {
		for i, x := range src {
			dst[i] = f(x)
		}
	}
	perElement(b, benchN)
}

func BenchmarkSin(b *testing.B)      { benchVec(b, Sin, -100, 100) }
func BenchmarkMathSin(b *testing.B)  { benchMath(b, math.Sin, -100, 100) }
func BenchmarkCos(b *testing.B)      { benchVec(b, Cos, -100, 100) }
func BenchmarkMathCos(b *testing.B)  { benchMath(b, math.Cos, -100, 100) }
func BenchmarkExp(b *testing.B)      { benchVec(b, Exp, -50, 50) }
func BenchmarkMathExp(b *testing.B)  { benchMath(b, math.Exp, -50, 50) }
func BenchmarkLog(b *testing.B)      { benchVec(b, Log, 1e-5, 1e5) }
func BenchmarkMathLog(b *testing.B)  { benchMath(b, math.Log, 1e-5, 1e5) }
func BenchmarkSqrt(b *testing.B)     { benchVec(b, Sqrt, 0, 100) }
func BenchmarkMathSqrt(b *testing.B) { benchMath(b, math.Sqrt, 0, 100) }
func BenchmarkAbs(b *testing.B)      { benchVec(b, Abs, -1, 1) }

func BenchmarkPow2(b *testing.B) {
	benchVec(b, func(d, s []float64) { Pow(d, s, 2) }, -10, 10)
}

func BenchmarkPowGeneral(b *testing.B) {
	benchVec(b, func(d, s []float64) { Pow(d, s, 1.7) }, 0, 10)
}

func BenchmarkUniform(b *testing.B) {
	dst := make([]float64, benchN)
	b.SetBytes(8 * benchN)
	for b.Loop() {
		Uniform(dst, 1, 2)
	}
	perElement(b, benchN)
}

func BenchmarkNormal(b *testing.B) {
	dst := make([]float64, benchN)
	b.SetBytes(8 * benchN)
	for b.Loop() {
		Normal(dst, 1, 2)
	}
	perElement(b, benchN)
}

func BenchmarkSum(b *testing.B) {
	src := benchInput(0, 1)
	b.SetBytes(8 * benchN)
	var s float64
	for b.Loop() {
		s += Sum(src)
	}
	perElement(b, benchN)
}

func BenchmarkAdd(b *testing.B) {
	x, y := benchInput(0, 1), benchInput(0, 1)
	dst := make([]float64, benchN)
	b.SetBytes(8 * benchN)
	for b.Loop() {
		Add(dst, x, y)
	}
	perElement(b, benchN)
}

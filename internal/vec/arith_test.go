package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{0, 1, 5, 1023} {
		a, b := randomSlice(r, n), randomSlice(r, n)
		for i := 0; i < n; i += 7 {
			b[i] = a[i] // some equal pairs for the comparisons
		}
		for _, f := range []struct {
			name string
			vec  func(dst, a, b []float64)
			ref  func(x, y float64) float64
		}{
			{"Add", Add, func(x, y float64) float64 { return x + y }},
			{"Sub", Sub, func(x, y float64) float64 { return x - y }},
			{"Mul", Mul, func(x, y float64) float64 { return x * y }},
			{"Div", Div, func(x, y float64) float64 { return x / y }},
			{"Minimum", Minimum, math.Min},
			{"Maximum", Maximum, math.Max},
		} {
			dst := make([]float64, n)
			f.vec(dst, a, b)
			aa := append([]float64(nil), a...)
			f.vec(aa, aa, b) // dst aliases a
			for i := range dst {
				if want := f.ref(a[i], b[i]); !sameFloat(dst[i], want) || !sameFloat(aa[i], want) {
					t.Errorf("%s(%v, %v) = %v (in place %v), want %v", f.name, a[i], b[i], dst[i], aa[i], want)
				}
			}
		}
		for c := Less; c <= NotEqual; c++ {
			dst := make([]float64, n)
			Compare(dst, a, b, c)
			for i := range dst {
				if want := b2f(cmpRef(a[i], b[i], c)); dst[i] != want {
					t.Errorf("Compare(%v %s %v) = %v, want %v", a[i], c, b[i], dst[i], want)
				}
			}
			CompareScalar(dst, a, 1.5, c)
			for i := range dst {
				if want := b2f(cmpRef(a[i], 1.5, c)); dst[i] != want {
					t.Errorf("CompareScalar(%v %s 1.5) = %v, want %v", a[i], c, dst[i], want)
				}
			}
		}
		dst := make([]float64, n)
		for _, f := range []struct {
			name string
			vec  func(dst, a []float64, s float64)
			ref  func(x, s float64) float64
		}{
			{"AddScalar", AddScalar, func(x, s float64) float64 { return x + s }},
			{"SubFromScalar", SubFromScalar, func(x, s float64) float64 { return s - x }},
			{"MulScalar", MulScalar, func(x, s float64) float64 { return x * s }},
			{"DivScalar", DivScalar, func(x, s float64) float64 { return x / s }},
			{"DivIntoScalar", DivIntoScalar, func(x, s float64) float64 { return s / x }},
		} {
			f.vec(dst, a, -2.5)
			for i := range dst {
				if want := f.ref(a[i], -2.5); !sameFloat(dst[i], want) {
					t.Errorf("%s(%v, -2.5) = %v, want %v", f.name, a[i], dst[i], want)
				}
			}
		}
		cond := make([]float64, n)
		for i := range cond {
			cond[i] = float64(r.IntN(3) - 1)
		}
		Where(dst, cond, a, b)
		for i := range dst {
			want := b[i]
			if cond[i] != 0 {
				want = a[i]
			}
			if !sameFloat(dst[i], want) {
				t.Errorf("Where(%v, %v, %v) = %v, want %v", cond[i], a[i], b[i], dst[i], want)
			}
		}
	}
}

func cmpRef(x, y float64, c Cmp) bool {
	switch c {
	case Less:
		return x < y
	case LessEqual:
		return x <= y
	case Greater:
		return x > y
	case GreaterEqual:
		return x >= y
	case Equal:
		return x == y
	}
	return x != y
}

// TestReductions compares with serial loops (sums within a relative
// error that a serial sum of n terms can have).
func TestReductions(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{0, 1, 3, 9, 1024, 1025, 5000, 100003} {
		a := make([]float64, n)
		b := make([]float64, n)
		for i := range a {
			a[i] = r.NormFloat64() * 10
			b[i] = r.Float64()
		}
		var sum, sq, dot, abs, dev float64
		mn, mx, amn, amx := math.Inf(1), math.Inf(-1), -1, -1
		for i, x := range a {
			sum += x
			sq += x * x
			dot += x * b[i]
			abs += math.Abs(x) * (1 + b[i])
			if x < mn {
				mn, amn = x, i
			}
			if x > mx {
				mx, amx = x, i
			}
		}
		for _, x := range a {
			dev += (x - 1) * (x - 1)
		}
		tol := func(scale float64) float64 { return 1e-15 * float64(n+1) * scale }
		near := func(name string, got, want, scale float64) {
			if math.Abs(got-want) > tol(scale) {
				t.Errorf("%s of %d = %v, want %v", name, n, got, want)
			}
		}
		near("Sum", Sum(a), sum, abs)
		near("SumSquares", SumSquares(a), sq, sq)
		near("Dot", Dot(a, b), dot, abs)
		near("SumSquaredDeviations", SumSquaredDeviations(a, 1), dev, dev)
		if Min(a) != mn || Max(a) != mx || ArgMin(a) != amn || ArgMax(a) != amx {
			t.Errorf("n=%d: Min, Max, ArgMin, ArgMax = %v %v %d %d, want %v %v %d %d", n, Min(a), Max(a), ArgMin(a), ArgMax(a), mn, mx, amn, amx)
		}
		if n > 3 {
			a[2] = math.NaN()
			if !math.IsNaN(Min(a)) || !math.IsNaN(Max(a)) || ArgMin(a) != 2 || ArgMax(a) != 2 {
				t.Errorf("n=%d with a NaN: %v %v %d %d, want NaN NaN 2 2", n, Min(a), Max(a), ArgMin(a), ArgMax(a))
			}
		}
	}
	nz := math.Copysign(0, -1)
	if m := Min([]float64{0, nz}); !math.Signbit(m) {
		t.Errorf("Min(0, -0) = +0, want -0")
	}
	if m := Max([]float64{nz, 0}); math.Signbit(m) {
		t.Errorf("Max(-0, 0) = -0, want +0")
	}
}

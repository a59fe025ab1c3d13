package vec

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

var unary = []struct {
	name string
	vec  func(dst, src []float64)
	ref  func(float64) float64
}{
	{"Sin", Sin, sin1}, {"Cos", Cos, cos1}, {"Exp", Exp, exp1}, {"Log", Log, log1},
	{"Sqrt", Sqrt, math.Sqrt}, {"Abs", Abs, math.Abs}, {"Neg", Neg, func(x float64) float64 { return -x }},
}

// randomSlice mixes ordinary values with ones outside every kernel's
// range, so that both paths run.
func randomSlice(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		switch r.IntN(20) {
		case 0:
			s[i] = math.NaN()
		case 1:
			s[i] = math.Ldexp(r.Float64(), r.IntN(2000)-1000)
		default:
			s[i] = (r.Float64() - 0.3) * 50
		}
	}
	return s
}

// TestUnaryLengthsAndAliasing runs every unary function on lengths around
// the kernels' group sizes, into a fresh slice and in place, against the
// scalar reference.
func TestUnaryLengthsAndAliasing(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1023, 1024, 1025} {
		src := randomSlice(r, n)
		for _, f := range unary {
			dst := make([]float64, n)
			f.vec(dst, src)
			inPlace := append([]float64(nil), src...)
			f.vec(inPlace, inPlace)
			for i, x := range src {
				want := f.ref(x)
				if !modelBits() && strings.Contains("Sin Cos Exp Log", f.name) {
					// Without the model the math package answers.
					want = map[string]func(float64) float64{"Sin": math.Sin, "Cos": math.Cos, "Exp": math.Exp, "Log": logScalar}[f.name](x)
				}
				if !sameFloat(dst[i], want) {
					t.Errorf("%s len %d [%d]: %s(%v) = %v, want %v", f.name, n, i, f.name, x, dst[i], want)
				}
				if !sameFloat(inPlace[i], want) {
					t.Errorf("%s in place len %d [%d]: %s(%v) = %v, want %v", f.name, n, i, f.name, x, inPlace[i], want)
				}
			}
		}
	}
}

// TestFallbackMatchesMath checks the path taken on CPUs without AVX2 and
// FMA: the math package, element by element.
func TestFallbackMatchesMath(t *testing.T) {
	saved := useAsm
	useAsm = false
	defer func() { useAsm = saved }()
	r := rand.New(rand.NewPCG(2, 2))
	src := randomSlice(r, 1000)
	dst := make([]float64, len(src))
	for _, f := range []struct {
		name       string
		vec        func(dst, src []float64)
		mathF, gen func(float64) float64
	}{
		{"Sin", Sin, math.Sin, sin1}, {"Cos", Cos, math.Cos, cos1},
		{"Exp", Exp, math.Exp, exp1}, {"Log", Log, logScalar, log1},
	} {
		f.vec(dst, src)
		for i, x := range src {
			// Without the assembly the result is math's (amd64) or the
			// model's (generic build); either is within the tolerance.
			if !sameFloat(dst[i], f.mathF(x)) && !sameFloat(dst[i], f.gen(x)) {
				t.Errorf("fallback %s(%v) = %v, want %v", f.name, x, dst[i], f.mathF(x))
			}
		}
	}
}

func TestMismatchedLengthsPanic(t *testing.T) {
	for _, f := range unary {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with dst shorter than src did not panic", f.name)
				}
			}()
			f.vec(make([]float64, 2), make([]float64, 3))
		}()
	}
}

func TestPow(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	src := append(randomSlice(r, 500), 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), -2, -0.5, 1, -1)
	dst := make([]float64, len(src))
	for _, p := range []float64{0, 1, 2, 3, -1, 0.5, 1.7, -2.5, math.NaN(), math.Inf(1)} {
		Pow(dst, src, p)
		for i, x := range src {
			want := math.Pow(x, p)
			got := dst[i]
			if sameFloat(got, want) {
				continue
			}
			if math.IsNaN(want) || math.IsInf(want, 0) || want == 0 || math.Abs(got-want) > 2*ulpOf(want) {
				t.Errorf("Pow(%v, %v) = %v, want %v (math.Pow)", x, p, got, want)
			}
		}
	}
}

// ulpOf is the spacing of float64s at x.
func ulpOf(x float64) float64 {
	x = math.Abs(x)
	return math.Nextafter(x, math.Inf(1)) - x
}

// FuzzSin and its siblings compare the vector functions with the scalar
// model and with the math package on arbitrary bit patterns, in a group
// of 16 with the fuzzed value at every position.
func FuzzSin(f *testing.F) { fuzzUnary(f, Sin, sin1, math.Sin, 4, sinLimit) }
func FuzzCos(f *testing.F) { fuzzUnary(f, Cos, cos1, math.Cos, 4, sinLimit) }
func FuzzExp(f *testing.F) { fuzzUnary(f, Exp, exp1, math.Exp, 4, expLimit) }
func FuzzLog(f *testing.F) { fuzzUnary(f, Log, log1, logScalar, 4, math.MaxFloat64) }

func fuzzUnary(f *testing.F, vecF func(dst, src []float64), model, mathF func(float64) float64, maxULP float64, limit float64) {
	for _, x := range []float64{0, 1, -1, 3.5, 1e-300, 1e300, math.Pi, 700, -700, limit} {
		f.Add(math.Float64bits(x), math.Float64bits(x/3))
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		x, y := math.Float64frombits(a), math.Float64frombits(b)
		src := make([]float64, 19)
		for i := range src {
			src[i] = y
		}
		src[int(b%19)] = x
		dst := make([]float64, len(src))
		vecF(dst, src)
		for i, v := range src {
			// The assembly gives the model's bits; a build without it may
			// give the math package's.
			if want := model(v); !sameFloat(dst[i], want) && (modelBits() || !sameFloat(dst[i], mathF(v))) {
				t.Fatalf("[%d] f(%v) = %v, model says %v", i, v, dst[i], want)
			}
			m := mathF(v)
			if math.IsNaN(m) || math.IsInf(m, 0) || m == 0 {
				if !sameFloat(dst[i], m) {
					t.Fatalf("f(%v) = %v, math says %v", v, dst[i], m)
				}
				continue
			}
			// Where math itself is accurate (not near a zero of a huge
			// argument) the two agree within a few ulp.
			if math.Abs(v) <= limit && math.Abs(m) > 1e-3 && math.Abs(dst[i]-m) > maxULP*ulpOf(m) {
				t.Fatalf("f(%v) = %v, math says %v: %.1f ulp apart", v, dst[i], m, math.Abs(dst[i]-m)/ulpOf(m))
			}
		}
	})
}

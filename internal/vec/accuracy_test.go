package vec

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// inputs returns test inputs for a function whose fast path covers
// [-limit, limit]: specials, values across every binade (subnormals
// included), dense samples of the fast path, and extra given by the
// caller. n scales the random part.
func inputs(n int, limit float64, extra ...float64) []float64 {
	r := rand.New(rand.NewPCG(7, 11))
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 2, math.Pi, math.Pi / 2, -math.Pi / 2,
		math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0x1p-1022, -0x1p-1022,
		limit, -limit, math.Nextafter(limit, math.Inf(1)), math.Nextafter(-limit, math.Inf(-1))}
	xs = append(xs, extra...)
	for range n {
		// Any binade, either sign.
		e := r.IntN(2098) - 1074
		x := math.Ldexp(1+r.Float64(), e)
		if r.IntN(2) == 0 {
			x = -x
		}
		xs = append(xs, x)
	}
	for _, hi := range []float64{1, 4, 100, 1e4, limit} {
		for range n / 2 {
			xs = append(xs, (2*r.Float64()-1)*hi)
		}
	}
	return xs
}

// nearMultiples returns the float64s nearest to k·step and their
// neighbours, for k in 1..n and n random k below limit/step: the inputs
// where range reduction cancels most.
func nearMultiples(step float64, n int, limit float64) []float64 {
	refConstants()
	r := rand.New(rand.NewPCG(3, 5))
	var xs []float64
	add := func(k int64) {
		v := new(big.Float).SetPrec(refPiPrec).Mul(new(big.Float).SetInt64(k), new(big.Float).SetPrec(refPiPrec).Quo(refPi, new(big.Float).SetFloat64(math.Pi/step)))
		x, _ := v.Float64()
		xs = append(xs, x, math.Nextafter(x, 0), math.Nextafter(x, math.Inf(1)), -x)
	}
	for k := int64(1); k <= int64(n); k++ {
		add(k)
	}
	for range n {
		add(r.Int64N(int64(limit / step)))
	}
	return xs
}

type accuracyCase struct {
	name  string
	vec   func(dst, src []float64)
	math  func(float64) float64
	ref   func(float64) *big.Float
	fast  func(float64) bool // inputs the kernel answers itself
	valid func(float64) bool // inputs ref can answer (finite, in domain)
	xs    []float64
}

func accuracyCases(n int) []accuracyCase {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	trig := func(x float64) bool { return math.Abs(x) <= sinLimit }
	half := math.Pi / 2
	return []accuracyCase{
		{"Sin", Sin, math.Sin, refSin, trig, finite, append(inputs(n, sinLimit), nearMultiples(math.Pi, n, sinLimit)...)},
		{"Cos", Cos, math.Cos, refCos, trig, finite, append(inputs(n, sinLimit), nearMultiples(half, n, sinLimit)...)},
		{"Exp", Exp, math.Exp, refExp, func(x float64) bool { return math.Abs(x) <= expLimit },
			func(x float64) bool { return finite(x) && math.Abs(x) < 800 },
			inputs(n, expLimit, 709.78, 709.79, -708.4, -708.5, -745.13, -745.14, -1000, 1000, 1e-17, -1e-17)},
		{"Log", Log, math.Log, refLog, func(x float64) bool { return x >= 0x1p-1022 && x <= math.MaxFloat64 },
			func(x float64) bool { return finite(x) && x > 0 },
			inputs(n, math.MaxFloat64, 1+0x1p-52, 1-0x1p-53, 0.7071067811865476, 1.4142135623730951)},
	}
}

// TestAccuracy measures each kernel's error against the big.Float
// reference: at most maxULP on the inputs it answers itself, identical to
// math on NaN, infinities and signed zeros. Inputs it leaves to the math
// package are measured too, and logged: math.Sin is far from exact for
// huge arguments.
func TestAccuracy(t *testing.T) {
	const maxULP = 4
	n := 4000
	if testing.Short() {
		n = 500
	}
	for _, c := range accuracyCases(n) {
		t.Run(c.name, func(t *testing.T) {
			got := make([]float64, len(c.xs))
			c.vec(got, c.xs)
			worst, worstX, mathWorst, slowWorst := 0.0, 0.0, 0.0, 0.0
			for i, x := range c.xs {
				want := c.math(x)
				if math.IsNaN(want) || math.IsInf(want, 0) || want == 0 {
					if !sameFloat(got[i], want) {
						t.Errorf("%s(%g) = %g, want %g (as math.%s)", c.name, x, got[i], want, c.name)
					}
					continue
				}
				if !c.valid(x) {
					continue
				}
				ref := c.ref(x)
				e := ulpErr(got[i], ref)
				if !c.fast(x) {
					slowWorst = max(slowWorst, e)
					continue
				}
				if e > worst {
					worst, worstX = e, x
				}
				mathWorst = max(mathWorst, ulpErr(want, ref))
				if e > maxULP && modelBits() {
					t.Errorf("%s(%v) = %v, %.2f ulp from the exact value (math.%s: %v)", c.name, x, got[i], e, c.name, want)
				}
			}
			t.Logf("%s: max error %.3f ulp (at x=%v) over %d inputs; math.%s on the same %.3f ulp; outside the kernel's range %.3f ulp",
				c.name, worst, worstX, len(c.xs), c.name, mathWorst, slowWorst)
		})
	}
}

// sameFloat reports whether a and b are the same value: both NaN, or
// equal with the same sign (so that -0 differs from +0).
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b && math.Signbit(a) == math.Signbit(b)
}

// TestKernelsMatchModel checks the assembly lane for lane against the
// scalar model in poly.go: same operations, so the same bits, whatever
// the neighbours of an input (a group of 8 with one input out of the
// kernel's range is computed lane by lane by the model).
func TestKernelsMatchModel(t *testing.T) {
	if !modelBits() {
		t.Skip("neither the assembly kernels nor the model run on this machine or build")
	}
	xs := append(inputs(20000, sinLimit), nearMultiples(math.Pi/2, 2000, sinLimit)...)
	got := make([]float64, len(xs))
	for _, c := range []struct {
		name  string
		vec   func(dst, src []float64)
		model func(float64) float64
	}{{"Sin", Sin, sin1}, {"Cos", Cos, cos1}, {"Exp", Exp, exp1}, {"Log", Log, log1}} {
		c.vec(got, xs)
		bad := 0
		for i, x := range xs {
			if want := c.model(x); !sameFloat(got[i], want) && bad < 10 {
				bad++
				t.Errorf("%s(%v) = %v, model says %v", c.name, x, got[i], want)
			}
		}
	}
}

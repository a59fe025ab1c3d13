package vec

import (
	"math"
	"math/big"
	"sync"
)

// This file computes reference values in big.Float, far more precisely
// than float64, so that the tests can measure errors in ulps of the exact
// answer rather than against another approximation.

const (
	refPrec    = 200  // bits for the series
	refPiPrec  = 1300 // bits of π: enough to reduce |x| up to 2^1024
	refMaxTerm = 400
)

var (
	refOnce sync.Once
	refPi   *big.Float
	refLn2  *big.Float
)

func refConstants() {
	refOnce.Do(func() {
		atanInv := func(n int64) *big.Float {
			x := new(big.Float).SetPrec(refPiPrec).Quo(big.NewFloat(1).SetPrec(refPiPrec), new(big.Float).SetInt64(n))
			x2 := new(big.Float).SetPrec(refPiPrec).Mul(x, x)
			sum := new(big.Float).SetPrec(refPiPrec)
			term := new(big.Float).SetPrec(refPiPrec).Set(x)
			for k := int64(0); term.MantExp(nil) > -refPiPrec-10; k++ {
				t := new(big.Float).SetPrec(refPiPrec).Quo(term, new(big.Float).SetInt64(2*k+1))
				if k%2 == 0 {
					sum.Add(sum, t)
				} else {
					sum.Sub(sum, t)
				}
				term.Mul(term, x2)
			}
			return sum
		}
		refPi = new(big.Float).SetPrec(refPiPrec).Mul(big.NewFloat(16), atanInv(5))
		refPi.Sub(refPi, new(big.Float).SetPrec(refPiPrec).Mul(big.NewFloat(4), atanInv(239)))
		// ln 2 = 2 atanh(1/3).
		refLn2 = new(big.Float).SetPrec(refPrec + 64)
		p := new(big.Float).SetPrec(refPrec+64).Quo(big.NewFloat(1).SetPrec(refPrec+64), big.NewFloat(3))
		for k := int64(0); k < 200; k++ {
			refLn2.Add(refLn2, new(big.Float).SetPrec(refPrec+64).Quo(p, new(big.Float).SetInt64(2*k+1)))
			p.Quo(p, big.NewFloat(9))
		}
		refLn2.Mul(refLn2, big.NewFloat(2))
	})
}

func newF() *big.Float { return new(big.Float).SetPrec(refPrec) }

// reducePi returns r and k with x = kπ + r, |r| ≤ π/2.
func reducePi(x float64) (*big.Float, *big.Int) {
	refConstants()
	bx := new(big.Float).SetPrec(refPiPrec).SetFloat64(x)
	q := new(big.Float).SetPrec(refPiPrec).Quo(bx, refPi)
	q.Add(q, big.NewFloat(0.5))
	k, _ := q.Int(nil)
	if q.Sign() < 0 && !q.IsInt() {
		k.Sub(k, big.NewInt(1)) // Int truncates toward zero; we want floor
	}
	kp := new(big.Float).SetPrec(refPiPrec).SetInt(k)
	kp.Mul(kp, refPi)
	r := new(big.Float).SetPrec(refPiPrec).Sub(bx, kp)
	return newF().Set(r), k
}

// series sums Σ sign^n x^(start+2n)/(start+2n)! until the terms vanish.
func series(x *big.Float, start int) *big.Float {
	sum := newF()
	term := newF().SetInt64(1)
	for i := 1; i <= start; i++ {
		term.Mul(term, x)
		term.Quo(term, newF().SetInt64(int64(i)))
	}
	x2 := newF().Mul(x, x)
	for n := start; n < start+2*refMaxTerm; n += 2 {
		sum.Add(sum, term)
		term.Mul(term, x2)
		term.Quo(term, newF().SetInt64(int64((n+1)*(n+2))))
		term.Neg(term)
		if term.Sign() == 0 || (sum.Sign() != 0 && term.MantExp(nil) < sum.MantExp(nil)-refPrec-8) {
			break
		}
	}
	return sum
}

// refSin returns sin(x) for finite x.
func refSin(x float64) *big.Float {
	r, k := reducePi(x)
	s := series(r, 1)
	if k.Bit(0) == 1 {
		s.Neg(s)
	}
	return s
}

// refCos returns cos(x) for finite x.
func refCos(x float64) *big.Float {
	r, k := reducePi(x)
	c := series(r, 0)
	if k.Bit(0) == 1 {
		c.Neg(c)
	}
	return c
}

// refExp returns e^x for finite x.
func refExp(x float64) *big.Float {
	refConstants()
	bx := newF().SetFloat64(x)
	q := newF().Quo(bx, refLn2)
	k, _ := q.Int(nil)
	r := newF().Sub(bx, newF().Mul(newF().SetInt(k), refLn2))
	// e^r by its Taylor series, |r| < 1.
	sum := newF().SetInt64(1)
	term := newF().SetInt64(1)
	for n := int64(1); n < refMaxTerm; n++ {
		term.Mul(term, r)
		term.Quo(term, newF().SetInt64(n))
		sum.Add(sum, term)
		if term.Sign() == 0 || term.MantExp(nil) < -refPrec-8 {
			break
		}
	}
	return sum.SetMantExp(sum, int(k.Int64()))
}

// refLog returns ln x for finite x > 0.
func refLog(x float64) *big.Float {
	refConstants()
	m := newF().SetFloat64(x)
	e := m.MantExp(m) // x = m·2^e, m in [0.5, 1)
	// ln m = 2 atanh(s), s = (m-1)/(m+1).
	s := newF().Quo(newF().Sub(m, big.NewFloat(1)), newF().Add(m, big.NewFloat(1)))
	s2 := newF().Mul(s, s)
	sum := newF()
	term := newF().Set(s)
	for n := int64(0); n < 4*refMaxTerm; n++ {
		sum.Add(sum, newF().Quo(term, newF().SetInt64(2*n+1)))
		term.Mul(term, s2)
		if term.Sign() == 0 || term.MantExp(nil) < -refPrec-8 {
			break
		}
	}
	sum.Mul(sum, big.NewFloat(2))
	return sum.Add(sum, newF().Mul(newF().SetInt64(int64(e)), refLn2))
}

// ulpErr is |got - want| in units of the float64 spacing at want: 0.5 at
// most for a correctly rounded result.
func ulpErr(got float64, want *big.Float) float64 {
	w, _ := want.Float64()
	if math.IsInf(got, 0) || math.IsInf(w, 0) {
		if got == w {
			return 0
		}
		return math.Inf(1)
	}
	var ulp float64
	aw := math.Abs(w)
	switch {
	case aw < 0x1p-1022:
		ulp = 0x1p-1074
	case aw == math.MaxFloat64:
		ulp = math.MaxFloat64 - math.Nextafter(math.MaxFloat64, 0)
	default:
		// The spacing above the largest power of two not above |want|.
		_, e := math.Frexp(aw)
		ulp = math.Ldexp(1, e-53)
	}
	d := newF().Sub(newF().SetFloat64(got), want)
	d.Abs(d)
	d.Quo(d, newF().SetFloat64(ulp))
	f, _ := d.Float64()
	return f
}

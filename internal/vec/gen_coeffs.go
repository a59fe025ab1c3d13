//go:build ignore

// gen_coeffs derives the polynomial coefficients used by the Sin, Cos and
// Exp kernels: the Taylor series of sin and exp, economised with Chebyshev
// polynomials (in exact rational arithmetic) to the lowest degree whose
// added error stays far below one ulp on the reduced interval. Run it with
// go run gen_coeffs.go; it prints Go constants and the bit patterns the
// assembly's DATA lines use.
package main

import (
	"fmt"
	"math"
	"math/big"
)

// cheb returns the coefficients of T_n(x) in the monomial basis.
func cheb(n int) []*big.Rat {
	t0 := []*big.Rat{big.NewRat(1, 1)}
	t1 := []*big.Rat{big.NewRat(0, 1), big.NewRat(1, 1)}
	if n == 0 {
		return t0
	}
	for k := 1; k < n; k++ {
		t2 := make([]*big.Rat, k+2)
		for i := range t2 {
			t2[i] = new(big.Rat)
		}
		for i, c := range t1 {
			t2[i+1].Add(t2[i+1], new(big.Rat).Mul(c, big.NewRat(2, 1)))
		}
		for i, c := range t0 {
			t2[i].Sub(t2[i], c)
		}
		t0, t1 = t1, t2
	}
	return t1
}

// economise removes the terms of degree > deg from p on [-a, a], replacing
// each by its best lower-degree approximation, and returns the bound on
// the error added.
func economise(p []*big.Rat, deg int, a *big.Rat) float64 {
	bound := 0.0
	for k := len(p) - 1; k > deg; k-- {
		if p[k].Sign() == 0 {
			continue
		}
		t := cheb(k)
		// x^k = a^k/2^(k-1) * T_k(x/a) - lower terms.
		// p[k] x^k - p[k] a^k/2^(k-1) T_k(x/a) has no x^k term.
		scale := new(big.Rat).Set(p[k])
		for i := 0; i < k; i++ {
			scale.Mul(scale, a)
		}
		scale.Quo(scale, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(k-1))))
		f, _ := scale.Float64()
		bound += math.Abs(f)
		// Coefficient of x^j in T_k(x/a) is t[j]/a^j.
		for j := 0; j <= k; j++ {
			if t[j].Sign() == 0 {
				continue
			}
			c := new(big.Rat).Mul(scale, t[j])
			for i := 0; i < j; i++ {
				c.Quo(c, a)
			}
			p[j].Sub(p[j], c)
		}
	}
	return bound
}

func taylor(n int, sin bool) []*big.Rat {
	p := make([]*big.Rat, n+1)
	fact := big.NewInt(1)
	for k := 0; k <= n; k++ {
		if k > 0 {
			fact.Mul(fact, big.NewInt(int64(k)))
		}
		p[k] = new(big.Rat)
		if sin {
			if k%2 == 1 {
				p[k].SetFrac(big.NewInt(1), fact)
				if (k/2)%2 == 1 {
					p[k].Neg(p[k])
				}
			}
		} else {
			p[k].SetFrac(big.NewInt(1), fact)
		}
	}
	return p
}

func show(name string, p []*big.Rat, from, step int) {
	for k := from; k < len(p); k += step {
		f, _ := p[k].Float64()
		fmt.Printf("%s%d = %.20e // %#016x\n", name, k, f, math.Float64bits(f))
	}
}

// atanInv returns atan(1/n) to prec bits.
func atanInv(n int64, prec uint) *big.Float {
	x := new(big.Float).SetPrec(prec).Quo(big.NewFloat(1).SetPrec(prec), new(big.Float).SetInt64(n))
	x2 := new(big.Float).SetPrec(prec).Mul(x, x)
	sum := new(big.Float).SetPrec(prec)
	term := new(big.Float).SetPrec(prec).Set(x)
	eps := new(big.Float).SetMantExp(big.NewFloat(1), -int(prec))
	for k := int64(0); term.Cmp(eps) > 0; k++ {
		t := new(big.Float).SetPrec(prec).Quo(term, new(big.Float).SetInt64(2*k+1))
		if k%2 == 0 {
			sum.Add(sum, t)
		} else {
			sum.Sub(sum, t)
		}
		term.Mul(term, x2)
	}
	return sum
}

// split prints v as the sum of three float64s, each the rounding of what
// is left, except that the second is rounded down when that makes the
// third positive: with every part positive, x - k·part keeps the sign of
// a zero x (sin(-0) = -0).
func split(name string, v *big.Float) {
	rest := new(big.Float).SetPrec(v.Prec()).Set(v)
	for i := 1; i <= 3; i++ {
		f, _ := rest.Float64()
		if i == 2 && new(big.Float).Sub(rest, big.NewFloat(f)).Sign() < 0 {
			f = math.Nextafter(f, 0)
		}
		fmt.Printf("%s%d = %.17g // %#016x\n", name, i, f, math.Float64bits(f))
		rest.Sub(rest, big.NewFloat(f))
	}
}

func main() {
	const prec = 400
	pi := new(big.Float).SetPrec(prec).Mul(big.NewFloat(16), atanInv(5, prec))
	pi.Sub(pi, new(big.Float).SetPrec(prec).Mul(big.NewFloat(4), atanInv(239, prec)))
	split("pi", pi)
	// ln 2 = 2 atanh(1/3) = sum 2/((2k+1) 3^(2k+1)).
	ln2 := new(big.Float).SetPrec(prec)
	p := new(big.Float).SetPrec(prec).Quo(big.NewFloat(1).SetPrec(prec), big.NewFloat(3))
	for k := int64(0); k < 300; k++ {
		t := new(big.Float).SetPrec(prec).Quo(p, new(big.Float).SetInt64(2*k+1))
		ln2.Add(ln2, t)
		p.Quo(p, big.NewFloat(9))
	}
	ln2.Mul(ln2, big.NewFloat(2))
	split("ln2_", ln2)

	// sin on [-pi/2, pi/2] with a margin for a reduction that rounds the
	// quotient the other way: degree 17.
	s := taylor(25, true)
	a := new(big.Rat).SetFloat64(1.5725)
	fmt.Println("// sin: added error bound", economise(s, 17, a))
	show("sin", s, 1, 2)
	// exp on [-ln2/2, ln2/2] with a margin: degree 11.
	e := taylor(16, false)
	a = new(big.Rat).SetFloat64(0.3470)
	fmt.Println("// exp: added error bound", economise(e, 11, a))
	show("exp", e, 0, 1)
}

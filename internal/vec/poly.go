package vec

import "math"

// This file is the scalar model of the vector kernels: the same range
// reductions, polynomials and operation order as the assembly, one lane at
// a time. With math.FMA it gives bit-for-bit the results of the AVX2+FMA
// kernels (the tests check this); it is also the fallback on architectures
// whose FMA is one instruction.
//
// Coefficients come from gen_coeffs.go (Taylor series economised with
// Chebyshev polynomials, in exact rational arithmetic); the π and ln 2
// splits from the same program. The Log coefficients are the classic
// published minimax set for log(1+f) = f - hfsq + s(hfsq+R(s²)).

// Three-part split of π: pi1+pi2+pi3 = π to about 160 bits, every part
// positive so that the reduction keeps the sign of a zero.
const (
	pi1   = 3.1415926535897931     // 0x400921fb54442d18
	pi2   = 1.224646799147353e-16  // 0x3ca1a62633145c06
	pi3   = 2.1657133478438281e-32 // 0x395c1cd129024e09
	invPi = 0.31830988618379067    // 1/π rounded

	// magic rounds to an integer when added: 1.5·2⁵², whose low mantissa
	// bits then hold the integer in two's complement.
	magic = 0x1.8p52

	// sinLimit bounds |x| for the polynomial path of Sin and Cos; larger
	// or non-finite inputs go to math.Sin and math.Cos, whose Payne–Hanek
	// reduction is exact at any magnitude.
	sinLimit = 0x1p22
)

// sin(r) = r + r·z·P(z), z = r², on |r| ≤ 1.5725 (π/2 and a margin).
const (
	s3  = -1.66666666666666629659e-01 // 0xbfc5555555555554
	s5  = 8.33333333333298800771e-03  // 0x3f8111111111104a
	s7  = -1.98412698411579380359e-04 // 0xbf2a01a01a00fed5
	s9  = 2.75573192043603042945e-06  // 0x3ec71de3a51011cb
	s11 = -2.50521063629821182117e-08 // 0xbe5ae64543865208
	s13 = 1.60589178007164174318e-10  // 0x3de6123ab97693d1
	s15 = -7.64249091841250324951e-13 // 0xbd6ae3be6cfbfd6d
	s17 = 2.71645574983807007232e-15  // 0x3ce877b872ba3c4d
)

// sinPoly evaluates sin(r) for |r| ≤ 1.5725.
func sinPoly(r float64) float64 {
	z := r * r
	p := math.FMA(z, s17, s15)
	p = math.FMA(z, p, s13)
	p = math.FMA(z, p, s11)
	p = math.FMA(z, p, s9)
	p = math.FMA(z, p, s7)
	p = math.FMA(z, p, s5)
	p = math.FMA(z, p, s3)
	return math.FMA(r*z, p, r)
}

// sin1 is one lane of the Sin kernel: x = kπ + r, sin x = (-1)^k sin r.
func sin1(x float64) float64 {
	if !(math.Abs(x) <= sinLimit) {
		return math.Sin(x)
	}
	t := math.FMA(x, invPi, magic)
	k := t - magic
	r := math.FMA(-k, pi1, x)
	r = math.FMA(-k, pi2, r)
	r = math.FMA(-k, pi3, r)
	sign := math.Float64bits(t) << 63
	// sin r has the sign of r; or-ing it in gives sin(-0) = -0, which the
	// polynomial alone rounds to +0.
	p := math.Float64bits(sinPoly(r)) | math.Float64bits(r)&(1<<63)
	return math.Float64frombits(p ^ sign)
}

// cos1 is one lane of the Cos kernel: x = (k-½)π + r with
// k = round(x/π + ½), cos x = (-1)^k sin r.
func cos1(x float64) float64 {
	if !(math.Abs(x) <= sinLimit) {
		return math.Cos(x)
	}
	t := math.FMA(x, invPi, 0.5) + magic
	h := (t - magic) - 0.5
	r := math.FMA(-h, pi1, x)
	r = math.FMA(-h, pi2, r)
	r = math.FMA(-h, pi3, r)
	sign := math.Float64bits(t) << 63
	return math.Float64frombits(math.Float64bits(sinPoly(r)) ^ sign)
}

// Exp: x = k·ln2 + r, |r| ≤ ln2/2, exp x = 2^k·e^r.
const (
	log2e = 1.4426950408889634     // 1/ln 2 rounded
	ln2a  = 0.69314718055994529    // 0x3fe62e42fefa39ef
	ln2b  = 2.3190468138462996e-17 // 0x3c7abc9e3b39803f

	// expLimit bounds |x| for the polynomial path: 2^k stays a normal
	// number for |k| ≤ 1022. Beyond it (overflow, results that are
	// subnormal or zero) and for NaN, math.Exp answers.
	expLimit = 708.0

	e2  = 5.00000000000001887379e-01 // 0x3fe0000000000011
	e3  = 1.66666666666667018237e-01 // 0x3fc5555555555562
	e4  = 4.16666666664863155622e-02 // 0x3fa555555554efce
	e5  = 8.33333333330928995031e-03 // 0x3f8111111110daed
	e6  = 1.38888889527880271361e-03 // 0x3f56c16c1883128b
	e7  = 1.98412699097231951320e-04 // 0x3f2a01a01b82fbc8
	e8  = 2.48014849767585732448e-05 // 0x3efa019911e3909b
	e9  = 2.75572244910793163678e-06 // 0x3ec71dde7017830e
	e10 = 2.76328263668498981205e-07 // 0x3e928b488e528556
	e11 = 2.51150248803934503322e-08 // 0x3e5af790c2c55dd0
)

// exp1 is one lane of the Exp kernel.
func exp1(x float64) float64 {
	if !(math.Abs(x) <= expLimit) {
		return math.Exp(x)
	}
	t := math.FMA(x, log2e, magic)
	k := t - magic
	r := math.FMA(-k, ln2a, x)
	r = math.FMA(-k, ln2b, r)
	p := math.FMA(r, e11, e10)
	p = math.FMA(r, p, e9)
	p = math.FMA(r, p, e8)
	p = math.FMA(r, p, e7)
	p = math.FMA(r, p, e6)
	p = math.FMA(r, p, e5)
	p = math.FMA(r, p, e4)
	p = math.FMA(r, p, e3)
	p = math.FMA(r, p, e2)
	p = math.FMA(r, p, 1)
	p = math.FMA(r, p, 1)
	// 2^k: k sits in the low bits of t; shift it into the exponent field.
	return math.Float64frombits(math.Float64bits(p) + math.Float64bits(t)<<52)
}

// Log: x = 2^k·m, m in [√2/2, √2), f = m-1, s = f/(2+f),
// log(1+f) = f - (hfsq - s(hfsq + R(s²))).
const (
	ln2hi = 6.93147180369123816490e-01 // trailing zeros: k·ln2hi is exact
	ln2lo = 1.90821492927058770002e-10

	lg1 = 6.666666666666735130e-01
	lg2 = 3.999999999940941908e-01
	lg3 = 2.857142874366239149e-01
	lg4 = 2.222219843214978396e-01
	lg5 = 1.818357216161805012e-01
	lg6 = 1.531383769920937332e-01
	lg7 = 1.479819860511658591e-01

	sqrtHalfBits = 0x3fe6a09e667f3bcd // √2/2
	expOne       = 0x3ff0000000000000 // exponent field of 1.0
	kBias        = 0x4330000000000000 // bits of 2⁵²
)

// log1 is one lane of the Log kernel. Zero, negative, subnormal and
// non-finite inputs go to logScalar.
func log1(x float64) float64 {
	if !(x >= 0x1p-1022) || x > math.MaxFloat64 {
		return logScalar(x)
	}
	ix := math.Float64bits(x)
	tmp := ix - sqrtHalfBits + expOne
	kb := tmp >> 52 // k + 1023
	m := math.Float64frombits(ix - kb<<52 + expOne)
	k := math.Float64frombits(kb|kBias) - (0x1p52 + 1023)
	f := m - 1
	hfsq := 0.5 * f * f
	s := f / (2 + f)
	z := s * s
	r := math.FMA(z, lg7, lg6)
	r = math.FMA(z, r, lg5)
	r = math.FMA(z, r, lg4)
	r = math.FMA(z, r, lg3)
	r = math.FMA(z, r, lg2)
	r = math.FMA(z, r, lg1)
	r = float64(r * z) // the conversion keeps this product unfused, as in the assembly
	lo := math.FMA(k, ln2lo, s*(hfsq+r))
	return math.FMA(k, ln2hi, f-(hfsq-lo))
}

// logScalar is math.Log, except for positive subnormal inputs: math.Log
// on amd64 reads their exponent as -1023 (Go issue 56600) and is off by
// up to 35. They are scaled into the normal range first.
func logScalar(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return (math.Log(x*0x1p54) - 54*ln2hi) - 54*ln2lo
	}
	return math.Log(x)
}

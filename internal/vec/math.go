package vec

import "math"

// checkLen panics unless dst and src have the same length: a mismatch is
// a bug in the caller, as with an index out of range.
func checkLen(dst, src []float64) {
	if len(dst) != len(src) {
		panic("vec: slices of different lengths")
	}
}

// Sin sets dst[i] = sin(src[i]). dst and src must have the same length
// and be the same slice or not overlap. Results are within 2 ulp of the
// exact value for |x| ≤ 2²²; larger, infinite and NaN inputs get
// math.Sin's answer.
func Sin(dst, src []float64) {
	checkLen(dst, src)
	sinSlice(dst, src)
}

// Cos sets dst[i] = cos(src[i]), like Sin.
func Cos(dst, src []float64) {
	checkLen(dst, src)
	cosSlice(dst, src)
}

// Exp sets dst[i] = e^src[i], within 2 ulp of the exact value for
// |x| ≤ 708; other inputs (overflow, subnormal and zero results, NaN) get
// math.Exp's answer. dst and src are as for Sin.
func Exp(dst, src []float64) {
	checkLen(dst, src)
	expSlice(dst, src)
}

// Log sets dst[i] = ln(src[i]), within 2 ulp of the exact value for
// positive normal inputs; zero, negative, subnormal, infinite and NaN
// inputs get math.Log's answer. dst and src are as for Sin.
func Log(dst, src []float64) {
	checkLen(dst, src)
	logSlice(dst, src)
}

// Sqrt sets dst[i] = √src[i], correctly rounded, as math.Sqrt.
func Sqrt(dst, src []float64) {
	checkLen(dst, src)
	for i, x := range src {
		dst[i] = math.Sqrt(x)
	}
}

// Abs sets dst[i] = |src[i]|.
func Abs(dst, src []float64) {
	checkLen(dst, src)
	for i, x := range src {
		dst[i] = math.Abs(x)
	}
}

// Neg sets dst[i] = -src[i].
func Neg(dst, src []float64) {
	checkLen(dst, src)
	for i, x := range src {
		dst[i] = -x
	}
}

// Pow sets dst[i] = src[i]^p. The exponents 0, 1, 2, 3, 0.5 and -1 take
// exact or correctly rounded shortcuts (x*x, math.Sqrt, ...) that agree
// with math.Pow within 1 ulp and on every special value; other exponents
// use math.Pow.
func Pow(dst, src []float64, p float64) {
	checkLen(dst, src)
	switch p {
	case 0:
		for i := range src {
			dst[i] = 1
		}
	case 1:
		copy(dst, src)
	case 2:
		for i, x := range src {
			dst[i] = x * x
		}
	case 3:
		for i, x := range src {
			dst[i] = x * x * x
		}
	case -1:
		for i, x := range src {
			dst[i] = 1 / x
		}
	case 0.5:
		for i, x := range src {
			// math.Pow(x, 0.5) is √x except at -0 and -Inf.
			if x == 0 || math.IsInf(x, -1) {
				dst[i] = math.Pow(x, 0.5)
				continue
			}
			dst[i] = math.Sqrt(x)
		}
	default:
		for i, x := range src {
			dst[i] = math.Pow(x, p)
		}
	}
}

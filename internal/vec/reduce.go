package vec

import "math"

// Reductions. Sums use eight accumulators over blocks, which is faster
// than one running sum and, like NumPy's pairwise summation, keeps the
// rounding error growing with log n rather than n for the blocks'
// combination.

// sumBlock is the length summed with flat accumulators before the
// partial sums are combined pairwise.
const sumBlock = 1024

// Sum returns the sum of a (0 for an empty slice).
func Sum(a []float64) float64 {
	if len(a) <= sumBlock {
		return sum8(a)
	}
	h := len(a) / 2 &^ (sumBlock - 1)
	if h == 0 {
		h = sumBlock
	}
	return Sum(a[:h]) + Sum(a[h:])
}

func sum8(a []float64) float64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	i := 0
	for ; i+8 <= len(a); i += 8 {
		b := a[i : i+8 : i+8]
		s0 += b[0]
		s1 += b[1]
		s2 += b[2]
		s3 += b[3]
		s4 += b[4]
		s5 += b[5]
		s6 += b[6]
		s7 += b[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// SumSquares returns Σ a[i]².
func SumSquares(a []float64) float64 {
	if len(a) > sumBlock {
		h := len(a) / 2 &^ (sumBlock - 1)
		if h == 0 {
			h = sumBlock
		}
		return SumSquares(a[:h]) + SumSquares(a[h:])
	}
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		b := a[i : i+4 : i+4]
		s0 += b[0] * b[0]
		s1 += b[1] * b[1]
		s2 += b[2] * b[2]
		s3 += b[3] * b[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * a[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Dot returns Σ a[i]·b[i].
func Dot(a, b []float64) float64 {
	if len(a) != len(b) {
		panic("vec: slices of different lengths")
	}
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		x, y := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// SumSquaredDeviations returns Σ (a[i] - mean)², the M2 of Welford's and
// Chan's variance algorithms.
func SumSquaredDeviations(a []float64, mean float64) float64 {
	var s0, s1 float64
	i := 0
	for ; i+2 <= len(a); i += 2 {
		d0, d1 := a[i]-mean, a[i+1]-mean
		s0 += d0 * d0
		s1 += d1 * d1
	}
	for ; i < len(a); i++ {
		d := a[i] - mean
		s0 += d * d
	}
	return s0 + s1
}

// Min returns the smallest element of a, NaN if any element is NaN, and
// +Inf for an empty slice. -0 counts as less than +0.
func Min(a []float64) float64 {
	m := math.Inf(1)
	for _, x := range a {
		if x < m {
			m = x
		} else if x != x {
			return x
		} else if x == 0 && m == 0 && math.Signbit(x) {
			m = x
		}
	}
	return m
}

// Max returns the largest element of a, NaN if any element is NaN, and
// -Inf for an empty slice. +0 counts as greater than -0.
func Max(a []float64) float64 {
	m := math.Inf(-1)
	for _, x := range a {
		if x > m {
			m = x
		} else if x != x {
			return x
		} else if x == 0 && m == 0 && !math.Signbit(x) {
			m = x
		}
	}
	return m
}

// ArgMin returns the index of the first smallest element of a, or of the
// first NaN if there is one (as NumPy), and -1 for an empty slice.
func ArgMin(a []float64) int {
	if len(a) == 0 {
		return -1
	}
	best := 0
	for i, x := range a {
		if x != x {
			return i
		}
		if x < a[best] {
			best = i
		}
	}
	return best
}

// ArgMax returns the index of the first largest element of a, or of the
// first NaN if there is one, and -1 for an empty slice.
func ArgMax(a []float64) int {
	if len(a) == 0 {
		return -1
	}
	best := 0
	for i, x := range a {
		if x != x {
			return i
		}
		if x > a[best] {
			best = i
		}
	}
	return best
}

package vec

import "math"

// Element-wise arithmetic. Every function takes dst first; the inputs
// must have dst's length, and any of them may be dst itself.

func check3(dst, a, b []float64) {
	if len(a) != len(dst) || len(b) != len(dst) {
		panic("vec: slices of different lengths")
	}
}

// Add sets dst[i] = a[i] + b[i].
func Add(dst, a, b []float64) {
	check3(dst, a, b)
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Sub sets dst[i] = a[i] - b[i].
func Sub(dst, a, b []float64) {
	check3(dst, a, b)
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

// Mul sets dst[i] = a[i] * b[i].
func Mul(dst, a, b []float64) {
	check3(dst, a, b)
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// Div sets dst[i] = a[i] / b[i].
func Div(dst, a, b []float64) {
	check3(dst, a, b)
	for i := range dst {
		dst[i] = a[i] / b[i]
	}
}

// Minimum sets dst[i] = math.Min(a[i], b[i]): NaN wins, -0 < +0.
func Minimum(dst, a, b []float64) {
	check3(dst, a, b)
	for i := range dst {
		dst[i] = math.Min(a[i], b[i])
	}
}

// Maximum sets dst[i] = math.Max(a[i], b[i]).
func Maximum(dst, a, b []float64) {
	check3(dst, a, b)
	for i := range dst {
		dst[i] = math.Max(a[i], b[i])
	}
}

// AddScalar sets dst[i] = a[i] + s. (a - s is AddScalar(dst, a, -s),
// exactly.)
func AddScalar(dst, a []float64, s float64) {
	checkLen(dst, a)
	for i, x := range a {
		dst[i] = x + s
	}
}

// SubFromScalar sets dst[i] = s - a[i].
func SubFromScalar(dst, a []float64, s float64) {
	checkLen(dst, a)
	for i, x := range a {
		dst[i] = s - x
	}
}

// MulScalar sets dst[i] = a[i] * s.
func MulScalar(dst, a []float64, s float64) {
	checkLen(dst, a)
	for i, x := range a {
		dst[i] = x * s
	}
}

// DivScalar sets dst[i] = a[i] / s, correctly rounded (not a[i]·(1/s)).
func DivScalar(dst, a []float64, s float64) {
	checkLen(dst, a)
	for i, x := range a {
		dst[i] = x / s
	}
}

// DivIntoScalar sets dst[i] = s / a[i].
func DivIntoScalar(dst, a []float64, s float64) {
	checkLen(dst, a)
	for i, x := range a {
		dst[i] = s / x
	}
}

// Fill sets every element of dst to v.
func Fill(dst []float64, v float64) {
	for i := range dst {
		dst[i] = v
	}
}

// Cmp is a comparison: a[i] Cmp b[i] gives 1 when true, 0 when false.
// Every comparison with a NaN is false except NotEqual, as in IEEE 754.
type Cmp uint8

const (
	Less Cmp = iota
	LessEqual
	Greater
	GreaterEqual
	Equal
	NotEqual
)

// String returns the operator, as in Go.
func (c Cmp) String() string {
	switch c {
	case Less:
		return "<"
	case LessEqual:
		return "<="
	case Greater:
		return ">"
	case GreaterEqual:
		return ">="
	case Equal:
		return "=="
	case NotEqual:
		return "!="
	}
	return "Cmp(?)"
}

// b2f is 1 for true and 0 for false, without a branch.
func b2f(b bool) float64 {
	var x uint64
	if b {
		x = 1
	}
	return float64(x)
}

// Compare sets dst[i] = 1 if a[i] c b[i] holds, else 0.
func Compare(dst, a, b []float64, c Cmp) {
	check3(dst, a, b)
	switch c {
	case Less:
		for i := range dst {
			dst[i] = b2f(a[i] < b[i])
		}
	case LessEqual:
		for i := range dst {
			dst[i] = b2f(a[i] <= b[i])
		}
	case Greater:
		for i := range dst {
			dst[i] = b2f(a[i] > b[i])
		}
	case GreaterEqual:
		for i := range dst {
			dst[i] = b2f(a[i] >= b[i])
		}
	case Equal:
		for i := range dst {
			dst[i] = b2f(a[i] == b[i])
		}
	case NotEqual:
		for i := range dst {
			dst[i] = b2f(a[i] != b[i])
		}
	default:
		panic("vec: unknown comparison")
	}
}

// CompareScalar sets dst[i] = 1 if a[i] c s holds, else 0.
func CompareScalar(dst, a []float64, s float64, c Cmp) {
	checkLen(dst, a)
	switch c {
	case Less:
		for i, x := range a {
			dst[i] = b2f(x < s)
		}
	case LessEqual:
		for i, x := range a {
			dst[i] = b2f(x <= s)
		}
	case Greater:
		for i, x := range a {
			dst[i] = b2f(x > s)
		}
	case GreaterEqual:
		for i, x := range a {
			dst[i] = b2f(x >= s)
		}
	case Equal:
		for i, x := range a {
			dst[i] = b2f(x == s)
		}
	case NotEqual:
		for i, x := range a {
			dst[i] = b2f(x != s)
		}
	default:
		panic("vec: unknown comparison")
	}
}

// Where sets dst[i] = a[i] where cond[i] is non-zero (NaN counts as
// true, as in NumPy), else b[i].
func Where(dst, cond, a, b []float64) {
	check3(dst, a, b)
	checkLen(dst, cond)
	for i, c := range cond {
		if c != 0 {
			dst[i] = a[i]
		} else {
			dst[i] = b[i]
		}
	}
}

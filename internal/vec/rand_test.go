package vec

import (
	"math"
	"testing"
)

// TestUniformDeterministic: the same (seed, stream) gives the same
// numbers however the slice is cut; other streams differ.
func TestUniformDeterministic(t *testing.T) {
	a := make([]float64, 3001)
	Uniform(a, 42, 7)
	b := make([]float64, 3001)
	Uniform(b, 42, 7)
	for i := range a {
		if a[i] != b[i] || a[i] < 0 || a[i] >= 1 {
			t.Fatalf("Uniform[%d] = %v then %v", i, a[i], b[i])
		}
	}
	// A shorter fill is a prefix of a longer one.
	c := make([]float64, 700)
	Uniform(c, 42, 7)
	for i := range c {
		if c[i] != a[i] {
			t.Fatalf("Uniform prefix [%d] = %v, want %v", i, c[i], a[i])
		}
	}
	Uniform(b, 42, 8)
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	if same > 2 {
		t.Errorf("streams 7 and 8 share %d of %d numbers", same, len(a))
	}
}

// TestUniformMoments checks mean, variance and a 10-bin histogram
// against their expectations (a chi-square bound far in the tail).
func TestUniformMoments(t *testing.T) {
	const n = 200000
	a := make([]float64, n)
	Uniform(a, 1, 2)
	mean := Sum(a) / n
	v := SumSquaredDeviations(a, mean) / n
	if math.Abs(mean-0.5) > 0.005 || math.Abs(v-1.0/12) > 0.002 {
		t.Errorf("Uniform mean %v variance %v, want 0.5 and 1/12", mean, v)
	}
	var bins [10]float64
	for _, x := range a {
		bins[int(x*10)]++
	}
	chi := 0.0
	for _, c := range bins {
		chi += (c - n/10) * (c - n/10) / (n / 10)
	}
	if chi > 40 { // p < 1e-5 for 9 degrees of freedom
		t.Errorf("Uniform histogram chi-square %v over 10 bins: %v", chi, bins)
	}
}

func TestNormal(t *testing.T) {
	const n = 200001
	a := make([]float64, n)
	Normal(a, 3, 4)
	b := make([]float64, n)
	Normal(b, 3, 4)
	for i := range a {
		if a[i] != b[i] || math.IsNaN(a[i]) || math.IsInf(a[i], 0) {
			t.Fatalf("Normal[%d] = %v then %v", i, a[i], b[i])
		}
	}
	mean := Sum(a) / n
	v := SumSquaredDeviations(a, mean) / n
	var m4 float64
	within1 := 0
	for _, x := range a {
		d := x - mean
		m4 += d * d * d * d
		if math.Abs(x) < 1 {
			within1++
		}
	}
	kurt := m4 / n / (v * v)
	if math.Abs(mean) > 0.01 || math.Abs(v-1) > 0.015 || math.Abs(kurt-3) > 0.1 {
		t.Errorf("Normal mean %v variance %v kurtosis %v, want 0, 1, 3", mean, v, kurt)
	}
	if f := float64(within1) / n; math.Abs(f-0.682689) > 0.005 {
		t.Errorf("Normal: %v within one sigma, want 0.6827", f)
	}
	// Odd lengths and short fills are prefixes too.
	c := make([]float64, 7)
	Normal(c, 3, 4)
	for i := range c {
		if c[i] != a[i] {
			t.Errorf("Normal prefix [%d] = %v, want %v", i, c[i], a[i])
		}
	}
}

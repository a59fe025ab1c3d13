package codec

import (
	"strings"
	"testing"
)

func TestSize(t *testing.T) {
	type rec struct {
		Name string
		Vals []float64
	}
	big := make([]rec, 10000)
	for i := range big {
		big[i] = rec{Name: "abcdefgh", Vals: make([]float64, 10)}
	}
	s := "hello, world"
	tests := []struct {
		name     string
		v        any
		min, max int64
	}{
		{"nil", nil, 8, 8},
		{"int", 1, 8, 8},
		{"int8", int8(1), 8, 8},
		{"complex128", 1i, 16, 16},
		{"string", s, 16 + 12, 16 + 12},
		{"empty string", "", 16, 16},
		{"[]byte", make([]byte, 100, 200), 224, 224},
		{"[]float64", make([]float64, 1<<20), 8<<20 + 24, 8<<20 + 24},
		{"[]int32", make([]int32, 10), 64, 64},
		{"[]uint16", make([]uint16, 10), 44, 44},
		{"[]string", []string{"ab", "cde"}, 24 + 32 + 5, 24 + 32 + 5},
		{"map[string]float64", map[string]float64{"a": 1, "bb": 2}, 2 * (16 + 8), 300},
		{"struct", rec{Name: "n", Vals: make([]float64, 100)}, 800, 1000},
		{"pointer", &rec{Name: "n", Vals: make([]float64, 100)}, 800 + 48, 1100},
		{"[]struct", big, 10000 * (40 + 8 + 80), 10000 * (40 + 8 + 80) * 2},
		{"[]any", []any{1, "abc", []float64{1, 2}}, 24 + 48 + 8 + 19 + 40, 300},
		{"map of slices", map[int][]float64{1: make([]float64, 1000)}, 8000, 9000},
		{"long string in struct", struct{ S string }{strings.Repeat("x", 1<<20)}, 1 << 20, 1<<20 + 100},
	}
	for _, tt := range tests {
		if got := Size(tt.v); got < tt.min || got > tt.max {
			t.Errorf("%s: Size = %d, want in [%d, %d]", tt.name, got, tt.min, tt.max)
		}
	}
}

// TestSizeCycle checks that Size terminates on cyclic values.
func TestSizeCycle(t *testing.T) {
	type node struct {
		Next *node
		Kids []*node
		Data []float64
	}
	n := &node{Data: make([]float64, 10)}
	n.Next = n
	n.Kids = []*node{n, n}
	if got := Size(n); got < 80 {
		t.Errorf("Size(cycle) = %d, want at least 80", got)
	}
	m := map[string]any{}
	m["self"] = m
	if got := Size(m); got < 8 {
		t.Errorf("Size(cyclic map) = %d", got)
	}
}

package allocation

import (
	"errors"
	"math"
	"testing"
)

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1024", 1024},
		{"  1024  ", 1024},
		{"100B", 100},
		{"100 b", 100},
		{"4kB", 4000},
		{"4KB", 4000},
		{"4kb", 4000},
		{"4KiB", 4096},
		{"4kib", 4096},
		{"512MiB", 512 << 20},
		{"512 MB", 512e6},
		{"4GiB", 4 << 30},
		{"4GB", 4e9},
		{"4gib", 4 << 30},
		{"1.5 GiB", 3 << 29},
		{"1.5GiB", 3 << 29},
		{"1.5\tGiB", 3 << 29},
		{"0.5 KiB", 512},
		{".5 KiB", 512},
		{"5. KiB", 5120},
		{"2TB", 2e12},
		{"2TiB", 2 << 40},
		{"3PB", 3e15},
		{"3PiB", 3 << 50},
		{"7EiB", 7 << 60},
		{"2EB", 2e18},
		{"2e9", 2e9},
		{"2E9", 2e9},
		{"2e+9", 2e9},
		{"2.5e3 KiB", 2560000},
		{"25e-1", 3}, // 2.5 rounds to 3
		{"1e-400", 0},
		{"1.4", 1},
		{"0.29 kB", 290},
		{"9223372036854775807", math.MaxInt64},
		{"8388607 TiB", 8388607 << 40},
		{"000000000000000000000000001 KiB", 1024},
	}
	for _, tt := range tests {
		got, err := ParseBytes(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseBytes(%q) = %d, %v, want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseBytesErrors(t *testing.T) {
	for _, in := range []string{
		"", " ", "auto", "GiB", "B", "-1", "-1 GiB", "+1", "1 XB", "1 Gb/s", "1 G", "1 K",
		"1.2.3", "1..2", ".", "e9", "1e", "1e GiB", "1 GiB B", "1 2", "0x10", "1_000", "NaN", "Inf",
		"9223372036854775808", "8 EiB", "9.3e18", "1e400", "99999999999999999999 KiB",
		"1 \u212aB", // Kelvin sign, which Unicode folds to "k"
	} {
		got, err := ParseBytes(in)
		if !errors.Is(err, ErrInvalidSize) {
			t.Errorf("ParseBytes(%q) = %d, %v, want an error wrapping ErrInvalidSize", in, got, err)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{100, "100 B"},
		{1023, "1023 B"},
		{1024, "1 KiB"},
		{1536, "1.50 KiB"},
		{512 << 20, "512 MiB"},
		{3 << 29, "1.50 GiB"},
		{4 << 30, "4 GiB"},
		{4e9, "3.73 GiB"},
		{1<<20 - 1, "1.00 MiB"}, // not "1024.00 KiB"
		{1<<40 + 1, "1.00 TiB"},
		{5 << 50, "5 PiB"},
		{math.MaxInt64, "7.99 EiB"}, // "8.00 EiB" would not parse
		{-1536, "-1.50 KiB"},
		{math.MinInt64, "-8 EiB"},
	}
	for _, tt := range tests {
		if got := FormatBytes(tt.in); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatParseRoundTrip(t *testing.T) {
	var ns []int64
	for shift := range 63 {
		p := int64(1) << shift
		ns = append(ns, p-1, p, p+1, p+p/3, 3*(p/2)+1)
	}
	ns = append(ns, math.MaxInt64, 1e9, 1e12, 999_999_999_999)
	for _, n := range ns {
		if n < 0 {
			continue
		}
		checkRoundTrip(t, n)
	}
}

// checkRoundTrip checks that FormatBytes(n) parses back to within 1% of n,
// exactly for n below 1 KiB.
func checkRoundTrip(t *testing.T, n int64) {
	t.Helper()
	s := FormatBytes(n)
	got, err := ParseBytes(s)
	if err != nil {
		t.Fatalf("ParseBytes(FormatBytes(%d) = %q) error: %v", n, s, err)
	}
	if n < 1024 {
		if got != n {
			t.Fatalf("ParseBytes(FormatBytes(%d) = %q) = %d, want %d", n, s, got, n)
		}
		return
	}
	if diff := math.Abs(float64(got) - float64(n)); diff > 0.01*float64(n) {
		t.Fatalf("ParseBytes(FormatBytes(%d) = %q) = %d, want within 1%%", n, s, got)
	}
}

func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{
		"0", "1024", "4GiB", "4GB", "512MiB", "1.5 GiB", "2e9", "2EB", "auto", "-1", "",
		"9223372036854775807", "8 EiB", "1e400", "1e-400", ".5 kb", "1.2.3", "1 \u212aB", "1.00 MiB",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseBytes(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidSize) {
				t.Fatalf("ParseBytes(%q) error %v does not wrap ErrInvalidSize", s, err)
			}
			return
		}
		if n < 0 {
			t.Fatalf("ParseBytes(%q) = %d, want non-negative", s, n)
		}
		checkRoundTrip(t, n)
	})
}

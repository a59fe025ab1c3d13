package allocation

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// ErrInvalidSize is returned, wrapped, by ParseBytes for text that is not a
// byte size.
var ErrInvalidSize = errors.New("gask: invalid byte size")

// units maps lower-case unit names to their sizes: kB, MB ... are powers of
// 1000 and KiB, MiB ... powers of 1024.
var units = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "kib": 1 << 10,
	"mb": 1e6, "mib": 1 << 20,
	"gb": 1e9, "gib": 1 << 30,
	"tb": 1e12, "tib": 1 << 40,
	"pb": 1e15, "pib": 1 << 50,
	"eb": 1e18, "eib": 1 << 60,
}

// ParseBytes parses a human byte size: a non-negative decimal number
// ("1024", "1.5", "2e9"), optionally followed by spaces and a unit — B, kB
// or KB, KiB, MB, MiB, GB, GiB, TB, TiB, PB, PiB, EB or EiB, in any case.
// The decimal units are powers of 1000, the binary ones powers of 1024;
// "mb" therefore means megabytes, never megabits. Fractional bytes are
// rounded to the nearest byte. Words such as "auto" are the caller's
// business: ParseBytes rejects them, as it rejects negative sizes and sizes
// that do not fit an int64, with an error wrapping ErrInvalidSize.
func ParseBytes(s string) (int64, error) {
	num, unit := splitNumber(strings.TrimSpace(s))
	mult, ok := units[asciiLower(unit)]
	if !ok {
		return 0, fmt.Errorf("%w %q: unknown unit %q", ErrInvalidSize, s, unit)
	}
	if num == "" {
		return 0, fmt.Errorf("%w %q: no number", ErrInvalidSize, s)
	}
	if strings.Trim(num, "0123456789") == "" {
		// An integer: exact, however large the multiplier.
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil || n > math.MaxInt64/uint64(mult) {
			return 0, fmt.Errorf("%w %q: too large", ErrInvalidSize, s)
		}
		return int64(n) * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%w %q: malformed number %q", ErrInvalidSize, s, num)
	}
	// An out-of-range exponent gives ±Inf or 0, with ErrRange: a size too
	// large, or 0 bytes.
	f = math.Round(f * float64(mult))
	if f >= math.MaxInt64 { // float64(MaxInt64) is 2^63
		return 0, fmt.Errorf("%w %q: too large", ErrInvalidSize, s)
	}
	return int64(f), nil
}

// splitNumber splits s after its leading number: digits, an optional
// fraction and an optional exponent. An "e" not followed by digits is left
// to the unit, so "2EB" is 2 exabytes while "2e9" is 2×10⁹ bytes.
func splitNumber(s string) (num, unit string) {
	i := skipDigits(s, 0)
	if i < len(s) && s[i] == '.' {
		i = skipDigits(s, i+1)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if k := skipDigits(s, j); k > j {
			i = k
		}
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// skipDigits returns the index of the first non-digit in s at or after i.
func skipDigits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// asciiLower lowers ASCII letters only, so that no Unicode case folding
// (the Kelvin sign folds to "k") turns a stray character into a unit.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// binaryUnits are FormatBytes's units; unit i is 1024^i bytes.
var binaryUnits = [...]string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// FormatBytes formats n in the largest binary unit it reaches: "100 B",
// "512 MiB" when the unit divides n exactly, otherwise with two decimals,
// "1.50 GiB". ParseBytes reads the result back to within 0.5%.
func FormatBytes(n int64) string {
	sign, u := "", uint64(n)
	if n < 0 {
		sign, u = "-", -u // two's complement; correct for math.MinInt64 too
	}
	i := 0
	for i+1 < len(binaryUnits) && u >= 1<<(10*(i+1)) {
		i++
	}
	scale := uint64(1) << (10 * i)
	whole, frac := u/scale, u%scale
	if frac == 0 {
		return fmt.Sprintf("%s%d %s", sign, whole, binaryUnits[i])
	}
	// Hundredths of the unit, rounded to nearest, in integers: frac*100
	// may not fit 64 bits, and a float64 cannot tell 2^63-1 from 2^63.
	hi, lo := bits.Mul64(frac, 100)
	cents, rem := bits.Div64(hi, lo, scale)
	if rem >= scale-rem {
		cents++
	}
	if cents == 100 {
		whole, cents = whole+1, 0
	}
	switch {
	case whole == 1024 && i+1 < len(binaryUnits):
		// Not "1024.00 KiB" but "1.00 MiB".
		whole, i = 1, i+1
	case whole == 8 && i == len(binaryUnits)-1:
		// Not "8.00 EiB", which does not fit an int64.
		whole, cents = 7, 99
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, whole, cents, binaryUnits[i])
}

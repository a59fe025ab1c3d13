package codec

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/quick"
)

// quickRoundTrip checks with testing/quick that every random T survives
// Marshal and Unmarshal.
func quickRoundTrip[T any](t *testing.T) {
	t.Helper()
	f := func(v T) bool {
		b, err := Marshal(v)
		if err != nil {
			return false
		}
		got, err := Unmarshal[T](b)
		return err == nil && same(normalize(got), normalize(v))
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 300}); err != nil {
		t.Errorf("%v: %v", reflect.TypeFor[T](), err)
	}
}

// normalize maps nil raw slices to empty ones, which is how they decode.
func normalize[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	if rv.Kind() == reflect.Slice && rv.IsNil() && kindOfType(rv.Type()) != notRaw {
		rv.Set(reflect.MakeSlice(rv.Type(), 0, 0))
	}
	return v
}

type quickRecord struct {
	ID     int64
	Name   string
	Scores []float64
	Flags  map[string]bool
	Inner  struct {
		A uint16
		B []int32
	}
	Ptr *float32
}

func TestQuickRoundTrip(t *testing.T) {
	quickRoundTrip[bool](t)
	quickRoundTrip[int](t)
	quickRoundTrip[int8](t)
	quickRoundTrip[int16](t)
	quickRoundTrip[int32](t)
	quickRoundTrip[int64](t)
	quickRoundTrip[uint](t)
	quickRoundTrip[uint8](t)
	quickRoundTrip[uint16](t)
	quickRoundTrip[uint32](t)
	quickRoundTrip[uint64](t)
	quickRoundTrip[float32](t)
	quickRoundTrip[float64](t)
	quickRoundTrip[complex64](t)
	quickRoundTrip[complex128](t)
	quickRoundTrip[string](t)
	quickRoundTrip[[]byte](t)
	quickRoundTrip[[]bool](t)
	quickRoundTrip[[]int](t)
	quickRoundTrip[[]int8](t)
	quickRoundTrip[[]int16](t)
	quickRoundTrip[[]int32](t)
	quickRoundTrip[[]int64](t)
	quickRoundTrip[[]uint](t)
	quickRoundTrip[[]uint16](t)
	quickRoundTrip[[]uint32](t)
	quickRoundTrip[[]uint64](t)
	quickRoundTrip[[]float32](t)
	quickRoundTrip[[]float64](t)
	quickRoundTrip[[]complex64](t)
	quickRoundTrip[[]complex128](t)
	quickRoundTrip[celsius](t)
	quickRoundTrip[samples](t)
	quickRoundTrip[quickRecord](t)
	quickRoundTrip[map[string][]string](t)
	quickRoundTrip[[]point](t)
}

// TestRandomFloatBits round-trips floats drawn from all bit patterns,
// NaN payloads and subnormals included, which testing/quick rarely makes.
func TestRandomFloatBits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := make([]float64, 1000)
	for i := range s {
		s[i] = math.Float64frombits(r.Uint64())
	}
	roundTrip(t, s)
	for _, f := range s[:100] {
		roundTrip(t, f)
		roundTrip(t, point{X: f})
	}
}

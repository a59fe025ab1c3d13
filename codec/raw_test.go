package codec

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/fxamacker/cbor/v2"
)

// roundTrip checks that v survives Marshal and Unmarshal, AppendMarshal
// after a prefix, and the Codec, and returns the encoding. Values compare
// with reflect.DeepEqual, or by their encodings when they hold NaN.
func roundTrip[T any](t *testing.T, v T) []byte {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%#v) error: %v", v, err)
	}
	got, err := Unmarshal[T](b)
	if err != nil {
		t.Fatalf("Unmarshal[%T](%x) error: %v", v, b, err)
	}
	if !same(got, v) {
		t.Errorf("Unmarshal(Marshal(%#v)) = %#v", v, got)
	}

	prefix := []byte("prefix")
	ab, err := AppendMarshal(prefix, v)
	if err != nil {
		t.Fatalf("AppendMarshal(%#v) error: %v", v, err)
	}
	if !bytes.HasPrefix(ab, prefix) {
		t.Fatalf("AppendMarshal(%q, %#v) = %q, lost the prefix", prefix, v, ab)
	}
	if got, err := Unmarshal[T](ab[len(prefix):]); err != nil || !same(got, v) {
		t.Errorf("Unmarshal(AppendMarshal(%#v)) = %#v, %v", v, got, err)
	}

	c := For[T]()
	cb, err := c.Encode(v)
	if err != nil {
		t.Fatalf("For[%T]().Encode error: %v", v, err)
	}
	a, err := c.Decode(cb)
	if err != nil {
		t.Fatalf("For[%T]().Decode error: %v", v, err)
	}
	if got, ok := a.(T); !ok || !same(got, v) {
		t.Errorf("For[%T]() round trip = %#v", v, a)
	}
	return b
}

func same[T any](got, want T) bool {
	if reflect.DeepEqual(got, want) {
		return true
	}
	// NaN is not equal to itself: compare encodings bit for bit, with map
	// keys sorted so that equal maps encode alike.
	if kindOfType(reflect.TypeFor[T]()) != notRaw {
		g, err1 := Marshal(got)
		w, err2 := Marshal(want)
		return err1 == nil && err2 == nil && bytes.Equal(g, w)
	}
	g, err1 := sortedMode.Marshal(got)
	w, err2 := sortedMode.Marshal(want)
	return err1 == nil && err2 == nil && bytes.Equal(g, w)
}

var sortedMode = func() cbor.EncMode {
	opts := encMode.EncOptions()
	opts.Sort = cbor.SortBytewiseLexical
	m, err := opts.EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

func TestRawScalars(t *testing.T) {
	roundTrip(t, true)
	roundTrip(t, false)
	for _, v := range []int{0, 1, -1, math.MaxInt, math.MinInt} {
		roundTrip(t, v)
	}
	for _, v := range []int8{0, math.MaxInt8, math.MinInt8} {
		roundTrip(t, v)
	}
	for _, v := range []int16{0, math.MaxInt16, math.MinInt16} {
		roundTrip(t, v)
	}
	for _, v := range []int32{0, math.MaxInt32, math.MinInt32} {
		roundTrip(t, v)
	}
	for _, v := range []int64{0, math.MaxInt64, math.MinInt64} {
		roundTrip(t, v)
	}
	for _, v := range []uint{0, math.MaxUint} {
		roundTrip(t, v)
	}
	for _, v := range []uint8{0, math.MaxUint8} {
		roundTrip(t, v)
	}
	for _, v := range []uint16{0, math.MaxUint16} {
		roundTrip(t, v)
	}
	for _, v := range []uint32{0, math.MaxUint32} {
		roundTrip(t, v)
	}
	for _, v := range []uint64{0, math.MaxUint64} {
		roundTrip(t, v)
	}
	floats := []float64{0, math.Copysign(0, -1), 1.5, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), math.Float64frombits(0x7ff0000000000001)}
	for _, v := range floats {
		roundTrip(t, v)
		roundTrip(t, float32(v))
		roundTrip(t, complex(v, -v))
		roundTrip(t, complex64(complex(v, 2)))
	}
	for _, v := range []string{"", "hello", "héllo, 世界 🌍", "\x00\xff invalid \xc3", strings.Repeat("x", 1<<16)} {
		roundTrip(t, v)
	}
}

func TestRawSlices(t *testing.T) {
	roundTrip(t, []bool{true, false, true})
	roundTrip(t, []int{0, 1, -1, math.MaxInt, math.MinInt})
	roundTrip(t, []int8{0, math.MaxInt8, math.MinInt8})
	roundTrip(t, []int16{0, math.MaxInt16, math.MinInt16})
	roundTrip(t, []int32{0, math.MaxInt32, math.MinInt32})
	roundTrip(t, []int64{0, math.MaxInt64, math.MinInt64})
	roundTrip(t, []uint{0, math.MaxUint})
	roundTrip(t, []uint8{0, 1, math.MaxUint8})
	roundTrip(t, []uint16{0, math.MaxUint16})
	roundTrip(t, []uint32{0, math.MaxUint32})
	roundTrip(t, []uint64{0, math.MaxUint64})
	roundTrip(t, []float32{0, 1.5, float32(math.Inf(1)), float32(math.NaN())})
	roundTrip(t, []float64{0, math.Copysign(0, -1), 1.5, math.Inf(-1), math.NaN(), math.MaxFloat64})
	roundTrip(t, []complex64{0, complex(1, -1)})
	roundTrip(t, []complex128{0, complex(math.Inf(1), math.NaN())})
}

// TestRawEmptySlices documents that nil and empty slices both encode to
// nothing and decode to an empty, non-nil slice.
func TestRawEmptySlices(t *testing.T) {
	check := func(name string, got any, n int) {
		t.Helper()
		v := reflect.ValueOf(got)
		if v.IsNil() || v.Len() != n {
			t.Errorf("%s = %#v, want empty non-nil", name, got)
		}
	}
	for _, b := range [][]byte{nil, {}} {
		f, err := Unmarshal[[]float64](b)
		if err != nil {
			t.Fatalf("Unmarshal[[]float64](%#v) error: %v", b, err)
		}
		check("Unmarshal[[]float64]", f, 0)
		bs, err := Unmarshal[[]byte](b)
		if err != nil {
			t.Fatalf("Unmarshal[[]byte](%#v) error: %v", b, err)
		}
		check("Unmarshal[[]byte]", bs, 0)
		bo, _ := Unmarshal[[]bool](b)
		check("Unmarshal[[]bool]", bo, 0)
		is, _ := Unmarshal[[]int](b)
		check("Unmarshal[[]int]", is, 0)
	}
	for _, v := range []any{[]float64(nil), []float64{}} {
		b, err := For[[]float64]().Encode(v)
		if err != nil || len(b) != 0 {
			t.Errorf("Encode(%#v) = %x, %v, want no bytes", v, b, err)
		}
	}
	b, err := Marshal([]byte(nil))
	if err != nil || len(b) != 0 {
		t.Errorf("Marshal([]byte(nil)) = %x, %v", b, err)
	}
}

// TestRawFormat pins the bytes of the raw format: other languages and
// versions may read them.
func TestRawFormat(t *testing.T) {
	tests := []struct {
		name string
		got  func() ([]byte, error)
		want []byte
	}{
		{"int 1", func() ([]byte, error) { return Marshal(1) }, []byte{1, 0, 0, 0, 0, 0, 0, 0}},
		{"int -2", func() ([]byte, error) { return Marshal(-2) }, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"uint 1", func() ([]byte, error) { return Marshal(uint(1)) }, []byte{1, 0, 0, 0, 0, 0, 0, 0}},
		{"int16", func() ([]byte, error) { return Marshal(int16(0x0102)) }, []byte{2, 1}},
		{"true", func() ([]byte, error) { return Marshal(true) }, []byte{1}},
		{"float64 1", func() ([]byte, error) { return Marshal(1.0) }, []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}},
		{"float32 1", func() ([]byte, error) { return Marshal(float32(1)) }, []byte{0, 0, 0x80, 0x3f}},
		{"complex64", func() ([]byte, error) { return Marshal(complex64(1i)) }, []byte{0, 0, 0, 0, 0, 0, 0x80, 0x3f}},
		{"string", func() ([]byte, error) { return Marshal("hé") }, []byte{'h', 0xc3, 0xa9}},
		{"[]int", func() ([]byte, error) { return Marshal([]int{1, 2}) }, []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}},
		{"[]uint16", func() ([]byte, error) { return Marshal([]uint16{1, 0x0203}) }, []byte{1, 0, 3, 2}},
		{"[]bool", func() ([]byte, error) { return Marshal([]bool{true, false}) }, []byte{1, 0}},
		{"[]float64", func() ([]byte, error) { return Marshal([]float64{1}) }, []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}},
	}
	for _, tt := range tests {
		got, err := tt.got()
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("%s: Marshal = %x, %v, want %x", tt.name, got, err, tt.want)
		}
	}
}

type (
	celsius  float64
	samples  []celsius
	blob     []byte
	label    string
	flag     bool
	octet    uint8
	octets   []octet
	counts   []int
	tinyInts []int8
)

// upper has its own CBOR encoding, so it must not travel raw.
type upper string

func (u upper) MarshalCBOR() ([]byte, error) {
	return cbor.Marshal(strings.ToUpper(string(u)))
}

func (u *upper) UnmarshalCBOR(b []byte) error {
	var s string
	err := cbor.Unmarshal(b, &s)
	*u = upper(s)
	return err
}

func TestNamedTypes(t *testing.T) {
	// Named types take the raw path: same bytes as their underlying type.
	pairs := []struct{ named, basic []byte }{
		{roundTrip(t, celsius(-40.5)), roundTrip(t, -40.5)},
		{roundTrip(t, samples{1, celsius(math.Inf(1))}), roundTrip(t, []float64{1, math.Inf(1)})},
		{roundTrip(t, blob("abc")), roundTrip(t, []byte("abc"))},
		{roundTrip(t, label("x")), roundTrip(t, "x")},
		{roundTrip(t, flag(true)), roundTrip(t, true)},
		{roundTrip(t, octet(7)), roundTrip(t, uint8(7))},
		{roundTrip(t, octets{1, 2}), roundTrip(t, []uint8{1, 2})},
		{roundTrip(t, counts{-1, 5}), roundTrip(t, []int{-1, 5})},
		{roundTrip(t, tinyInts{-1, 5}), roundTrip(t, []int8{-1, 5})},
	}
	for i, p := range pairs {
		if !bytes.Equal(p.named, p.basic) {
			t.Errorf("pair %d: named type encodes to %x, underlying type to %x", i, p.named, p.basic)
		}
	}

	// A type with its own encoding keeps it.
	b := roundTripAs[upper](t, "abc", "ABC")
	if bytes.Equal(b, []byte("abc")) {
		t.Errorf("Marshal(upper) = %q, took the raw path", b)
	}
}

// roundTripAs checks that v decodes to want.
func roundTripAs[T any](t *testing.T, v, want T) []byte {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%#v) error: %v", v, err)
	}
	got, err := Unmarshal[T](b)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Unmarshal(Marshal(%#v)) = %#v, %v, want %#v", v, got, err, want)
	}
	return b
}

func TestUnmarshalBytesKeepsPayload(t *testing.T) {
	b := []byte("payload")
	got, err := Unmarshal[[]byte](b)
	if err != nil {
		t.Fatal(err)
	}
	if unsafe.SliceData(got) != unsafe.SliceData(b) {
		t.Errorf("Unmarshal[[]byte] copied the payload; want it returned as is")
	}
}

func TestUnmarshalCopies(t *testing.T) {
	b, _ := Marshal("hello")
	s, _ := Unmarshal[string](b)
	f := []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}
	fs, _ := Unmarshal[[]float64](f)
	clear(b)
	clear(f)
	if s != "hello" || fs[0] != 1 {
		t.Errorf("decoded values changed with their payloads: %q, %v", s, fs)
	}
}

// TestUnaligned decodes slices from payloads at every offset, so both the
// aligned and the copying paths run.
func TestUnaligned(t *testing.T) {
	want := []float64{1, 2, 3, math.Pi}
	enc, _ := Marshal(want)
	for off := range 8 {
		buf := make([]byte, off+len(enc))
		copy(buf[off:], enc)
		got, err := Unmarshal[[]float64](buf[off:])
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("offset %d: Unmarshal = %v, %v, want %v", off, got, err, want)
		}
		c, err := Unmarshal[[]complex128](buf[off:])
		if err != nil || len(c) != 2 || c[1] != complex(3, math.Pi) {
			t.Errorf("offset %d: Unmarshal[[]complex128] = %v, %v", off, c, err)
		}
	}
}

func TestRawDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		dec  func() error
		msg  string
	}{
		{"int short", decodeErr[int]([]byte{1, 2, 3, 4, 5, 6, 7}), "codec: decode int: payload of 7 bytes, want 8"},
		{"int long", decodeErr[int](make([]byte, 9)), "codec: decode int: payload of 9 bytes, want 8"},
		{"int empty", decodeErr[int](nil), "codec: decode int: payload of 0 bytes, want 8"},
		{"uint8 long", decodeErr[uint8]([]byte{1, 2}), "codec: decode uint8: payload of 2 bytes, want 1"},
		{"float32", decodeErr[float32](make([]byte, 8)), "codec: decode float32: payload of 8 bytes, want 4"},
		{"complex128", decodeErr[complex128](make([]byte, 8)), "codec: decode complex128: payload of 8 bytes, want 16"},
		{"bool value", decodeErr[bool]([]byte{2}), "codec: decode bool: invalid bool byte 0x02"},
		{"bool empty", decodeErr[bool](nil), "codec: decode bool: payload of 0 bytes, want 1"},
		{"[]float64", decodeErr[[]float64](make([]byte, 13)), "codec: decode []float64: payload of 13 bytes is not a multiple of 8"},
		{"[]int", decodeErr[[]int](make([]byte, 12)), "codec: decode []int: payload of 12 bytes is not a multiple of 8"},
		{"[]int16", decodeErr[[]int16](make([]byte, 3)), "codec: decode []int16: payload of 3 bytes is not a multiple of 2"},
		{"[]complex128", decodeErr[[]complex128](make([]byte, 24)), "codec: decode []complex128: payload of 24 bytes is not a multiple of 16"},
		{"[]bool", decodeErr[[]bool]([]byte{0, 1, 0, 1, 1, 1, 1, 1, 1, 0, 7}), "codec: decode []bool: invalid bool byte 0x07 at offset 10"},
		{"[]bool word", decodeErr[[]bool]([]byte{0, 1, 0, 0x10, 1, 1, 1, 1, 1}), "codec: decode []bool: invalid bool byte 0x10 at offset 3"},
		{"named", decodeErr[celsius](make([]byte, 4)), "codec: decode codec.celsius: payload of 4 bytes, want 8"},
	}
	for _, tt := range tests {
		err := tt.dec()
		if err == nil {
			t.Errorf("%s: Unmarshal error = nil, want %q", tt.name, tt.msg)
			continue
		}
		if err.Error() != tt.msg {
			t.Errorf("%s: Unmarshal error = %q, want %q", tt.name, err, tt.msg)
		}
		if !errors.Is(err, ErrDecode) {
			t.Errorf("%s: errors.Is(%v, ErrDecode) = false", tt.name, err)
		}
	}
}

func decodeErr[T any](b []byte) func() error {
	return func() error {
		v, err := Unmarshal[T](b)
		if err != nil && !reflect.ValueOf(&v).Elem().IsZero() {
			return errors.New("value not zero on error")
		}
		return err
	}
}

// TestPortable checks the big-endian fallback against the fast path, so it
// is tested on little-endian hosts too.
func TestPortable(t *testing.T) {
	portable[bool](t, []bool{true, false, true})
	portable[int8](t, []int8{-1, 2, math.MinInt8})
	portable[uint8](t, []uint8{1, 2, 255})
	portable[int16](t, []int16{-1, 0x0102, math.MinInt16})
	portable[uint16](t, []uint16{1, 0x0102})
	portable[int32](t, []int32{-1, 0x01020304})
	portable[uint32](t, []uint32{1, 0x01020304})
	portable[int64](t, []int64{-1, 0x0102030405060708})
	portable[uint64](t, []uint64{1, 0x0102030405060708})
	portable[float32](t, []float32{1.5, float32(math.Inf(-1))})
	portable[float64](t, []float64{1.5, math.Inf(-1), math.Pi})
	portable[complex64](t, []complex64{complex(1, -2)})
	portable[complex128](t, []complex128{complex(1, -2), complex(math.Pi, math.E)})
}

func portable[E fixed](t *testing.T, s []E) {
	t.Helper()
	fast := appendFixed(nil, s)
	slow := appendPortable(nil, s)
	if !bytes.Equal(fast, slow) {
		t.Errorf("appendPortable(%v) = %x, appendFixed = %x", s, slow, fast)
	}
	if got := decodePortable[E](slow, len(s)); !reflect.DeepEqual(got, s) {
		t.Errorf("decodePortable(%x) = %v, want %v", slow, got, s)
	}
}

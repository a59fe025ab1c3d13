package codec

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type point struct {
	X, Y float64
	Name string
}

type shape struct {
	ID     int64
	Points []point
	Tags   map[string]string
	Parent *shape
	Raw    []byte
	Grid   [2][3]int
	Opt    *int
	When   time.Time
	Counts map[int]uint32
}

func TestGeneralRoundTrip(t *testing.T) {
	seven := 7
	when := time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.FixedZone("", 5*3600+30*60))
	roundTrip(t, point{1, -2, "p"})
	roundTrip(t, &point{1, -2, "p"})
	roundTrip(t, (*point)(nil))
	roundTrip(t, shape{})
	s := shape{
		ID:     -5,
		Points: []point{{1, 2, "a"}, {math.Inf(1), 0, "ü"}},
		Tags:   map[string]string{"k": "v", "": ""},
		Parent: &shape{ID: 1, Tags: map[string]string{}},
		Raw:    []byte{0, 1, 2},
		Grid:   [2][3]int{{1, 2, 3}, {-4, -5, -6}},
		Opt:    &seven,
		Counts: map[int]uint32{-1: 1, 1 << 40: math.MaxUint32},
	}
	roundTrip(t, s)
	back, err := Unmarshal[shape](mustMarshal(t, shape{When: when}))
	if err != nil || !back.When.Equal(when) {
		t.Errorf("time round trip = %v, %v, want %v", back.When, err, when)
	}
	if _, off := back.When.Zone(); off != 5*3600+30*60 {
		t.Errorf("time zone offset = %d, want %d", off, 5*3600+30*60)
	}

	roundTrip(t, map[string]int{"a": 1, "b": -2})
	roundTrip(t, map[string][]float64{"x": {1, 2}, "y": nil})
	roundTrip(t, [][]float64{{1, 2}, {}, nil})
	roundTrip(t, []string{"a", "", "é"})
	roundTrip(t, [4]float64{1, 2, 3, 4})
	roundTrip(t, []*point{{X: 1}, nil})
	roundTrip(t, struct{}{})
	roundTrip(t, time.Duration(5)) // named int64: raw
	roundTrip(t, []map[string]bool{{"t": true}})
}

func mustMarshal[T any](t *testing.T, v T) []byte {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%#v) error: %v", v, err)
	}
	return b
}

// TestGeneralNil documents that the general format keeps nil apart from
// empty.
func TestGeneralNil(t *testing.T) {
	type box struct {
		S []int
		M map[string]int
	}
	got, err := Unmarshal[box](mustMarshal(t, box{}))
	if err != nil || got.S != nil || got.M != nil {
		t.Errorf("Unmarshal(box{}) = %#v, %v, want nil fields", got, err)
	}
	got, err = Unmarshal[box](mustMarshal(t, box{S: []int{}, M: map[string]int{}}))
	if err != nil || got.S == nil || got.M == nil {
		t.Errorf("Unmarshal(box{empty}) = %#v, %v, want empty non-nil fields", got, err)
	}
}

// TestGeneralFloats checks that NaN and infinities survive in structs, and
// float32 stays float32.
func TestGeneralFloats(t *testing.T) {
	type floats struct {
		F64 float64
		F32 float32
	}
	nan := math.Float64frombits(0x7ff8000000000123)
	got, err := Unmarshal[floats](mustMarshal(t, floats{nan, float32(math.Inf(-1))}))
	if err != nil || math.Float64bits(got.F64) != 0x7ff8000000000123 || !math.IsInf(float64(got.F32), -1) {
		t.Errorf("Unmarshal(floats) = %v (%#x), %v", got, math.Float64bits(got.F64), err)
	}
}

// withHidden has unexported fields; like encoding/json, CBOR skips them,
// so they arrive as zero values.
type withHidden struct {
	Public  int
	private int
	secret  []string
}

func TestUnexportedFields(t *testing.T) {
	roundTripAs(t, withHidden{Public: 1, private: 2, secret: []string{"x"}}, withHidden{Public: 1})
}

// TestInterfaceFields documents that values inside interfaces come back
// as CBOR's generic Go types, since no type travels with them.
func TestInterfaceFields(t *testing.T) {
	type anyBox struct{ V any }
	tests := []struct {
		in, want any
	}{
		{7, uint64(7)},
		{-7, int64(-7)},
		{"s", "s"},
		{1.5, 1.5},
		{[]int{1}, []any{uint64(1)}},
		{map[string]int{"a": 1}, map[any]any{"a": uint64(1)}},
		{nil, nil},
	}
	for _, tt := range tests {
		got, err := Unmarshal[anyBox](mustMarshal(t, anyBox{tt.in}))
		if err != nil || !reflect.DeepEqual(got.V, tt.want) {
			t.Errorf("Unmarshal(anyBox{%#v}) = %#v, %v, want %#v", tt.in, got.V, err, tt.want)
		}
	}
	now := time.Now().Round(0)
	got, err := Unmarshal[anyBox](mustMarshal(t, anyBox{now}))
	if tm, ok := got.V.(time.Time); err != nil || !ok || !tm.Equal(now) {
		t.Errorf("Unmarshal(anyBox{time}) = %#v, %v, want %v", got.V, err, now)
	}

	// T itself may be an interface type.
	v, err := Unmarshal[any](mustMarshal[any](t, "x"))
	if err != nil || v != "x" {
		t.Errorf("Unmarshal[any](Marshal[any](\"x\")) = %#v, %v", v, err)
	}
}

func TestUnknownFieldsIgnored(t *testing.T) {
	type v2 struct {
		X     int
		Added []string
	}
	type v1 struct{ X int }
	got, err := Unmarshal[v1](mustMarshal(t, v2{X: 3, Added: []string{"new"}}))
	if err != nil || got.X != 3 {
		t.Errorf("Unmarshal[v1](v2) = %+v, %v, want {X:3}", got, err)
	}
}

func TestGeneralInvalidUTF8(t *testing.T) {
	roundTrip(t, point{Name: "\xff\xfe bad"})
	roundTrip(t, map[string]string{"\xc3": "\x80"})
}

func TestGeneralDoesNotRetain(t *testing.T) {
	b := mustMarshal(t, shape{Raw: []byte("keep"), Tags: map[string]string{"k": "v"}})
	got, err := Unmarshal[shape](b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0xff
	}
	if string(got.Raw) != "keep" || got.Tags["k"] != "v" {
		t.Errorf("decoded struct changed with its payload: %+v", got)
	}
}

func TestGeneralDecodeErrors(t *testing.T) {
	good := mustMarshal(t, shape{ID: 1, Points: []point{{1, 2, "a"}}})
	tests := []struct {
		name string
		b    []byte
		want string // substring of the message
	}{
		{"empty", nil, "codec: decode codec.shape: "},
		{"truncated", good[:len(good)-1], "codec: decode codec.shape: "},
		{"trailing", append(bytes.Clone(good), 0), "extraneous data"},
		{"wrong type", mustMarshal(t, []string{"x"}), "cannot unmarshal"},
		{"huge count", []byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "codec: decode codec.shape: "},
		{"deep", append(bytes.Repeat([]byte{0x81}, 5000), 0), "exceeded max nested level"},
	}
	for _, tt := range tests {
		_, err := Unmarshal[shape](tt.b)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrDecode) {
			t.Errorf("%s: Unmarshal[shape](%.20x) error = %v, want one containing %q and matching ErrDecode", tt.name, tt.b, err, tt.want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	type bad struct{ C chan int }
	if b, err := Marshal(bad{C: make(chan int)}); err == nil || !strings.HasPrefix(err.Error(), "codec: encode codec.bad: ") {
		t.Errorf("Marshal(chan) = %x, %v, want an encode error", b, err)
	}
	prefix := []byte("keep")
	b, err := AppendMarshal(prefix, func() {})
	if err == nil || string(b) != "keep" {
		t.Errorf("AppendMarshal(%q, func) = %q, %v, want the prefix and an error", prefix, b, err)
	}
	if errors.Is(err, ErrDecode) {
		t.Errorf("encode error %v matches ErrDecode", err)
	}
}

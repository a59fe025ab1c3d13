package codec

import (
	"bytes"
	"errors"
	"testing"
)

// The fuzz targets check that decoding never panics, that every error
// matches ErrDecode, and that whatever decodes re-encodes to something
// that decodes again.

func FuzzUnmarshalInt(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 2, 3})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Unmarshal[int](b)
		if err != nil {
			checkDecodeErr(t, err)
			return
		}
		if len(b) != 8 {
			t.Fatalf("Unmarshal[int](%x) = %d, want an error for %d bytes", b, v, len(b))
		}
		if again, _ := Marshal(v); !bytes.Equal(again, b) {
			t.Fatalf("Marshal(Unmarshal[int](%x)) = %x", b, again)
		}
	})
}

func FuzzUnmarshalFloat64s(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f})
	f.Add(make([]byte, 13))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Unmarshal[[]float64](b)
		if err != nil {
			checkDecodeErr(t, err)
			return
		}
		if again, _ := Marshal(v); !bytes.Equal(again, b) {
			t.Fatalf("Marshal(Unmarshal[[]float64](%x)) = %x", b, again)
		}
		// The unaligned path must agree.
		if len(b) > 0 {
			shifted := append([]byte{0}, b...)[1:]
			w, err := Unmarshal[[]float64](shifted)
			if err != nil || !same(w, v) {
				t.Fatalf("unaligned Unmarshal[[]float64](%x) = %v, %v, want %v", b, w, err, v)
			}
		}
	})
}

func FuzzUnmarshalString(f *testing.F) {
	f.Add([]byte("héllo"))
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Unmarshal[string](b)
		if err != nil {
			t.Fatalf("Unmarshal[string](%x) error: %v; every payload is a string", b, err)
		}
		if v != string(b) {
			t.Fatalf("Unmarshal[string](%x) = %q", b, v)
		}
	})
}

type fuzzInner struct {
	Vals  []float64
	Names map[string]int
	Next  *fuzzInner
}

type fuzzOuter struct {
	ID    uint64
	Label string
	Inner fuzzInner
	List  []fuzzInner
	Any   any
	Arr   [3]int16
}

func FuzzUnmarshalStruct(f *testing.F) {
	for _, v := range []fuzzOuter{
		{},
		{ID: 1, Label: "x", Inner: fuzzInner{Vals: []float64{1}, Names: map[string]int{"a": 1}}},
		{List: []fuzzInner{{Next: &fuzzInner{Vals: []float64{2}}}}, Any: []any{"a", 1.5}},
	} {
		b, err := Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Unmarshal[fuzzOuter](b)
		if err != nil {
			checkDecodeErr(t, err)
			return
		}
		again, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(Unmarshal[fuzzOuter](%x)) error: %v", b, err)
		}
		if _, err := Unmarshal[fuzzOuter](again); err != nil {
			t.Fatalf("Unmarshal(Marshal(Unmarshal(%x))) error: %v", b, err)
		}
	})
}

func checkDecodeErr(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrDecode) {
		t.Fatalf("decode error %v does not match ErrDecode", err)
	}
}

package codec

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gask-dev/gask/array/chunk"
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

// FuzzUnmarshalChunk decodes arbitrary payloads as *chunk.Chunk, the type
// that travels in its own binary form and keeps its payload: errors match
// ErrDecode and chunk.ErrFormat, a chunk decoded has as many elements as
// its shape, re-encodes to the payload (version 2) and decodes alike from
// a misaligned copy.
func FuzzUnmarshalChunk(f *testing.F) {
	for _, c := range []*chunk.Chunk{chunk.Scalar(1.5), chunk.New(0), chunk.Arange(0, 1, 0, 6), chunk.New(2, 3)} {
		b, err := Marshal(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)-1])
	}
	v2, _ := Marshal(chunk.Arange(1, 1, 0, 2))
	f.Add(append(append(v2[:8:8], 1), append(v2[9:12], v2[16:]...)...)) // version 1
	f.Add([]byte("gaskchnk\x02d\x02\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\x7f\x02"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b) // b may become the chunk's data
		c, err := Unmarshal[*chunk.Chunk](b)
		if err != nil {
			checkDecodeErr(t, err)
			if !errors.Is(err, chunk.ErrFormat) {
				t.Fatalf("Unmarshal[*chunk.Chunk](%x) error %v does not match chunk.ErrFormat", orig, err)
			}
			return
		}
		if n, err := chunk.Size(c.Shape); err != nil || n != len(c.Data) {
			t.Fatalf("Unmarshal[*chunk.Chunk](%x) = %d elements for shape %v (%v)", orig, len(c.Data), c.Shape, err)
		}
		again, err := Marshal(c)
		if err != nil {
			t.Fatalf("Marshal(Unmarshal[*chunk.Chunk](%x)) error: %v", orig, err)
		}
		if orig[8] == 2 && !bytes.Equal(again, orig) {
			t.Fatalf("Marshal(Unmarshal[*chunk.Chunk](%x)) = %x", orig, again)
		}
		shifted := append([]byte{0}, orig...)[1:]
		d, err := Unmarshal[*chunk.Chunk](shifted)
		if err != nil {
			t.Fatalf("misaligned Unmarshal[*chunk.Chunk](%x) error: %v", orig, err)
		}
		if e, _ := Marshal(d); !bytes.Equal(e, again) {
			t.Fatalf("misaligned Unmarshal[*chunk.Chunk](%x) = %v, want %v", orig, d, c)
		}
	})
}

func checkDecodeErr(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrDecode) {
		t.Fatalf("decode error %v does not match ErrDecode", err)
	}
}

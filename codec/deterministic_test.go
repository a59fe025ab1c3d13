package codec_test

import (
	"bytes"
	"testing"

	"github.com/gask-dev/gask/codec"
)

// TestMapsEncodeDeterministically checks that equal values with maps, at
// the top or inside a struct, always encode to the same bytes: task keys
// hash encoded arguments, so a map argument must give one key.
func TestMapsEncodeDeterministically(t *testing.T) {
	type params struct {
		Name string
		Opts map[string]float64
	}
	m := map[string]int{}
	for i, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		m[k] = i
	}
	p := params{Name: "run", Opts: map[string]float64{"x": 1, "y": 2, "z": 3, "w": 4, "v": 5, "u": 6}}
	first, err := codec.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	firstP, err := codec.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if b, _ := codec.Marshal(m); !bytes.Equal(b, first) {
			t.Fatalf("Marshal(map) = %x, earlier %x: map order leaked into the encoding", b, first)
		}
		if b, _ := codec.Marshal(p); !bytes.Equal(b, firstP) {
			t.Fatalf("Marshal(struct with a map) = %x, earlier %x", b, firstP)
		}
	}
}

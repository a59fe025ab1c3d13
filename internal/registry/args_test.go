package registry

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

func TestArgsRoundTrip(t *testing.T) {
	in := []Arg{{Dep: -1, Value: []byte("abc")}, {Dep: 2}, {Dep: -1}, {Dep: 0}, {Dep: -1, List: []int{2, 0, 2}}, {Dep: -1, List: []int{}}}
	out, err := DecodeArgs(AppendArgs(nil, in), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("DecodeArgs gave %d args, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i].Dep != in[i].Dep || !bytes.Equal(out[i].Value, in[i].Value) || !slices.Equal(out[i].List, in[i].List) || (out[i].List == nil) != (in[i].List == nil) {
			t.Errorf("arg %d = %+v, want %+v", i, out[i], in[i])
		}
	}
	if _, err := DecodeArgs(AppendArgs(nil, in), 2); !errors.Is(err, ErrBadArgs) {
		t.Errorf("DecodeArgs with too few deps: err = %v, want ErrBadArgs", err)
	}
}

func FuzzDecodeArgs(f *testing.F) {
	f.Add(AppendArgs(nil, []Arg{{Dep: -1, Value: []byte("x")}, {Dep: 1}}), 2)
	f.Add(AppendArgs(nil, []Arg{{Dep: -1, List: []int{0, 1, 1}}}), 2)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 1000 {
			return
		}
		args, err := DecodeArgs(b, n)
		if err != nil {
			if !errors.Is(err, ErrBadArgs) {
				t.Fatalf("error %v is not ErrBadArgs", err)
			}
			return
		}
		if again, err := DecodeArgs(AppendArgs(nil, args), n); err != nil || len(again) != len(args) {
			t.Fatalf("re-decode: %v", err)
		}
	})
}

// raceEnabled is set when the tests run under the race detector.
var raceEnabled bool

// TestAppendArgsAllocatesOnce: AppendArgs sizes its buffer before writing.
func TestAppendArgsAllocatesOnce(t *testing.T) {
	for _, x := range []uint64{0, 1, 127, 128, 16383, 16384, 1<<63 - 1, 1<<64 - 1} {
		if got, want := uvarintLen(x), len(binary.AppendUvarint(nil, x)); got != want {
			t.Errorf("uvarintLen(%d) = %d, want %d", x, got, want)
		}
	}
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	in := []Arg{{Dep: -1, Value: bytes.Repeat([]byte("v"), 300)}, {Dep: 200}, {Dep: -1, List: []int{1, 300, 70000}}}
	if n := testing.AllocsPerRun(100, func() { AppendArgs(nil, in) }); n != 1 {
		t.Errorf("AppendArgs made %v allocations, want 1", n)
	}
}

// TestAppendDecodedArgsUsesBuffer: decoding into a buffer with room
// allocates nothing and gives what DecodeArgs gives.
func TestAppendDecodedArgsUsesBuffer(t *testing.T) {
	b := AppendArgs(nil, []Arg{{Dep: -1, Value: []byte("abc")}, {Dep: 1}})
	var buf [4]Arg
	got, err := AppendDecodedArgs(buf[:0], b, 2)
	if err != nil || len(got) != 2 || &got[0] != &buf[0] || got[1].Dep != 1 || string(got[0].Value) != "abc" {
		t.Fatalf("AppendDecodedArgs = %+v, %v; want the two args in the buffer", got, err)
	}
	if raceEnabled {
		return
	}
	if n := testing.AllocsPerRun(100, func() { AppendDecodedArgs(buf[:0], b, 2) }); n != 0 {
		t.Errorf("AppendDecodedArgs into a buffer with room made %v allocations", n)
	}
}

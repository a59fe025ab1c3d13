package codec_test

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/gask-dev/gask/codec"
)

type floats []float64
type label string

// TestViewIsMarshal checks that View, where it applies, returns exactly
// Marshal's bytes, and that it aliases the value instead of copying it.
func TestViewIsMarshal(t *testing.T) {
	check := func(name string, v any, want []byte, alias unsafe.Pointer) {
		t.Helper()
		got, ok := codec.View(v)
		if !ok {
			t.Errorf("View(%s) not ok, want its memory", name)
			return
		}
		if !bytes.Equal(got, want) {
			t.Errorf("View(%s) = %x, want Marshal's %x", name, got, want)
		}
		if alias != nil && len(got) > 0 && unsafe.Pointer(&got[0]) != alias {
			t.Errorf("View(%s) copied the value", name)
		}
	}
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	bs := []byte{1, 2, 3}
	check("[]byte", bs, must(codec.Marshal(bs)), unsafe.Pointer(&bs[0]))
	s := "hello"
	check("string", s, must(codec.Marshal(s)), unsafe.Pointer(unsafe.StringData(s)))
	l := label("named")
	check("named string", l, must(codec.Marshal(l)), nil)
	fs := []float64{1.5, -2, 3e300}
	check("[]float64", fs, must(codec.Marshal(fs)), unsafe.Pointer(&fs[0]))
	nf := floats{4, 5}
	check("named []float64", nf, must(codec.Marshal(nf)), unsafe.Pointer(&nf[0]))
	is := []int{1, -1, 1 << 40}
	check("[]int", is, must(codec.Marshal(is)), unsafe.Pointer(&is[0]))
	i16 := []int16{-3, 7}
	check("[]int16", i16, must(codec.Marshal(i16)), unsafe.Pointer(&i16[0]))
	bools := []bool{true, false, true}
	check("[]bool", bools, must(codec.Marshal(bools)), unsafe.Pointer(&bools[0]))
	cs := []complex128{1 + 2i}
	check("[]complex128", cs, must(codec.Marshal(cs)), unsafe.Pointer(&cs[0]))
	check("empty []float64", []float64{}, must(codec.Marshal([]float64{})), nil)

	for _, v := range []any{42, 1.5, struct{ A int }{1}, []string{"a"}, map[string]int{}, [][]byte{{1}}, nil} {
		if b, ok := codec.View(v); ok {
			t.Errorf("View(%T) = %x, true; want false: its encoding is not its memory", v, b)
		}
	}
}

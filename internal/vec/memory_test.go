package vec

import (
	"encoding/binary"
	"math"
	"testing"
	"unsafe"
)

func TestBytesAndView(t *testing.T) {
	s := []float64{1.5, -2, math.Inf(1)}
	b := Bytes(s)
	if len(b) != 24 || unsafe.Pointer(&b[0]) != unsafe.Pointer(&s[0]) {
		t.Fatalf("Bytes(%v): %d bytes at %p, want 24 at %p", s, len(b), &b[0], &s[0])
	}
	for i, x := range s {
		if got := binary.NativeEndian.Uint64(b[8*i:]); got != math.Float64bits(x) {
			t.Errorf("Bytes(%v)[%d:] = %#x, want %#x", s, 8*i, got, math.Float64bits(x))
		}
	}
	if b := Bytes(nil); b != nil {
		t.Errorf("Bytes(nil) = %v, want nil", b)
	}

	v, ok := View(b)
	if !ok || len(v) != 3 || cap(v) != 3 || &v[0] != &s[0] {
		t.Errorf("View(Bytes(s)) = %v (cap %d), %v; want s itself", v, cap(v), ok)
	}
	if v, ok := View(b[8:]); !ok || &v[0] != &s[1] {
		t.Errorf("View of an 8-byte aligned suffix = %v, %v; want s[1:]", v, ok)
	}
	if v, ok := View(b[1:17]); ok {
		t.Errorf("View of misaligned bytes = %v, true; want false", v)
	}
	if v, ok := View(b[:12]); ok {
		t.Errorf("View of 12 bytes = %v, true; want false", v)
	}
	if v, ok := View(nil); !ok || v == nil || len(v) != 0 {
		t.Errorf("View(nil) = %#v, %v; want an empty, non-nil slice", v, ok)
	}
	if LittleEndian != (binary.NativeEndian.Uint16([]byte{1, 0}) == 1) {
		t.Errorf("LittleEndian = %v on this host", LittleEndian)
	}
}

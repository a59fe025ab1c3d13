package codec

import (
	"reflect"
	"strconv"
	"unsafe"
)

// View returns v's encoding without copying it, when that encoding is v's
// own memory: a []byte or string, or, on a little-endian machine, a slice
// of fixed-size numbers or bools (named types included). ok is false for
// every other value, which must be encoded with Marshal.
//
// The bytes alias v: the caller must not modify them, and must not use
// them after v changes. They are what Marshal would return for v.
func View(v any) (b []byte, ok bool) {
	switch x := v.(type) {
	case []byte:
		return x, true
	case string:
		return unsafe.Slice(unsafe.StringData(x), len(x)), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		s := rv.String()
		return unsafe.Slice(unsafe.StringData(s), len(s)), true
	case reflect.Slice:
	default:
		return nil, false
	}
	size, ok := imageSize(rv.Type().Elem().Kind())
	if !ok || (size > 1 && !littleEndian) {
		return nil, false
	}
	if rv.Len() == 0 {
		return nil, true
	}
	return unsafe.Slice((*byte)(rv.UnsafePointer()), rv.Len()*size), true
}

// imageSize is the wire size of one element of kind k when it travels as
// its memory image (see appendSlice), or ok=false.
func imageSize(k reflect.Kind) (size int, ok bool) {
	switch k {
	case reflect.Bool, reflect.Int8, reflect.Uint8:
		return 1, true
	case reflect.Int16, reflect.Uint16:
		return 2, true
	case reflect.Int32, reflect.Uint32, reflect.Float32:
		return 4, true
	case reflect.Int64, reflect.Uint64, reflect.Float64, reflect.Complex64:
		return 8, true
	case reflect.Complex128:
		return 16, true
	case reflect.Int, reflect.Uint:
		return 8, strconv.IntSize == 64
	}
	return 0, false
}

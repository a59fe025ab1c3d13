package vec

import (
	"encoding/binary"
	"unsafe"
)

// Views of float64 memory as bytes and back, for encoders that move
// chunks as little-endian bytes: on a little-endian host that is the
// memory itself, so it can be copied in one block or not at all. (Package
// array/chunk may not import unsafe; these are the only places it needs
// it.)

// LittleEndian reports whether the host stores a float64 least
// significant byte first, as gask's wire and file formats do.
var LittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Bytes returns the memory of s as bytes, without copying: 8·len(s)
// bytes in the host's byte order. The bytes alias s.
func Bytes(s []float64) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 8*len(s))
}

// View returns b as float64s in the host's byte order, without copying,
// when b starts at an address that is a multiple of 8 and its length is
// a multiple of 8; ok is false otherwise. The result aliases b, and its
// capacity is its length, so appending to it never writes past b. An
// empty b gives an empty, non-nil slice.
func View(b []byte) (s []float64, ok bool) {
	if len(b)%8 != 0 {
		return nil, false
	}
	if len(b) == 0 {
		return []float64{}, true
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	if uintptr(p)%8 != 0 {
		return nil, false
	}
	return unsafe.Slice((*float64)(p), len(b)/8), true
}

package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unsafe"
)

// fixed is the set of element types whose slices travel as one block of
// little-endian memory. int and uint are not in it: their size depends on
// the platform, so they are handled as int64 and uint64 where those match
// and converted one by one elsewhere.
type fixed interface {
	bool | int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 |
		float32 | float64 | complex64 | complex128
}

// appendSlice appends the slice of element kind ek at p. Slices of named
// element types are read as slices of the basic type with the same layout.
func appendSlice(b []byte, p unsafe.Pointer, ek rawKind) []byte {
	switch ek {
	case rawBool:
		return appendFixed(b, *(*[]bool)(p))
	case rawInt8:
		return appendFixed(b, *(*[]int8)(p))
	case rawInt16:
		return appendFixed(b, *(*[]int16)(p))
	case rawInt32:
		return appendFixed(b, *(*[]int32)(p))
	case rawInt64:
		return appendFixed(b, *(*[]int64)(p))
	case rawUint8:
		return append(b, *(*[]uint8)(p)...)
	case rawUint16:
		return appendFixed(b, *(*[]uint16)(p))
	case rawUint32:
		return appendFixed(b, *(*[]uint32)(p))
	case rawUint64:
		return appendFixed(b, *(*[]uint64)(p))
	case rawFloat32:
		return appendFixed(b, *(*[]float32)(p))
	case rawFloat64:
		return appendFixed(b, *(*[]float64)(p))
	case rawComplex64:
		return appendFixed(b, *(*[]complex64)(p))
	case rawComplex128:
		return appendFixed(b, *(*[]complex128)(p))
	case rawInt:
		if strconv.IntSize == 64 {
			return appendFixed(b, *(*[]int64)(p))
		}
		for _, x := range *(*[]int)(p) {
			b = binary.LittleEndian.AppendUint64(b, uint64(x))
		}
		return b
	case rawUint:
		if strconv.IntSize == 64 {
			return appendFixed(b, *(*[]uint64)(p))
		}
		for _, x := range *(*[]uint)(p) {
			b = binary.LittleEndian.AppendUint64(b, uint64(x))
		}
		return b
	}
	panic("codec: appendSlice of unknown kind " + strconv.Itoa(int(ek)))
}

// decodeSlice decodes b into the slice of element kind ek at p.
func decodeSlice(b []byte, p unsafe.Pointer, ek rawKind) error {
	switch ek {
	case rawBool:
		if err := checkBools(b); err != nil {
			return err
		}
		return setSlice[bool](p, b)
	case rawInt8:
		return setSlice[int8](p, b)
	case rawInt16:
		return setSlice[int16](p, b)
	case rawInt32:
		return setSlice[int32](p, b)
	case rawInt64:
		return setSlice[int64](p, b)
	case rawUint16:
		return setSlice[uint16](p, b)
	case rawUint32:
		return setSlice[uint32](p, b)
	case rawUint64:
		return setSlice[uint64](p, b)
	case rawFloat32:
		return setSlice[float32](p, b)
	case rawFloat64:
		return setSlice[float64](p, b)
	case rawComplex64:
		return setSlice[complex64](p, b)
	case rawComplex128:
		return setSlice[complex128](p, b)
	case rawInt:
		if strconv.IntSize == 64 {
			return setSlice[int64](p, b)
		}
		s, err := decodeInts(b)
		*(*[]int)(p) = s
		return err
	case rawUint:
		if strconv.IntSize == 64 {
			return setSlice[uint64](p, b)
		}
		s, err := decodeUints(b)
		*(*[]uint)(p) = s
		return err
	}
	panic("codec: decodeSlice of unknown kind " + strconv.Itoa(int(ek)))
}

func setSlice[E fixed](p unsafe.Pointer, b []byte) error {
	s, err := decodeFixed[E](b)
	if err != nil {
		return err
	}
	*(*[]E)(p) = s
	return nil
}

// bytesOf views the backing array of s as bytes, without copying.
func bytesOf[E fixed](s []E) []byte {
	var e E
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(e)))
}

// appendFixed appends s with a single copy on little-endian hosts.
func appendFixed[E fixed](b []byte, s []E) []byte {
	if littleEndian {
		return append(b, bytesOf(s)...)
	}
	return appendPortable(b, s)
}

// decodeFixed decodes a block of little-endian elements into a new slice.
// It never returns nil: an empty payload decodes to an empty slice.
func decodeFixed[E fixed](b []byte) ([]E, error) {
	var e E
	size := int(unsafe.Sizeof(e))
	if len(b)%size != 0 {
		return nil, fmt.Errorf("payload of %d bytes is not a multiple of %d", len(b), size)
	}
	n := len(b) / size
	if n == 0 {
		return []E{}, nil
	}
	if !littleEndian {
		return decodePortable[E](b, n), nil
	}
	// Appending to nil copies b once into memory that is not zeroed first
	// (make and copy would write every byte twice). The allocator aligns
	// such blocks for any element type in practice; check rather than
	// assume, and fall back to make and copy.
	buf := append([]byte(nil), b...)
	if p := unsafe.Pointer(unsafe.SliceData(buf)); uintptr(p)%unsafe.Alignof(e) == 0 {
		return unsafe.Slice((*E)(p), n), nil
	}
	s := make([]E, n)
	copy(bytesOf(s), b)
	return s, nil
}

// checkBools rejects bytes other than 0 and 1, eight at a time: any other
// byte in memory would be an invalid Go bool.
func checkBools(b []byte) error {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0xfefefefefefefefe != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] > 1 {
			return fmt.Errorf("invalid bool byte %#02x at offset %d", b[i], i)
		}
	}
	return nil
}

func decodeInts(b []byte) ([]int, error) {
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("payload of %d bytes is not a multiple of 8", len(b))
	}
	s := make([]int, len(b)/8)
	for i := range s {
		x := int64(binary.LittleEndian.Uint64(b[8*i:]))
		if int64(int(x)) != x {
			return nil, fmt.Errorf("element %d: value %d overflows int", i, x)
		}
		s[i] = int(x)
	}
	return s, nil
}

func decodeUints(b []byte) ([]uint, error) {
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("payload of %d bytes is not a multiple of 8", len(b))
	}
	s := make([]uint, len(b)/8)
	for i := range s {
		x := binary.LittleEndian.Uint64(b[8*i:])
		if uint64(uint(x)) != x {
			return nil, fmt.Errorf("element %d: value %d overflows uint", i, x)
		}
		s[i] = uint(x)
	}
	return s, nil
}

// appendPortable is appendFixed for big-endian hosts: one element at a
// time through encoding/binary. Tests run it on every host.
func appendPortable[E fixed](b []byte, s []E) []byte {
	le := binary.LittleEndian
	switch s := any(s).(type) {
	case []bool:
		for _, x := range s {
			if x {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
	case []int8:
		for _, x := range s {
			b = append(b, uint8(x))
		}
	case []uint8:
		b = append(b, s...)
	case []int16:
		for _, x := range s {
			b = le.AppendUint16(b, uint16(x))
		}
	case []uint16:
		for _, x := range s {
			b = le.AppendUint16(b, x)
		}
	case []int32:
		for _, x := range s {
			b = le.AppendUint32(b, uint32(x))
		}
	case []uint32:
		for _, x := range s {
			b = le.AppendUint32(b, x)
		}
	case []int64:
		for _, x := range s {
			b = le.AppendUint64(b, uint64(x))
		}
	case []uint64:
		for _, x := range s {
			b = le.AppendUint64(b, x)
		}
	case []float32:
		for _, x := range s {
			b = le.AppendUint32(b, math.Float32bits(x))
		}
	case []float64:
		for _, x := range s {
			b = le.AppendUint64(b, math.Float64bits(x))
		}
	case []complex64:
		for _, x := range s {
			b = le.AppendUint32(b, math.Float32bits(real(x)))
			b = le.AppendUint32(b, math.Float32bits(imag(x)))
		}
	case []complex128:
		for _, x := range s {
			b = le.AppendUint64(b, math.Float64bits(real(x)))
			b = le.AppendUint64(b, math.Float64bits(imag(x)))
		}
	}
	return b
}

// decodePortable is the big-endian counterpart of decodeFixed's copy;
// len(b) is n elements. Tests run it on every host.
func decodePortable[E fixed](b []byte, n int) []E {
	le := binary.LittleEndian
	s := make([]E, n)
	switch s := any(s).(type) {
	case []bool:
		for i := range s {
			s[i] = b[i] == 1
		}
	case []int8:
		for i := range s {
			s[i] = int8(b[i])
		}
	case []uint8:
		copy(s, b)
	case []int16:
		for i := range s {
			s[i] = int16(le.Uint16(b[2*i:]))
		}
	case []uint16:
		for i := range s {
			s[i] = le.Uint16(b[2*i:])
		}
	case []int32:
		for i := range s {
			s[i] = int32(le.Uint32(b[4*i:]))
		}
	case []uint32:
		for i := range s {
			s[i] = le.Uint32(b[4*i:])
		}
	case []int64:
		for i := range s {
			s[i] = int64(le.Uint64(b[8*i:]))
		}
	case []uint64:
		for i := range s {
			s[i] = le.Uint64(b[8*i:])
		}
	case []float32:
		for i := range s {
			s[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case []float64:
		for i := range s {
			s[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
	case []complex64:
		for i := range s {
			s[i] = complex(math.Float32frombits(le.Uint32(b[8*i:])), math.Float32frombits(le.Uint32(b[8*i+4:])))
		}
	case []complex128:
		for i := range s {
			s[i] = complex(math.Float64frombits(le.Uint64(b[16*i:])), math.Float64frombits(le.Uint64(b[16*i+8:])))
		}
	}
	return s
}

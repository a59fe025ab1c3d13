package codec

import (
	"encoding"
	"encoding/binary"
	"fmt"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/fxamacker/cbor/v2"
)

// rawKind names a type whose values travel as raw little-endian bytes:
// a scalar, a string, or (with the rawSlice bit) a slice of scalars.
// Everything else is notRaw and travels as CBOR.
type rawKind uint8

const (
	notRaw rawKind = iota
	rawBool
	rawInt8
	rawInt16
	rawInt32
	rawInt64
	rawInt // travels as 64 bits
	rawUint8
	rawUint16
	rawUint32
	rawUint64
	rawUint // travels as 64 bits
	rawFloat32
	rawFloat64
	rawComplex64
	rawComplex128
	rawString

	// rawSlice marks a slice whose element kind is in the low bits.
	rawSlice rawKind = 0x20
	rawBytes         = rawSlice | rawUint8
)

// wireSize is the encoded size of one scalar of each kind.
var wireSize = [...]int{
	rawBool: 1, rawInt8: 1, rawInt16: 2, rawInt32: 4, rawInt64: 8, rawInt: 8,
	rawUint8: 1, rawUint16: 2, rawUint32: 4, rawUint64: 8, rawUint: 8,
	rawFloat32: 4, rawFloat64: 8, rawComplex64: 8, rawComplex128: 16,
}

// littleEndian reports whether the host stores numbers least significant
// byte first, so that memory can be copied to and from the wire as is.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// basicKind is the fast path: the raw kind of the predeclared types and
// their slices, found by a type switch with no reflection or lookups.
// (Marshal and Unmarshal handle int and float64 before calling it.)
// It returns notRaw for every other type, named ones included.
func basicKind[T any](p *T) rawKind {
	switch any(p).(type) {
	case *bool:
		return rawBool
	case *int8:
		return rawInt8
	case *int16:
		return rawInt16
	case *int:
		return rawInt
	case *int32:
		return rawInt32
	case *int64:
		return rawInt64
	case *uint8:
		return rawUint8
	case *uint16:
		return rawUint16
	case *uint32:
		return rawUint32
	case *uint64:
		return rawUint64
	case *uint:
		return rawUint
	case *float32:
		return rawFloat32
	case *float64:
		return rawFloat64
	case *complex64:
		return rawComplex64
	case *complex128:
		return rawComplex128
	case *string:
		return rawString
	case *[]byte:
		return rawBytes
	case *[]float64:
		return rawSlice | rawFloat64
	case *[]float32:
		return rawSlice | rawFloat32
	case *[]int64:
		return rawSlice | rawInt64
	case *[]int32:
		return rawSlice | rawInt32
	case *[]int:
		return rawSlice | rawInt
	case *[]uint64:
		return rawSlice | rawUint64
	case *[]uint32:
		return rawSlice | rawUint32
	case *[]uint16:
		return rawSlice | rawUint16
	case *[]int16:
		return rawSlice | rawInt16
	case *[]int8:
		return rawSlice | rawInt8
	case *[]uint:
		return rawSlice | rawUint
	case *[]complex128:
		return rawSlice | rawComplex128
	case *[]complex64:
		return rawSlice | rawComplex64
	case *[]bool:
		return rawSlice | rawBool
	}
	return notRaw
}

var (
	cborMarshaler     = reflect.TypeFor[cbor.Marshaler]()
	cborUnmarshaler   = reflect.TypeFor[cbor.Unmarshaler]()
	binaryMarshaler   = reflect.TypeFor[encoding.BinaryMarshaler]()
	binaryUnmarshaler = reflect.TypeFor[encoding.BinaryUnmarshaler]()
)

// kindOfType is the raw kind of any type, named ones included: a type
// travels raw when its underlying type is one of the basic raw types, so
// that type Celsius float64 and type Samples []Celsius take the fast path.
// A type that brings its own CBOR or binary encoding keeps it.
func kindOfType(t reflect.Type) rawKind {
	if t.Kind() == reflect.Slice {
		e := scalarKind(t.Elem())
		if e == notRaw || e == rawString {
			return notRaw
		}
		if customEncoding(t) {
			return notRaw
		}
		return rawSlice | e
	}
	return scalarKind(t)
}

func scalarKind(t reflect.Type) rawKind {
	var k rawKind
	switch t.Kind() {
	case reflect.Bool:
		k = rawBool
	case reflect.Int8:
		k = rawInt8
	case reflect.Int16:
		k = rawInt16
	case reflect.Int32:
		k = rawInt32
	case reflect.Int64:
		k = rawInt64
	case reflect.Int:
		k = rawInt
	case reflect.Uint8:
		k = rawUint8
	case reflect.Uint16:
		k = rawUint16
	case reflect.Uint32:
		k = rawUint32
	case reflect.Uint64:
		k = rawUint64
	case reflect.Uint:
		k = rawUint
	case reflect.Float32:
		k = rawFloat32
	case reflect.Float64:
		k = rawFloat64
	case reflect.Complex64:
		k = rawComplex64
	case reflect.Complex128:
		k = rawComplex128
	case reflect.String:
		k = rawString
	default:
		return notRaw
	}
	if customEncoding(t) {
		return notRaw
	}
	return k
}

func customEncoding(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(cborMarshaler) || pt.Implements(cborUnmarshaler) ||
		t.Implements(binaryMarshaler) || pt.Implements(binaryUnmarshaler)
}

// appendRaw appends the value of kind k at p. Scalars are read through
// pointers to the unsigned integer of the same size, which share their
// memory layout.
func appendRaw(b []byte, p unsafe.Pointer, k rawKind) []byte {
	le := binary.LittleEndian
	switch k {
	case rawBool:
		if *(*bool)(p) {
			return append(b, 1)
		}
		return append(b, 0)
	case rawInt8, rawUint8:
		return append(b, *(*uint8)(p))
	case rawInt16, rawUint16:
		return le.AppendUint16(b, *(*uint16)(p))
	case rawInt32, rawUint32, rawFloat32:
		return le.AppendUint32(b, *(*uint32)(p))
	case rawInt64, rawUint64, rawFloat64:
		return le.AppendUint64(b, *(*uint64)(p))
	case rawInt:
		return le.AppendUint64(b, uint64(*(*int)(p)))
	case rawUint:
		return le.AppendUint64(b, uint64(*(*uint)(p)))
	case rawComplex64:
		b = le.AppendUint32(b, *(*uint32)(p))
		return le.AppendUint32(b, *(*uint32)(unsafe.Add(p, 4)))
	case rawComplex128:
		b = le.AppendUint64(b, *(*uint64)(p))
		return le.AppendUint64(b, *(*uint64)(unsafe.Add(p, 8)))
	case rawString:
		return append(b, *(*string)(p)...)
	}
	return appendSlice(b, p, k&^rawSlice)
}

// decodeRaw decodes b into the value of kind k at p. Errors carry no
// type name; the caller adds it.
func decodeRaw(b []byte, p unsafe.Pointer, k rawKind) error {
	le := binary.LittleEndian
	if k&rawSlice == 0 && k != rawString && len(b) != wireSize[k] {
		return fmt.Errorf("payload of %d bytes, want %d", len(b), wireSize[k])
	}
	switch k {
	case rawBool:
		if b[0] > 1 {
			return fmt.Errorf("invalid bool byte %#02x", b[0])
		}
		*(*bool)(p) = b[0] == 1
	case rawInt8, rawUint8:
		*(*uint8)(p) = b[0]
	case rawInt16, rawUint16:
		*(*uint16)(p) = le.Uint16(b)
	case rawInt32, rawUint32, rawFloat32:
		*(*uint32)(p) = le.Uint32(b)
	case rawInt64, rawUint64, rawFloat64:
		*(*uint64)(p) = le.Uint64(b)
	case rawInt:
		x := int64(le.Uint64(b))
		if strconv.IntSize == 32 && int64(int(x)) != x {
			return fmt.Errorf("value %d overflows int", x)
		}
		*(*int)(p) = int(x)
	case rawUint:
		x := le.Uint64(b)
		if strconv.IntSize == 32 && uint64(uint(x)) != x {
			return fmt.Errorf("value %d overflows uint", x)
		}
		*(*uint)(p) = uint(x)
	case rawComplex64:
		*(*uint32)(p) = le.Uint32(b)
		*(*uint32)(unsafe.Add(p, 4)) = le.Uint32(b[4:])
	case rawComplex128:
		*(*uint64)(p) = le.Uint64(b)
		*(*uint64)(unsafe.Add(p, 8)) = le.Uint64(b[8:])
	case rawString:
		*(*string)(p) = string(b)
	case rawBytes:
		// The caller handed us b: keep it rather than copy.
		if b == nil {
			b = []byte{}
		}
		*(*[]byte)(p) = b
	default:
		return decodeSlice(b, p, k&^rawSlice)
	}
	return nil
}

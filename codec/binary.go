package codec

import (
	"encoding"
	"errors"
	"reflect"
	"unsafe"
)

// binaryKind names how a type travels in its own binary form: the whole
// payload is what its AppendBinary or MarshalBinary produces, with no
// framing, and UnmarshalBinary decodes it.
type binaryKind uint8

const (
	notBinary     binaryKind = iota
	binaryValue              // *T has UnmarshalBinary: decode into a T
	binaryPointer            // T = *E has UnmarshalBinary: decode into a new E
)

var binaryAppender = reflect.TypeFor[encoding.BinaryAppender]()

// binaryKindOf decides whether t travels in its binary form: t implements
// encoding.BinaryAppender or encoding.BinaryMarshaler, and *t (or t
// itself, for a pointer type) encoding.BinaryUnmarshaler. A type that
// brings its own CBOR encoding keeps it, as does an interface type.
func binaryKindOf(t reflect.Type) binaryKind {
	pt := reflect.PointerTo(t)
	switch {
	case t.Kind() == reflect.Interface:
		return notBinary
	case t.Implements(cborMarshaler) || t.Implements(cborUnmarshaler) || pt.Implements(cborUnmarshaler):
		return notBinary
	case !t.Implements(binaryAppender) && !t.Implements(binaryMarshaler):
		return notBinary
	case pt.Implements(binaryUnmarshaler):
		return binaryValue
	case t.Kind() == reflect.Pointer && t.Implements(binaryUnmarshaler):
		return binaryPointer
	}
	return notBinary
}

var errNilPointer = errors.New("nil pointer: a type in its binary form has no encoding for nil")

// appendBinary appends v's binary form to b: AppendBinary if T has it,
// else MarshalBinary. On error it returns b unchanged in length.
func appendBinary[T any](b []byte, v T, k binaryKind) ([]byte, error) {
	if k == binaryPointer && *(*unsafe.Pointer)(unsafe.Pointer(&v)) == nil {
		return b, errNilPointer
	}
	if a, ok := any(v).(encoding.BinaryAppender); ok {
		out, err := a.AppendBinary(b)
		if err != nil {
			return b, err
		}
		return out, nil
	}
	p, err := any(v).(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return b, err
	}
	if b == nil {
		return p, nil
	}
	return append(b, p...), nil
}

// unmarshalBinary decodes b with T's UnmarshalBinary, which may keep b.
// It is separate from Unmarshal so that its escaping &v does not move the
// raw path's variable to the heap.
func unmarshalBinary[T any](b []byte, c *Codec) (T, error) {
	var v T
	var u encoding.BinaryUnmarshaler
	if c.binary == binaryValue {
		u = any(&v).(encoding.BinaryUnmarshaler)
	} else {
		p := reflect.New(c.typ.Elem()).Interface()
		v, u = p.(T), p.(encoding.BinaryUnmarshaler)
	}
	if err := u.UnmarshalBinary(b); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

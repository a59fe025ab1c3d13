package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"
	"unsafe"
)

// ErrDecode is matched, with errors.Is, by every error that Unmarshal and
// Codec.Decode return. The error's message says which type failed and why,
// as in "codec: decode []float64: payload of 13 bytes is not a multiple of 8".
var ErrDecode = errors.New("codec: cannot decode")

// decodeError is a decode failure of one type. It unwraps to ErrDecode and
// to the cause, which may be a CBOR error.
type decodeError struct {
	typ reflect.Type
	err error
}

func (e *decodeError) Error() string {
	return "codec: decode " + e.typ.String() + ": " + e.err.Error()
}

func (e *decodeError) Unwrap() []error { return []error{ErrDecode, e.err} }

// Marshal encodes v into a new slice of exactly the encoded size.
func Marshal[T any](v T) ([]byte, error) {
	// Tasks pass ints and floats most: give them a path with no switches.
	switch p := any(&v).(type) {
	case *int:
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, uint64(*p))
		return b, nil
	case *float64:
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, math.Float64bits(*p))
		return b, nil
	}
	k, c := kindOf(&v)
	if k != notRaw {
		p := unsafe.Pointer(&v)
		if k == rawString || k&rawSlice != 0 {
			// Appending to nil allocates without zeroing first.
			return appendRaw(nil, p, k), nil
		}
		return appendRaw(make([]byte, 0, wireSize[k]), p, k), nil
	}
	var b []byte
	var err error
	if c.binary != notBinary {
		b, err = appendBinary(nil, v, c.binary)
	} else {
		b, err = appendGeneral(nil, v)
	}
	if err != nil {
		return nil, encodeError[T](err)
	}
	return b, nil
}

// AppendMarshal appends the encoding of v to b and returns the extended
// slice. On error it returns b unchanged in length, though bytes past
// len(b) in its capacity may have been written.
func AppendMarshal[T any](b []byte, v T) ([]byte, error) {
	switch p := any(&v).(type) {
	case *int:
		return binary.LittleEndian.AppendUint64(b, uint64(*p)), nil
	case *float64:
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(*p)), nil
	}
	k, c := kindOf(&v)
	if k != notRaw {
		return appendRaw(b, unsafe.Pointer(&v), k), nil
	}
	var err error
	if c.binary != notBinary {
		b, err = appendBinary(b, v, c.binary)
	} else {
		b, err = appendGeneral(b, v)
	}
	if err != nil {
		return b, encodeError[T](err)
	}
	return b, nil
}

// Unmarshal decodes b, produced by Marshal[T] or AppendMarshal[T], into a
// T. The caller hands b over: the result may keep it, so b must not be
// modified or reused afterwards. A []byte result (or a named type whose
// underlying type is []byte) is b itself, and a type decoded by its own
// UnmarshalBinary may keep b (a *chunk.Chunk's data are b's, in place);
// other results are copies. Unmarshal never panics on bad input: it
// returns an error that matches ErrDecode.
func Unmarshal[T any](b []byte) (T, error) {
	var v T
	switch p := any(&v).(type) {
	case *int:
		if len(b) == 8 && strconv.IntSize == 64 {
			*p = int(binary.LittleEndian.Uint64(b))
			return v, nil
		}
	case *float64:
		if len(b) == 8 {
			*p = math.Float64frombits(binary.LittleEndian.Uint64(b))
			return v, nil
		}
	}
	k, c := kindOf(&v)
	if k != notRaw {
		if err := decodeRaw(b, unsafe.Pointer(&v), k); err != nil {
			var zero T
			return zero, &decodeError{reflect.TypeFor[T](), err}
		}
		return v, nil
	}
	var err error
	if c.binary != notBinary {
		v, err = unmarshalBinary[T](b, c)
	} else {
		v, err = unmarshalGeneral[T](b)
	}
	if err != nil {
		return v, &decodeError{reflect.TypeFor[T](), err}
	}
	return v, nil
}

// kindOf is the raw kind of T: the predeclared types by a type switch,
// with no Codec, other types through their cached Codec, which it returns
// when T is not raw.
func kindOf[T any](p *T) (rawKind, *Codec) {
	if k := basicKind(p); k != notRaw {
		return k, nil
	}
	c := For[T]()
	return c.raw, c
}

func encodeError[T any](err error) error {
	return fmt.Errorf("codec: encode %v: %w", reflect.TypeFor[T](), err)
}

// Codec encodes and decodes the values of one type for callers that hold
// them as any, such as a worker that stores task results of many types.
// It produces and accepts the same bytes as Marshal and Unmarshal of that
// type. Get one with For; a Codec is immutable and safe for concurrent use.
type Codec struct {
	typ       reflect.Type
	raw       rawKind
	binary    binaryKind // when raw is notRaw
	appendAny func(b []byte, v any) ([]byte, error)
	decodeAny func(b []byte) (any, error)
}

// codecs caches one *Codec per reflect.Type. It only ever grows, by one
// entry per type a program uses, and every entry is immutable.
var codecs sync.Map

// For returns the Codec for T, building it on first use.
func For[T any]() *Codec {
	t := reflect.TypeFor[T]()
	if c, ok := codecs.Load(t); ok {
		return c.(*Codec)
	}
	c := &Codec{
		typ:       t,
		raw:       kindOfType(t),
		appendAny: appendAny[T],
		decodeAny: decodeAny[T],
	}
	if c.raw == notRaw {
		c.binary = binaryKindOf(t)
	}
	actual, _ := codecs.LoadOrStore(t, c)
	return actual.(*Codec)
}

// Lookup returns the Codec of t if this process has made one with For,
// or nil. Registering a task function makes the codecs of its arguments
// and result, so a worker finds the codec of any type its functions
// return: that is how it decodes the elements of a list argument.
func Lookup(t reflect.Type) *Codec {
	if c, ok := codecs.Load(t); ok {
		return c.(*Codec)
	}
	return nil
}

// Type returns the type the Codec encodes.
func (c *Codec) Type() reflect.Type { return c.typ }

// Encode encodes v, which must hold a value of the Codec's type (or be nil
// when that type is an interface type), into a new slice.
func (c *Codec) Encode(v any) ([]byte, error) { return c.appendAny(nil, v) }

// AppendEncode is Encode appending to b, like AppendMarshal.
func (c *Codec) AppendEncode(b []byte, v any) ([]byte, error) { return c.appendAny(b, v) }

// Decode decodes b like Unmarshal and returns the value in an any. Like
// Unmarshal, it takes b over: see Retains.
func (c *Codec) Decode(b []byte) (any, error) { return c.decodeAny(b) }

// Retains reports whether Decode may return a value that shares memory
// with its input, so that changing one changes the other: true for
// []byte and named byte-slice types, whose value is the input, and for
// types decoded by their own UnmarshalBinary (a *chunk.Chunk uses an
// aligned input in place); false for the other types, whose values are
// copies, except for what the UnmarshalBinary of a field inside a CBOR
// value keeps. A holder of encoded values that must keep them unchanged
// gives Decode a copy when Retains is true.
func (c *Codec) Retains() bool { return c.raw == rawBytes || c.binary != notBinary }

func appendAny[T any](b []byte, v any) ([]byte, error) {
	t, ok := v.(T)
	if !ok && (v != nil || reflect.TypeFor[T]().Kind() != reflect.Interface) {
		return b, fmt.Errorf("codec: encode %v: value has type %T", reflect.TypeFor[T](), v)
	}
	if b == nil {
		return Marshal(t)
	}
	return AppendMarshal(b, t)
}

func decodeAny[T any](b []byte) (any, error) {
	v, err := Unmarshal[T](b)
	if err != nil {
		return nil, err
	}
	return v, nil
}

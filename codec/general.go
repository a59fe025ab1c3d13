package codec

import (
	"bytes"

	"github.com/fxamacker/cbor/v2"
)

// Decoding limits for CBOR payloads. Nothing decoded here is trusted, but
// the limits are generous because the encoder has none: a value that
// encodes must decode. Memory is bounded in any case by the payload, since
// the decoder checks that the whole item is well formed, and so that every
// counted element is present, before it allocates.
const (
	maxNestedLevels  = 1024
	maxArrayElements = 1 << 28
	maxMapPairs      = 1 << 26
)

// encMode and decMode are built once and never change.
var (
	encMode = must(cbor.EncOptions{
		// Map keys in a fixed order: a task's key is a hash of its encoded
		// arguments, so equal arguments must encode equally.
		Sort:          cbor.SortCoreDeterministic,
		ShortestFloat: cbor.ShortestFloatNone, // float32 stays float32
		NaNConvert:    cbor.NaNConvertNone,    // NaN payloads survive
		InfConvert:    cbor.InfConvertNone,
		Time:          cbor.TimeRFC3339Nano, // full precision and offset
		TimeTag:       cbor.EncTagRequired,  // so times in interfaces decode as time.Time
		NilContainers: cbor.NilContainerAsNull,
	}.UserBufferEncMode())

	decMode = must(cbor.DecOptions{
		MaxNestedLevels:  maxNestedLevels,
		MaxArrayElements: maxArrayElements,
		MaxMapPairs:      maxMapPairs,
		UTF8:             cbor.UTF8DecodeInvalid, // Go strings may hold any bytes
		// Unknown struct fields are ignored: the default.
	}.DecMode())
)

// must unwraps a mode built from constant options: an error is a bug here.
func must[M any](m M, err error) M {
	if err != nil {
		panic("codec: bad CBOR options: " + err.Error())
	}
	return m
}

// appendGeneral appends the CBOR encoding of v to b.
func appendGeneral[T any](b []byte, v T) ([]byte, error) {
	if b == nil {
		return encMode.Marshal(v)
	}
	buf := bytes.NewBuffer(b)
	if err := encMode.MarshalToBuffer(v, buf); err != nil {
		return b, err
	}
	return buf.Bytes(), nil
}

// unmarshalGeneral decodes CBOR. It is separate from Unmarshal so that its
// escaping &v does not move the raw path's variable to the heap.
func unmarshalGeneral[T any](b []byte) (T, error) {
	var v T
	if err := decMode.Unmarshal(b, &v); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

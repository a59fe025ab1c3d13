// Package codec turns task arguments and results into bytes and back, for
// the trip between processes. Both ends know the Go type statically (a
// future is typed), so the bytes carry no type tag, and the common cases
// cost almost nothing: an int is eight bytes written in a few nanoseconds,
// and a []float64 of any length is one memory copy.
//
// A minimal use:
//
//	b, err := codec.Marshal(3.5)
//	x, err := codec.Unmarshal[float64](b)
//
// A caller that holds values as any, like the worker's result store, gets
// a Codec for the type once and uses it for every value:
//
//	c := codec.For[[]float64]()
//	b, err := c.Encode(result) // result is an any holding a []float64
//	v, err := c.Decode(b)      // v is an any holding a []float64
//
// # Formats
//
// There are three, chosen by the type alone.
//
// Raw: bool, int8 to int64, int, uint8 to uint64, uint, float32, float64,
// complex64, complex128 and string, and slices of those except string,
// travel as their little-endian bytes with no framing; the length of the
// payload is the length of the value. int and uint travel as 64 bits on
// every platform. A slice is copied to or from the wire in one block on
// little-endian hosts, with no per-element work. Named types whose
// underlying type is one of these (type Celsius float64, type Samples
// []Celsius) travel raw too, unless they implement cbor.Marshaler,
// cbor.Unmarshaler, encoding.BinaryMarshaler or encoding.BinaryUnmarshaler,
// in which case their own encoding is used, as below.
//
// Binary: a type T that implements encoding.BinaryAppender or
// encoding.BinaryMarshaler, and whose pointer *T implements
// encoding.BinaryUnmarshaler, travels as exactly its binary form: the
// whole payload is what AppendBinary (preferred) or MarshalBinary
// produces, with no framing, and decoding calls UnmarshalBinary on the
// whole payload. A pointer type *E whose methods those are travels the
// same way, decoded into a new E; a nil *E cannot be encoded. This is how
// a *chunk.Chunk moves: its header and data, appended in one copy, and
// decoded in place (see the caller's duties). time.Time and the netip
// types take this path too. Types that implement cbor.Marshaler or
// cbor.Unmarshaler keep their CBOR encoding, and so does a type with
// binary methods inside a struct, map or slice, which CBOR encodes as a
// byte string.
//
// General: every other type (structs, maps, arrays, slices of strings or
// structs, pointers, interfaces) is CBOR (RFC 8949), encoded with
// github.com/fxamacker/cbor/v2. The usual rules for that package apply:
// exported struct fields only (unexported fields arrive as zero values),
// cbor and json struct tags are honoured, unknown fields are ignored on
// decoding, and a value in an interface comes back as CBOR's generic Go
// type (an int in an any arrives as uint64 or int64, a map as
// map[any]any), because the bytes carry no Go type. Floats keep every bit,
// NaN payloads included, and a time.Time in a struct keeps nanoseconds
// and its offset. A numeric slice inside a struct is encoded element by
// element; return the slice itself when it is big.
//
// # Empty and nil
//
// In the raw format a nil slice and an empty slice both encode to zero
// bytes, and zero bytes decode to an empty, non-nil slice. In the general
// format nil slices, maps and pointers stay nil.
//
// # Caller's duties
//
// Decode a payload as the type it was encoded from: the raw format cannot
// tell an int from a float64, only that the length is wrong.
//
// Unmarshal and Codec.Decode take the payload over: the caller must not
// modify or reuse it afterwards, because the result may keep it. A
// []byte result is the payload itself, and a type in its binary form may
// keep the payload it is given: a *chunk.Chunk decoded from a payload
// whose data are 8-byte aligned in memory (as they are when the payload
// is) on a little-endian host has the payload as its Data, so a 32 MB
// chunk decodes with no copy. Codec.Retains says which types may keep
// it; other results are copies. A holder that must keep its payloads
// unchanged, or decodes one payload into several values that callers
// may modify, gives Decode a copy when Retains is true.
//
// Values with pointer cycles cannot be encoded (the CBOR encoder would
// recurse until the stack overflows), and values nested more than 1024
// levels deep encode but do not decode.
//
// Decoding never panics and never trusts its input (a type's own
// UnmarshalBinary is as safe as its author made it; the chunk's is
// fuzzed here): every error matches ErrDecode. Memory allocated grows
// only with the payload: a raw value takes its payload's size, and a
// CBOR value at most the size of one Go element per payload byte, since
// the decoder checks that every element a header announces is present
// before it allocates. The fuzz targets in this package check the
// decoders.
//
// Size estimates the memory a value occupies, for accounting and
// spilling, without encoding it.
package codec

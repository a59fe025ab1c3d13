package chunk

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/gask-dev/gask/internal/vec"
)

// The raw format, which is also the chunk's binary encoding
// (MarshalBinary, AppendBinary) for the wire:
//
//	magic    "gaskchnk"           8 bytes
//	version  2                    1 byte
//	dtype    'd' (float64)        1 byte
//	ndim                          2 bytes, little-endian
//	reserved 0                    4 bytes
//	shape    ndim × 8 bytes, little-endian
//	data     8·size bytes, little-endian float64, row-major
//
// The header is 16 + 8·ndim bytes, so the data start at a multiple of 8
// from the start of the encoding, and a decoder given an 8-byte aligned
// payload can use the data in place. Version 1 had no reserved bytes (a
// header of 12 + 8·ndim); decoders still read it.
const (
	rawMagic   = "gaskchnk"
	rawVersion = 2
	rawDtype   = 'd'
)

// rawHeaderLen is the length of a header of the given version and ndim.
func rawHeaderLen(version byte, nd int) int {
	if version == 1 {
		return 12 + 8*nd
	}
	return 16 + 8*nd
}

// AppendBinary appends c's raw encoding to b (encoding.BinaryAppender).
// On a little-endian host the data are appended in one copy; when b
// lacks room, the slice grows once, to exactly the encoding's size.
func (c *Chunk) AppendBinary(b []byte) ([]byte, error) {
	b, err := c.appendRawHeader(b)
	if err != nil {
		return b, err
	}
	return appendFloats(b, c.Data), nil
}

func (c *Chunk) appendRawHeader(b []byte) ([]byte, error) {
	if len(c.Shape) > MaxDims {
		return b, fmt.Errorf("%w: %d axes", ErrShape, len(c.Shape))
	}
	b = slices.Grow(b, rawHeaderLen(rawVersion, len(c.Shape)))
	b = append(b, rawMagic...)
	b = append(b, rawVersion, rawDtype)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(c.Shape)))
	b = append(b, 0, 0, 0, 0)
	for _, d := range c.Shape {
		b = binary.LittleEndian.AppendUint64(b, uint64(d))
	}
	return b, nil
}

// MarshalBinary returns c's raw encoding (encoding.BinaryMarshaler), in a
// slice of exactly its size.
func (c *Chunk) MarshalBinary() ([]byte, error) {
	b, err := c.AppendBinary(nil)
	return slices.Clip(b), err
}

// UnmarshalBinary decodes a raw encoding (encoding.BinaryUnmarshaler).
//
// It keeps b: on a little-endian host, when the data are 8-byte aligned
// in memory (as they are when b is, see the format above), Data is b's
// data in place, with no copy, so the caller hands b over and must not
// modify or reuse it afterwards. This departs from the convention of
// encoding.BinaryUnmarshaler, which asks implementations to copy what
// they retain, for the sake of the 32 MB chunks that package codec
// decodes straight from the wire; a caller that reuses its buffer, such
// as encoding/gob, must not decode chunks with it. Otherwise (data
// misaligned in memory, or a big-endian host) the data are copied.
func (c *Chunk) UnmarshalBinary(b []byte) error {
	shape, n, hl, err := parseRawHeader(b)
	if err != nil {
		return err
	}
	data := b[hl:]
	if len(data) != 8*n {
		return fmt.Errorf("%w: %d data bytes for shape %v, want %d", ErrFormat, len(data), shape, 8*n)
	}
	c.Shape = shape
	if s, ok := vec.View(data); ok && vec.LittleEndian {
		c.Data = s
		return nil
	}
	c.Data = make([]float64, n)
	decodeFloats(c.Data, data)
	return nil
}

// parseRawHeader checks a raw header at the start of b and returns the
// shape, the element count and the header's length.
func parseRawHeader(b []byte) (shape []int, n, hl int, err error) {
	if len(b) < 12 || string(b[:8]) != rawMagic {
		return nil, 0, 0, fmt.Errorf("%w: not a raw chunk (no %q magic)", ErrFormat, rawMagic)
	}
	if v := b[8]; v != 1 && v != rawVersion {
		return nil, 0, 0, fmt.Errorf("%w: raw chunk version %d, want %d", ErrFormat, v, rawVersion)
	}
	if b[9] != rawDtype {
		return nil, 0, 0, fmt.Errorf("%w: raw chunk dtype %q, want 'd' (float64)", ErrFormat, b[9])
	}
	nd := int(binary.LittleEndian.Uint16(b[10:]))
	if nd > MaxDims {
		return nil, 0, 0, fmt.Errorf("%w: %d axes, at most %d", ErrFormat, nd, MaxDims)
	}
	hl = rawHeaderLen(b[8], nd)
	if len(b) < hl {
		return nil, 0, 0, fmt.Errorf("%w: raw header truncated", ErrFormat)
	}
	if b[8] != 1 && binary.LittleEndian.Uint32(b[12:]) != 0 {
		return nil, 0, 0, fmt.Errorf("%w: reserved header bytes %x are not zero", ErrFormat, b[12:16])
	}
	shape = make([]int, nd)
	for i := range shape {
		d := binary.LittleEndian.Uint64(b[hl-8*nd+8*i:])
		if d > math.MaxInt {
			return nil, 0, 0, fmt.Errorf("%w: extent %d on axis %d", ErrFormat, d, i)
		}
		shape[i] = int(d)
	}
	n, err = Size(shape)
	if err != nil || n > math.MaxInt/8 {
		return nil, 0, 0, fmt.Errorf("%w: shape %v too large", ErrFormat, shape)
	}
	return shape, n, hl, nil
}

// WriteRaw writes c in the raw format.
func WriteRaw(w io.Writer, c *Chunk) error {
	hdr, err := c.appendRawHeader(nil)
	if err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	return writeFloats(w, c.Data)
}

// ReadRaw reads one chunk in the raw format. Memory grows with the bytes
// actually read, never with what a header claims.
func ReadRaw(r io.Reader) (*Chunk, error) {
	head := make([]byte, 12)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, fmt.Errorf("%w: reading raw header: %v", ErrFormat, err)
	}
	nd := int(binary.LittleEndian.Uint16(head[10:]))
	if v := head[8]; string(head[:8]) == rawMagic && (v == 1 || v == rawVersion) && nd <= MaxDims {
		head = append(head, make([]byte, rawHeaderLen(v, nd)-12)...)
		if _, err := io.ReadFull(r, head[12:]); err != nil {
			return nil, fmt.Errorf("%w: reading raw header: %v", ErrFormat, err)
		}
	}
	shape, n, _, err := parseRawHeader(head)
	if err != nil {
		return nil, err
	}
	data, err := readFloats(r, n)
	if err != nil {
		return nil, err
	}
	return &Chunk{Shape: shape, Data: data}, nil
}

// appendFloats appends s little-endian: on a little-endian host in one
// append of its memory, which, when it must grow b, allocates without
// zeroing first and copies once.
func appendFloats(b []byte, s []float64) []byte {
	if vec.LittleEndian {
		return append(b, vec.Bytes(s)...)
	}
	return appendFloatsPortable(b, s)
}

// decodeFloats sets dst from the little-endian b, of 8·len(dst) bytes.
func decodeFloats(dst []float64, b []byte) {
	if vec.LittleEndian {
		copy(vec.Bytes(dst), b)
		return
	}
	decodeFloatsPortable(dst, b)
}

// appendFloatsPortable and decodeFloatsPortable are the big-endian
// paths, element by element; tests run them on every host.
func appendFloatsPortable(b []byte, s []float64) []byte {
	b = slices.Grow(b, 8*len(s))
	for _, x := range s {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

func decodeFloatsPortable(dst []float64, b []byte) {
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
}

// writeFloats writes s little-endian through a 64 KiB buffer.
func writeFloats(w io.Writer, s []float64) error {
	buf := make([]byte, 0, 64<<10)
	for len(s) > 0 {
		n := min(len(s), cap(buf)/8)
		buf = appendFloats(buf[:0], s[:n])
		if _, err := w.Write(buf); err != nil {
			return err
		}
		s = s[n:]
	}
	return nil
}

// readFloats reads n little-endian float64s, growing its result as
// bytes arrive (at most doubling), so a header that claims more than the
// input holds fails with ErrFormat after reading what there is.
func readFloats(r io.Reader, n int) ([]float64, error) {
	const step = 1 << 16 // elements per read
	out := make([]float64, 0, min(n, step))
	buf := make([]byte, 8*min(n, step))
	for len(out) < n {
		k := min(n-len(out), step)
		if _, err := io.ReadFull(r, buf[:8*k]); err != nil {
			return nil, fmt.Errorf("%w: data ends after %d of %d elements: %v", ErrFormat, len(out), n, err)
		}
		start := len(out)
		out = append(out, make([]float64, k)...)
		decodeFloats(out[start:], buf[:8*k])
	}
	return out, nil
}

func swapFloat(x float64) float64 {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], math.Float64bits(x))
	return math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
}

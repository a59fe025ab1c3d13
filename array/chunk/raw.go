package chunk

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// The raw format, which is also the chunk's binary encoding
// (MarshalBinary) for the wire:
//
//	magic   "gaskchnk"           8 bytes
//	version 1                    1 byte
//	dtype   'd' (float64)        1 byte
//	ndim                         2 bytes, little-endian
//	shape   ndim × 8 bytes, little-endian
//	data    8·size bytes, little-endian float64, row-major
//
// The header is 12 + 8·ndim bytes; data starts at a multiple of 8 so
// that a decoder can view it in place.
const (
	rawMagic   = "gaskchnk"
	rawVersion = 1
	rawDtype   = 'd'
)

func rawHeaderLen(nd int) int { return 12 + 8*nd }

// AppendBinary appends c's raw encoding to b (encoding.BinaryAppender).
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
	b = append(b, rawMagic...)
	b = append(b, rawVersion, rawDtype)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(c.Shape)))
	for _, d := range c.Shape {
		b = binary.LittleEndian.AppendUint64(b, uint64(d))
	}
	return b, nil
}

// MarshalBinary returns c's raw encoding (encoding.BinaryMarshaler), in a
// slice of exactly its size.
func (c *Chunk) MarshalBinary() ([]byte, error) {
	return c.AppendBinary(make([]byte, 0, rawHeaderLen(len(c.Shape))+8*len(c.Data)))
}

// UnmarshalBinary decodes a raw encoding (encoding.BinaryUnmarshaler).
// It copies the data: b may be reused afterwards.
func (c *Chunk) UnmarshalBinary(b []byte) error {
	shape, n, err := parseRawHeader(b)
	if err != nil {
		return err
	}
	data := b[rawHeaderLen(len(shape)):]
	if len(data) != 8*n {
		return fmt.Errorf("%w: %d data bytes for shape %v, want %d", ErrFormat, len(data), shape, 8*n)
	}
	c.Shape = shape
	c.Data = make([]float64, n)
	decodeFloats(c.Data, data)
	return nil
}

// parseRawHeader checks a raw header at the start of b and returns the
// shape and element count.
func parseRawHeader(b []byte) ([]int, int, error) {
	if len(b) < 12 || string(b[:8]) != rawMagic {
		return nil, 0, fmt.Errorf("%w: not a raw chunk (no %q magic)", ErrFormat, rawMagic)
	}
	if b[8] != rawVersion {
		return nil, 0, fmt.Errorf("%w: raw chunk version %d, want %d", ErrFormat, b[8], rawVersion)
	}
	if b[9] != rawDtype {
		return nil, 0, fmt.Errorf("%w: raw chunk dtype %q, want 'd' (float64)", ErrFormat, b[9])
	}
	nd := int(binary.LittleEndian.Uint16(b[10:]))
	if nd > MaxDims {
		return nil, 0, fmt.Errorf("%w: %d axes, at most %d", ErrFormat, nd, MaxDims)
	}
	if len(b) < rawHeaderLen(nd) {
		return nil, 0, fmt.Errorf("%w: raw header truncated", ErrFormat)
	}
	shape := make([]int, nd)
	for i := range shape {
		d := binary.LittleEndian.Uint64(b[12+8*i:])
		if d > math.MaxInt {
			return nil, 0, fmt.Errorf("%w: extent %d on axis %d", ErrFormat, d, i)
		}
		shape[i] = int(d)
	}
	n, err := Size(shape)
	if err != nil || n > math.MaxInt/8 {
		return nil, 0, fmt.Errorf("%w: shape %v too large", ErrFormat, shape)
	}
	return shape, n, nil
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
	if string(head[:8]) == rawMagic && nd <= MaxDims {
		head = append(head, make([]byte, 8*nd)...)
		if _, err := io.ReadFull(r, head[12:]); err != nil {
			return nil, fmt.Errorf("%w: reading raw header: %v", ErrFormat, err)
		}
	}
	shape, n, err := parseRawHeader(head)
	if err != nil {
		return nil, err
	}
	data, err := readFloats(r, n)
	if err != nil {
		return nil, err
	}
	return &Chunk{Shape: shape, Data: data}, nil
}

func appendFloats(b []byte, s []float64) []byte {
	for _, x := range s {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

func decodeFloats(dst []float64, b []byte) {
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

package wire

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// DefaultMaxFrame bounds a frame's body unless Limits say otherwise.
const DefaultMaxFrame = 1 << 30

// Limits bound what a Conn accepts from its peer.
type Limits struct {
	MaxFrame int // bytes in one frame body; 0 means DefaultMaxFrame
}

func (l Limits) maxFrame() int {
	if l.MaxFrame <= 0 {
		return DefaultMaxFrame
	}
	return l.MaxFrame
}

// Encode appends m as one frame to b and returns the frame header plus
// fields; the bulk payload, if any, must be written after it by the caller
// (see Conn) so that large values are never copied.
func appendFrameHead(b []byte, m Msg) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, byte(m.Op()))
	b = m.appendFields(b)
	n := len(b) - start - 4 + len(m.bulkPayload())
	binary.LittleEndian.PutUint32(b[start:], uint32(n))
	return b
}

// Marshal returns m as one complete frame (for tests and fuzzing).
func Marshal(m Msg) []byte {
	b := appendFrameHead(nil, m)
	return append(b, m.bulkPayload()...)
}

// Decode decodes a frame body (op byte and payload, without the length
// prefix). The returned message may alias body.
func Decode(body []byte) (Msg, error) { return decodeWith(new(decoder), body) }

// decodeWith is Decode with d as its decoder: a connection reuses one, which
// saves an allocation a message (d escapes through the message's decode).
func decodeWith(d *decoder, body []byte) (Msg, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrMalformed)
	}
	op := Op(body[0])
	m := newMsg(op)
	if m == nil {
		return nil, fmt.Errorf("%w: unknown op %d", ErrMalformed, body[0])
	}
	d.b, d.err = body[1:], nil // fn and names carry over
	m.decode(d)
	err := d.done()
	d.b, d.err = nil, nil // keeps nothing of body
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	return m, nil
}

// readFrame reads one frame body from r into a fresh buffer. Unless exact,
// the buffer grows as bytes arrive, so that a peer cannot make us allocate
// a large frame it never sends; exact allocates the announced size at once,
// which saves a copy of every large value, for peers past the handshake
// (which may submit any work, and so any allocation, anyway).
func readFrame(r io.Reader, hdr []byte, limit int, exact bool) ([]byte, error) {
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(hdr[:4])
	if int64(n) > int64(limit) {
		return nil, fmt.Errorf("%w: frame of %d bytes exceeds limit %d", ErrMalformed, n, limit)
	}
	if exact {
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return body, nil
	}
	const step = 1 << 20
	body := make([]byte, 0, min(int(n), step))
	for len(body) < int(n) {
		chunk := min(int(n)-len(body), max(step, len(body)))
		body = slices.Grow(body, chunk)
		if _, err := io.ReadFull(r, body[len(body):len(body)+chunk]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		body = body[:len(body)+chunk]
	}
	return body, nil
}

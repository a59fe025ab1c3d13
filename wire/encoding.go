package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("wire: malformed message")

// Limits on decoded fields. They bound what a hostile peer can make us allocate.
const (
	maxString = 64 << 10 // keys, names, function names
	maxText   = 16 << 20 // error messages and stacks
	maxList   = 1 << 22  // elements of any list
)

func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }
func appendVarint(b []byte, v int64) []byte   { return binary.AppendVarint(b, v) }

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

func appendFloat(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// decoder reads fields from a frame body. The first error sticks: later
// reads return zero values, so decode methods need not check after each field.
type decoder struct {
	b   []byte
	err error
	// fn is the function of the last Compute decoded: a connection's
	// decoder keeps it from message to message, and a Compute of the same
	// function takes that string rather than a new one. names are the
	// worker addresses it decoded last (holders of values), kept likewise:
	// a cluster has few, and every input of every task names one.
	fn       string
	names    [4]string
	nextName int
}

// name is str for a worker's address: one of the last few decoded, if the
// field holds the same bytes, without an allocation.
func (d *decoder) name() string {
	b := d.raw(maxString)
	for _, n := range d.names {
		if len(n) == len(b) && n == string(b) {
			return n
		}
	}
	n := string(b)
	d.names[d.nextName] = n
	d.nextName = (d.nextName + 1) % len(d.names)
	return n
}

// nameList is strings for a list of workers' addresses (see name).
func (d *decoder) nameList() []string { return d.list(true) }

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) u32() uint32 {
	v := d.uvarint()
	if v > math.MaxUint32 {
		d.fail("value %d overflows 32 bits", v)
		return 0
	}
	return uint32(v)
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.fail("truncated")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail("bad bool")
		return false
	}
}

func (d *decoder) float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.fail("truncated float")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *decoder) raw(limit int) []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(limit) {
		d.fail("field of %d bytes exceeds limit %d", n, limit)
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("truncated: field of %d bytes, %d left", n, len(d.b))
		return nil
	}
	if n == 0 {
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str() string { return string(d.raw(maxString)) }

// strAs is str, but returns prev itself when the field holds the same
// bytes: repeated strings (a map's function, a spec's key named again in
// Wants) then cost no allocation.
func (d *decoder) strAs(prev string) string {
	b := d.raw(maxString)
	if string(b) == prev {
		return prev
	}
	return string(b)
}
func (d *decoder) text() string { return string(d.raw(maxText)) }

// bytes returns a field that aliases the frame; frames are never reused, so
// the caller may keep it.
func (d *decoder) bytes() []byte { return d.raw(math.MaxInt32) }

// inline returns an inline value (at most InlineLimit bytes), copied out of
// the frame so that keeping it does not keep the frame's other messages.
func (d *decoder) inline() []byte {
	b := d.raw(InlineLimit)
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func (d *decoder) count() int {
	n := d.uvarint()
	if n > maxList || n > uint64(len(d.b)) { // every element takes at least one byte
		d.fail("list of %d elements", n)
		return 0
	}
	return int(n)
}

func (d *decoder) strings() []string { return d.list(false) }

// list decodes a list of strings, each with name if names, else with str.
func (d *decoder) list(names bool) []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		if names {
			ss[i] = d.name()
		} else {
			ss[i] = d.str()
		}
	}
	return ss
}

// rest returns the remainder of the frame: the bulk payload.
func (d *decoder) rest() []byte {
	if d.err != nil {
		return nil
	}
	p := d.b
	d.b = nil
	if len(p) == 0 {
		return nil
	}
	return p
}

func (d *decoder) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return d.err
}

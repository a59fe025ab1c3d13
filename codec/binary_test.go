package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/fxamacker/cbor/v2"

	"github.com/gask-dev/gask/array/chunk"
)

// appender has only AppendBinary (and UnmarshalBinary on its pointer):
// the tag 'A', N as 8 bytes, then S.
type appender struct {
	N int64
	S string
}

func (a appender) AppendBinary(b []byte) ([]byte, error) {
	if a.N < 0 {
		return append(b, "garbage"...), errNegative
	}
	b = append(b, 'A')
	b = binary.LittleEndian.AppendUint64(b, uint64(a.N))
	return append(b, a.S...), nil
}

func (a *appender) UnmarshalBinary(b []byte) error {
	if len(b) < 9 || b[0] != 'A' {
		return errNotAppender
	}
	a.N = int64(binary.LittleEndian.Uint64(b[1:]))
	a.S = string(b[9:])
	return nil
}

var (
	errNegative    = errors.New("negative N")
	errNotAppender = errors.New("not an appender encoding")
)

// marshaler has only MarshalBinary: the tag 'M' and X's bits.
type marshaler struct{ X float64 }

func (m marshaler) MarshalBinary() ([]byte, error) {
	return binary.LittleEndian.AppendUint64([]byte{'M'}, math.Float64bits(m.X)), nil
}

func (m *marshaler) UnmarshalBinary(b []byte) error {
	if len(b) != 9 || b[0] != 'M' {
		return fmt.Errorf("%d bytes, want 'M' and 8", len(b))
	}
	m.X = math.Float64frombits(binary.LittleEndian.Uint64(b[1:]))
	return nil
}

// ptrBin has its methods on the pointer, like chunk.Chunk, so *ptrBin is
// the type that travels in binary form.
type ptrBin struct{ V []byte }

func (p *ptrBin) AppendBinary(b []byte) ([]byte, error) { return append(b, p.V...), nil }
func (p *ptrBin) UnmarshalBinary(b []byte) error        { p.V = bytes.Clone(b); return nil }

// halfBin can encode itself but not decode: it stays CBOR.
type halfBin struct{ V int }

func (h halfBin) MarshalBinary() ([]byte, error) { return []byte{byte(h.V)}, nil }

// bothBin has binary and CBOR methods: its CBOR encoding wins.
type bothBin struct{ V int }

func (b bothBin) MarshalBinary() ([]byte, error) { return []byte("binary"), nil }
func (b *bothBin) UnmarshalBinary([]byte) error  { return nil }
func (b bothBin) MarshalCBOR() ([]byte, error)   { return cbor.Marshal(b.V) }
func (b *bothBin) UnmarshalCBOR(p []byte) error  { return cbor.Unmarshal(p, &b.V) }

// binCelsius is a named float64 with its own binary form, which beats
// the raw path.
type binCelsius float64

func (c binCelsius) AppendBinary(b []byte) ([]byte, error) {
	return fmt.Appendf(b, "%gC", float64(c)), nil
}

func (c *binCelsius) UnmarshalBinary(b []byte) error {
	_, err := fmt.Sscanf(string(b), "%gC", (*float64)(c))
	return err
}

// TestBinaryForm checks that types with binary methods travel as exactly
// their binary form, with no CBOR framing, and round-trip.
func TestBinaryForm(t *testing.T) {
	a := appender{N: 7, S: "seven"}
	want, _ := a.AppendBinary(nil)
	if got := roundTrip(t, a); !bytes.Equal(got, want) {
		t.Errorf("Marshal(%+v) = %q, want its AppendBinary %q", a, got, want)
	}
	m := marshaler{X: -1.25}
	want, _ = m.MarshalBinary()
	if got := roundTrip(t, m); !bytes.Equal(got, want) {
		t.Errorf("Marshal(%+v) = %x, want its MarshalBinary %x", m, got, want)
	}
	p := &ptrBin{V: []byte("pointer")}
	if got := roundTrip(t, p); string(got) != "pointer" {
		t.Errorf("Marshal(&ptrBin) = %q, want %q", got, "pointer")
	}
	if got := roundTrip(t, &a); !bytes.Equal(got, mustMarshal(t, a)) {
		t.Errorf("Marshal(&%+v) = %q, want its AppendBinary", a, got)
	}
	if got := roundTrip(t, binCelsius(21.5)); string(got) != "21.5C" {
		t.Errorf("Marshal(binCelsius(21.5)) = %q, want %q", got, "21.5C")
	}
	roundTrip(t, netip.MustParseAddr("fe80::1%eth0"))
	now := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.FixedZone("", 3600))
	want, _ = now.MarshalBinary()
	got, err := Marshal(now)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("Marshal(time) = %x, %v, want its MarshalBinary %x", got, err, want)
	}
	back, err := Unmarshal[time.Time](got)
	if err != nil || !back.Equal(now) {
		t.Errorf("Unmarshal[time.Time](%x) = %v, %v, want %v", got, back, err, now)
	}

	// AppendMarshal appends the same form, for a MarshalBinary-only type
	// too (roundTrip checked that it decodes).
	mb, _ := m.MarshalBinary()
	if ab, err := AppendMarshal([]byte("pre"), m); err != nil || !bytes.Equal(ab, append([]byte("pre"), mb...)) {
		t.Errorf("AppendMarshal(pre, %+v) = %x, %v, want pre and %x", m, ab, err, mb)
	}
}

// TestBinaryRule pins which types take the binary form; the others keep
// their CBOR encoding, byte for byte.
func TestBinaryRule(t *testing.T) {
	binaryTypes := []reflect.Type{
		reflect.TypeFor[appender](), reflect.TypeFor[marshaler](), reflect.TypeFor[*ptrBin](),
		reflect.TypeFor[binCelsius](), reflect.TypeFor[*chunk.Chunk](), reflect.TypeFor[time.Time](),
		reflect.TypeFor[*appender](), // decoded into a new appender
		reflect.TypeFor[netip.Addr](), reflect.TypeFor[netip.Prefix](),
	}
	for _, typ := range binaryTypes {
		if k := binaryKindOf(typ); k == notBinary {
			t.Errorf("binaryKindOf(%v) = notBinary, want the binary form", typ)
		}
	}
	others := []reflect.Type{
		reflect.TypeFor[ptrBin](),               // the value has no AppendBinary
		reflect.TypeFor[chunk.Chunk](),          // likewise
		reflect.TypeFor[halfBin](),              // no UnmarshalBinary
		reflect.TypeFor[bothBin](),              // CBOR methods win
		reflect.TypeFor[upper](),                // CBOR methods, no binary ones
		reflect.TypeFor[struct{ C appender }](), // fields stay CBOR
		reflect.TypeFor[interface{ MarshalBinary() ([]byte, error) }](),
		reflect.TypeFor[point](),
	}
	for _, typ := range others {
		if k := binaryKindOf(typ); k != notBinary {
			t.Errorf("binaryKindOf(%v) = %d, want notBinary", typ, k)
		}
	}

	// Their encodings are what CBOR made of them before.
	cborOf := func(v any) []byte {
		t.Helper()
		b, err := encMode.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if b := mustMarshal(t, halfBin{3}); !bytes.Equal(b, cborOf(halfBin{3})) || !bytes.Equal(b, []byte{0x41, 3}) {
		t.Errorf("Marshal(halfBin{3}) = %x, want the CBOR byte string 4103", b)
	}
	if b := roundTrip(t, bothBin{5}); !bytes.Equal(b, []byte{5}) {
		t.Errorf("Marshal(bothBin{5}) = %x, want its CBOR 05", b)
	}
	type holder struct{ C appender }
	h := holder{appender{N: 1, S: "x"}}
	if b := roundTrip(t, h); !bytes.Equal(b, cborOf(h)) {
		t.Errorf("Marshal(%+v) = %x, want CBOR %x", h, b, cborOf(h))
	}
}

// TestBinaryErrors checks that errors from the type's methods surface
// in the codec's style.
func TestBinaryErrors(t *testing.T) {
	_, err := Unmarshal[appender]([]byte("not it"))
	if err == nil || !errors.Is(err, ErrDecode) || !errors.Is(err, errNotAppender) ||
		err.Error() != "codec: decode codec.appender: not an appender encoding" {
		t.Errorf("Unmarshal[appender](bad) error = %v, want codec: decode codec.appender: ... matching ErrDecode and the cause", err)
	}
	if v, err := For[marshaler]().Decode([]byte{'M'}); v != nil || !errors.Is(err, ErrDecode) ||
		!strings.HasPrefix(fmt.Sprint(err), "codec: decode codec.marshaler: 1 bytes") {
		t.Errorf("For[marshaler]().Decode(bad) = %v, %v, want nil and a decode error", v, err)
	}
	_, err = Unmarshal[*chunk.Chunk]([]byte("gaskchnk\x02x\x00\x00\x00\x00\x00\x00"))
	if !errors.Is(err, ErrDecode) || !errors.Is(err, chunk.ErrFormat) ||
		!strings.HasPrefix(fmt.Sprint(err), "codec: decode *chunk.Chunk: chunk: malformed data: ") {
		t.Errorf("Unmarshal[*chunk.Chunk](bad dtype) error = %v, want a codec decode error wrapping chunk.ErrFormat", err)
	}
	for _, b := range [][]byte{nil, {}} {
		if c, err := Unmarshal[*chunk.Chunk](b); c != nil || !errors.Is(err, ErrDecode) {
			t.Errorf("Unmarshal[*chunk.Chunk](%#v) = %v, %v, want nil and ErrDecode", b, c, err)
		}
	}

	// Encode errors name the type and leave an appended-to slice as it was.
	prefix := []byte("keep")
	b, err := AppendMarshal(prefix, appender{N: -1})
	if string(b) != "keep" || !errors.Is(err, errNegative) || errors.Is(err, ErrDecode) ||
		!strings.HasPrefix(fmt.Sprint(err), "codec: encode codec.appender: ") {
		t.Errorf("AppendMarshal(keep, appender{N: -1}) = %q, %v, want keep and an encode error", b, err)
	}
	if b, err := Marshal(appender{N: -1}); b != nil || !errors.Is(err, errNegative) {
		t.Errorf("Marshal(appender{N: -1}) = %q, %v, want nil and the error", b, err)
	}
	if b, err := Marshal((*chunk.Chunk)(nil)); b != nil || err == nil ||
		!strings.HasPrefix(err.Error(), "codec: encode *chunk.Chunk: nil pointer") {
		t.Errorf("Marshal(nil *chunk.Chunk) = %x, %v, want a nil pointer error", b, err)
	}
	if b, err := For[*chunk.Chunk]().Encode((*chunk.Chunk)(nil)); b != nil || err == nil {
		t.Errorf("For[*chunk.Chunk]().Encode(nil) = %x, %v, want an error", b, err)
	}
}

func testChunk(shape ...int) *chunk.Chunk {
	c := chunk.New(shape...)
	for i := range c.Data {
		c.Data[i] = float64(i)*1.5 - 7
	}
	return c
}

// TestChunkBinary checks that a chunk travels as its AppendBinary, and
// that the codec and Size see it as its data.
func TestChunkBinary(t *testing.T) {
	for _, shape := range [][]int{{}, {0}, {5}, {3, 4}, {2, 0, 3}, {2, 3, 4}} {
		c := testChunk(shape...)
		got, err := Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := c.AppendBinary(nil)
		if !bytes.Equal(got, want) {
			t.Errorf("Marshal(chunk%v) = %x, want its AppendBinary %x", shape, got, want)
		}
		if mb, _ := c.MarshalBinary(); !bytes.Equal(mb, want) {
			t.Errorf("MarshalBinary(chunk%v) = %x, want AppendBinary's %x", shape, mb, want)
		}
		ab, err := For[*chunk.Chunk]().AppendEncode([]byte("pre"), c)
		if err != nil || !bytes.Equal(ab, append([]byte("pre"), want...)) {
			t.Errorf("AppendEncode(pre, chunk%v) = %x, %v, want pre and %x", shape, ab, err, want)
		}
		back, err := Unmarshal[*chunk.Chunk](got)
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Errorf("Unmarshal(Marshal(chunk%v)) = %v, %v, want %v", shape, back, err, c)
		}
		v, err := For[*chunk.Chunk]().Decode(got)
		if d, ok := v.(*chunk.Chunk); err != nil || !ok || !reflect.DeepEqual(d, c) {
			t.Errorf("For[*chunk.Chunk]().Decode = %v, %v, want %v", v, err, c)
		}
	}

	big := testChunk(200, 300)
	if n, data := Size(big), int64(8*len(big.Data)); n < data || n > data+256 {
		t.Errorf("Size(chunk[200 300]) = %d, want its %d data bytes and a header", n, data)
	}
	dec, _ := Unmarshal[*chunk.Chunk](mustMarshal(t, big))
	if n, data := Size(dec), int64(8*len(dec.Data)); n < data || n > data+256 {
		t.Errorf("Size(decoded chunk[200 300]) = %d, want its %d data bytes and a header", n, data)
	}
}

// alignedCopy returns b copied to 8-byte aligned memory, shifted past it
// by off bytes.
func alignedCopy(b []byte, off int) []byte {
	words := make([]float64, (len(b)+off+7)/8+1)
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), 8*len(words))
	return append(mem[off:off], b...)
}

// TestChunkDecodeInPlace checks the ownership contract: an aligned
// payload becomes the chunk's data, a misaligned one is copied.
func TestChunkDecodeInPlace(t *testing.T) {
	c := testChunk(20, 30)
	enc := mustMarshal(t, c)
	hl := len(enc) - 8*len(c.Data)
	if hl%8 != 0 {
		t.Fatalf("chunk header of %d bytes: data not 8-byte aligned in the payload", hl)
	}
	littleEndianHost := binary.NativeEndian.Uint16([]byte{1, 0}) == 1

	p := alignedCopy(enc, 0)
	got, err := Unmarshal[*chunk.Chunk](p)
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("Unmarshal(aligned) = %v, %v, want %v", got, err, c)
	}
	if inPlace := unsafe.Pointer(&got.Data[0]) == unsafe.Pointer(&p[hl]); inPlace != littleEndianHost {
		t.Errorf("Unmarshal(aligned payload): &Data[0] == &payload[%d] is %v, want %v", hl, inPlace, littleEndianHost)
	}
	if littleEndianHost {
		p[hl+7] ^= 0x80 // flips the sign of Data[0]: the payload is the data
		if got.Data[0] != -c.Data[0] {
			t.Errorf("after changing the payload, Data[0] = %v, want %v", got.Data[0], -c.Data[0])
		}
	}
	v, err := For[*chunk.Chunk]().Decode(alignedCopy(enc, 0))
	if d := v.(*chunk.Chunk); err != nil || !reflect.DeepEqual(d, c) {
		t.Errorf("Decode(aligned) = %v, %v", v, err)
	}

	for off := 1; off < 8; off++ {
		q := alignedCopy(enc, off)
		got, err := Unmarshal[*chunk.Chunk](q)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Fatalf("Unmarshal(payload at offset %d) = %v, %v, want %v", off, got, err, c)
		}
		clear(q)
		if !reflect.DeepEqual(got, c) {
			t.Errorf("Unmarshal(payload at offset %d) kept the payload, want a copy", off)
		}
	}
}

func TestRetains(t *testing.T) {
	for _, tt := range []struct {
		c    *Codec
		want bool
	}{
		{For[[]byte](), true}, {For[blob](), true}, {For[*chunk.Chunk](), true}, {For[appender](), true},
		{For[string](), false}, {For[[]float64](), false}, {For[point](), false}, {For[halfBin](), false},
		{For[int](), false},
	} {
		if got := tt.c.Retains(); got != tt.want {
			t.Errorf("For[%v]().Retains() = %v, want %v", tt.c.Type(), got, tt.want)
		}
	}
}

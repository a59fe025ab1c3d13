package chunk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

func TestRawRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	for _, shape := range [][]int{{}, {0}, {3}, {2, 3, 4}, {1, 0, 5}} {
		c := randChunk(r, shape...)
		if len(c.Data) > 0 {
			c.Data[0] = math.NaN()
		}
		b, err := c.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != rawHeaderLen(rawVersion, len(shape))+8*len(c.Data) || cap(b) != len(b) {
			t.Errorf("MarshalBinary(%v): %d bytes, cap %d", shape, len(b), cap(b))
		}
		var d Chunk
		if err := d.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		checkChunk(t, "raw binary", &d, c, 0)
		var buf bytes.Buffer
		if err := WriteRaw(&buf, c); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), b) {
			t.Errorf("WriteRaw and MarshalBinary differ for %v", shape)
		}
		e, err := ReadRaw(&buf)
		if err != nil {
			t.Fatal(err)
		}
		checkChunk(t, "raw file", e, c, 0)
	}
}

// TestRawLayout pins the version 2 header byte by byte.
func TestRawLayout(t *testing.T) {
	c, _ := FromData([]int{2, 1}, []float64{1, -2})
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("gaskchnk\x02d\x02\x00\x00\x00\x00\x00" +
		"\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00" +
		"\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\xc0")
	if !bytes.Equal(b, want) {
		t.Errorf("MarshalBinary(%v) =\n%x, want\n%x", c, b, want)
	}
	if app, _ := c.AppendBinary([]byte("pre")); !bytes.Equal(app, append([]byte("pre"), want...)) {
		t.Errorf("AppendBinary(\"pre\", %v) = %x, want the prefix and %x", c, app, want)
	}
}

// TestRawVersion1 checks that the version 1 header, without the reserved
// bytes, still decodes.
func TestRawVersion1(t *testing.T) {
	want := Arange(0, 1.5, 0, 6)
	want, _ = want.Reshape(3, 2)
	v2, _ := want.MarshalBinary()
	v1 := slices.Concat(v2[:8], []byte{1}, v2[9:12], v2[16:])
	var c Chunk
	if err := c.UnmarshalBinary(v1); err != nil {
		t.Fatalf("UnmarshalBinary(version 1) error: %v", err)
	}
	checkChunk(t, "version 1", &c, want, 0)
	d, err := ReadRaw(bytes.NewReader(v1))
	if err != nil {
		t.Fatalf("ReadRaw(version 1) error: %v", err)
	}
	checkChunk(t, "version 1 file", d, want, 0)
}

// TestUnmarshalBinaryInPlace checks that an aligned payload is used in
// place and a misaligned one copied, and that both decode alike.
func TestUnmarshalBinaryInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 14))
	want := randChunk(r, 5, 7)
	enc, _ := want.MarshalBinary()
	hl := rawHeaderLen(rawVersion, 2)

	aligned := make([]float64, (len(enc)+7)/8) // 8-byte aligned memory
	b := unsafe.Slice((*byte)(unsafe.Pointer(&aligned[0])), len(enc))
	copy(b, enc)
	var c Chunk
	if err := c.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	checkChunk(t, "aligned", &c, want, 0)
	inPlace := unsafe.Pointer(&c.Data[0]) == unsafe.Pointer(&b[hl])
	if le := binary.NativeEndian.Uint16([]byte{1, 0}) == 1; inPlace != le {
		t.Errorf("aligned payload: Data in place = %v, want %v (little-endian host)", inPlace, le)
	}
	if cap(c.Data) != len(c.Data) {
		t.Errorf("Data in place has capacity %d beyond its %d elements", cap(c.Data), len(c.Data))
	}

	mis := append(make([]byte, 1, len(b)+1), b...)[1:] // 1 byte past alignment
	var d Chunk
	if err := d.UnmarshalBinary(mis); err != nil {
		t.Fatal(err)
	}
	checkChunk(t, "misaligned", &d, want, 0)
	mis[hl] ^= 0xff // the copy must not see this
	checkChunk(t, "misaligned after changing the payload", &d, want, 0)
}

// TestFloatsPortable checks the big-endian paths against the memory
// copies, on any host.
func TestFloatsPortable(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 15))
	s := make([]float64, 37)
	for i := range s {
		s[i] = math.Float64frombits(r.Uint64())
	}
	want := []byte("pre")
	for _, x := range s {
		want = binary.LittleEndian.AppendUint64(want, math.Float64bits(x))
	}
	for name, got := range map[string][]byte{
		"appendFloats":         appendFloats([]byte("pre"), s),
		"appendFloatsPortable": appendFloatsPortable([]byte("pre"), s),
	} {
		if !bytes.Equal(got, want) {
			t.Errorf("%s = %x, want %x", name, got, want)
		}
	}
	for name, decode := range map[string]func([]float64, []byte){
		"decodeFloats": decodeFloats, "decodeFloatsPortable": decodeFloatsPortable,
	} {
		got := make([]float64, len(s))
		decode(got, want[3:])
		for i := range s {
			if math.Float64bits(got[i]) != math.Float64bits(s[i]) {
				t.Fatalf("%s: [%d] = %x, want %x", name, i, math.Float64bits(got[i]), math.Float64bits(s[i]))
			}
		}
	}
}

func TestNPYRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	for _, shape := range [][]int{{}, {0}, {1}, {3}, {2, 3, 4}} {
		c := randChunk(r, shape...)
		var buf bytes.Buffer
		if err := WriteNPY(&buf, c); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		hl := int(binary.LittleEndian.Uint16(b[8:]))
		if (10+hl)%64 != 0 || b[9+hl] != '\n' {
			t.Errorf("NPY header for %v: %d bytes, not aligned or not ending in newline", shape, hl)
		}
		d, err := ReadNPY(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		checkChunk(t, "npy", d, c, 0)
	}
}

// TestNPYNumPy writes a file, has NumPy read it and write its own, and
// reads that back.
func TestNPYNumPy(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import numpy").Run(); err != nil {
		t.Skip("needs /usr/bin/python3 with NumPy (Debian package python3-numpy)")
	}
	dir := t.TempDir()
	c := Arange(0, 0.5, 0, 24)
	c, _ = c.Reshape(2, 3, 4)
	var buf bytes.Buffer
	if err := WriteNPY(&buf, c); err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(dir, "in.npy"), filepath.Join(dir, "out.npy")
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`
import numpy as np
a = np.load(%q)
assert a.dtype == np.float64 and a.shape == (2, 3, 4), (a.dtype, a.shape)
assert (a == np.arange(24).reshape(2, 3, 4) * 0.5).all()
np.save(%q, np.ascontiguousarray(a.transpose(2, 0, 1)) + 1)
`, in, out)
	if b, err := exec.Command("/usr/bin/python3", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("numpy: %v\n%s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadNPY(f)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Transpose(c, []int{2, 0, 1})
	want, _ = BinaryScalar(Add, want, 1)
	checkChunk(t, "numpy's file", got, want, 0)
}

func TestMalformed(t *testing.T) {
	good := new(bytes.Buffer)
	WriteNPY(good, New(2, 2))
	g := good.Bytes()
	hdr := func(dict string) []byte {
		b := append([]byte(npyMagic), 1, 0)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)))
		return append(b, dict...)
	}
	npyCases := map[string][]byte{
		"empty":       nil,
		"bad magic":   []byte("\x93NUMPZ\x01\x00\x00\x00"),
		"version 9":   append([]byte(npyMagic), 9, 0, 0, 0),
		"truncated":   g[:len(g)-1],
		"dtype":       hdr("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }"),
		"fortran":     hdr("{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }"),
		"huge shape":  hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (999999999999, 999999999), }"),
		"lying shape": hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }"),
		"not a dict":  hdr("[1, 2]"),
		"no shape":    hdr("{'descr': '<f8', 'fortran_order': False}"),
		"neg shape":   hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"),
	}
	for name, b := range npyCases {
		if _, err := ReadNPY(bytes.NewReader(b)); !errors.Is(err, ErrFormat) {
			t.Errorf("ReadNPY(%s): err %v, want ErrFormat", name, err)
		}
	}
	raw, _ := New(3).MarshalBinary()
	lying := append([]byte{}, raw[:20]...)
	binary.LittleEndian.PutUint64(lying[12:], 1<<40)
	rawCases := map[string][]byte{
		"empty": nil, "magic": []byte("gaskchnX\x01d\x00\x00"), "truncated": raw[:len(raw)-3],
		"extra": append(append([]byte{}, raw...), 0), "lying shape": lying,
		"version":  append([]byte("gaskchnk\x03d"), raw[10:]...),
		"reserved": append([]byte("gaskchnk\x02d\x01\x00\x00\x00\x01\x00"), raw[16:]...),
	}
	for name, b := range rawCases {
		var c Chunk
		if err := c.UnmarshalBinary(b); !errors.Is(err, ErrFormat) {
			t.Errorf("UnmarshalBinary(%s): err %v, want ErrFormat", name, err)
		}
		if name != "extra" {
			if _, err := ReadRaw(bytes.NewReader(b)); !errors.Is(err, ErrFormat) {
				t.Errorf("ReadRaw(%s): err %v, want ErrFormat", name, err)
			}
		}
	}
}

// FuzzReadNPY: any input gives a chunk or ErrFormat, never a panic, and a
// chunk read writes back to a file that reads the same.
func FuzzReadNPY(f *testing.F) {
	var b bytes.Buffer
	WriteNPY(&b, Arange(0, 1, 0, 6))
	f.Add(b.Bytes())
	f.Add([]byte(strings.Replace(b.String(), "(6,)", "(2, 3)", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadNPY(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not match ErrFormat", err)
			}
			return
		}
		var out bytes.Buffer
		if err := WriteNPY(&out, c); err != nil {
			t.Fatal(err)
		}
		d, err := ReadNPY(&out)
		if err != nil || !SameShape(c.Shape, d.Shape) {
			t.Fatalf("rewrite of %v: %v, %v", c.Shape, d, err)
		}
	})
}

// FuzzUnmarshalBinary does the same for the raw encoding.
func FuzzUnmarshalBinary(f *testing.F) {
	b, _ := Arange(0, 1, 0, 6).MarshalBinary()
	f.Add(b)
	s, _ := Scalar(3).MarshalBinary()
	f.Add(s)
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Chunk
		err := c.UnmarshalBinary(data)
		_, rerr := ReadRaw(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not match ErrFormat", err)
			}
			return
		}
		if rerr != nil {
			t.Fatalf("UnmarshalBinary accepted what ReadRaw refused: %v", rerr)
		}
		again, _ := c.MarshalBinary()
		if data[8] == 1 {
			// Version 1 re-encodes as the current version, with the same
			// shape and data.
			data = slices.Concat(data[:8], []byte{rawVersion}, data[9:12], make([]byte, 4), data[12:])
		}
		if !bytes.Equal(again, data) {
			t.Fatal("decode then encode changed the bytes")
		}
	})
}

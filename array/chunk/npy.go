package chunk

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// NPY is NumPy's file format: a magic string, a version, a header that is
// a Python dict literal, then the data. WriteNPY writes version 1.0 with
// dtype '<f8' in C order, which numpy.load reads; ReadNPY reads versions
// 1.0, 2.0 and 3.0 of that dtype and order (and '>f8', converting).

const npyMagic = "\x93NUMPY"

// maxNPYHeader bounds the header ReadNPY accepts. NumPy writes headers of
// a few hundred bytes; it refuses ones over 10000 itself.
const maxNPYHeader = 1 << 16

// WriteNPY writes c as an NPY 1.0 file.
func WriteNPY(w io.Writer, c *Chunk) error {
	shape := make([]string, len(c.Shape))
	for i, d := range c.Shape {
		shape[i] = strconv.Itoa(d)
	}
	tup := strings.Join(shape, ", ")
	if len(shape) == 1 {
		tup += ","
	}
	dict := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }", tup)
	// Pad with spaces so that magic, version, length and header end on a
	// multiple of 64 bytes, with a newline last.
	total := len(npyMagic) + 2 + 2 + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	if len(hdr) > 65535 {
		return fmt.Errorf("%w: NPY header of %d bytes", ErrShape, len(hdr))
	}
	b := append([]byte(npyMagic), 1, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(hdr)))
	b = append(b, hdr...)
	if _, err := w.Write(b); err != nil {
		return err
	}
	return writeFloats(w, c.Data)
}

// ReadNPY reads one array from an NPY file. Malformed input gives an
// error matching ErrFormat; memory grows with the bytes actually read.
func ReadNPY(r io.Reader) (*Chunk, error) {
	pre := make([]byte, 8)
	if _, err := io.ReadFull(r, pre); err != nil {
		return nil, fmt.Errorf("%w: reading NPY preamble: %v", ErrFormat, err)
	}
	if string(pre[:6]) != npyMagic {
		return nil, fmt.Errorf("%w: not an NPY file (bad magic)", ErrFormat)
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%w: reading NPY header length: %v", ErrFormat, err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%w: reading NPY header length: %v", ErrFormat, err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("%w: NPY version %d.%d not supported", ErrFormat, pre[6], pre[7])
	}
	if hlen > maxNPYHeader {
		return nil, fmt.Errorf("%w: NPY header of %d bytes, at most %d", ErrFormat, hlen, maxNPYHeader)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("%w: reading NPY header: %v", ErrFormat, err)
	}
	h, err := parseNPYHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	if h.descr != "<f8" && h.descr != ">f8" && h.descr != "=f8" && h.descr != "|f8" {
		return nil, fmt.Errorf("%w: NPY dtype %q, want '<f8' (float64)", ErrFormat, h.descr)
	}
	if h.fortran {
		return nil, fmt.Errorf("%w: NPY array in Fortran order; save it in C order", ErrFormat)
	}
	n, err := Size(h.shape)
	if err != nil || n > math.MaxInt/8 {
		return nil, fmt.Errorf("%w: NPY shape %v too large", ErrFormat, h.shape)
	}
	data, err := readFloats(r, n)
	if err != nil {
		return nil, err
	}
	if h.descr == ">f8" {
		for i, x := range data {
			data[i] = swapFloat(x)
		}
	}
	return &Chunk{Shape: h.shape, Data: data}, nil
}

type npyHeader struct {
	descr   string
	fortran bool
	shape   []int
}

// parseNPYHeader parses the dict literal NumPy writes: the keys 'descr',
// 'fortran_order' and 'shape', with a string, a bool and a tuple of ints.
func parseNPYHeader(s string) (npyHeader, error) {
	var h npyHeader
	p := &pyParser{s: strings.TrimRight(s, " \n\x00")}
	bad := func(why string) (npyHeader, error) {
		return h, fmt.Errorf("%w: NPY header %q: %s", ErrFormat, truncate(s, 80), why)
	}
	if !p.eat('{') {
		return bad("not a dict")
	}
	seen := map[string]bool{}
	for {
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return bad("expected 'key':")
		}
		switch key {
		case "descr":
			v, ok := p.str()
			if !ok {
				return bad("descr is not a string")
			}
			h.descr = v
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
			default:
				return bad("fortran_order is not True or False")
			}
		case "shape":
			shape, ok := p.tuple()
			if !ok {
				return bad("shape is not a tuple of non-negative ints")
			}
			h.shape = shape
		default:
			return bad("unknown key " + strconv.Quote(key))
		}
		seen[key] = true
		if !p.eat(',') {
			if !p.eat('}') {
				return bad("expected , or }")
			}
			break
		}
	}
	if p.skip(); p.i != len(p.s) {
		return bad("text after the dict")
	}
	if !seen["descr"] || !seen["fortran_order"] || !seen["shape"] {
		return bad("missing descr, fortran_order or shape")
	}
	return h, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// pyParser reads the small subset of Python literals NPY headers use.
type pyParser struct {
	s string
	i int
}

func (p *pyParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *pyParser) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyParser) word(w string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a quoted string without escapes.
func (p *pyParser) str() (string, bool) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, !strings.ContainsRune(v, '\\')
}

// tuple reads (a, b, ...) of non-negative ints, at most MaxDims.
func (p *pyParser) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int{}
	for {
		if p.eat(')') {
			return shape, true
		}
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i || j-p.i > 18 || len(shape) == MaxDims {
			return nil, false
		}
		d, _ := strconv.Atoi(p.s[p.i:j])
		p.i = j
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 longs
			p.i++
		}
		shape = append(shape, d)
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, false
			}
			return shape, true
		}
	}
}

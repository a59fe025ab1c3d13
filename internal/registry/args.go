package registry

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// ErrBadArgs is wrapped by every argument-decoding error.
var ErrBadArgs = errors.New("gask: malformed task arguments")

// Arg is one argument of a task: an inline encoded value, the index of one
// of the task's dependencies whose value is the argument, or (List) the
// indexes of dependencies whose values, in order, make a slice argument.
type Arg struct {
	Dep   int // index into the task's dependencies, or -1
	Value []byte
	List  []int // with Dep -1 and no Value: a list of dependency indexes
}

// AppendArgs encodes args.
func AppendArgs(b []byte, args []Arg) []byte {
	n := uvarintLen(uint64(len(args)))
	for _, a := range args {
		switch {
		case a.List != nil:
			n += 1 + uvarintLen(uint64(len(a.List)))
			for _, d := range a.List {
				n += uvarintLen(uint64(d))
			}
		case a.Dep >= 0:
			n += 1 + uvarintLen(uint64(a.Dep))
		default:
			n += 1 + uvarintLen(uint64(len(a.Value))) + len(a.Value)
		}
	}
	b = slices.Grow(b, n) // one allocation, of the exact size
	b = binary.AppendUvarint(b, uint64(len(args)))
	for _, a := range args {
		if a.List != nil {
			b = append(b, 2)
			b = binary.AppendUvarint(b, uint64(len(a.List)))
			for _, d := range a.List {
				b = binary.AppendUvarint(b, uint64(d))
			}
			continue
		}
		if a.Dep >= 0 {
			b = append(b, 1)
			b = binary.AppendUvarint(b, uint64(a.Dep))
			continue
		}
		b = append(b, 0)
		b = binary.AppendUvarint(b, uint64(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b
}

// uvarintLen is the length of x as a uvarint.
func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

// DecodeArgs decodes what AppendArgs wrote; nDeps bounds dependency indexes.
// Values alias b.
func DecodeArgs(b []byte, nDeps int) ([]Arg, error) { return AppendDecodedArgs(nil, b, nDeps) }

// AppendDecodedArgs is DecodeArgs into dst's storage (from dst[:0]): a
// caller with a buffer of a few Args on its stack allocates nothing.
func AppendDecodedArgs(dst []Arg, b []byte, nDeps int) ([]Arg, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, fmt.Errorf("%w: bad count", ErrBadArgs)
	}
	b = b[k:]
	args := slices.Grow(dst[:0], int(n))[:n]
	for i := range args {
		if len(b) == 0 {
			return nil, fmt.Errorf("%w: truncated at argument %d", ErrBadArgs, i)
		}
		tag := b[0]
		b = b[1:]
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, fmt.Errorf("%w: bad varint at argument %d", ErrBadArgs, i)
		}
		b = b[k:]
		switch tag {
		case 0:
			if v > uint64(len(b)) {
				return nil, fmt.Errorf("%w: argument %d of %d bytes, %d left", ErrBadArgs, i, v, len(b))
			}
			args[i] = Arg{Dep: -1, Value: b[:v:v]}
			b = b[v:]
		case 1:
			if v >= uint64(nDeps) {
				return nil, fmt.Errorf("%w: argument %d names dependency %d of %d", ErrBadArgs, i, v, nDeps)
			}
			args[i] = Arg{Dep: int(v)}
		case 2:
			// v elements, each a varint of at least one byte.
			if v > uint64(len(b)) {
				return nil, fmt.Errorf("%w: argument %d lists %d dependencies, %d bytes left", ErrBadArgs, i, v, len(b))
			}
			list := make([]int, v)
			for j := range list {
				d, k := binary.Uvarint(b)
				if k <= 0 || d >= uint64(nDeps) {
					return nil, fmt.Errorf("%w: argument %d, element %d: bad dependency index", ErrBadArgs, i, j)
				}
				list[j] = int(d)
				b = b[k:]
			}
			args[i] = Arg{Dep: -1, List: list}
		default:
			return nil, fmt.Errorf("%w: argument %d has tag %d", ErrBadArgs, i, tag)
		}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrBadArgs, len(b))
	}
	return args, nil
}

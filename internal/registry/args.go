package registry

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrBadArgs is wrapped by every argument-decoding error.
var ErrBadArgs = errors.New("gask: malformed task arguments")

// Arg is one argument of a task: an inline encoded value, or the index of
// one of the task's dependencies whose value is the argument.
type Arg struct {
	Dep   int // index into the task's dependencies, or -1
	Value []byte
}

// AppendArgs encodes args.
func AppendArgs(b []byte, args []Arg) []byte {
	b = binary.AppendUvarint(b, uint64(len(args)))
	for _, a := range args {
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

// DecodeArgs decodes what AppendArgs wrote; nDeps bounds dependency indexes.
// Values alias b.
func DecodeArgs(b []byte, nDeps int) ([]Arg, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, fmt.Errorf("%w: bad count", ErrBadArgs)
	}
	b = b[k:]
	args := make([]Arg, n)
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
		default:
			return nil, fmt.Errorf("%w: argument %d has tag %d", ErrBadArgs, i, tag)
		}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrBadArgs, len(b))
	}
	return args, nil
}

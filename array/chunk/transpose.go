package chunk

import (
	"fmt"

	"github.com/gask-dev/gask/internal/vec"
)

// Transpose returns c with its axes permuted: axis i of the result is
// axis axes[i] of c. nil axes reverse them, as NumPy's transpose.
func Transpose(c *Chunk, axes []int) (*Chunk, error) {
	out := &Chunk{Data: make([]float64, len(c.Data))}
	shape, err := TransposeInto(out.Data, c, axes)
	if err != nil {
		return nil, err
	}
	out.Shape = shape
	return out, nil
}

// TransposeInto writes the data of Transpose(c, axes) to dst and returns
// its shape. dst must hold c.Len() elements and must not overlap c.Data;
// a buffer kept from an earlier block of the same size saves the
// allocation (and on a fresh buffer the page faults), which for a
// 2000×2000 block costs more than the transpose itself.
func TransposeInto(dst []float64, c *Chunk, axes []int) ([]int, error) {
	nd := len(c.Shape)
	if axes == nil {
		axes = make([]int, nd)
		for i := range axes {
			axes[i] = nd - 1 - i
		}
	}
	if err := checkPerm(axes, nd); err != nil {
		return nil, err
	}
	if len(dst) != len(c.Data) {
		return nil, fmt.Errorf("%w: %d outputs for %d inputs", ErrShape, len(dst), len(c.Data))
	}
	shape := make([]int, nd)
	for i, a := range axes {
		shape[i] = c.Shape[a]
	}
	if len(c.Data) == 0 {
		return shape, nil
	}
	if nd == 2 && axes[0] == 1 {
		vec.Transpose(dst, c.Data, c.Shape[0], c.Shape[1])
		return shape, nil
	}
	in := c.Strides()
	st := make([]int, nd) // input stride of each output axis
	for i, a := range axes {
		st[i] = in[a]
	}
	gather(dst, c.Data, shape, st, 0)
	return shape, nil
}

func checkPerm(axes []int, nd int) error {
	if len(axes) != nd {
		return fmt.Errorf("%w: %d axes in permutation of %d", ErrShape, len(axes), nd)
	}
	seen := make([]bool, nd)
	for _, a := range axes {
		if a < 0 || a >= nd || seen[a] {
			return fmt.Errorf("%w: %v is not a permutation of %d axes", ErrShape, axes, nd)
		}
		seen[a] = true
	}
	return nil
}

// gather fills dst, in row-major order over shape, with src[base + Σ
// idx[i]·st[i]]: the common loop of transposes and strided slices. An
// odometer walks the outer axes; the innermost runs as a tight loop.
func gather(dst, src []float64, shape, st []int, base int) {
	nd := len(shape)
	if nd == 0 {
		dst[0] = src[base]
		return
	}
	inner, s := shape[nd-1], st[nd-1]
	idx := make([]int, nd-1)
	off := base
	for o := 0; o < len(dst); o += inner {
		d := dst[o : o+inner]
		if s == 1 {
			copy(d, src[off:off+inner])
		} else {
			p := off
			for j := range d {
				d[j] = src[p]
				p += s
			}
		}
		// Advance the odometer over the outer axes.
		for a := nd - 2; a >= 0; a-- {
			idx[a]++
			off += st[a]
			if idx[a] < shape[a] {
				break
			}
			off -= st[a] * shape[a]
			idx[a] = 0
		}
	}
}

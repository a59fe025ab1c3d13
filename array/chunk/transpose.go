package chunk

import "fmt"

// Transpose returns c with its axes permuted: axis i of the result is
// axis axes[i] of c. nil axes reverse them, as NumPy's transpose.
func Transpose(c *Chunk, axes []int) (*Chunk, error) {
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
	shape := make([]int, nd)
	for i, a := range axes {
		shape[i] = c.Shape[a]
	}
	out := &Chunk{Shape: shape, Data: make([]float64, len(c.Data))}
	if len(c.Data) == 0 {
		return out, nil
	}
	if nd == 2 && axes[0] == 1 {
		transpose2D(out.Data, c.Data, c.Shape[0], c.Shape[1])
		return out, nil
	}
	in := c.Strides()
	st := make([]int, nd) // input stride of each output axis
	for i, a := range axes {
		st[i] = in[a]
	}
	gather(out.Data, c.Data, shape, st, 0)
	return out, nil
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

// tile is the side of the blocks the 2-D transpose moves at a time: two
// 32×32 tiles of float64 (16 KiB) sit in L1 together.
const tile = 32

// transpose2D writes the transpose of the r×c matrix src to dst (c×r).
func transpose2D(dst, src []float64, r, c int) {
	for i0 := 0; i0 < r; i0 += tile {
		i1 := min(i0+tile, r)
		for j0 := 0; j0 < c; j0 += tile {
			j1 := min(j0+tile, c)
			for i := i0; i < i1; i++ {
				row := src[i*c : i*c+c]
				for j := j0; j < j1; j++ {
					dst[j*r+i] = row[j]
				}
			}
		}
	}
}

package chunk

import (
	"fmt"
	"math"
)

// A Range selects along one axis as Python's start:stop:step, with
// negative Start and Stop counting from the end and out-of-range bounds
// clamped. An omitted bound is End as the start of a negative step and
// Begin as its stop: Range{End, Begin, -1} reverses an axis, as [::-1].
// Step 0 is an error.
type Range struct {
	Start, Stop, Step int
}

// Begin and End clamp to before the first and past the last element.
const (
	Begin = math.MinInt
	End   = math.MaxInt
)

// All selects a whole axis.
func All() Range { return Range{0, End, 1} }

// Span selects [start, stop) with step 1.
func Span(start, stop int) Range { return Range{start, stop, 1} }

// Indices resolves r on an axis of length n, as Python's slice.indices:
// the first index, the step, and how many indices there are.
func (r Range) Indices(n int) (start, step, count int, err error) {
	step = r.Step
	if step == 0 {
		return 0, 0, 0, fmt.Errorf("%w: slice step 0", ErrShape)
	}
	// CPython's PySlice_AdjustIndices. Begin and End need no case of
	// their own: clamping sends them to the proper end.
	clamp := func(x int) int {
		if x < 0 {
			x += n
			if x < 0 {
				if step < 0 {
					return -1
				}
				return 0
			}
		} else if x >= n {
			if step < 0 {
				return n - 1
			}
			return n
		}
		return x
	}
	start, stop := clamp(r.Start), clamp(r.Stop)
	switch {
	case step > 0 && start < stop:
		count = (stop-start-1)/step + 1
	case step < 0 && stop < start:
		count = (start-stop-1)/(-step) + 1
	}
	return start, step, count, nil
}

// Slice returns the elements of c that ranges select, one Range per
// leading axis (axes without one are taken whole). The result is a copy.
func Slice(c *Chunk, ranges []Range) (*Chunk, error) {
	nd := len(c.Shape)
	if len(ranges) > nd {
		return nil, fmt.Errorf("%w: %d ranges for %d axes", ErrShape, len(ranges), nd)
	}
	in := c.Strides()
	shape := make([]int, nd)
	st := make([]int, nd)
	base := 0
	for a := range nd {
		r := All()
		if a < len(ranges) {
			r = ranges[a]
		}
		start, step, count, err := r.Indices(c.Shape[a])
		if err != nil {
			return nil, err
		}
		shape[a] = count
		st[a] = step * in[a]
		if count > 0 {
			base += start * in[a]
		}
	}
	n, _ := Size(shape)
	out := &Chunk{Shape: shape, Data: make([]float64, n)}
	if n > 0 {
		gather(out.Data, c.Data, shape, st, base)
	}
	return out, nil
}

// Concatenate joins chunks along axis; their other extents must match.
func Concatenate(cs []*Chunk, axis int) (*Chunk, error) {
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w: nothing to concatenate", ErrShape)
	}
	nd := len(cs[0].Shape)
	if axis < 0 || axis >= nd {
		return nil, fmt.Errorf("%w: axis %d of %d", ErrShape, axis, nd)
	}
	shape := append([]int{}, cs[0].Shape...)
	shape[axis] = 0
	for _, c := range cs {
		if len(c.Shape) != nd {
			return nil, fmt.Errorf("%w: concatenating %v and %v", ErrShape, cs[0].Shape, c.Shape)
		}
		for a := range nd {
			if a != axis && c.Shape[a] != cs[0].Shape[a] {
				return nil, fmt.Errorf("%w: concatenating %v and %v along %d", ErrShape, cs[0].Shape, c.Shape, axis)
			}
		}
		shape[axis] += c.Shape[axis]
	}
	n, err := Size(shape)
	if err != nil {
		return nil, err
	}
	out := &Chunk{Shape: shape, Data: make([]float64, 0, n)}
	inner := 1
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	outer := 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for o := range outer {
		for _, c := range cs {
			run := c.Shape[axis] * inner
			out.Data = append(out.Data, c.Data[o*run:(o+1)*run]...)
		}
	}
	return out, nil
}

// Stack joins chunks of one shape along a new axis, placed at axis.
func Stack(cs []*Chunk, axis int) (*Chunk, error) {
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w: nothing to stack", ErrShape)
	}
	nd := len(cs[0].Shape)
	if axis < 0 || axis > nd {
		return nil, fmt.Errorf("%w: axis %d for %d axes", ErrShape, axis, nd+1)
	}
	views := make([]*Chunk, len(cs))
	for i, c := range cs {
		if !SameShape(c.Shape, cs[0].Shape) {
			return nil, fmt.Errorf("%w: stacking %v and %v", ErrShape, cs[0].Shape, c.Shape)
		}
		shape := append(append(append([]int{}, c.Shape[:axis]...), 1), c.Shape[axis:]...)
		views[i] = &Chunk{Shape: shape, Data: c.Data}
	}
	return Concatenate(views, axis)
}

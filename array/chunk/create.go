package chunk

import "github.com/gask-dev/gask/internal/vec"

// Creation of blocks. Functions that depend on where a block sits in
// the whole array take its global offset, so that every block of an
// array can be made independently and the result does not depend on the
// chunking.

// Zeros returns a Chunk of zeros (New, for symmetry with Ones).
func Zeros(shape []int) *Chunk { return New(shape...) }

// Ones returns a Chunk of ones.
func Ones(shape []int) *Chunk { return Full(shape, 1) }

// Full returns a Chunk with every element v.
func Full(shape []int, v float64) *Chunk {
	c := New(shape...)
	vec.Fill(c.Data, v)
	return c
}

// Arange returns the n elements start + (offset+i)·step, i < n: the block
// at offset of NumPy's arange(start, stop, step). Computing each element
// from its global index, not by repeated addition, keeps blocks equal to
// the corresponding part of the whole.
func Arange(start, step float64, offset, n int) *Chunk {
	c := New(n)
	for i := range c.Data {
		c.Data[i] = start + float64(offset+i)*step
	}
	return c
}

// Linspace returns the block [offset, offset+n) of NumPy's
// linspace(start, stop, num, endpoint): num evenly spaced values, the
// last exactly stop when endpoint is set.
func Linspace(start, stop float64, num int, endpoint bool, offset, n int) *Chunk {
	div := num
	if endpoint {
		div = num - 1
	}
	step := 0.0
	if div > 0 {
		step = (stop - start) / float64(div)
	}
	c := New(n)
	for i := range c.Data {
		g := offset + i
		c.Data[i] = start + float64(g)*step
		if endpoint && g == num-1 && num > 1 {
			c.Data[i] = stop
		}
	}
	return c
}

// Uniform returns a block of numbers uniform on [0, 1), a pure function
// of (seed, block): block is the chunk's linear index in its grid, so
// every block of a random array is independent of the others and of the
// worker that makes it, and is recomputed exactly.
func Uniform(shape []int, seed, block uint64) *Chunk {
	c := New(shape...)
	vec.Uniform(c.Data, seed, block)
	return c
}

// Normal returns a block of standard normal numbers, as Uniform.
func Normal(shape []int, seed, block uint64) *Chunk {
	c := New(shape...)
	vec.Normal(c.Data, seed, block)
	return c
}

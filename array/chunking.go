package array

import (
	"fmt"

	"github.com/gask-dev/gask/array/chunk"
)

// Chunking says how to cut an array into blocks: regular blocks of one
// shape (Chunks), or the extents of every block along each axis
// (ExplicitChunks). The zero Chunking makes the whole array one block.
type Chunking struct {
	sizes    []int
	explicit [][]int
}

// Chunks cuts an array into blocks of the given shape, one extent per
// axis; the last block along an axis may be smaller. An extent of -1
// takes the whole axis, a single extent applies to every axis, as Dask's
// chunks=1000 does, and no extents make the whole array one block:
//
//	array.Chunks(2000, 2000) // 2000×2000 blocks
//	array.Chunks(1000)       // 1000 along every axis
//	array.Chunks(-1, 500)    // whole rows of 500 columns
func Chunks(sizes ...int) Chunking { return Chunking{sizes: append([]int{}, sizes...)} }

// ExplicitChunks gives the extents of the blocks along each axis, which
// must sum to the axis's length, as Dask's chunks=((1, 4, 4), (3, 3, 6))
// for a 9×12 array:
//
//	array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}})
func ExplicitChunks(perAxis [][]int) Chunking {
	c := Chunking{explicit: make([][]int, len(perAxis))}
	for a, cs := range perAxis {
		c.explicit[a] = append([]int{}, cs...)
	}
	return c
}

// grid cuts shape as c says.
func (c Chunking) grid(shape []int) (*chunk.Grid, error) {
	switch {
	case c.explicit != nil:
		if len(c.explicit) != len(shape) {
			return nil, fmt.Errorf("%w: %d chunk lists for shape %v", chunk.ErrShape, len(c.explicit), shape)
		}
		return chunk.ExplicitGrid(shape, c.explicit)
	case len(c.sizes) == 0:
		return chunk.RegularGrid(shape, filled(len(shape), -1))
	case len(c.sizes) == 1 && len(shape) != 1:
		return chunk.RegularGrid(shape, filled(len(shape), c.sizes[0]))
	}
	return chunk.RegularGrid(shape, c.sizes)
}

// String shows the chunking as it was given.
func (c Chunking) String() string {
	if c.explicit != nil {
		return fmt.Sprintf("ExplicitChunks(%v)", c.explicit)
	}
	return fmt.Sprintf("Chunks(%v)", c.sizes)
}

func filled(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

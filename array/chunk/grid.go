package chunk

import (
	"fmt"
	"strings"
)

// A Grid is how an array of Shape is cut into blocks: Chunks[a] lists the
// extents of the blocks along axis a, which sum to Shape[a]. Blocks are
// numbered in row-major order over the grid.
type Grid struct {
	Shape  []int
	Chunks [][]int
}

// RegularGrid cuts shape into blocks of chunkShape (the last block along
// an axis may be smaller). A chunk extent of -1 takes the whole axis.
func RegularGrid(shape, chunkShape []int) (*Grid, error) {
	if len(shape) != len(chunkShape) {
		return nil, fmt.Errorf("%w: chunk shape %v for shape %v", ErrShape, chunkShape, shape)
	}
	if _, err := Size(shape); err != nil {
		return nil, err
	}
	g := &Grid{Shape: append([]int{}, shape...), Chunks: make([][]int, len(shape))}
	for a, n := range shape {
		c := chunkShape[a]
		if c == -1 {
			c = max(n, 1)
		}
		if c <= 0 {
			return nil, fmt.Errorf("%w: chunk extent %d on axis %d", ErrShape, c, a)
		}
		// An axis of length 0 has one empty block, as in Dask.
		if n == 0 {
			g.Chunks[a] = []int{0}
			continue
		}
		for o := 0; o < n; o += c {
			g.Chunks[a] = append(g.Chunks[a], min(c, n-o))
		}
	}
	return g, nil
}

// ExplicitGrid takes the per-axis block extents as given, such as
// ((1, 4, 4), (3, 3, 6)) for shape (9, 12), and checks that they sum to
// shape.
func ExplicitGrid(shape []int, chunks [][]int) (*Grid, error) {
	g := &Grid{Shape: append([]int{}, shape...), Chunks: make([][]int, len(chunks))}
	for a, cs := range chunks {
		g.Chunks[a] = append([]int{}, cs...)
	}
	return g, g.Validate()
}

// Validate checks that the grid describes its shape: one list of
// non-negative extents per axis, at least one block per axis, summing to
// the axis length.
func (g *Grid) Validate() error {
	if len(g.Chunks) != len(g.Shape) {
		return fmt.Errorf("%w: %d chunk lists for %d axes", ErrShape, len(g.Chunks), len(g.Shape))
	}
	if _, err := Size(g.Shape); err != nil {
		return err
	}
	for a, cs := range g.Chunks {
		if len(cs) == 0 {
			return fmt.Errorf("%w: no blocks on axis %d", ErrShape, a)
		}
		sum := 0
		for _, c := range cs {
			if c < 0 {
				return fmt.Errorf("%w: negative block extent on axis %d", ErrShape, a)
			}
			sum += c
		}
		if sum != g.Shape[a] {
			return fmt.Errorf("%w: blocks on axis %d sum to %d, axis is %d", ErrShape, a, sum, g.Shape[a])
		}
	}
	return nil
}

// NumBlocks returns the number of blocks along each axis.
func (g *Grid) NumBlocks() []int {
	n := make([]int, len(g.Chunks))
	for a, cs := range g.Chunks {
		n[a] = len(cs)
	}
	return n
}

// Len returns the total number of blocks.
func (g *Grid) Len() int {
	n := 1
	for _, cs := range g.Chunks {
		n *= len(cs)
	}
	return n
}

// Offsets returns, for each axis, where each block starts.
func (g *Grid) Offsets() [][]int {
	out := make([][]int, len(g.Chunks))
	for a, cs := range g.Chunks {
		o := 0
		for _, c := range cs {
			out[a] = append(out[a], o)
			o += c
		}
	}
	return out
}

// BlockShape returns the shape of the block at grid index idx.
func (g *Grid) BlockShape(idx []int) []int {
	s := make([]int, len(idx))
	for a, i := range idx {
		s[a] = g.Chunks[a][i]
	}
	return s
}

// BlockOffset returns the global index of the first element of block idx.
func (g *Grid) BlockOffset(idx []int) []int {
	off := make([]int, len(idx))
	for a, i := range idx {
		for _, c := range g.Chunks[a][:i] {
			off[a] += c
		}
	}
	return off
}

// Linear returns the row-major number of block idx: the stream index for
// a random block.
func (g *Grid) Linear(idx []int) int {
	n := 0
	for a, i := range idx {
		n = n*len(g.Chunks[a]) + i
	}
	return n
}

// Unlinear is the inverse of Linear.
func (g *Grid) Unlinear(n int) []int {
	idx := make([]int, len(g.Chunks))
	for a := len(g.Chunks) - 1; a >= 0; a-- {
		k := len(g.Chunks[a])
		idx[a] = n % k
		n /= k
	}
	return idx
}

// Locate returns the block holding global index i along axis a and the
// index within it.
func (g *Grid) Locate(a, i int) (block, within int) {
	for b, c := range g.Chunks[a] {
		if i < c {
			return b, i
		}
		i -= c
	}
	return len(g.Chunks[a]), i
}

// A Piece is the part of one input block that goes into an output
// block: input block In, the ranges to take from it, and where they land
// (Out, as offsets in the output block).
type Piece struct {
	In     []int
	Ranges []Range
	Out    []int
}

// axisPiece is a Piece along one axis.
type axisPiece struct {
	block int
	rng   Range
	out   int
}

// RechunkPlan returns, for every block of to (in row-major order), the
// pieces of blocks of g that fill it. g and to must have one shape.
func (g *Grid) RechunkPlan(to *Grid) ([][]Piece, error) {
	if !SameShape(g.Shape, to.Shape) {
		return nil, fmt.Errorf("%w: rechunking %v to %v", ErrShape, g.Shape, to.Shape)
	}
	if err := to.Validate(); err != nil {
		return nil, err
	}
	// Along each axis, for each output block, the overlapping input blocks.
	perAxis := make([][][]axisPiece, len(g.Shape))
	for a := range g.Shape {
		in := g.Chunks[a]
		var ib, istart int
		ostart := 0
		for _, oc := range to.Chunks[a] {
			var ps []axisPiece
			lo, hi := ostart, ostart+oc
			for lo < hi {
				for ib < len(in) && istart+in[ib] <= lo {
					istart += in[ib]
					ib++
				}
				end := min(hi, istart+in[ib])
				ps = append(ps, axisPiece{ib, Span(lo-istart, end-istart), lo - ostart})
				lo = end
			}
			perAxis[a] = append(perAxis[a], ps)
			ostart = hi
		}
	}
	plans := make([][]Piece, to.Len())
	for n := range plans {
		idx := to.Unlinear(n)
		plans[n] = cross(perAxis, idx)
	}
	return plans, nil
}

// cross combines the per-axis pieces of output block idx into pieces.
func cross(perAxis [][][]axisPiece, idx []int) []Piece {
	out := []Piece{{}}
	for a, i := range idx {
		var next []Piece
		for _, p := range out {
			for _, ap := range perAxis[a][i] {
				next = append(next, Piece{
					In:     append(append([]int{}, p.In...), ap.block),
					Ranges: append(append([]Range{}, p.Ranges...), ap.rng),
					Out:    append(append([]int{}, p.Out...), ap.out),
				})
			}
		}
		out = next
	}
	return out
}

// SlicePlan returns the grid of g sliced by ranges (one per leading axis;
// the rest whole) and, for each of its blocks, the pieces of g's blocks
// that make it: one output block per input block touched, as Dask does,
// so no data moves between blocks. Negative steps reverse the block
// order along their axis.
func (g *Grid) SlicePlan(ranges []Range) (*Grid, [][]Piece, error) {
	nd := len(g.Shape)
	if len(ranges) > nd {
		return nil, nil, fmt.Errorf("%w: %d ranges for %d axes", ErrShape, len(ranges), nd)
	}
	out := &Grid{Shape: make([]int, nd), Chunks: make([][]int, nd)}
	perAxis := make([][][]axisPiece, nd)
	for a := range nd {
		r := All()
		if a < len(ranges) {
			r = ranges[a]
		}
		start, step, count, err := r.Indices(g.Shape[a])
		if err != nil {
			return nil, nil, err
		}
		out.Shape[a] = count
		// Walk the selected indices, grouping runs in one block.
		offs := g.Offsets()[a]
		for i := 0; i < count; {
			x := start + i*step
			b, within := g.Locate(a, x)
			// How many more selected indices fall in block b.
			var n int
			if step > 0 {
				n = (offs[b] + g.Chunks[a][b] - 1 - x) / step
			} else {
				n = (x - offs[b]) / -step
			}
			n = min(n+1, count-i)
			last := within + (n-1)*step
			rng := Range{within, last + 1, step}
			if step < 0 {
				rng.Stop = last - 1
				if rng.Stop < 0 {
					rng.Stop = Begin
				}
			}
			perAxis[a] = append(perAxis[a], []axisPiece{{b, rng, 0}})
			out.Chunks[a] = append(out.Chunks[a], n)
			i += n
		}
		if count == 0 {
			perAxis[a] = append(perAxis[a], nil)
			out.Chunks[a] = []int{0}
		}
	}
	plans := make([][]Piece, out.Len())
	for n := range plans {
		plans[n] = cross(perAxis, out.Unlinear(n))
	}
	return out, plans, nil
}

// ChunkShape returns the largest block extent along each axis (Dask's
// chunksize).
func (g *Grid) ChunkShape() []int {
	s := make([]int, len(g.Chunks))
	for a, cs := range g.Chunks {
		for _, c := range cs {
			s[a] = max(s[a], c)
		}
	}
	return s
}

// String summarises the grid as Dask's array repr does: shape, chunk
// size, number of blocks, bytes, dtype.
func (g *Grid) String() string {
	n, _ := Size(g.Shape)
	cn, _ := Size(g.ChunkShape())
	return fmt.Sprintf("array<shape=%s, chunksize=%s, chunks=%d %s, bytes=%s (%s per chunk), dtype=float64>",
		tuple(g.Shape), tuple(g.ChunkShape()), g.Len(), tuple(g.NumBlocks()), humanBytes(8*int64(n)), humanBytes(8*int64(cn)))
}

func tuple(s []int) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = fmt.Sprint(x)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// humanBytes writes n in binary units, as Dask's format_bytes.
func humanBytes(n int64) string {
	units := []string{"B", "kiB", "MiB", "GiB", "TiB", "PiB"}
	f := float64(n)
	u := 0
	for f >= 1024*0.9 && u < len(units)-1 {
		f /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.2f %s", f, units[u])
}

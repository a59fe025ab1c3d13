package array

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// Array is a lazy N-dimensional array of float64s cut into blocks: a
// chunk.Grid and, for each block in row-major block order, the lazy task
// (or element-wise expression, see expr.go) that makes it. Arrays are
// immutable values, safe to copy and to use from many goroutines; every
// operation returns a new Array and runs nothing until Compute or
// Persist.
//
// An operation that cannot be built (shapes that do not fit, a bad axis)
// returns an Array that carries the error: Err reports it, operations on
// it carry it on, and Compute returns it. The zero Array is such an
// array.
type Array struct {
	grid   *chunk.Grid // shared between arrays, never modified
	blocks []*expr     // one per block, row-major over the grid
	futs   []*gask.Future[*chunk.Chunk]
	err    error
}

// ErrShape is matched, with errors.Is, by every error about shapes that do
// not fit; it is chunk.ErrShape.
var ErrShape = chunk.ErrShape

var errZero = errors.New("array: zero Array (make arrays with the package's functions)")

func failed(err error) Array { return Array{err: err} }

func failedf(format string, args ...any) Array {
	return failed(fmt.Errorf("array: "+format, args...))
}

// Err returns the error that building a stopped at, or nil.
func (a Array) Err() error {
	if a.err == nil && a.grid == nil {
		return errZero
	}
	return a.err
}

// firstErr returns the first of the arrays' errors.
func firstErr(as ...Array) error {
	for _, a := range as {
		if err := a.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Shape returns the array's extent along each axis.
func (a Array) Shape() []int {
	if a.grid == nil {
		return nil
	}
	return slices.Clone(a.grid.Shape)
}

// NDim returns the number of axes.
func (a Array) NDim() int {
	if a.grid == nil {
		return 0
	}
	return len(a.grid.Shape)
}

// Size returns the number of elements.
func (a Array) Size() int {
	if a.grid == nil {
		return 0
	}
	n, _ := chunk.Size(a.grid.Shape)
	return n
}

// Chunks returns the extents of the blocks along each axis (Dask's
// chunks).
func (a Array) Chunks() [][]int {
	if a.grid == nil {
		return nil
	}
	out := make([][]int, len(a.grid.Chunks))
	for i, cs := range a.grid.Chunks {
		out[i] = slices.Clone(cs)
	}
	return out
}

// Grid returns a copy of the array's chunk grid.
func (a Array) Grid() chunk.Grid {
	if a.grid == nil {
		return chunk.Grid{}
	}
	return chunk.Grid{Shape: a.Shape(), Chunks: a.Chunks()}
}

// NumBlocks returns the number of blocks.
func (a Array) NumBlocks() int { return len(a.blocks) }

// Blocks returns each block as a lazy value, in row-major block order,
// for gask's own tools: gask.Summary, gask.Optimize, gask.ComputeMany
// together with other lazy values. Element-wise expressions become their
// tasks here, as Compute would make them.
func (a Array) Blocks() []*gask.Delayed[*chunk.Chunk] {
	out := make([]*gask.Delayed[*chunk.Chunk], len(a.blocks))
	for i, e := range a.blocks {
		out[i] = e.delayed()
	}
	return out
}

// Release drops the cluster's copies of a persisted array's blocks (see
// Persist). Arrays computed from it afterwards fail; other arrays are
// unaffected. Garbage-collected persisted arrays release their blocks
// too, eventually.
func (a Array) Release() {
	for _, f := range a.futs {
		f.Release()
	}
}

// String summarises the array as Dask's repr does, with the number of
// tasks Compute would submit (linear chains fused) and, if fusion saves
// any, how many there are before fusion:
//
//	array<shape=(4000, 4000), chunksize=(1000, 1000), chunks=16 (4, 4), bytes=122.07 MiB (7.63 MiB per chunk), dtype=float64, tasks=16>
func (a Array) String() string {
	if err := a.Err(); err != nil {
		return "array<error: " + err.Error() + ">"
	}
	s := strings.TrimSuffix(a.grid.String(), ">")
	built, fused, err := a.tasks()
	if err != nil {
		return s + ", tasks: " + err.Error() + ">"
	}
	if fused != built {
		return fmt.Sprintf("%s, tasks=%d (%d before fusion)>", s, fused, built)
	}
	return fmt.Sprintf("%s, tasks=%d>", s, fused)
}

// tasks counts the tasks of the array's graph as built and as Compute
// submits it.
func (a Array) tasks() (built, fused int, err error) {
	ds := anyDelayed(a.Blocks())
	g, err := gask.GraphOf(ds...)
	if err != nil {
		return 0, 0, err
	}
	opt, err := gask.Optimize(ds...)
	if err != nil {
		return 0, 0, err
	}
	return len(g.Tasks), len(opt.Tasks), nil
}

func anyDelayed(ds []*gask.Delayed[*chunk.Chunk]) []gask.AnyDelayed {
	out := make([]gask.AnyDelayed, len(ds))
	for i, d := range ds {
		out[i] = d
	}
	return out
}

// Visualize writes the graph behind the arrays' blocks in Graphviz's DOT
// language, as gask.Visualize does.
func Visualize(w io.Writer, arrays ...Array) error {
	if err := firstErr(arrays...); err != nil {
		return err
	}
	var ds []gask.AnyDelayed
	for _, a := range arrays {
		ds = append(ds, anyDelayed(a.Blocks())...)
	}
	return gask.Visualize(w, ds...)
}

// newArray makes an array of grid whose block n is blocks[n].
func newArray(grid *chunk.Grid, blocks []*expr) Array {
	return Array{grid: grid, blocks: blocks}
}

// block returns the expression of the block at grid index idx.
func (a Array) block(idx []int) *expr { return a.blocks[a.grid.Linear(idx)] }

// eachBlock calls f with the index and shape of every block of g, in
// row-major order, and collects the results.
func eachBlock(g *chunk.Grid, f func(n int, idx, shape []int) *expr) []*expr {
	out := make([]*expr, g.Len())
	for n := range out {
		idx := g.Unlinear(n)
		out[n] = f(n, idx, g.BlockShape(idx))
	}
	return out
}

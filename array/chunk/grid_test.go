package chunk

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestGrid(t *testing.T) {
	g, err := RegularGrid([]int{20000, 20000}, []int{2000, 2000})
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 100 || !slices.Equal(g.NumBlocks(), []int{10, 10}) {
		t.Errorf("grid %v", g)
	}
	s := g.String()
	for _, want := range []string{"shape=(20000, 20000)", "chunksize=(2000, 2000)", "chunks=100", "2.98 GiB", "30.52 MiB", "float64"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q, missing %q", s, want)
		}
	}
	e, err := ExplicitGrid([]int{9, 12}, [][]int{{1, 4, 4}, {3, 3, 6}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.BlockShape([]int{2, 2}), []int{4, 6}) || !slices.Equal(e.BlockOffset([]int{2, 2}), []int{5, 6}) {
		t.Errorf("block (2,2): %v at %v", e.BlockShape([]int{2, 2}), e.BlockOffset([]int{2, 2}))
	}
	for n := range e.Len() {
		if e.Linear(e.Unlinear(n)) != n {
			t.Fatalf("Linear(Unlinear(%d)) = %d", n, e.Linear(e.Unlinear(n)))
		}
	}
	if b, w := e.Locate(0, 5); b != 2 || w != 0 {
		t.Errorf("Locate(0, 5) = %d, %d", b, w)
	}
	r3, _ := RegularGrid([]int{10}, []int{3})
	if !slices.Equal(r3.Chunks[0], []int{3, 3, 3, 1}) {
		t.Errorf("RegularGrid(10, 3) = %v", r3.Chunks)
	}
	for _, bad := range [][][]int{{{1, 4, 3}, {12}}, {{9}}, {{9}, {13, -1}}, {{}, {12}}} {
		if _, err := ExplicitGrid([]int{9, 12}, bad); !errors.Is(err, ErrShape) {
			t.Errorf("ExplicitGrid(%v) accepted", bad)
		}
	}
	if _, err := RegularGrid([]int{4}, []int{0}); err == nil {
		t.Error("chunk extent 0 accepted")
	}
}

// blocks cuts c by g into its blocks, in row-major order.
func blocks(t *testing.T, c *Chunk, g *Grid) []*Chunk {
	out := make([]*Chunk, g.Len())
	for n := range out {
		idx := g.Unlinear(n)
		off, shape := g.BlockOffset(idx), g.BlockShape(idx)
		rs := make([]Range, len(idx))
		for a := range rs {
			rs[a] = Span(off[a], off[a]+shape[a])
		}
		b, err := Slice(c, rs)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = b
	}
	return out
}

// assemble runs a plan: each output block from its pieces of in.
func assemble(t *testing.T, g *Grid, in []*Chunk, out *Grid, plan [][]Piece) []*Chunk {
	res := make([]*Chunk, out.Len())
	for n, pieces := range plan {
		b := New(out.BlockShape(out.Unlinear(n))...)
		for _, p := range pieces {
			part, err := Slice(in[g.Linear(p.In)], p.Ranges)
			if err != nil {
				t.Fatal(err)
			}
			for i, x := range part.Data {
				idx := index(part.Shape, i)
				for a := range idx {
					idx[a] += p.Out[a]
				}
				b.Set(x, idx...)
			}
		}
		res[n] = b
	}
	return res
}

func randGrid(r *rand.Rand, shape []int) *Grid {
	cs := make([]int, len(shape))
	for a, d := range shape {
		cs[a] = 1 + r.IntN(max(d, 1))
	}
	g, _ := RegularGrid(shape, cs)
	return g
}

func TestRechunkPlan(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	for range 100 {
		shape := randShape(r)
		for a := range shape {
			shape[a] = max(shape[a], 1) * 2
		}
		c := randChunk(r, shape...)
		from, to := randGrid(r, shape), randGrid(r, shape)
		plan, err := from.RechunkPlan(to)
		if err != nil {
			t.Fatal(err)
		}
		got := assemble(t, from, blocks(t, c, from), to, plan)
		for n, b := range blocks(t, c, to) {
			checkChunk(t, "rechunked block", got[n], b, 0)
		}
	}
}

func TestSlicePlan(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	for range 300 {
		shape := randShape(r)
		c := randChunk(r, shape...)
		g := randGrid(r, shape)
		ranges := make([]Range, r.IntN(len(shape)+1))
		for a := range ranges {
			ranges[a] = randRange(r, shape[a])
		}
		out, plan, err := g.SlicePlan(ranges)
		if err != nil {
			t.Fatal(err)
		}
		if err := out.Validate(); err != nil {
			t.Fatalf("SlicePlan(%v by %v, %+v) grid: %v", shape, g.Chunks, ranges, err)
		}
		want, _ := Slice(c, ranges)
		got := assemble(t, g, blocks(t, c, g), out, plan)
		for n, b := range blocks(t, want, out) {
			checkChunk(t, "sliced block", got[n], b, 0)
		}
	}
}

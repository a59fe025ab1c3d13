package array

import (
	"errors"
	"math"
	"testing"

	"github.com/gask-dev/gask/array/chunk"
	"github.com/gask-dev/gask/codec"
)

// Programs arrive from the wire: the evaluator must reject bad ones with
// an error, never panic.

func TestProgramErrors(t *testing.T) {
	a := chunk.Full([]int{2, 3}, 1)
	load := instr{Op: opLoad}
	cases := map[string]program{
		"no code":          {Shape: []int{2, 3}},
		"two left":         {Shape: []int{2, 3}, Leaves: []leafRef{{}}, Code: []instr{load, load}},
		"underflow":        {Shape: []int{2, 3}, Leaves: []leafRef{{}}, Code: []instr{load, {Op: opBinary, Sub: uint8(chunk.Add)}}},
		"where underflow":  {Shape: []int{2, 3}, Leaves: []leafRef{{}}, Code: []instr{load, load, {Op: opWhere}}},
		"leaf index":       {Shape: []int{2, 3}, Leaves: []leafRef{{}}, Code: []instr{{Op: opLoad, Arg: 1}}},
		"negative leaf":    {Shape: []int{2, 3}, Leaves: []leafRef{{}}, Code: []instr{{Op: opLoad, Arg: -1}}},
		"input index":      {Shape: []int{2, 3}, Leaves: []leafRef{{In: 1}}, Code: []instr{load}},
		"bad op":           {Shape: []int{2, 3}, Leaves: []leafRef{{}}, Code: []instr{load, {Op: 99}}},
		"bad unary":        {Shape: []int{2, 3}, Leaves: []leafRef{{}}, Code: []instr{load, {Op: opUnary, Sub: 200}}},
		"bad binary":       {Shape: []int{2, 3}, Leaves: []leafRef{{}}, Code: []instr{load, load, {Op: opBinary, Sub: 200}}},
		"bad perm":         {Shape: []int{2, 3}, Leaves: []leafRef{{Perm: []int{0, 0}}}, Code: []instr{load}},
		"wrong size":       {Shape: []int{3, 3}, Leaves: []leafRef{{}}, Code: []instr{load}},
		"negative shape":   {Shape: []int{-1}, Code: []instr{{Op: opConst}}},
		"bad reduction":    {Shape: []int{2, 3}, Leaves: []leafRef{{}}, Code: []instr{load}, Reduce: 9, Out: []int{}},
		"reduced to three": {Shape: []int{2, 3}, Leaves: []leafRef{{}}, Code: []instr{load}, Reduce: reduceSum, Out: []int{3}},
	}
	for name, p := range cases {
		if _, err := p.run([]*chunk.Chunk{a}); err == nil {
			t.Errorf("%s: run = nil error", name)
		}
	}
	ok := program{Shape: []int{2, 3}, Leaves: []leafRef{{Perm: []int{1, 0}}}, Code: []instr{load}}
	if _, err := ok.run([]*chunk.Chunk{chunk.Full([]int{3, 2}, 1)}); err != nil {
		t.Errorf("a transposed load: %v", err)
	}
	wrong := cases["wrong size"]
	if _, err := wrong.run([]*chunk.Chunk{a}); !errors.Is(err, chunk.ErrShape) {
		t.Errorf("wrong size: %v, want ErrShape", err)
	}
}

// TestProgramStrips checks a long expression across several strips, with
// a broadcast input, against the same arithmetic element by element.
func TestProgramStrips(t *testing.T) {
	n := 3*strip + 17
	a, b := chunk.New(n), chunk.Scalar(0.25)
	for i := range a.Data {
		a.Data[i] = float64(i%97) / 10
	}
	// where(a > 2, sqrt(a) * b, -a ** 1.5) + 3
	p := program{Shape: []int{n}, Leaves: []leafRef{{In: 0}, {In: 1}}, Code: []instr{
		{Op: opLoad, Arg: 0}, {Op: opConst, X: 2}, {Op: opBinary, Sub: uint8(chunk.Greater)},
		{Op: opLoad, Arg: 0}, {Op: opUnary, Sub: uint8(chunk.Sqrt)}, {Op: opLoad, Arg: 1}, {Op: opBinary, Sub: uint8(chunk.Mul)},
		{Op: opLoad, Arg: 0}, {Op: opPower, X: 1.5}, {Op: opUnary, Sub: uint8(chunk.Negate)},
		{Op: opWhere}, {Op: opConst, X: 3}, {Op: opBinary, Sub: uint8(chunk.Add)},
	}}
	want := func(x float64) float64 {
		if x > 2 {
			return math.Sqrt(x)*0.25 + 3
		}
		return -math.Pow(x, 1.5) + 3
	}
	got, err := p.run([]*chunk.Chunk{a, b})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for i, x := range a.Data {
		sum += want(x)
		if w := want(x); math.Abs(got.Data[i]-w) > 1e-15*max(1, math.Abs(w)) {
			t.Fatalf("element %d = %v, want %v", i, got.Data[i], w)
		}
	}
	p.Reduce, p.Out = reduceSum, []int{1}
	if s, err := p.run([]*chunk.Chunk{a, b}); err != nil || math.Abs(s.Data[0]-sum) > 1e-12*math.Abs(sum) || len(s.Shape) != 1 {
		t.Errorf("reduced: %v, %v; want [%v] of shape [1]", s, err, sum)
	}
	// A program may be the same whether or not the input broadcasts.
	if got, err := p.run([]*chunk.Chunk{chunk.Scalar(4), b}); err != nil || got.Data[0] != want(4)*float64(n) {
		t.Errorf("all broadcast, reduced: %v, %v; want %v", got, err, want(4)*float64(n))
	}
}

// TestProgramTiles checks the tiled evaluation of a 2-D block with a
// transposed input, edge tiles included: sin(a) - bᵀ·2, and its sum.
func TestProgramTiles(t *testing.T) {
	for _, shape := range [][]int{{70, 45}, {32, 32}, {1, 100}, {33, 1}, {3, 5}} {
		a := chunk.Uniform(shape, 1, 0)
		b := chunk.Uniform([]int{shape[1], shape[0]}, 1, 1)
		p := program{Shape: shape, Leaves: []leafRef{{In: 0}, {In: 1, Perm: []int{1, 0}}}, Code: []instr{
			{Op: opLoad, Arg: 0}, {Op: opUnary, Sub: uint8(chunk.Sin)},
			{Op: opLoad, Arg: 1}, {Op: opConst, X: 2}, {Op: opBinary, Sub: uint8(chunk.Mul)},
			{Op: opBinary, Sub: uint8(chunk.Sub)}}}
		got, err := p.run([]*chunk.Chunk{a, b})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for i := range shape[0] {
			for j := range shape[1] {
				want := math.Sin(a.At(i, j)) - b.At(j, i)*2
				sum += want
				if g := got.At(i, j); math.Abs(g-want) > 1e-15 {
					t.Fatalf("%v: element (%d, %d) = %v, want %v", shape, i, j, g, want)
				}
			}
		}
		p.Reduce, p.Out = reduceSum, []int{}
		if s, err := p.run([]*chunk.Chunk{a, b}); err != nil || math.Abs(s.Data[0]-sum) > 1e-12*max(1, math.Abs(sum)) {
			t.Errorf("%v: sum %v, %v; want %v", shape, s, err, sum)
		}
		// The transposed input alone.
		p = program{Shape: shape, Leaves: []leafRef{{In: 0, Perm: []int{1, 0}}}, Code: []instr{{Op: opLoad}, {Op: opUnary, Sub: uint8(chunk.Abs)}}}
		got, err = p.run([]*chunk.Chunk{b})
		if want, _ := chunk.Transpose(b, nil); err != nil || !slicesEqual(got.Data, want.Data) {
			t.Errorf("%v: |bᵀ| = %v, %v; want %v", shape, got, err, want)
		}
	}
}

func slicesEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzProgram(f *testing.F) {
	valid := []program{
		{Shape: []int{2, 3}, Leaves: []leafRef{{In: 0}, {In: 1, Perm: []int{1, 0}}}, Code: []instr{
			{Op: opLoad, Arg: 0}, {Op: opUnary, Sub: uint8(chunk.Sin)}, {Op: opLoad, Arg: 1}, {Op: opBinary, Sub: uint8(chunk.Add)}}},
		{Shape: []int{2, 3}, Leaves: []leafRef{{In: 0}}, Code: []instr{{Op: opLoad}, {Op: opConst, X: 1}, {Op: opLoad}, {Op: opWhere}}, Reduce: reduceMax, Out: []int{1, 1}},
	}
	for _, p := range valid {
		b, err := codec.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	ins := []*chunk.Chunk{chunk.Full([]int{2, 3}, 0.5), chunk.Full([]int{3, 2}, 2)}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := codec.Unmarshal[program](b)
		if err != nil {
			return
		}
		if n, err := chunk.Size(p.Shape); err != nil || n > 1<<16 {
			return // a huge block is the sender's to ask for
		}
		p.run(ins)
	})
}

// BenchmarkSeedBlock is one block of the seed workload, 2000×2000:
// sin(a) + cos(bᵀ) summed, as the fused program and as separate chunk
// operations.
func BenchmarkSeedBlock(b *testing.B) {
	x, y := chunk.Uniform([]int{2000, 2000}, 1, 0), chunk.Uniform([]int{2000, 2000}, 1, 1)
	b.Run("program", func(b *testing.B) {
		p := program{Shape: []int{2000, 2000}, Leaves: []leafRef{{In: 0}, {In: 1, Perm: []int{1, 0}}}, Code: []instr{
			{Op: opLoad, Arg: 0}, {Op: opUnary, Sub: uint8(chunk.Sin)},
			{Op: opLoad, Arg: 1}, {Op: opUnary, Sub: uint8(chunk.Cos)},
			{Op: opBinary, Sub: uint8(chunk.Add)}}, Reduce: reduceSum, Out: []int{}}
		for b.Loop() {
			if _, err := p.run([]*chunk.Chunk{x, y}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("separate", func(b *testing.B) {
		for b.Loop() {
			s, _ := chunk.Unary(chunk.Sin, x)
			t, _ := chunk.Transpose(y, nil)
			c, _ := chunk.Unary(chunk.Cos, t)
			a, _ := chunk.Binary(chunk.Add, s, c)
			if _, err := chunk.Sum(a, nil, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

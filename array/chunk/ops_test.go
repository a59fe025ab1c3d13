package chunk

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestUnary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	c := randChunk(r, 7, 13)
	c.Data[0], c.Data[1] = 0, math.NaN()
	ref := map[UnaryOp]func(float64) float64{
		Sin: math.Sin, Cos: math.Cos, Exp: math.Exp, Log: math.Log, Sqrt: math.Sqrt,
		Abs: math.Abs, Negate: func(x float64) float64 { return -x }, Square: func(x float64) float64 { return x * x },
	}
	for op := Sin; op < unaryEnd; op++ {
		got, err := Unary(op, c)
		if err != nil {
			t.Fatal(err)
		}
		want := New(c.Shape...)
		for i, x := range c.Data {
			want.Data[i] = ref[op](x)
		}
		checkChunk(t, op.String(), got, want, 1e-15)
	}
	if _, err := Unary(UnaryOp(200), c); err == nil {
		t.Error("Unary(200) succeeded")
	}
	p := Power(c, 1.5)
	for i, x := range c.Data {
		if !near(p.Data[i], math.Pow(x, 1.5), 1e-15) {
			t.Fatalf("Power(%v, 1.5) = %v", x, p.Data[i])
		}
	}
}

func binaryRef(op BinaryOp, x, y float64) float64 {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	switch op {
	case Add:
		return x + y
	case Sub:
		return x - y
	case Mul:
		return x * y
	case Div:
		return x / y
	case Pow:
		return math.Pow(x, y)
	case Minimum:
		return math.Min(x, y)
	case Maximum:
		return math.Max(x, y)
	case Less:
		return b(x < y)
	case LessEqual:
		return b(x <= y)
	case Greater:
		return b(x > y)
	case GreaterEqual:
		return b(x >= y)
	case Equal:
		return b(x == y)
	}
	return b(x != y)
}

func TestBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	a, b := randChunk(r, 3, 4, 5), randChunk(r, 3, 4, 5)
	for i := 0; i < len(a.Data); i += 5 {
		b.Data[i] = a.Data[i]
	}
	a.Data[3] = math.NaN()
	s := 1.25
	for op := Add; op < binaryEnd; op++ {
		got, err := Binary(op, a, b)
		if err != nil {
			t.Fatal(err)
		}
		gs, _ := Binary(op, a, Scalar(s))
		sg, _ := Binary(op, Scalar(s), a)
		for i := range a.Data {
			x, y := a.Data[i], b.Data[i]
			if w := binaryRef(op, x, y); !near(got.Data[i], w, 0) {
				t.Fatalf("%v(%v, %v) = %v, want %v", op, x, y, got.Data[i], w)
			}
			if w := binaryRef(op, x, s); !near(gs.Data[i], w, 1e-15) {
				t.Fatalf("%v(%v, scalar %v) = %v, want %v", op, x, s, gs.Data[i], w)
			}
			if w := binaryRef(op, s, x); !near(sg.Data[i], w, 1e-15) {
				t.Fatalf("%v(scalar %v, %v) = %v, want %v", op, s, x, sg.Data[i], w)
			}
		}
	}
	if _, err := Binary(Add, a, randChunk(r, 3, 4)); !errors.Is(err, ErrShape) {
		t.Errorf("Binary of mismatched shapes: err %v, want ErrShape", err)
	}
	cond, _ := Binary(Greater, a, b)
	w, err := Where(cond, a, Scalar(-1))
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Data {
		want := -1.0
		if a.Data[i] > b.Data[i] {
			want = a.Data[i]
		}
		if w.Data[i] != want {
			t.Fatalf("Where[%d] = %v, want %v", i, w.Data[i], want)
		}
	}
}

// TestTranspose compares with moving each element by its multi-index.
func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for range 200 {
		shape := randShape(r)
		c := randChunk(r, shape...)
		axes := r.Perm(len(shape))
		got, err := Transpose(c, axes)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range c.Data {
			idx := index(shape, i)
			out := make([]int, len(idx))
			for k, a := range axes {
				out[k] = idx[a]
			}
			if got.At(out...) != x {
				t.Fatalf("Transpose(%v, %v) at %v = %v, want %v", shape, axes, out, got.At(out...), x)
			}
		}
	}
	for _, s := range [][2]int{{1, 1}, {33, 65}, {64, 64}, {100, 3}} {
		c := randChunk(r, s[0], s[1])
		got, _ := Transpose(c, nil)
		for i := range s[0] {
			for j := range s[1] {
				if got.At(j, i) != c.At(i, j) {
					t.Fatalf("2-D transpose %v at (%d, %d) wrong", s, j, i)
				}
			}
		}
	}
	if _, err := Transpose(New(2, 3), []int{0, 0}); !errors.Is(err, ErrShape) {
		t.Errorf("Transpose with a repeated axis: err %v", err)
	}
}

// pyRange lists the indices Python's range(start, stop, step) gives,
// after slice.indices, computed the slow way.
func pyIndices(r Range, n int) []int {
	var out []int
	for i := range n {
		out = append(out, i)
	}
	if r.Step < 0 {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	// Select by bounds: positions normalised as Python does.
	norm := func(x int) float64 {
		if x == Begin {
			return math.Inf(-1)
		}
		if x == End {
			return math.Inf(1)
		}
		if x < 0 {
			x += n
			if x < 0 {
				return math.Inf(-1)
			}
		}
		return float64(x)
	}
	lo, hi := norm(r.Start), norm(r.Stop)
	var sel []int
	k := 0
	for _, i := range out {
		f := float64(i)
		in := (r.Step > 0 && f >= lo && f < hi) || (r.Step < 0 && f <= lo && f > hi)
		if !in {
			continue
		}
		if k%abs(r.Step) == 0 {
			sel = append(sel, i)
		}
		k++
	}
	return sel
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func randRange(r *rand.Rand, n int) Range {
	pick := func() int {
		switch r.IntN(6) {
		case 0:
			return Begin
		case 1:
			return End
		}
		return r.IntN(2*n+3) - n - 1
	}
	step := r.IntN(3) + 1
	if r.IntN(2) == 0 {
		step = -step
	}
	return Range{pick(), pick(), step}
}

func TestRangeIndices(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for range 2000 {
		n := r.IntN(7)
		rg := randRange(r, n)
		start, step, count, err := rg.Indices(n)
		if err != nil {
			t.Fatal(err)
		}
		want := pyIndices(rg, n)
		if count != len(want) {
			t.Fatalf("%+v.Indices(%d) count %d, want %v", rg, n, count, want)
		}
		for k, w := range want {
			if start+k*step != w {
				t.Fatalf("%+v.Indices(%d) = %d,%d,%d, want %v", rg, n, start, step, count, want)
			}
		}
	}
	if _, _, _, err := (Range{0, 1, 0}).Indices(3); err == nil {
		t.Error("step 0 accepted")
	}
}

func TestSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for range 300 {
		shape := randShape(r)
		c := randChunk(r, shape...)
		ranges := make([]Range, r.IntN(len(shape)+1))
		sel := make([][]int, len(shape))
		for a := range shape {
			rg := All()
			if a < len(ranges) {
				rg = randRange(r, shape[a])
				ranges[a] = rg
			}
			sel[a] = pyIndices(rg, shape[a])
		}
		got, err := Slice(c, ranges)
		if err != nil {
			t.Fatal(err)
		}
		for a := range shape {
			if got.Shape[a] != len(sel[a]) {
				t.Fatalf("Slice(%v, %+v) shape %v", shape, ranges, got.Shape)
			}
		}
		for i, x := range got.Data {
			idx := index(got.Shape, i)
			src := make([]int, len(idx))
			for a, k := range idx {
				src[a] = sel[a][k]
			}
			if c.At(src...) != x {
				t.Fatalf("Slice(%v, %+v) at %v = %v, want %v", shape, ranges, idx, x, c.At(src...))
			}
		}
	}
}

func TestConcatenateAndStack(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for range 100 {
		shape := randShape(r)
		axis := r.IntN(len(shape))
		var parts []*Chunk
		for range 1 + r.IntN(3) {
			s := append([]int{}, shape...)
			s[axis] = r.IntN(4)
			parts = append(parts, randChunk(r, s...))
		}
		got, err := Concatenate(parts, axis)
		if err != nil {
			t.Fatal(err)
		}
		// Slicing the result back gives the parts.
		o := 0
		for _, p := range parts {
			rs := make([]Range, len(shape))
			for a := range rs {
				rs[a] = All()
			}
			rs[axis] = Span(o, o+p.Shape[axis])
			back, _ := Slice(got, rs)
			checkChunk(t, "concatenate", back, p, 0)
			o += p.Shape[axis]
		}
		st, err := Stack([]*Chunk{parts[0], parts[0]}, axis)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range st.Data {
			idx := index(st.Shape, i)
			src := append(append([]int{}, idx[:axis]...), idx[axis+1:]...)
			if parts[0].At(src...) != x {
				t.Fatalf("Stack at %v wrong", idx)
			}
		}
	}
	if _, err := Concatenate([]*Chunk{New(2, 3), New(2, 4)}, 0); !errors.Is(err, ErrShape) {
		t.Errorf("Concatenate of mismatched shapes: %v", err)
	}
}

func TestMatMul(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 2}, {7, 130, 9}, {64, 300, 270}} {
		a, b := randChunk(r, s[0], s[1]), randChunk(r, s[1], s[2])
		got, err := MatMul(a, b)
		if err != nil {
			t.Fatal(err)
		}
		want := New(s[0], s[2])
		for i := range s[0] {
			for j := range s[2] {
				var sum float64
				for k := range s[1] {
					sum += a.At(i, k) * b.At(k, j)
				}
				want.Set(sum, i, j)
			}
		}
		checkChunk(t, "MatMul", got, want, 1e-12)
	}
	if _, err := MatMul(New(2, 3), New(2, 3)); !errors.Is(err, ErrShape) {
		t.Error("MatMul of 2x3 by 2x3 succeeded")
	}
}

func TestCreation(t *testing.T) {
	whole := Arange(2, 0.5, 0, 10)
	for i := range 10 {
		if whole.Data[i] != 2+0.5*float64(i) {
			t.Fatalf("Arange[%d] = %v", i, whole.Data[i])
		}
	}
	// Blocks from offsets are slices of the whole.
	for _, f := range []func(off, n int) *Chunk{
		func(off, n int) *Chunk { return Arange(-1, 0.1, off, n) },
		func(off, n int) *Chunk { return Linspace(0, 1, 11, true, off, n) },
		func(off, n int) *Chunk { return Linspace(0, 1, 11, false, off, n) },
	} {
		w := f(0, 11)
		parts := []*Chunk{f(0, 4), f(4, 4), f(8, 3)}
		c, _ := Concatenate(parts, 0)
		checkChunk(t, "blocks of a range", c, w, 0)
	}
	l := Linspace(0, 1, 11, true, 0, 11)
	if l.Data[10] != 1 || l.Data[5] != 0.5 {
		t.Errorf("Linspace(0, 1, 11) = %v", l.Data)
	}
	a, b := Uniform([]int{30, 40}, 1, 5), Uniform([]int{30, 40}, 1, 5)
	checkChunk(t, "Uniform twice", a, b, 0)
	if c := Uniform([]int{30, 40}, 1, 6); c.Data[0] == a.Data[0] {
		t.Error("Uniform blocks 5 and 6 start alike")
	}
	if o := Ones([]int{2, 2}); o.Data[3] != 1 || Full([]int{1}, 7).Data[0] != 7 || Zeros([]int{3}).Data[2] != 0 {
		t.Error("Ones, Full or Zeros wrong")
	}
}

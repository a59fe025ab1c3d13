package chunk

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// TestTranspose2D compares the 2-D path with the naive loop on shapes
// around the kernels' blocks and tiles, empty ones, single rows and
// columns, and one large enough for non-temporal stores.
func TestTranspose2D(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	shapes := [][2]int{
		{0, 0}, {0, 3}, {3, 0}, {1, 1}, {1, 100}, {100, 1}, {5, 3}, {8, 4}, {4, 8},
		{31, 33}, {64, 1024}, {67, 1030}, {130, 9}, {1028, 1100},
	}
	for range 40 {
		shapes = append(shapes, [2]int{1 + r.IntN(200), 1 + r.IntN(200)})
	}
	for _, s := range shapes {
		rows, cols := s[0], s[1]
		c := randChunk(r, rows, cols)
		want := make([]float64, len(c.Data))
		for i := range rows {
			for j := range cols {
				want[j*rows+i] = c.Data[i*cols+j]
			}
		}
		got, err := Transpose(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !SameShape(got.Shape, []int{cols, rows}) {
			t.Fatalf("Transpose(%d×%d) shape %v", rows, cols, got.Shape)
		}
		dst := make([]float64, len(c.Data))
		shape, err := TransposeInto(dst, c, []int{1, 0})
		if err != nil || !SameShape(shape, got.Shape) {
			t.Fatalf("TransposeInto(%d×%d) = %v, %v, want shape %v", rows, cols, shape, err, got.Shape)
		}
		for i := range want {
			if got.Data[i] != want[i] || dst[i] != want[i] {
				t.Fatalf("Transpose(%d×%d)[%d] = %v, TransposeInto %v, want %v", rows, cols, i, got.Data[i], dst[i], want[i])
			}
		}
	}
}

func TestTransposeIntoErrors(t *testing.T) {
	c := New(2, 3)
	if _, err := TransposeInto(make([]float64, 5), c, nil); !errors.Is(err, ErrShape) {
		t.Errorf("TransposeInto(5 outputs, 2×3): err %v, want ErrShape", err)
	}
	if _, err := TransposeInto(make([]float64, 6), c, []int{1, 1}); !errors.Is(err, ErrShape) {
		t.Errorf("TransposeInto(axes [1 1]): err %v, want ErrShape", err)
	}
	// Other permutations go through the general path into dst as well.
	d := Arange(0, 1, 0, 24)
	d, _ = d.Reshape(2, 3, 4)
	want, _ := Transpose(d, []int{2, 0, 1})
	dst := make([]float64, 24)
	shape, err := TransposeInto(dst, d, []int{2, 0, 1})
	if err != nil || !SameShape(shape, want.Shape) {
		t.Fatalf("TransposeInto(2×3×4, [2 0 1]) = %v, %v, want shape %v", shape, err, want.Shape)
	}
	checkChunk(t, "TransposeInto 3-D", &Chunk{Shape: shape, Data: dst}, want, 0)
}

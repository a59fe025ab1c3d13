package array_test

import (
	"errors"
	"math"
	"testing"

	"github.com/gask-dev/gask/array"
)

func TestMatMul(t *testing.T) {
	ctx, c := startCluster(t, 2)
	a, b := sample(70, -1, 1, 9, 13), sample(71, -1, 1, 13, 7)
	// Uneven k-blocks, and b's rows chunked otherwise than a's columns.
	xa := a.array(array.ExplicitChunks([][]int{{4, 5}, {1, 6, 2, 4}}))
	xb := b.array(array.Chunks(5, 3))
	want := matmul(a, b)
	check(t, ctx, c, "MatMul", array.MatMul(xa, xb), want, 1e-13)
	check(t, ctx, c, "Dot 2-D", array.Dot(xa, xb), want, 1e-13)
	check(t, ctx, c, "MatMul same k-blocks", array.MatMul(xa, b.array(array.ExplicitChunks([][]int{{1, 6, 2, 4}, {7}}))), want, 1e-13)
	// Many k-blocks: a tree of additions.
	check(t, ctx, c, "MatMul 13 k-blocks", array.MatMul(a.array(array.Chunks(3, 1)), xb), want, 1e-13)
	// Of expressions and transposes: aᵀ·a.
	check(t, ctx, c, "MatMul aT a", array.MatMul(xa.T(), array.Sin(xa)), matmul(a.transpose(), a.mapf(math.Sin)), 1e-13)

	v := sample(72, -1, 1, 13)
	xv := v.array(array.Chunks(4))
	col := &dense{shape: []int{13, 1}, data: v.data}
	check(t, ctx, c, "Dot matrix·vector", array.Dot(xa, xv), &dense{shape: []int{9}, data: matmul(a, col).data}, 1e-13)
	row := &dense{shape: []int{1, 13}, data: v.data}
	check(t, ctx, c, "Dot vector·matrix", array.Dot(xv, xb), &dense{shape: []int{7}, data: matmul(row, b).data}, 1e-13)
	check(t, ctx, c, "Dot vector·vector", array.Dot(xv, xv), &dense{shape: []int{}, data: matmul(row, col).data}, 1e-13)

	for name, bad := range map[string]array.Array{
		"MatMul k":   array.MatMul(xa, xa),
		"MatMul 1-D": array.MatMul(xv, xb),
		"Dot 1-D":    array.Dot(xv, sample(1, 0, 1, 3).array(array.Chunks(2))),
		"Dot 3-D":    array.Dot(xv, array.Zeros([]int{13, 2, 2}, array.Chunks(2))),
	} {
		if err := bad.Err(); !errors.Is(err, array.ErrShape) {
			t.Errorf("%s: Err() = %v, want ErrShape", name, err)
		}
	}
}

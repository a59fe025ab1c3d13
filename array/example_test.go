package array_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gask-dev/gask/array"
	"github.com/gask-dev/gask/cluster/local"
)

// The seed workload, small: (sin(x) + cos(xᵀ)).sum() over a random
// 400×400 array in 100×100 blocks.
func Example() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	x := array.Uniform(1, []int{400, 400}, array.Chunks(100, 100))
	s := array.Add(array.Sin(x), array.Cos(x.T())).Sum()
	fmt.Println(s)
	total, err := array.ComputeScalar(ctx, c, s)
	if err != nil {
		log.Fatal(err)
	}
	// The mean of sin u + cos u for u uniform on [0, 1) is
	// (1 - cos 1) + sin 1 ≈ 1.3012.
	fmt.Printf("mean %.2f\n", total/(400*400))
	// Output:
	// array<shape=(), chunksize=(), chunks=1 (), bytes=8 B (8 B per chunk), dtype=float64, tasks=19>
	// mean 1.30
}

func ExampleExplicitChunks() {
	x := array.Uniform(1, []int{9, 12}, array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}}))
	fmt.Println(x.Chunks())
	fmt.Println(x)
	// Output:
	// [[1 4 4] [3 3 6]]
	// array<shape=(9, 12), chunksize=(4, 6), chunks=9 (3, 3), bytes=864 B (192 B per chunk), dtype=float64, tasks=9>
}

func ExampleArray_Sum() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	x := array.FromSlice([]float64{1, 2, 3, 4, 5, 6}, []int{2, 3}, array.Chunks(1, 2))
	cols, err := array.Compute(ctx, c, x.Sum(array.Axis(0)))
	if err != nil {
		log.Fatal(err)
	}
	rows, err := array.Compute(ctx, c, x.Mean(array.Axis(1), array.KeepDims()))
	if err != nil {
		log.Fatal(err)
	}
	arg, err := array.ComputeScalar(ctx, c, x.ArgMax())
	fmt.Println(cols, rows, arg, err)
	// Output: chunk[3][5 7 9] chunk[2 1][2 5] 5 <nil>
}

func ExampleArray_Slice() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	x := array.Arange(0, 10, 1, array.Chunks(3))              // 0 … 9 in blocks of 3
	y, err := array.Compute(ctx, c, x.Slice(array.Every(-2))) // x[::-2]
	fmt.Println(y, err)
	// Output: chunk[5][9 7 5 3 1] <nil>
}

func ExampleMatMul() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	a := array.FromSlice([]float64{1, 2, 3, 4, 5, 6}, []int{2, 3}, array.Chunks(1, 2))
	p, err := array.Compute(ctx, c, array.MatMul(a, a.T())) // a·aᵀ
	fmt.Println(p, err)
	// Output: chunk[2 2][14 32 32 77] <nil>
}

func ExampleWhere() {
	ctx := context.Background()
	cluster, err := local.New(ctx, local.Workers(2))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	c := cluster.Client()

	x := array.Linspace(-1, 1, 5, array.Chunks(2))
	relu := array.Where(array.Greater(x, array.Scalar(0)), x, array.Scalar(0))
	y, err := array.Compute(ctx, c, relu)
	fmt.Println(y, err)
	// Output: chunk[5][0 0 0 0.5 1] <nil>
}

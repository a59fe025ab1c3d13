// Package array is gask's chunked N-dimensional arrays of float64s, what
// dask.array is to Dask: an Array is cut into blocks along every axis,
// each block is a task, and operations on arrays build a lazy task graph
// that runs on a gask cluster only when you compute it.
//
// A minimal use, Dask's (sin(x) + cos(x.T)).sum() over a 20000×20000
// random array in 2000×2000 blocks (3 GiB, 100 blocks):
//
//	func main() {
//		gask.Main() // worker processes re-execute this program
//		ctx := context.Background()
//		cluster, err := local.New(ctx, local.Processes())
//		if err != nil { ... }
//		defer cluster.Close()
//		c := cluster.Client()
//
//		x := array.Uniform(1, []int{20000, 20000}, array.Chunks(2000, 2000))
//		s := array.Add(array.Sin(x), array.Cos(x.T())).Sum() // nothing runs yet
//		fmt.Println(s)                                       // array<shape=(), ..., tasks=116>
//		total, err := array.ComputeScalar(ctx, c, s)         // ≈ 5.2e8
//	}
//
// # Arrays
//
// An Array has a shape and a chunking: Chunks(2000, 2000) for regular
// blocks (the last along an axis may be smaller), ExplicitChunks for
// given extents such as ((1, 4, 4), (3, 3, 6)). Its String is a summary
// in the manner of Dask's repr: shape, chunk shape, number of blocks,
// bytes and the number of tasks its graph has.
//
// Make arrays with FromSlice and FromChunk (data of modest size, copied
// into the graph), Zeros, Ones, Full and Scalar, Arange and Linspace,
// Uniform and Normal (seeded, each block a pure function of the seed and
// its place, so the same on any cluster), and FromNPY and FromRaw (files
// the workers read).
//
// Then:
//
//   - element-wise: Sin, Cos, Exp, Log, Sqrt, Abs, Negative, Square,
//     Power; Add, Sub, Mul, Div, Pow, Minimum, Maximum; the comparisons
//     Less … NotEqual (1 or 0); Where. Operands have one shape, or one of
//     them has a single element and is broadcast: Add(x, Scalar(1)),
//     Sub(x, x.Mean());
//   - structure: T and Transpose, Slice with Python's start:stop:step
//     (negative steps too), Concatenate and Stack, Rechunk;
//   - reductions over all axes or those given with Axis (KeepDims, DDOF,
//     FanIn): Sum, Mean, Min, Max, Var, Std, ArgMin, ArgMax, as tree
//     reductions of per-block partials;
//   - MatMul and Dot.
//
// Compute returns the whole array as one dense chunk.Chunk in your
// program, ComputeScalar a single number, ComputeAll several arrays from
// one graph; Persist keeps the blocks on the cluster for further work;
// ToNPY and ToRaw have the workers write one file per block, which
// numpy.load reads (NPY). Blocks hands the lazy blocks to gask's own
// tools (Summary, Optimize, ComputeMany); Visualize draws the graph.
//
// # How operations become tasks
//
// Element-wise operations do not make a task each. sin(x) + cos(xᵀ) is,
// per block, one expression over x's blocks (i, j) and (j, i), run as one
// task that evaluates it a thousand elements at a time, reading the block
// of xᵀ in place in 32×32 tiles: Dask's blockwise fusion. A reduction over
// all axes of an expression runs inside that task too. Random blocks are
// not stored at all: each task that reads one makes it again from the
// seed (a few ns an element, less than keeping and moving it), so the seed
// workload above is one task per block for x's two blocks, sin + cos and
// the partial sum, and 16 to add up the 100 partials: 116 tasks, holding
// no block of x between tasks. A block of a random array needed on its
// own (x.Sum(), x.Slice(...)) is a task (array.uniform) like any other.
// Reductions over some axes, slices, rechunks and matrix products work on
// whole blocks, each a task; Transpose and Concatenate only rearrange
// blocks. An expression reads at most two blocks of other arrays; a
// bigger one is split into tasks.
//
// # The caller's duties
//
// The tasks are functions registered by this package (named "array.…"),
// so every worker must run a program that imports it: the program that
// uses arrays, started as a worker (local.Processes does this), which
// must call gask.Main first thing in main. Compute brings the whole
// result into your process: reduce or slice big arrays first, or Persist
// them. Persisted arrays hold their blocks on the cluster until Release.
// Arrays carry errors rather than return them: check Err, or let Compute
// report the first. Files are read and written by the workers, so their
// directory must be one the workers see. Results agree with serial
// computations up to rounding: sums are added in a different order, and
// Sin, Cos, Exp and Log are within 2 ulp (package internal/vec).
package array

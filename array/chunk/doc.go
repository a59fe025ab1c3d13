// Package chunk is the per-chunk layer of gask's chunked arrays: a dense
// N-dimensional float64 block (Chunk) and everything one array task does
// to one block, pure and fast, so that the graph layer in package array
// only has to wire blocks together.
//
// A minimal use, one task's worth of work:
//
//	a := chunk.Uniform([]int{2000, 2000}, seed, uint64(grid.Linear(idx)))
//	s, _ := chunk.Unary(chunk.Sin, a)
//	t, _ := chunk.Transpose(a, nil)
//	total, _ := chunk.Sum(s, nil, false)
//
// What is here:
//
//   - element-wise maths (Unary, Power, Binary with scalar broadcasting,
//     comparisons giving 0 and 1, Where), on the vectorised kernels of
//     internal/vec;
//   - Transpose and TransposeInto (any permutation; 2-D matrices go to
//     vec.Transpose, tiled, in register blocks, with non-temporal stores
//     for large ones), Slice with steps (negative too), Concatenate and
//     Stack, Reshape;
//   - reductions over any axes (Sum, Min, Max, Mean, Var, Std) and their
//     partial forms for tree reductions: sums and extrema combine with
//     Binary, Moments with CombineMoments (Chan's algorithm), argmin and
//     argmax through ArgPartial, which carries global indices;
//   - MatMul, blocked, in pure Go;
//   - creation of a block from its place in the whole: Zeros, Ones, Full,
//     Arange and Linspace from a global offset, Uniform and Normal from
//     (seed, block number), reproducible on any worker;
//   - Grid, the chunk-grid arithmetic: regular or explicit chunks,
//     validation, offsets, which blocks a slice touches (SlicePlan) and
//     how to rechunk (RechunkPlan), and a Dask-like summary;
//   - files: NPY 1.0 ('<f8', C order, which numpy.load reads) and a raw
//     format, which is also the chunk's binary form (AppendBinary,
//     UnmarshalBinary), and so, through package codec, how a *Chunk
//     travels between processes: the data appended in one copy and
//     decoded in place.
//
// Operations are small integer enums (UnaryOp, BinaryOp) so that a task
// can carry one as an argument.
//
// # Caller's duties
//
// Chunks are values: operations return new ones and never keep their
// inputs, except FromData and Reshape, which share the data slice, and
// UnmarshalBinary, which uses an aligned payload as the data (so its
// caller must not reuse the payload). Shape mismatches are errors
// matching ErrShape; decoding errors match ErrFormat; decoders never
// panic and allocate only as input arrives.
//
// This package touches no files, clock or network: readers and writers
// are the caller's.
package chunk

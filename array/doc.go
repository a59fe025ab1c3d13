// Package array will be gask's chunked N-dimensional float64 arrays, what
// dask.array is to Dask: an array is a grid of blocks, each block a task,
// and expressions on arrays build task graphs.
//
// The plan, in two layers:
//
//   - array/chunk (built): everything that runs inside one task on one
//     block — element-wise maths, transposes, slicing, reductions and
//     their combinable partials, matmul, creation, the chunk-grid
//     arithmetic, NPY and raw files.
//   - array (this package, to come): the lazy layer over gask's graphs —
//     an Array of a Grid and a key per block, blockwise operations,
//     transpose and rechunk through Grid's plans, tree reductions, and
//     compute through a client.
package array

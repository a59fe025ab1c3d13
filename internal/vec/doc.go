// Package vec is gask's float64 kernels: element-wise functions,
// arithmetic, comparisons and reductions over slices, and seeded random
// fills. It is what runs inside one array task on one chunk, so it is
// pure compute: no goroutines, no allocation beyond small stack buffers,
// no global state but the CPU features found at start.
//
// A minimal use:
//
//	x := make([]float64, 1<<20)
//	vec.Uniform(x, seed, chunkIndex) // reproducible per (seed, chunk)
//	vec.Sin(x, x)                    // in place
//	total := vec.Sum(x)
//
// # Sin, Cos, Exp, Log
//
// On amd64 with AVX2 and FMA these run in assembly, four lanes per
// instruction and sixteen elements per iteration (Log: eight), about ten
// times faster than a loop over the math package on random arguments.
// Each lane is computed exactly as the scalar model in poly.go (the tests
// check bit equality), so results do not depend on an element's
// neighbours or its position in the slice:
//
//   - Sin, Cos: x = kπ + r with π in three parts (every product exact
//     with FMA), then one odd polynomial of degree 17 for sin r on
//     |r| ≤ π/2, whose coefficients gen_coeffs.go derives by Chebyshev
//     economisation of the Taylor series. Cos uses x = (k-½)π + r, which
//     keeps full relative accuracy near its zeros. |x| > 2²², ±Inf and
//     NaN go to math.Sin and math.Cos.
//   - Exp: x = k·ln2 + r, a degree-11 polynomial, 2^k added to the
//     exponent. |x| > 708 (overflow, subnormal and zero results) and NaN
//     go to math.Exp.
//   - Log: x = 2^k·m with m in [√2/2, √2), log(1+f) by the classic
//     minimax polynomial in s = f/(2+f). Zero, negative, subnormal,
//     infinite and NaN inputs go to math.Log, except that positive
//     subnormals are scaled first: math.Log on amd64 gets them wrong (Go
//     issue 56600).
//
// Measured maximum errors against a 200-bit reference (accuracy_test.go):
// Sin 1.65 ulp, Cos 1.73, Exp 0.83, Log 0.71, on inputs from every
// binade and on the doubles nearest to multiples of π/2, where range
// reduction is hardest. The math package, by comparison, is off by up to
// 1e5 ulp near multiples of π below 2²⁹ and by hundreds of ulp for huge
// arguments. Special values (NaN, ±Inf, ±0) match the math package.
//
// Elsewhere the same model runs in Go where FMA is one instruction
// (arm64, ppc64, s390x, riscv64, and amd64 with FMA but no AVX2 under the
// purego tag); on other CPUs the math package answers.
//
// # Transpose
//
// Transpose moves a row-major matrix to its transpose in tiles of 64 rows
// by 1024 columns, each in blocks transposed in registers: on amd64 with
// AVX by assembly kernels that load 8 source rows by 4 columns as 128-bit
// halves, pair them with unpacks and store four whole destination cache
// lines, with non-temporal stores when the destination is 4 MiB or more;
// elsewhere by Go, 4×4 blocks through locals. A 2000×2000 matrix takes
// 0.55 to 0.9 ns per element on a shared AMD EPYC (the Go blocks 2, the
// naive loop 4.5). Bytes and View give float64 memory as bytes and back,
// for encoders.
//
// # Random numbers
//
// Uniform and Normal are pure functions of (seed, stream): the same
// numbers on every machine and however the work is split, which is what
// recomputing a lost chunk needs. Uniform is PCG from math/rand/v2; Normal
// is Box–Muller over it, computed with the model's bits everywhere.
//
// # Caller's duties
//
// Slices passed together must have the same length (a mismatch panics,
// like an index out of range), and an output may be an input but must not
// partly overlap one.
package vec

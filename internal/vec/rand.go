package vec

import (
	"math"
	"math/rand/v2"
)

// Random fills are pure functions of (seed, stream): the same arguments
// give the same numbers on every machine and in every process, whatever
// the number of workers, so a chunk of a random array is recomputed
// exactly after its worker dies. The generator is math/rand/v2's PCG
// (PCG-DXSM, 128-bit state), whose output is specified and fixed across
// Go releases; its state is seeded from (seed, stream), stream being,
// say, a chunk's index. (ChaCha8 was measured too: its Read is about
// 2.5 times slower per number here, and the fills need no cryptographic
// strength.)

// newSource returns the generator for (seed, stream). The constant keeps
// gask's streams apart from other uses of the same seed with PCG.
func newSource(seed, stream uint64) *rand.PCG {
	return rand.NewPCG(seed, stream^0x9e3779b97f4a7c15)
}

// randBlock is how many pairs Normal draws at a time, in buffers that
// stay in L1.
const randBlock = 512

// Uniform fills dst with numbers uniform on [0, 1): each is the top 53
// bits of one 64-bit output of the stream (seed, stream), times 2⁻⁵³.
// (Interleaving four generators for parallelism was tried: no faster.)
func Uniform(dst []float64, seed, stream uint64) {
	src := newSource(seed, stream)
	for i := range dst {
		dst[i] = float64(src.Uint64()>>11) * 0x1p-53
	}
}

// Normal fills dst with standard normal numbers from the stream
// (seed, stream), by the Box–Muller transform of pairs of Uniform
// numbers: √(-2 ln u)·cos 2πv and √(-2 ln u)·sin 2πv with u in (0, 1].
// It computes with the package's own Log, Sin and Cos lanes, which give
// the same bits on every machine, so the numbers are as reproducible as
// Uniform's.
func Normal(dst []float64, seed, stream uint64) {
	src := newSource(seed, stream)
	var u, v, c, s [randBlock]float64
	for len(dst) > 0 {
		pairs := min((len(dst)+1)/2, randBlock)
		for i := range pairs {
			// 1 - k·2⁻⁵³ is in (0, 1]: Log never sees 0.
			u[i] = 1 - float64(src.Uint64()>>11)*0x1p-53
			v[i] = float64(float64(src.Uint64()>>11)*0x1p-53) * (2 * math.Pi)
		}
		exactLog(u[:pairs], u[:pairs])
		exactCos(c[:pairs], v[:pairs])
		exactSin(s[:pairs], v[:pairs])
		n := min(len(dst), 2*pairs)
		for i := range pairs {
			r := math.Sqrt(float64(-2 * u[i]))
			dst[2*i] = float64(r * c[i])
			if 2*i+1 < n {
				dst[2*i+1] = float64(r * s[i])
			}
		}
		dst = dst[n:]
	}
}

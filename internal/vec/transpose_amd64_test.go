//go:build amd64 && !purego

package vec

import (
	"testing"

	"golang.org/x/sys/cpu"
)

type transposeMode struct {
	name  string
	avx   bool
	ntMin int
}

// transposeModes lists the kernels to check against each other: Go, AVX
// with ordinary stores, AVX with non-temporal stores from the first byte.
func transposeModes() []transposeMode {
	modes := []transposeMode{{"go", false, ntBytes}}
	if cpu.X86.HasAVX {
		modes = append(modes, transposeMode{"avx", true, 1 << 62}, transposeMode{"nt", true, 0})
	}
	return modes
}

func (m transposeMode) set(tb testing.TB) {
	saved, savedMin := useAVX, ntMin
	useAVX, ntMin = m.avx, m.ntMin
	tb.Cleanup(func() { useAVX, ntMin = saved, savedMin })
}

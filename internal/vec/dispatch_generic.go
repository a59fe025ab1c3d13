//go:build !amd64 || purego

package vec

import (
	"math"
	"runtime"

	"golang.org/x/sys/cpu"
)

// useAsm is false: there are no kernels in assembly for this build.
var useAsm = false

// fmaNative reports whether math.FMA is one instruction here, which makes
// the scalar model in poly.go faster than the math package (it has no
// branches on the quadrant) as well as more accurate. Elsewhere the math
// package answers.
var fmaNative = runtime.GOARCH == "arm64" || runtime.GOARCH == "ppc64" ||
	runtime.GOARCH == "ppc64le" || runtime.GOARCH == "s390x" ||
	runtime.GOARCH == "riscv64" || runtime.GOARCH == "loong64" ||
	(runtime.GOARCH == "amd64" && cpu.X86.HasFMA)

// modelBits reports whether Sin, Cos, Exp and Log give the model's bits.
func modelBits() bool { return fmaNative }

func sinSlice(dst, src []float64) {
	if fmaNative {
		for i, x := range src {
			dst[i] = sin1(x)
		}
		return
	}
	for i, x := range src {
		dst[i] = math.Sin(x)
	}
}

func cosSlice(dst, src []float64) {
	if fmaNative {
		for i, x := range src {
			dst[i] = cos1(x)
		}
		return
	}
	for i, x := range src {
		dst[i] = math.Cos(x)
	}
}

func expSlice(dst, src []float64) {
	if fmaNative {
		for i, x := range src {
			dst[i] = exp1(x)
		}
		return
	}
	for i, x := range src {
		dst[i] = math.Exp(x)
	}
}

func logSlice(dst, src []float64) {
	if fmaNative {
		for i, x := range src {
			dst[i] = log1(x)
		}
		return
	}
	for i, x := range src {
		dst[i] = logScalar(x)
	}
}

// The exact functions give the model's bits on every machine, for
// Normal: see dispatch_amd64.go.

func exactSin(dst, src []float64) {
	for i, x := range src {
		dst[i] = sin1(x)
	}
}

func exactCos(dst, src []float64) {
	for i, x := range src {
		dst[i] = cos1(x)
	}
}

func exactLog(dst, src []float64) {
	for i, x := range src {
		dst[i] = log1(x)
	}
}

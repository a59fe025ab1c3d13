//go:build amd64 && !purego

package vec

import (
	"math"

	"golang.org/x/sys/cpu"
)

// useAsm chooses the AVX2+FMA kernels. Without them (older x86 CPUs) the
// math package answers element by element: math.FMA would be emulated in
// software there, so the scalar model in poly.go would be slower still.
// Tests switch it off to check the fallback.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// modelBits reports whether Sin, Cos, Exp and Log give the model's bits.
func modelBits() bool { return useAsm }

// The kernels write f(src[i]) to dst[i] for i < n, n a multiple of group,
// and return how many they wrote: n, or less when they stopped before a
// group holding an input they leave to the math package.
//
//go:noescape
func sinAVX2(dst, src *float64, n int) int

//go:noescape
func cosAVX2(dst, src *float64, n int) int

//go:noescape
func expAVX2(dst, src *float64, n int) int

//go:noescape
func logAVX2(dst, src *float64, n int) int

// group is how many elements the kernels take per iteration (Log takes
// 8, which divides it).
const group = 16

type kernel uint8

const (
	kSin kernel = iota
	kCos
	kExp
	kLog
)

// call runs kernel k. A switch rather than a func value keeps the pointers
// from escaping, so drive's padding buffer stays on the stack.
func call(k kernel, dst, src *float64, n int) int {
	switch k {
	case kSin:
		return sinAVX2(dst, src, n)
	case kCos:
		return cosAVX2(dst, src, n)
	case kExp:
		return expAVX2(dst, src, n)
	}
	return logAVX2(dst, src, n)
}

// scalar is one lane of kernel k: the model in poly.go, which gives the
// kernel's bits for inputs in its range and the math package's answer
// outside it. A result so never depends on its neighbours in the slice.
func scalar(k kernel, x float64) float64 {
	switch k {
	case kSin:
		return sin1(x)
	case kCos:
		return cos1(x)
	case kExp:
		return exp1(x)
	}
	return log1(x)
}

// drive runs kernel k over src, computes each group the kernel refused
// lane by lane with scalar, and finishes a tail shorter than a group in a padded
// buffer. dst and src have the same length and are the same or disjoint.
func drive(k kernel, dst, src []float64) {
	n := len(src) &^ (group - 1)
	i := 0
	for i < n {
		i += call(k, &dst[i], &src[i], n-i)
		if i < n {
			end := min(i+group, n)
			for j := i; j < end; j++ {
				dst[j] = scalar(k, src[j])
			}
			i = end
		}
	}
	if i == len(src) {
		return
	}
	// 1 is in range for every kernel.
	buf := [group]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	m := copy(buf[:], src[i:])
	if call(k, &buf[0], &buf[0], group) == group {
		copy(dst[i:], buf[:m])
		return
	}
	for j := i; j < len(src); j++ {
		dst[j] = scalar(k, src[j])
	}
}

func sinSlice(dst, src []float64) {
	if useAsm {
		drive(kSin, dst, src)
		return
	}
	for i, x := range src {
		dst[i] = math.Sin(x)
	}
}

func cosSlice(dst, src []float64) {
	if useAsm {
		drive(kCos, dst, src)
		return
	}
	for i, x := range src {
		dst[i] = math.Cos(x)
	}
}

func expSlice(dst, src []float64) {
	if useAsm {
		drive(kExp, dst, src)
		return
	}
	for i, x := range src {
		dst[i] = math.Exp(x)
	}
}

func logSlice(dst, src []float64) {
	if useAsm {
		drive(kLog, dst, src)
		return
	}
	for i, x := range src {
		dst[i] = logScalar(x)
	}
}

// The exact functions give the model's bits on every machine: the
// kernels where they run, the model (with math.FMA, emulated if need be)
// elsewhere. Normal uses them so that its numbers never depend on the CPU.

func exactSin(dst, src []float64) {
	if useAsm {
		drive(kSin, dst, src)
		return
	}
	for i, x := range src {
		dst[i] = sin1(x)
	}
}

func exactCos(dst, src []float64) {
	if useAsm {
		drive(kCos, dst, src)
		return
	}
	for i, x := range src {
		dst[i] = cos1(x)
	}
}

func exactLog(dst, src []float64) {
	if useAsm {
		drive(kLog, dst, src)
		return
	}
	for i, x := range src {
		dst[i] = log1(x)
	}
}

//go:build amd64 && !purego

package vec

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useAVX chooses the assembly kernels, which need only AVX. Tests switch
// it off to check the Go kernel, and lower ntMin to check both kinds of
// store.
var useAVX = cpu.X86.HasAVX

// The kernels transpose the h×w region at src, whose rows are srcStride
// bytes apart, into dst, whose rows are dstStride bytes apart. h is a
// positive multiple of 8 (of 4 for transpose4x4), w of 4. The NT kernel
// needs dst and dstStride to be multiples of 32 and ends with SFENCE, so
// that its stores are ordered before anything that follows.

//go:noescape
func transpose8x4(dst, src *float64, dstStride, srcStride, h, w int)

//go:noescape
func transpose8x4NT(dst, src *float64, dstStride, srcStride, h, w int)

//go:noescape
func transpose4x4(dst, src *float64, dstStride, srcStride, h, w int)

// kernel4 says which kernel moves the blocks of one transpose.
type kernel4 uint8

const (
	kernelGo kernel4 = iota
	kernelAVX
	kernelNT
)

// ntMin is ntBytes; tests lower it.
var ntMin = ntBytes

func chooseKernel(dst []float64, rows int) kernel4 {
	switch {
	case !useAVX:
		return kernelGo
	case 8*len(dst) >= ntMin && rows%4 == 0 && uintptr(unsafe.Pointer(&dst[0]))%32 == 0:
		// Every block's destination rows start 32-byte aligned.
		return kernelNT
	}
	return kernelAVX
}

// blocks transposes the h×w region at (i0, j0) of the rows×cols src, h
// and w positive multiples of 4.
func blocks(k kernel4, dst, src []float64, rows, cols, i0, j0, h, w int) {
	if k == kernelGo {
		blocksGo(dst, src, rows, cols, i0, j0, h, w)
		return
	}
	// The region's last elements are in range, so all of it is.
	_ = src[(i0+h-1)*cols+j0+w-1]
	_ = dst[(j0+w-1)*rows+i0+h-1]
	ds, ss := 8*rows, 8*cols
	if h8 := h &^ 7; h8 > 0 {
		if k == kernelNT {
			transpose8x4NT(&dst[j0*rows+i0], &src[i0*cols+j0], ds, ss, h8, w)
		} else {
			transpose8x4(&dst[j0*rows+i0], &src[i0*cols+j0], ds, ss, h8, w)
		}
		i0 += h8
		h -= h8
	}
	if h > 0 {
		transpose4x4(&dst[j0*rows+i0], &src[i0*cols+j0], ds, ss, h, w)
	}
}

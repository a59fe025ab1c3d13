//go:build !amd64 || purego

package vec

// kernel4 is the only kernel here: blocksGo.
type kernel4 struct{}

func chooseKernel([]float64, int) kernel4 { return kernel4{} }

// blocks transposes the h×w region at (i0, j0) of the rows×cols src, h
// and w positive multiples of 4.
func blocks(_ kernel4, dst, src []float64, rows, cols, i0, j0, h, w int) {
	blocksGo(dst, src, rows, cols, i0, j0, h, w)
}

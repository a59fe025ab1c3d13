package chunk

import "fmt"

// MatMul returns the matrix product of the 2-D chunks a (m×k) and b
// (k×n).
func MatMul(a, b *Chunk) (*Chunk, error) {
	if len(a.Shape) != 2 || len(b.Shape) != 2 || a.Shape[1] != b.Shape[0] {
		return nil, fmt.Errorf("%w: matmul of %v and %v", ErrShape, a.Shape, b.Shape)
	}
	m, k, n := a.Shape[0], a.Shape[1], b.Shape[1]
	c := New(m, n)
	MatMulAdd(c.Data, a.Data, b.Data, m, k, n)
	return c, nil
}

// Blocking for MatMulAdd: a kc×nc panel of b (256 KiB) stays in L2 while
// rows of a stream past it; four rows of c are updated per pass so each
// element of b loaded serves four multiply-adds.
const (
	mmKC = 128
	mmNC = 256
)

// MatMulAdd adds a·b to c, all row-major: c is m×n, a m×k, b k×n.
func MatMulAdd(c, a, b []float64, m, k, n int) {
	for k0 := 0; k0 < k; k0 += mmKC {
		k1 := min(k0+mmKC, k)
		for j0 := 0; j0 < n; j0 += mmNC {
			j1 := min(j0+mmNC, n)
			i := 0
			for ; i+4 <= m; i += 4 {
				c0 := c[i*n+j0 : i*n+j1]
				c1 := c[(i+1)*n+j0 : (i+1)*n+j1]
				c2 := c[(i+2)*n+j0 : (i+2)*n+j1]
				c3 := c[(i+3)*n+j0 : (i+3)*n+j1]
				for p := k0; p < k1; p++ {
					a0, a1, a2, a3 := a[i*k+p], a[(i+1)*k+p], a[(i+2)*k+p], a[(i+3)*k+p]
					row := b[p*n+j0 : p*n+j1]
					row = row[:len(c0)]
					c1, c2, c3 := c1[:len(row)], c2[:len(row)], c3[:len(row)]
					for j, x := range row {
						c0[j] += a0 * x
						c1[j] += a1 * x
						c2[j] += a2 * x
						c3[j] += a3 * x
					}
				}
			}
			for ; i < m; i++ {
				ci := c[i*n+j0 : i*n+j1]
				for p := k0; p < k1; p++ {
					ap := a[i*k+p]
					row := b[p*n+j0 : p*n+j1]
					row = row[:len(ci)]
					for j, x := range row {
						ci[j] += ap * x
					}
				}
			}
		}
	}
}

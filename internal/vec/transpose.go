package vec

// Transpose writes the transpose of the rows×cols row-major matrix src
// to dst, a cols×rows row-major matrix: dst[j*rows+i] = src[i*cols+j].
// dst and src must both hold rows·cols elements and must not overlap.
//
// The matrix is moved in tiles of tileRows×tileCols elements, each in
// blocks transposed in registers: on amd64 with AVX by assembly kernels
// (blocks of 8 source rows by 4 columns: sixteen 128-bit loads, eight
// shuffles and eight 256-bit stores that write four 64-byte destination
// row segments, whole cache lines when aligned), elsewhere by Go,
// sixteen scalar moves per 4×4 block.
// Only values move, so the result is bit for bit the naive loop's.
//
// A destination of at least ntBytes is written with non-temporal stores,
// which skip reading each destination line into the cache before it is
// overwritten and do not evict the source: a 2000×2000 transpose takes
// 40% of the time it takes with ordinary stores. Smaller ones use
// ordinary stores, so that the result is in cache for whatever reads it
// next.
func Transpose(dst, src []float64, rows, cols int) {
	if rows < 0 || cols < 0 || (cols > 0 && rows > maxInt/cols) ||
		len(src) != rows*cols || len(dst) != len(src) {
		panic("vec: Transpose of a matrix whose shape does not match its slices")
	}
	if len(src) == 0 {
		return
	}
	if rows == 1 || cols == 1 {
		copy(dst, src) // the same elements in the same order
		return
	}
	k := chooseKernel(dst, rows)
	for i0 := 0; i0 < rows; i0 += tileRows {
		h := min(tileRows, rows-i0)
		for j0 := 0; j0 < cols; j0 += tileCols {
			w := min(tileCols, cols-j0)
			transposeTile(k, dst, src, rows, cols, i0, j0, h, w)
		}
	}
}

const maxInt = int(^uint(0) >> 1)

// The tile: 64 source rows by 1024 columns. Within a tile the kernels go
// along 8 (or 4) source rows at a time, so the source is read as a few
// sequential streams, each line used whole while it is in L1; the tile's
// height bounds those streams and its width the destination rows (each
// on its own page for large matrices) that the tile's strips share, so
// that their TLB entries are reused by the 8 strips of a tile. Measured
// on AMD EPYC (2048-entry L2 TLB) with 2000×2000 and non-temporal
// stores: square tiles of 32 to 512 are 10 to 100% slower; 32 to 128
// rows by 512 to 2000 columns are alike.
const (
	tileRows = 64
	tileCols = 1024
)

// ntBytes is the smallest destination written with non-temporal stores.
// Measured on AMD EPYC (32 MiB L3), square matrices with a reused
// destination: ordinary stores win up to 2 MiB, the two are even at 4 MiB
// (720×720), and non-temporal stores take 40% of the time from 8 MiB.
const ntBytes = 4 << 20

// transposeTile moves the h×w tile at (i0, j0) of src: whole blocks with
// kernel k, the edges (fewer than 4 rows or columns) one element at a
// time.
func transposeTile(k kernel4, dst, src []float64, rows, cols, i0, j0, h, w int) {
	h4, w4 := h&^3, w&^3
	if h4 > 0 && w4 > 0 {
		blocks(k, dst, src, rows, cols, i0, j0, h4, w4)
	}
	// The right edge: the last w-w4 columns, every row of the tile.
	for i := i0; i < i0+h; i++ {
		row := src[i*cols : (i+1)*cols]
		for j := j0 + w4; j < j0+w; j++ {
			dst[j*rows+i] = row[j]
		}
	}
	// The bottom edge: the last h-h4 rows, the columns of the blocks.
	for i := i0 + h4; i < i0+h; i++ {
		row := src[i*cols : (i+1)*cols]
		for j := j0; j < j0+w4; j++ {
			dst[j*rows+i] = row[j]
		}
	}
}

// blocksGo transposes the h×w region at (i0, j0), h and w multiples of
// 4, one 4×4 block at a time through sixteen locals.
func blocksGo(dst, src []float64, rows, cols, i0, j0, h, w int) {
	for i := i0; i < i0+h; i += 4 {
		s0 := src[i*cols+j0 : i*cols+j0+w]
		s1 := src[(i+1)*cols+j0 : (i+1)*cols+j0+w]
		s2 := src[(i+2)*cols+j0 : (i+2)*cols+j0+w]
		s3 := src[(i+3)*cols+j0 : (i+3)*cols+j0+w]
		for j := 0; j+4 <= len(s0); j += 4 {
			a, b, c, d := s0[j:j+4:j+4], s1[j:j+4:j+4], s2[j:j+4:j+4], s3[j:j+4:j+4]
			o := (j0+j)*rows + i
			d0 := dst[o : o+4 : o+4]
			d0[0], d0[1], d0[2], d0[3] = a[0], b[0], c[0], d[0]
			o += rows
			d1 := dst[o : o+4 : o+4]
			d1[0], d1[1], d1[2], d1[3] = a[1], b[1], c[1], d[1]
			o += rows
			d2 := dst[o : o+4 : o+4]
			d2[0], d2[1], d2[2], d2[3] = a[2], b[2], c[2], d[2]
			o += rows
			d3 := dst[o : o+4 : o+4]
			d3[0], d3[1], d3[2], d3[3] = a[3], b[3], c[3], d[3]
		}
	}
}

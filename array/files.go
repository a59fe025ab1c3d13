package array

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array/chunk"
)

// Arrays on disk are directories of one file per block, named by the
// block's index in the grid: 0_0.npy, 0_1.npy, … (0.npy for a 0-d
// array). The workers write and read them, so the directory must be one
// they all see: the same machine for a local cluster, a shared file
// system otherwise. Either format holds one block per file:
//
//   - NPY ('<f8', C order), which numpy.load reads: np.load("x/0_1.npy");
//   - raw, gask's own: a 16-byte header ("gaskchnk", version, dtype,
//     number of axes), the extents as 64-bit little-endian integers, then
//     the data as little-endian float64s (see package chunk).

// ToNPY writes every block of a as an NPY file in dir (created if need
// be; a relative dir is relative to this process's working directory),
// on the workers, in one graph, and returns the files' paths in block
// order. Each file is written to a temporary name and renamed, so a
// reader never sees half a block.
func ToNPY(ctx context.Context, c *gask.Client, a Array, dir string, opts ...gask.ComputeOption) ([]string, error) {
	return store(ctx, c, a, dir, npyFormat, opts)
}

// ToRaw writes every block of a in the raw format, as ToNPY.
func ToRaw(ctx context.Context, c *gask.Client, a Array, dir string, opts ...gask.ComputeOption) ([]string, error) {
	return store(ctx, c, a, dir, rawFormat, opts)
}

// FromNPY is the array of shape and chunks stored in dir by ToNPY (or by
// anything writing NPY files of those names and shapes): a task per
// block reads its file when the array is computed. A file whose shape
// is not the block's fails its task.
func FromNPY(dir string, shape []int, chunks Chunking) Array {
	return load(dir, shape, chunks, npyFormat)
}

// FromRaw is FromNPY for files in the raw format.
func FromRaw(dir string, shape []int, chunks Chunking) Array {
	return load(dir, shape, chunks, rawFormat)
}

type format struct {
	ext   string
	read  *gask.Fn2[string, []int, *chunk.Chunk]
	write *gask.Fn2[string, *chunk.Chunk, string]
}

var (
	npyFormat = format{".npy", readNPYFn, writeNPYFn}
	rawFormat = format{".raw", readRawFn, writeRawFn}
)

// blockFile names block idx's file.
func blockFile(dir string, idx []int, ext string) string {
	if len(idx) == 0 {
		return filepath.Join(dir, "0"+ext)
	}
	parts := make([]string, len(idx))
	for i, x := range idx {
		parts[i] = strconv.Itoa(x)
	}
	return filepath.Join(dir, strings.Join(parts, "_")+ext)
}

func store(ctx context.Context, c *gask.Client, a Array, dir string, f format, opts []gask.ComputeOption) ([]string, error) {
	if err := a.Err(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("array: %w", err)
	}
	writes := make([]*gask.Delayed[string], len(a.blocks))
	for n, e := range a.blocks {
		writes[n] = f.write.Delay(gask.V(blockFile(dir, a.grid.Unlinear(n), f.ext)), e.delayed())
	}
	return gask.ComputeAll(ctx, c, writes, opts...)
}

func load(dir string, shape []int, chunks Chunking, f format) Array {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return failed(fmt.Errorf("array: %w", err))
	}
	return fromGrid(shape, chunks, func(_ *chunk.Grid, idx, bshape []int) *expr {
		return leaf(f.read.Delay(gask.V(blockFile(dir, idx, f.ext)), gask.V(bshape)), bshape)
	})
}

var (
	writeNPYFn = gask.Func2("array.write_npy", func(_ context.Context, path string, c *chunk.Chunk) (string, error) {
		return path, writeFile(path, c, chunk.WriteNPY)
	})
	writeRawFn = gask.Func2("array.write_raw", func(_ context.Context, path string, c *chunk.Chunk) (string, error) {
		return path, writeFile(path, c, chunk.WriteRaw)
	})
	readNPYFn = gask.Func2("array.read_npy", func(_ context.Context, path string, shape []int) (*chunk.Chunk, error) {
		return readFile(path, shape, chunk.ReadNPY)
	})
	readRawFn = gask.Func2("array.read_raw", func(_ context.Context, path string, shape []int) (*chunk.Chunk, error) {
		return readFile(path, shape, chunk.ReadRaw)
	})
)

// writeFile writes c to path through a temporary file in the same
// directory, renamed into place once complete.
func writeFile(path string, c *chunk.Chunk, write func(io.Writer, *chunk.Chunk) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	err = write(tmp, c)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("array: writing %s: %w", path, err)
	}
	return nil
}

func readFile(path string, shape []int, read func(io.Reader) (*chunk.Chunk, error)) (*chunk.Chunk, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("array: reading %s: %w", path, err)
	}
	if !chunk.SameShape(c.Shape, shape) {
		return nil, fmt.Errorf("array: %s holds shape %v, want %v for its block: %w", path, c.Shape, shape, chunk.ErrShape)
	}
	return c, nil
}

package array_test

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/array"
)

func TestFiles(t *testing.T) {
	ctx, c := startCluster(t, 2)
	d := sample(80, -1, 1, 9, 12)
	chunks := array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}})
	x := array.Sin(d.array(chunks))
	want := d.mapf(math.Sin)
	for _, f := range []struct {
		name  string
		store func(context.Context, *gask.Client, array.Array, string, ...gask.ComputeOption) ([]string, error)
		load  func(string, []int, array.Chunking) array.Array
		ext   string
	}{
		{"NPY", array.ToNPY, array.FromNPY, ".npy"},
		{"raw", array.ToRaw, array.FromRaw, ".raw"},
	} {
		dir := filepath.Join(t.TempDir(), "x")
		paths, err := f.store(ctx, c, x, dir)
		if err != nil {
			t.Fatalf("To%s: %v", f.name, err)
		}
		if len(paths) != 9 || paths[5] != filepath.Join(dir, "1_2"+f.ext) {
			t.Errorf("To%s paths = %v, want 9 ending in 1_2%s at 5", f.name, paths, f.ext)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 9 {
			t.Errorf("To%s left %d files, want 9 (no temporary ones)", f.name, len(entries))
		}
		check(t, ctx, c, "From"+f.name, f.load(dir, []int{9, 12}, chunks), want, 1e-14)
		check(t, ctx, c, "From"+f.name+" and reduce", f.load(dir, []int{9, 12}, chunks).Sum(array.Axis(0)), want.reduce([]int{0}, false, refSum), 1e-13)

		// Wrong chunks: the blocks' shapes do not match the files'.
		if _, err := array.Compute(ctx, c, f.load(dir, []int{9, 12}, array.Chunks(3))); err == nil || !strings.Contains(err.Error(), "for its block") {
			t.Errorf("From%s with wrong chunks: %v, want a shape error", f.name, err)
		} else {
			t.Logf("From%s with wrong chunks: %v", f.name, err)
		}
		if _, err := array.Compute(ctx, c, f.load(filepath.Join(dir, "missing"), []int{9, 12}, chunks)); err == nil {
			t.Errorf("From%s of a missing directory: no error", f.name)
		}
	}

	// 0-d and 3-D.
	dir := t.TempDir()
	if _, err := array.ToNPY(ctx, c, x.Sum(), dir); err != nil {
		t.Fatal(err)
	}
	check(t, ctx, c, "0-d", array.FromNPY(dir, []int{}, array.Chunks()), want.reduce(nil, false, refSum), 1e-13)
	d3 := sample(81, -1, 1, 4, 5, 6)
	if _, err := array.ToRaw(ctx, c, d3.array(array.Chunks(3)), dir); err != nil {
		t.Fatal(err)
	}
	check(t, ctx, c, "3-D", array.FromRaw(dir, d3.shape, array.Chunks(3)), d3, 0)
}

// TestNumpyReadsBlocks checks the NPY files with numpy itself.
func TestNumpyReadsBlocks(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		t.Skipf("%s -c 'import numpy': %v (install python3-numpy)", python, err)
	}
	ctx, c := startCluster(t, 2)
	d := sample(82, -1, 1, 9, 12)
	dir := t.TempDir()
	if _, err := array.ToNPY(ctx, c, d.array(array.ExplicitChunks([][]int{{1, 4, 4}, {3, 3, 6}})), dir); err != nil {
		t.Fatal(err)
	}
	// numpy pastes the blocks together and prints sum, shape, [3, 7].
	script := `
import numpy as np, sys
d = sys.argv[1]
rows = [np.concatenate([np.load(f"{d}/{i}_{j}.npy") for j in range(3)], axis=1) for i in range(3)]
x = np.concatenate(rows, axis=0)
print(repr(float(x.sum())), x.shape[0], x.shape[1], repr(float(x[3, 7])))
`
	out, err := exec.CommandContext(ctx, python, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v: %s", err, out)
	}
	f := strings.Fields(string(out))
	sum, _ := strconv.ParseFloat(f[0], 64)
	at, _ := strconv.ParseFloat(f[3], 64)
	if !closeTo(sum, refSum(d.data), 1e-12) || !slices.Equal(f[1:3], []string{"9", "12"}) || at != d.at(3, 7) {
		t.Errorf("numpy read sum %v shape %v x[3,7] %v; want %v [9 12] %v", sum, f[1:3], at, refSum(d.data), d.at(3, 7))
	}
	// And a file numpy wrote reads back.
	script = `import numpy as np, sys; np.save(sys.argv[1] + "/0_0.npy", np.arange(6.0).reshape(2, 3) ** 2)`
	dir2 := t.TempDir()
	if out, err := exec.CommandContext(ctx, python, "-c", script, dir2).CombinedOutput(); err != nil {
		t.Fatalf("numpy: %v: %s", err, out)
	}
	check(t, ctx, c, "numpy's file", array.FromNPY(dir2, []int{2, 3}, array.Chunks()), &dense{shape: []int{2, 3}, data: []float64{0, 1, 4, 9, 16, 25}}, 0)
}

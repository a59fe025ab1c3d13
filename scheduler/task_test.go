package scheduler

import (
	"runtime"
	"testing"
	"unsafe"
)

// A chunk of tasks wastes little of the allocation it takes: a task of a
// big graph costs its own size, give or take 2%.
func TestTaskChunkFitsItsSizeClass(t *testing.T) {
	size := float64(unsafe.Sizeof(task{}))
	// The least of a few tries: anything else allocating meanwhile only
	// adds to a try's count.
	best := 0.0
	for try := range 3 {
		s := New(Config{})
		const n = 100 * taskChunk
		keep := make([]*task, n)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range keep {
			keep[i] = s.newTaskOf("k", uint64(i))
		}
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(keep)
		if got := float64(after.TotalAlloc-before.TotalAlloc) / n; try == 0 || got < best {
			best = got
		}
	}
	if best > size*1.02 {
		t.Errorf("a task of a chunk takes %.0f bytes, its struct %.0f: resize taskChunk", best, size)
	}
}

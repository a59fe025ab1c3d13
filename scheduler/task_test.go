package scheduler

import (
	"runtime"
	"testing"
	"unsafe"
)

// A chunk of tasks wastes little of the allocation it takes: a task of a
// big graph costs its own size, give or take 2%.
func TestTaskChunkFitsItsSizeClass(t *testing.T) {
	s := New(Config{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const n = 100 * taskChunk
	keep := make([]*task, n)
	for i := range keep {
		keep[i] = s.newTaskOf("k", uint64(i))
	}
	runtime.ReadMemStats(&after)
	size := float64(unsafe.Sizeof(task{}))
	got := float64(after.TotalAlloc-before.TotalAlloc-uint64(n)*8) / n // less keep's own array
	if got > size*1.02 {
		t.Errorf("a task of a chunk takes %.0f bytes, its struct %.0f: resize taskChunk", got, size)
	}
	runtime.KeepAlive(keep)
}

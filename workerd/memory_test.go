package workerd

import (
	"log/slog"
	"runtime/debug"
	"testing"
)

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestDecide(t *testing.T) {
	dask := thresholds{target: 0.6, spill: 0.7, pause: 0.8}
	const limit = 1000
	tests := []struct {
		name             string
		th               thresholds
		limit            int64
		managed, process int64
		want             memoryDecision
	}{
		{"no limit", dask, 0, 900, 900, memoryDecision{}},
		{"below target", dask, limit, 600, 650, memoryDecision{}},
		{"managed above target", dask, limit, 700, 0, memoryDecision{spill: 100}},
		{"managed above target, process low", dask, limit, 650, 500, memoryDecision{spill: 50}},
		{"process above spill", dask, limit, 300, 750, memoryDecision{spill: 150, hard: true}},
		{"process at spill", dask, limit, 300, 700, memoryDecision{}},
		{"process above spill, little managed", dask, limit, 50, 750, memoryDecision{spill: 50, hard: true}},
		{"managed wins over process", dask, limit, 690, 710, memoryDecision{spill: 110, hard: true}},
		{"pause on process", dask, limit, 100, 850, memoryDecision{spill: 100, hard: true, pause: true}},
		{"pause on managed", dask, limit, 850, 0, memoryDecision{spill: 250, pause: true}},
		{"at pause", dask, limit, 0, 800, memoryDecision{pause: false}},
		{"no target: spill to the spill threshold", thresholds{spill: 0.7, pause: 0.8}, limit, 500, 750, memoryDecision{spill: 50, hard: true}},
		{"no target, managed high", thresholds{spill: 0.7}, limit, 650, 0, memoryDecision{}},
		{"only target", thresholds{target: 0.5}, limit, 400, 990, memoryDecision{}},
		{"only target, managed", thresholds{target: 0.5}, limit, 600, 990, memoryDecision{spill: 100}},
		{"nothing on", thresholds{}, limit, 990, 990, memoryDecision{}},
		{"only pause", thresholds{pause: 0.9}, limit, 0, 950, memoryDecision{pause: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decide(tt.th, tt.limit, tt.managed, tt.process)
			if got != tt.want {
				t.Errorf("decide(%+v, %d, managed=%d, process=%d) = %+v, want %+v",
					tt.th, tt.limit, tt.managed, tt.process, got, tt.want)
			}
		})
	}
}

func TestThreshold(t *testing.T) {
	for _, tt := range []struct{ v, def, want float64 }{
		{0, 0.6, 0.6}, {0.5, 0.6, 0.5}, {-1, 0.6, 0}, {1.2, 0.8, 1.2},
	} {
		if got := threshold(tt.v, tt.def); got != tt.want {
			t.Errorf("threshold(%v, %v) = %v, want %v", tt.v, tt.def, got, tt.want)
		}
	}
}

func TestRoomFor(t *testing.T) {
	const limit = 1000 // target 600, spill 700
	var process int64
	w := New(Config{MemoryLimit: limit, ProcessMemory: func() int64 { return process }, spillFS: newMemFS()})
	w.store.putEncoded("held", make([]byte, 650)) // past the target: no reason to refuse
	for _, tt := range []struct {
		n, process int64
		want       bool
	}{
		{100, 0, true},
		{50, 650, true},   // the process has room for another 50
		{50, 651, false},  // not for a copy of it
		{100, 601, false}, // within the target, not the spill threshold
	} {
		process = tt.process
		if got := w.roomFor(tt.n); got != tt.want {
			t.Errorf("roomFor(%d) with process %d = %v, want %v", tt.n, tt.process, got, tt.want)
		}
	}
	if w := New(Config{MemoryLimit: limit, spillFS: newMemFS()}); !w.roomFor(limit) {
		t.Error("a worker without a measure of its process refuses a read-back")
	}
	if w := New(Config{spillFS: newMemFS()}); w.store.room != nil {
		t.Error("a worker without a memory limit limits what is read back")
	}
}

func TestGCPercent(t *testing.T) {
	for _, tt := range []struct {
		live, budget int64
		want         int
	}{
		{0, 600 << 20, maxGCPercent},
		{1 << 20, 600 << 20, maxGCPercent},  // a small heap: collect rarely
		{16 << 20, 600 << 20, maxGCPercent}, // 64 MiB of garbage at most
		{20 << 20, 600 << 20, 300},          // 320 rounds down
		{32 << 20, 600 << 20, 200},
		{64 << 20, 600 << 20, 100}, // Go's default from here on
		{500 << 20, 600 << 20, 100},
		{900 << 20, 600 << 20, 100}, // past the budget: the memory limit is what holds
		{4 << 20, 20 << 20, maxGCPercent},
		{8 << 20, 20 << 20, 150}, // within a small budget: goal 20 MiB
		{12 << 20, 20 << 20, 100},
	} {
		if got := gcPercent(tt.live, tt.budget); got != tt.want {
			t.Errorf("gcPercent(%d MiB live, budget %d MiB) = %d, want %d", tt.live>>20, tt.budget>>20, got, tt.want)
		}
	}
}

// TestTuneGCLeavesTheProgramsOwn: a program that sets its own GOGC keeps it.
// (applyGCPercent, with the percents chosen: tuneGC's own depend on the
// live heap, which the collector moves under the test.)
func TestTuneGCLeavesTheProgramsOwn(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	w := New(Config{MemoryLimit: 1 << 30, spillFS: newMemFS(), Logger: quietLog()})
	if pct := w.tuneGC(0); pct < 100 || pct > maxGCPercent {
		t.Fatalf("tuneGC(0) = %d, want a percent in [100, %d]", pct, maxGCPercent)
	}
	if got := w.applyGCPercent(0, 300); got != 300 {
		t.Fatalf("applyGCPercent(0, 300) = %d, want 300", got)
	}
	if got := w.applyGCPercent(300, 300); got != 300 {
		t.Fatalf("applyGCPercent(300, 300) = %d, want 300", got)
	}
	if got := w.applyGCPercent(300, 250); got != 250 {
		t.Fatalf("applyGCPercent(300, 250) = %d, want 250", got)
	}
	debug.SetGCPercent(77) // the program's own; the worker's next change finds it
	if got := w.applyGCPercent(250, 200); got != -1 {
		t.Errorf("applyGCPercent after the program set GOGC 77 = %d, want -1", got)
	}
	if got := debug.SetGCPercent(100); got != 77 {
		t.Errorf("GOGC after tuneGC gave up = %d, want the program's 77", got)
	}
}

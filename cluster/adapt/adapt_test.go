package adapt

import (
	"testing"
	"time"

	"github.com/gask-dev/gask"
)

func TestTarget(t *testing.T) {
	busy := func(processing int) gask.WorkerInfo {
		return gask.WorkerInfo{Processing: processing, MemoryLimit: 1000}
	}
	for _, tc := range []struct {
		name string
		info gask.SchedulerInfo
		cfg  Config
		want int
	}{
		{"nothing to do", gask.SchedulerInfo{}, Config{Maximum: 10}, 0},
		{"nothing to do, a minimum", gask.SchedulerInfo{}, Config{Minimum: 2, Maximum: 10}, 2},
		// 100 queued tasks of 1 s: 100 s of work, 5 s each: 20 threads.
		{"queued", gask.SchedulerInfo{Queued: 100, MeanTaskDuration: time.Second}, Config{Maximum: 50}, 20},
		{"queued, 4 threads a worker", gask.SchedulerInfo{Queued: 100, MeanTaskDuration: time.Second}, Config{Maximum: 50, Threads: 4}, 5},
		{"the maximum", gask.SchedulerInfo{Queued: 100, MeanTaskDuration: time.Second}, Config{Maximum: 8}, 8},
		// No duration yet: half a second each.
		{"unknown durations", gask.SchedulerInfo{Queued: 30}, Config{Maximum: 50}, 3},
		// Never more threads than tasks, however long they are.
		{"few long tasks", gask.SchedulerInfo{NoWorker: 2, MeanTaskDuration: time.Hour}, Config{Maximum: 50}, 2},
		{"tasks on workers", gask.SchedulerInfo{Workers: []gask.WorkerInfo{busy(10), busy(10)}, MeanTaskDuration: time.Second}, Config{Maximum: 50}, 4},
		{"short tasks", gask.SchedulerInfo{Queued: 1000, MeanTaskDuration: time.Millisecond}, Config{Maximum: 50}, 1},
		// 3,000 bytes held, 600 fit below the memory target of each.
		{"memory", gask.SchedulerInfo{Workers: []gask.WorkerInfo{{ManagedBytes: 2000, MemoryLimit: 1000}, {ManagedBytes: 1000, MemoryLimit: 1000}}},
			Config{Maximum: 50}, 5},
		{"memory, limit from the config", gask.SchedulerInfo{Workers: []gask.WorkerInfo{{ManagedBytes: 3000}}}, Config{Maximum: 50, Memory: 1000}, 5},
		// 10⁷ tasks of 1,000 s: tasks × duration overflows an int64.
		{"huge", gask.SchedulerInfo{Queued: 10_000_000, MeanTaskDuration: 1000 * time.Second}, Config{Maximum: 500}, 500},
		{"maximum below minimum", gask.SchedulerInfo{Queued: 100, MeanTaskDuration: time.Second}, Config{Minimum: 3, Maximum: 1}, 3},
	} {
		if got := Target(&tc.info, tc.cfg); got != tc.want {
			t.Errorf("%s: Target = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestDecider is a script of successive checks: the target each asked
// for, and what the decider did.
func TestDecider(t *testing.T) {
	d := decider{wait: 3}
	current := 0
	for i, step := range []struct {
		target int
		want   int // the size after the check
	}{
		{0, 0},
		{4, 4}, // up at once
		{6, 6},
		{2, 6}, // down waits
		{3, 6},
		{1, 3}, // the third in a row: down, to the most the three asked for
		{3, 3},
		{1, 3},
		{3, 3}, // a check that asks for as many ends the run of lower ones
		{1, 3},
		{1, 3},
		{8, 8}, // up interrupts too
		{0, 8},
		{0, 8},
		{0, 0},
	} {
		n, scale := d.decide(current, step.target)
		if scale && n == current {
			t.Fatalf("check %d: scale to %d, the size it is", i, n)
		}
		if scale {
			current = n
		}
		if current != step.want {
			t.Fatalf("check %d (target %d): size %d, want %d", i, step.target, current, step.want)
		}
	}
}

package scheduler_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/gask-dev/gask/scheduler"
)

// instantCluster joins workers that finish every task the moment it is
// sent, and runs a scheduler until nothing is left to compute.
type instantCluster struct {
	s       *scheduler.State
	pending []pendingTask // computes not yet finished, in the order sent
	fin     scheduler.TaskFinished
	done    int // tasks finished
}

type pendingTask struct {
	worker scheduler.WorkerID
	key    string
	ref    uint64
}

func newInstantCluster(workers, threads int) *instantCluster {
	c := &instantCluster{s: scheduler.New(scheduler.Config{})}
	funcs := scheduler.NewFuncSet([]string{"inc@sig", "add@sig"})
	for i := range workers {
		c.handle(&scheduler.WorkerJoined{Worker: scheduler.WorkerID(fmt.Sprintf("w%d", i)), NThreads: threads, Funcs: funcs})
	}
	return c
}

func (c *instantCluster) handle(ev scheduler.Event) {
	for _, cmd := range c.s.Handle(ev) {
		if cmd, ok := cmd.(*scheduler.Compute); ok {
			c.pending = append(c.pending, pendingTask{cmd.Worker, cmd.Key, cmd.Ref})
		}
	}
}

// drain finishes tasks, oldest first, until none is running.
func (c *instantCluster) drain() {
	for len(c.pending) > 0 {
		p := c.pending[0]
		c.pending = c.pending[1:]
		// The scheduler keeps nothing of a TaskFinished: one is reused.
		c.fin = scheduler.TaskFinished{Worker: p.worker, Key: p.key, Ref: p.ref, NBytes: 8, Duration: 100_000}
		c.handle(&c.fin)
		c.done++
	}
	c.pending = c.pending[:0]
}

func mapSpecs(n int) ([]scheduler.TaskSpec, []string) {
	specs := make([]scheduler.TaskSpec, n)
	keys := make([]string, n)
	for i := range specs {
		keys[i] = fmt.Sprintf("inc-%d", i)
		specs[i] = scheduler.TaskSpec{Key: keys[i], Func: "inc@sig"}
	}
	return specs, keys
}

// treeSpecs builds a binary reduction of n leaves: about 2n tasks.
func treeSpecs(n int) ([]scheduler.TaskSpec, string) {
	var specs []scheduler.TaskSpec
	level := make([]string, n)
	for i := range level {
		level[i] = fmt.Sprintf("leaf-%d", i)
		specs = append(specs, scheduler.TaskSpec{Key: level[i], Func: "inc@sig"})
	}
	for depth := 0; len(level) > 1; depth++ {
		var next []string
		for i := 0; i < len(level); i += 2 {
			k := fmt.Sprintf("add-%d-%d", depth, i/2)
			deps := level[i:min(i+2, len(level))]
			specs = append(specs, scheduler.TaskSpec{Key: k, Func: "add@sig", Deps: deps})
			next = append(next, k)
		}
		level = next
	}
	return specs, level[0]
}

// perTask reports time and allocations per task of the whole benchmark.
func perTask(b *testing.B, tasks int, before *runtime.MemStats) {
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	n := float64(b.N) * float64(tasks)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/task")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/task")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/n, "B/task")
}

// BenchmarkMapRoot submits n independent tasks to 4 workers of 4 threads
// that finish each at once, waits for all, and releases them.
func BenchmarkMapRoot(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			specs, keys := mapSpecs(n)
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for range b.N {
				c := newInstantCluster(4, 4)
				c.handle(&scheduler.GraphUpdated{Client: "c1", Tasks: specs, Wants: keys})
				c.drain()
				c.handle(&scheduler.KeysReleased{Client: "c1", Keys: keys})
				if c.done != n || c.s.NumTasks() != 0 {
					b.Fatalf("finished %d of %d tasks, %d left", c.done, n, c.s.NumTasks())
				}
			}
			perTask(b, n, &before)
		})
	}
}

// BenchmarkMapRootBesideIdle is BenchmarkMapRoot's 100,000 tasks with a
// fifth worker that runs none of them, idle throughout while the others
// have tasks queued: the worst case for work stealing's overhead, which
// keeps looking for something that worker could take.
func BenchmarkMapRootBesideIdle(b *testing.B) {
	const n = 100_000
	specs, keys := mapSpecs(n)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		c := newInstantCluster(4, 4)
		c.handle(&scheduler.WorkerJoined{Worker: "generic", NThreads: 4, Funcs: scheduler.NewFuncSet([]string{"exec@sig"})})
		c.handle(&scheduler.GraphUpdated{Client: "c1", Tasks: specs, Wants: keys})
		c.drain()
		c.handle(&scheduler.KeysReleased{Client: "c1", Keys: keys})
		if c.done != n || c.s.NumTasks() != 0 {
			b.Fatalf("finished %d of %d tasks, %d left", c.done, n, c.s.NumTasks())
		}
	}
	perTask(b, n, &before)
}

// BenchmarkTreeReduce submits a binary reduction over n leaves (2n-1 tasks)
// to 4 workers of 4 threads that finish each at once.
func BenchmarkTreeReduce(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			specs, root := treeSpecs(n)
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for range b.N {
				c := newInstantCluster(4, 4)
				c.handle(&scheduler.GraphUpdated{Client: "c1", Tasks: specs, Wants: []string{root}})
				c.drain()
				c.handle(&scheduler.KeysReleased{Client: "c1", Keys: []string{root}})
				if c.done != len(specs) || c.s.NumTasks() != 0 {
					b.Fatalf("finished %d of %d tasks, %d left", c.done, len(specs), c.s.NumTasks())
				}
			}
			perTask(b, len(specs), &before)
		})
	}
}

// TestMemoryPerHeldTask measures the scheduler's heap per task when a
// client holds a million finished tasks: the state a long interactive
// session builds up.
func TestMemoryPerHeldTask(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million tasks")
	}
	const n = 1_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	c := newInstantCluster(1, 1000)
	const batch = 10_000
	for i := 0; i < n; i += batch {
		specs := make([]scheduler.TaskSpec, batch)
		keys := make([]string, batch)
		for j := range specs {
			keys[j] = fmt.Sprintf("inc-%07d", i+j)
			specs[j] = scheduler.TaskSpec{Key: keys[j], Func: "inc@sig"}
		}
		c.handle(&scheduler.GraphUpdated{Client: "c1", Tasks: specs, Wants: keys})
		c.drain()
	}
	c.pending = nil
	if got := c.s.Counts()[scheduler.Memory]; got != n {
		t.Fatalf("%d tasks in memory, want %d", got, n)
	}

	runtime.GC()
	runtime.ReadMemStats(&after)
	perTask := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("heap per held task in memory: %.0f bytes (%d tasks, %.1f MB; keys are 11 bytes)",
		perTask, n, float64(after.HeapAlloc-before.HeapAlloc)/1e6)
	runtime.KeepAlive(c)
	if perTask > 2000 {
		t.Errorf("heap per held task = %.0f bytes, want under 2000", perTask)
	}
}

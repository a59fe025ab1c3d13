package main

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/scheduler"
)

// runScale: a) n no-op tasks on 2 worker processes, mapped and gathered;
// b) the scheduler state machine alone, in this process, fed simN tasks by
// a simulated pair of workers that finish every task the moment it is
// sent. b's memory figure is the heap growth (after GC) with every task in
// memory and held, divided by the tasks.
func runScale(ctx context.Context, p params) (figures, error) {
	n := orDefault(p.n, 1_000_000)
	simN := orDefault(p.simN, 1_000_000)

	simSecs, perTask, err := simulateScheduler(simN)
	if err != nil {
		return nil, fmt.Errorf("b: %w", err)
	}

	cl, err := newCluster(ctx, 2, 1)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	c := cl.Client()
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	t0 := time.Now()
	futs := Noop.Map(c, xs)
	submit := time.Since(t0)
	ys, err := gask.Gather(ctx, futs)
	secs := time.Since(t0).Seconds()
	if err != nil {
		return nil, fmt.Errorf("a: %w", err)
	}
	for i, y := range ys {
		if y != i {
			return nil, fmt.Errorf("a: noop(%d) = %d", i, y)
		}
	}
	return figures{
		"n": n, "seconds": secs, "submit_seconds": submit.Seconds(), "tasks_per_sec": float64(n) / secs,
		"sim_n": simN, "sim_seconds": simSecs, "sim_tasks_per_sec": float64(simN) / simSecs,
		"scheduler_bytes_per_task": perTask,
	}, nil
}

// simulateScheduler drives scheduler.State with n independent tasks and two
// one-thread workers that finish each Compute at once. It returns the
// seconds from the graph update to the last task done and the scheduler's
// heap bytes per task.
func simulateScheduler(n int) (secs, bytesPerTask float64, err error) {
	const fn = "bench.noop@sim"
	s := scheduler.New(scheduler.Config{})
	funcs := scheduler.NewFuncSet([]string{fn})
	for _, w := range []string{"w1", "w2"} {
		s.Handle(&scheduler.WorkerJoined{Worker: scheduler.WorkerID("sim://" + w), Name: w, NThreads: 1, MemoryLimit: 1 << 30, Funcs: funcs})
	}
	s.Handle(&scheduler.ClientJoined{Client: "c"})

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	ev := &scheduler.GraphUpdated{Client: "c", Tasks: make([]scheduler.TaskSpec, n), Wants: make([]string, n)}
	for i := range ev.Tasks {
		k := "noop-" + strconv.Itoa(i)
		ev.Tasks[i] = scheduler.TaskSpec{Key: k, Func: fn, Args: []byte{1, 0, byte(i)}}
		ev.Wants[i] = k
	}
	type job struct {
		w   scheduler.WorkerID
		key string
		ref uint64 // sent back, as a worker does
	}
	// The computes sent and not yet finished, oldest first from head: a
	// FIFO that reuses its array, so that the harness allocates nothing
	// per task of its own.
	var queue []job
	head := 0
	collect := func(cmds []scheduler.Command) {
		for _, c := range cmds {
			if cp, ok := c.(*scheduler.Compute); ok {
				if head > len(queue)/2 && len(queue) == cap(queue) {
					queue = queue[:copy(queue, queue[head:])]
					head = 0
				}
				queue = append(queue, job{cp.Worker, cp.Key, cp.Ref})
			}
		}
	}
	t0 := time.Now()
	collect(s.Handle(ev))
	ev = nil
	done := 0
	var fin scheduler.TaskFinished // Handle keeps nothing of an event: one is reused
	for head < len(queue) {
		j := queue[head]
		head++
		fin = scheduler.TaskFinished{Worker: j.w, Key: j.key, Ref: j.ref, NBytes: 8, Duration: 1000}
		collect(s.Handle(&fin))
		done++
	}
	secs = time.Since(t0).Seconds()
	if done != n {
		return 0, 0, fmt.Errorf("simulated workers finished %d tasks of %d", done, n)
	}
	queue = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	bytesPerTask = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
	runtime.KeepAlive(s)
	return secs, bytesPerTask, nil
}

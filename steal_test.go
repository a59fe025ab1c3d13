package gask_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
	"github.com/gask-dev/gask/scheduler"
)

// pairGate holds every task that reaches it until two run at once, which
// on workers of one thread each means on two workers.
type pairGate struct {
	mu      sync.Mutex
	running int
	open    chan struct{}
	once    sync.Once
}

func (g *pairGate) release() { g.once.Do(func() { close(g.open) }) }

var (
	gatesMu sync.Mutex
	gates   = map[int]*pairGate{}
)

func newGate(id int) *pairGate {
	gatesMu.Lock()
	defer gatesMu.Unlock()
	g := &pairGate{open: make(chan struct{})}
	gates[id] = g
	return g
}

// Paired waits at gate id until two tasks wait there at once, then returns
// i. Its first argument is an input, to give the tasks a dependency.
var Paired = gask.Func3("test.paired", func(ctx context.Context, _ []byte, id, i int) (int, error) {
	gatesMu.Lock()
	g := gates[id]
	gatesMu.Unlock()
	g.mu.Lock()
	g.running++
	if g.running >= 2 {
		g.release()
	}
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.running--
		g.mu.Unlock()
	}()
	select {
	case <-g.open:
		return i, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
})

var Bytes = gask.Func("test.bytes", func(ctx context.Context, n int) ([]byte, error) { return make([]byte, n), nil })

// TestWorkStealingBalances gives one worker, alone in the cluster, twenty
// tasks on a small input, each of which waits until two of them run at
// once; then a second worker joins. Without work stealing the first
// worker's only thread waits for ever behind its first task and the second
// stays idle; with it, the second worker takes tasks from the first's
// queue, and both run some.
func TestWorkStealingBalances(t *testing.T) {
	const n = 20
	// A steal is worth it as soon as a task waits at all: the test must not
	// depend on how long the input took to compute.
	cfg := scheduler.Config{TransferLatency: 1}
	// run returns the input's future too: the caller keeps it and the
	// tasks' futures alive, or the garbage collector may release their
	// values and the workers' counts of values held change under it.
	run := func(t *testing.T, id int, cfg scheduler.Config) (*pairGate, *gask.Future[[]byte], []*gask.Future[int], func() map[string]gask.WorkerInfo) {
		cl, c := startCluster(t, 1, local.Scheduler(cfg))
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		t.Cleanup(cancel)
		g := newGate(id)
		t.Cleanup(g.release) // let the tasks end, whatever happened
		x := Bytes.Submit(c, gask.V(8))
		if err := x.Err(ctx); err != nil {
			t.Fatal(err)
		}
		futs := make([]*gask.Future[int], n)
		for i := range futs {
			futs[i] = Paired.Submit(c, x, gask.V(id), gask.V(i))
		}
		// Asked after the submissions, on the same connection: the
		// scheduler has placed them all.
		if ws := workersByName(t, ctx, c); ws["local-1"].Processing != n {
			t.Fatalf("local-1 has %d tasks, want all %d", ws["local-1"].Processing, n)
		}
		if err := cl.Scale(ctx, 2); err != nil {
			t.Fatal(err)
		}
		return g, x, futs, func() map[string]gask.WorkerInfo { return workersByName(t, ctx, c) }
	}

	t.Run("on", func(t *testing.T) {
		_, x, futs, workers := run(t, 1, cfg)
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		got, err := gask.Gather(ctx, futs)
		if err != nil {
			t.Fatalf("Gather = %v (two tasks never ran at once: nothing was stolen?)", err)
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("task %d = %d", i, v)
			}
		}
		// Each worker holds the results it computed (and local-2 a copy
		// of the input).
		ws := workers()
		if ws["local-1"].InMemory < 2 || ws["local-2"].InMemory < 2 {
			t.Errorf("values held: local-1 %d, local-2 %d; want both to have run tasks", ws["local-1"].InMemory, ws["local-2"].InMemory)
		}
		runtime.KeepAlive(x)
		runtime.KeepAlive(futs)
	})

	t.Run("off", func(t *testing.T) {
		off := cfg
		off.NoWorkStealing = true
		g, _, futs, workers := run(t, 2, off)
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		if err := futs[0].Err(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("first task with stealing off: Err = %v, want it still waiting for a second", err)
		}
		if ws := workers(); ws["local-2"].Processing != 0 || ws["local-1"].Processing != n {
			t.Errorf("with stealing off, local-1 has %d tasks and local-2 %d; want %d and 0", ws["local-1"].Processing, ws["local-2"].Processing, n)
		}
		g.release()
		wctx, wcancel := context.WithTimeout(t.Context(), timeout)
		defer wcancel()
		if _, err := gask.Gather(wctx, futs); err != nil {
			t.Fatal(err)
		}
	})
}

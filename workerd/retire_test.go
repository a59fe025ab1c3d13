package workerd_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/workerd"
)

// TestRetireMovesSpilledValues retires a worker whose results have
// spilled to disk: the other worker acquires them (read back from the
// spill file to be served), the retired worker's Run returns nil, and
// every result is fetched intact without being computed again.
func TestRetireMovesSpilledValues(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	env := startScheduler(t)
	const n = 12
	// a spills: its limit is a quarter of what it will hold.
	fs := workerd.NewMemFS()
	a, _, ranA := env.startWorker(t, ctx, workerd.WithSpillFS(workerd.Config{Name: "a", MemoryLimit: n * blobSize / 4, MemoryPause: -1}, fs))
	c := env.connect(t, ctx)

	futs := make([]*gask.Future[[]byte], n)
	for i := range futs {
		futs[i] = testBlob.Submit(c, gask.V(5000+i), gask.Workers("a"))
	}
	for _, f := range futs {
		if err := f.Err(ctx); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, ctx, "a spills", func() error {
		if a.StoreStats().Spilled == 0 {
			return errors.New("nothing spilled yet")
		}
		return nil
	})
	env.startWorker(t, ctx, workerd.Config{Name: "b"})

	before := make([]int64, n)
	for i := range before {
		before[i] = runs(5000 + i).Load()
	}
	if err := c.RetireWorkers(ctx, "a"); err != nil {
		t.Fatalf("RetireWorkers(a) = %v", err)
	}
	select {
	case err := <-ranA:
		if err != nil || !a.Retired() {
			t.Errorf("worker a: Run = %v, Retired() = %v; want nil, true", err, a.Retired())
		}
	case <-ctx.Done():
		t.Fatal("worker a still running after it retired")
	}
	ws, err := c.Workers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].Name != "b" || ws[0].InMemory != n {
		t.Fatalf("after retiring a, Workers() = %+v, want b alone holding all %d values", ws, n)
	}
	vals, err := gask.Gather(ctx, futs)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if !bytes.Equal(v, makeBlob(5000+i)) {
			t.Errorf("blob %d after a retired: wrong value", i)
		}
		if r := runs(5000 + i).Load(); r != before[i] {
			t.Errorf("blob %d ran %d more times after a retired: it was recomputed, not moved", i, r-before[i])
		}
	}
}

package local_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/adapt"
	"github.com/gask-dev/gask/cluster/local"
)

// gate holds the tasks of TestAdapt until it is closed; each run of the
// test makes its own.
var (
	gateMu sync.Mutex
	gate   chan struct{}
	held   = gask.Func("localtest.held", func(ctx context.Context, i int) (int, error) {
		gateMu.Lock()
		g := gate
		gateMu.Unlock()
		select {
		case <-g:
			return i, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
)

// TestAdapt: an adaptive local cluster starts with no worker, grows to its
// maximum when work arrives, keeps one worker while results are held
// (within the memory target of one), and none once they are released.
func TestAdapt(t *testing.T) {
	gateMu.Lock()
	gate = make(chan struct{})
	open := gate
	gateMu.Unlock()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cl, err := local.New(ctx, local.Workers(1), local.Threads(1), local.MemoryLimit(1<<30), local.Logger(logger(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	c := cl.Client()
	count := func() int {
		t.Helper()
		n := len(names(t, ctx, c))
		if n > 3 {
			t.Fatalf("%d workers, above the maximum of 3", n)
		}
		return n
	}
	waitFor := func(what string, want int) {
		t.Helper()
		for count() != want {
			select {
			case <-ctx.Done():
				t.Fatalf("%s: %d workers, want %d", what, count(), want)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	cl.Adapt(adapt.Config{Maximum: 3, Interval: 20 * time.Millisecond, WaitCount: 2})
	waitFor("no work", 0)

	// Forty tasks of unknown duration (half a second each, then) are 20 s
	// of work: four workers of one thread, three at most.
	in := make([]int, 40)
	for i := range in {
		in[i] = i
	}
	futs := held.Map(c, in)
	waitFor("work", 3)
	close(open)
	if _, err := gask.Gather(ctx, futs); err != nil {
		t.Fatal(err)
	}
	waitFor("results held", 1)
	if _, err := gask.Gather(ctx, futs); err != nil {
		t.Fatal(err)
	}
	for _, f := range futs {
		f.Release()
	}
	waitFor("results released", 0)

	// Scale ends adaptation.
	if err := cl.Scale(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("after Scale(2), %d workers", n)
	}
	if _, err := gask.Gather(ctx, inc.Map(c, []int{1, 2, 3})); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("after Scale(2) and more work, %d workers: adaptation went on", n)
	}
}

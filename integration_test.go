package gask_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
	"github.com/gask-dev/gask/scheduler"
	"github.com/gask-dev/gask/schedulerd"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
	"github.com/gask-dev/gask/workerd"
)

// modes are the ways the tests run a local cluster: goroutine workers over
// the in-process transport, and worker processes over TCP.
var modes = []struct {
	name string
	opts []local.Option
}{
	{"inproc", nil},
	{"processes", []local.Option{local.Processes()}},
}

// timeout bounds every wait in one test.
const timeout = 60 * time.Second

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// startCluster starts a local cluster of n one-thread workers, closed when
// the test ends.
func startCluster(t *testing.T, n int, opts ...local.Option) (*local.Cluster, *gask.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	all := append([]local.Option{local.Workers(n), local.Threads(1), local.Logger(testLogger(t))}, opts...)
	cl, err := local.New(ctx, all...)
	if err != nil {
		t.Fatalf("local.New: %v", err)
	}
	t.Cleanup(func() {
		if err := cl.Close(); err != nil {
			t.Errorf("cluster.Close() = %v", err)
		}
	})
	return cl, cl.Client()
}

// eachMode runs test over a fresh cluster of n workers in every mode.
func eachMode(t *testing.T, n int, test func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			if m.name == "processes" && testing.Short() {
				t.Skip("worker processes in -short mode")
			}
			cl, c := startCluster(t, n, m.opts...)
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			test(t, ctx, cl, c)
		})
	}
}

// poll calls check every 10ms until it returns nil or ctx ends; it fails
// the test with check's last error.
func poll(t *testing.T, ctx context.Context, what string, check func() error) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v (gave up: %v)", what, err, ctx.Err())
		case <-tick.C:
		}
	}
}

func workersByName(t *testing.T, ctx context.Context, c *gask.Client) map[string]gask.WorkerInfo {
	t.Helper()
	ws, err := c.Workers(ctx)
	if err != nil {
		t.Fatalf("Workers() error: %v", err)
	}
	out := map[string]gask.WorkerInfo{}
	for _, w := range ws {
		out[w.Name] = w
	}
	return out
}

// valuesHeld is how many values the cluster's workers hold in all.
func valuesHeld(t *testing.T, ctx context.Context, c *gask.Client) int {
	t.Helper()
	n := 0
	for _, w := range workersByName(t, ctx, c) {
		n += w.InMemory
	}
	return n
}

// waitAllFreed waits until the workers hold no value.
func waitAllFreed(t *testing.T, ctx context.Context, c *gask.Client, what string) {
	t.Helper()
	poll(t, ctx, what, func() error {
		if n := valuesHeld(t, ctx, c); n != 0 {
			return fmt.Errorf("%d values in memory", n)
		}
		return nil
	})
}

func taskErr(t *testing.T, err error) *gask.TaskError {
	t.Helper()
	var te *gask.TaskError
	if !errors.As(err, &te) {
		t.Fatalf("error %v (%T) is not a *gask.TaskError", err, err)
	}
	return te
}

func TestSubmitResult(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		f := Inc.Submit(c, gask.V(1))
		if got, err := f.Result(ctx); err != nil || got != 2 {
			t.Errorf("Inc(1) = %v, %v, want 2, nil", got, err)
		}
		if s := f.Status(); s != gask.Finished {
			t.Errorf("Status() = %v, want finished", s)
		}
		if got, err := Add.Submit(c, gask.V(20), gask.V(22)).Result(ctx); err != nil || got != 42 {
			t.Errorf("Add(20, 22) = %v, %v, want 42, nil", got, err)
		}
		if got, err := Nothing.Submit(c).Result(ctx); err != nil || got != 42 {
			t.Errorf("Nothing() = %v, %v, want 42, nil", got, err)
		}
	})
}

func TestMapGather(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		in := make([]int, 200)
		for i := range in {
			in[i] = i
		}
		got, err := gask.Gather(ctx, Inc.Map(c, in))
		if err != nil {
			t.Fatalf("Gather(Inc.Map) error: %v", err)
		}
		for i, v := range got {
			if v != i+1 {
				t.Fatalf("Gather(Inc.Map)[%d] = %d, want %d", i, v, i+1)
			}
		}
		sums, err := gask.Gather(ctx, Add.Map(c, []int{1, 2, 3}, []int{10, 20, 30}))
		if err != nil || !slices.Equal(sums, []int{11, 22, 33}) {
			t.Errorf("Gather(Add.Map) = %v, %v, want [11 22 33], nil", sums, err)
		}
		// Mismatched lengths fail every future, without reaching the cluster.
		bad := Add.Map(c, []int{1, 2}, []int{1})
		if _, err := gask.Gather(ctx, bad); err == nil {
			t.Errorf("Gather(Add.Map with mismatched lengths) succeeded")
		}
		if got, err := gask.Gather[int](ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("Gather(nil) = %v, %v", got, err)
		}
	})
}

// TestMapOfManyMessages maps more tasks than one UpdateGraph carries, as
// the first thing a new client does (the futures index is sized for the
// whole map at once: a zero index reserved before its first key once
// hashed with no seed and panicked), then maps half of the same inputs
// again, keys the client holds already.
func TestMapOfManyMessages(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		c2, err := gask.Connect(ctx, cl.Addr(), gask.WithTransport(cl.Transport()))
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		in := make([]int, 10_001)
		for i := range in {
			in[i] = i
		}
		first := Inc.Map(c2, in)
		again := Inc.Map(c2, in[:5_000])
		for i, futs := range [][]*gask.Future[int]{first, again} {
			got, err := gask.Gather(ctx, futs)
			if err != nil {
				t.Fatalf("map %d: Gather: %v", i, err)
			}
			for j, v := range got {
				if v != j+1 {
					t.Fatalf("map %d: result %d = %d, want %d", i, j, v, j+1)
				}
			}
		}
	})
}

// TestPanickingEncoderReleasesTheClient: an argument's encoder that panics
// in a Map (a user's MarshalBinary with a bug) panics in the caller and
// leaves the client usable. Encoding runs under the client's lock; before,
// the panic left it locked, so a deferred Close — or any other call —
// hung the program instead of letting the panic print. The tasks built
// before the panic are sent: a Submit of one of them, which finds its key
// known, gets its result.
func TestPanickingEncoderReleasesTheClient(t *testing.T) {
	_, c := startCluster(t, 1)
	recovered := make(chan any, 1)
	go func() {
		defer func() { recovered <- recover() }()
		TakesPanicky.Map(c, []panicky{{bad: false}, {bad: true}})
	}()
	if r := <-recovered; r == nil {
		t.Fatal("Map returned: the encoder's panic did not reach the caller")
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	got := make(chan error, 1)
	go func() {
		v, err := TakesPanicky.Submit(c, gask.V(panicky{bad: false})).Result(ctx)
		if err == nil && v != 1 {
			err = fmt.Errorf("result %d, want 1", v)
		}
		got <- err
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("a task built before the panic, submitted again: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("no result: the client is still locked after the panic, or the task built before it was never sent")
	}
}

// TestMapThreeArguments checks Func3's Map and MapArgs, with a future
// among the arguments and a length mismatch.
func TestMapThreeArguments(t *testing.T) {
	_, c := startCluster(t, 2)
	ctx := context.Background()
	got, err := gask.Gather(ctx, Fma.Map(c, []float64{1, 2}, []float64{3, 4}, []float64{5, 6}))
	if err != nil || !slices.Equal(got, []float64{8, 14}) {
		t.Errorf("Fma.Map = %v, %v, want [8 14]", got, err)
	}
	ten := Fma.Submit(c, gask.V(2.0), gask.V(4.0), gask.V(2.0))
	got, err = gask.Gather(ctx, Fma.MapArgs(c, []gask.Arg[float64]{ten, gask.V(1.0)}, []gask.Arg[float64]{gask.V(2.0), ten}, []gask.Arg[float64]{gask.V(0.0), gask.V(0.5)}))
	if err != nil || !slices.Equal(got, []float64{20, 10.5}) {
		t.Errorf("Fma.MapArgs with a future = %v, %v, want [20 10.5]", got, err)
	}
	bad := Fma.Map(c, []float64{1}, []float64{1, 2}, []float64{1})
	if _, err := bad[0].Result(ctx); err == nil || !strings.Contains(err.Error(), "lengths") {
		t.Errorf("Fma.Map with mismatched lengths = %v, want an error about the lengths", err)
	}
}

func TestDependencies(t *testing.T) {
	eachMode(t, 3, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		// A chain of 50.
		f := Inc.Submit(c, gask.V(0))
		for range 49 {
			f = Inc.Submit(c, f)
		}
		if got, err := f.Result(ctx); err != nil || got != 50 {
			t.Errorf("chain of 50 Incs = %v, %v, want 50, nil", got, err)
		}

		// A fan-in of 100: a tree of Adds, and a task After all 100.
		leaves := Inc.Map(c, make([]int, 100)) // 100 ones... all the same key
		in := make([]int, 100)
		for i := range in {
			in[i] = i
		}
		leaves = Inc.Map(c, in) // 1..100
		level := leaves
		for len(level) > 1 {
			var next []*gask.Future[int]
			for i := 0; i < len(level); i += 2 {
				if i+1 == len(level) {
					next = append(next, level[i])
					continue
				}
				next = append(next, Add.Submit(c, level[i], level[i+1]))
			}
			level = next
		}
		if got, err := level[0].Result(ctx); err != nil || got != 5050 {
			t.Errorf("sum of Inc(0..99) by a tree of Adds = %v, %v, want 5050, nil", got, err)
		}
		slow := SlowInc.Map(c, in)
		after := make([]gask.AnyFuture, len(slow))
		for i, s := range slow {
			after[i] = s
		}
		last := Nothing.Submit(c, gask.After(after...))
		if err := last.Err(ctx); err != nil {
			t.Fatalf("Nothing(After 100 SlowIncs) error: %v", err)
		}
		for i, s := range slow {
			if st := s.Status(); st != gask.Finished {
				t.Fatalf("when the task After them finished, SlowInc(%d) was %v", i, st)
			}
		}

		// A failing dependency fails its dependents.
		bad := Inc.Submit(c, Add.Submit(c, gask.V(1), Fail.Submit(c, gask.V("dep"))))
		_, err := bad.Result(ctx)
		if err == nil || !strings.Contains(err.Error(), "failing on purpose: dep") {
			t.Errorf("Inc(Add(1, Fail)) error = %v, want the dependency's message", err)
		}
	})
}

func TestAsCompleted(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		in := make([]int, 50)
		for i := range in {
			in[i] = i
		}
		futs := Inc.Map(c, in)
		futs = append(futs, futs[0]) // the same future twice is yielded twice
		seen := map[*gask.Future[int]]int{}
		for f, err := range gask.AsCompleted(ctx, futs) {
			if err != nil {
				t.Fatalf("AsCompleted yielded error %v", err)
			}
			seen[f]++
		}
		if len(seen) != 50 {
			t.Errorf("AsCompleted yielded %d distinct futures, want 50", len(seen))
		}
		for f, n := range seen {
			want := 1
			if f == futs[0] {
				want = 2
			}
			if n != want {
				t.Errorf("AsCompleted yielded %s %d times, want %d", f.Key(), n, want)
			}
		}
		// A context that ends yields its error once.
		blk := Block.Submit(c, gask.V(time.Minute), gask.Impure())
		defer blk.Cancel()
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		var errs []error
		for f, err := range gask.AsCompleted(short, []*gask.Future[string]{blk}) {
			if f != nil {
				t.Errorf("AsCompleted yielded a blocked future")
			}
			errs = append(errs, err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
			t.Errorf("AsCompleted with an ending context yielded %v, want [deadline exceeded]", errs)
		}
	})
}

func TestWait(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		blk := Block.Submit(c, gask.V(time.Minute), gask.Impure())
		defer blk.Cancel()
		quick := Block.Submit(c, gask.V(time.Duration(0)))
		futs := []*gask.Future[string]{blk, quick}
		done, notDone, err := gask.Wait(ctx, futs, gask.FirstCompleted)
		if err != nil {
			t.Fatalf("Wait(FirstCompleted) error: %v", err)
		}
		if len(done) != 1 || done[0] != quick || len(notDone) != 1 || notDone[0] != blk {
			t.Errorf("Wait(FirstCompleted) = done %d, not done %d; want the quick one done, the blocked one not", len(done), len(notDone))
		}

		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		done, notDone, err = gask.Wait(short, futs, gask.AllCompleted)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait(AllCompleted) with a deadline: err = %v, want deadline exceeded", err)
		}
		if len(done) != 1 || len(notDone) != 1 || notDone[0] != blk {
			t.Errorf("Wait(AllCompleted) with a deadline: done %d, not done %d, want 1, 1", len(done), len(notDone))
		}

		// FirstException returns at the first failure; mixed types via AnyFuture.
		failing := Fail.Submit(c, gask.V("wait"))
		mixed := []gask.AnyFuture{blk, failing}
		done2, _, err := gask.Wait(ctx, mixed, gask.FirstException)
		if err != nil || len(done2) != 1 || done2[0].Key() != failing.Key() {
			t.Errorf("Wait(FirstException) = %d done, %v; want the failing one", len(done2), err)
		}
	})
}

func TestCancel(t *testing.T) {
	eachMode(t, 1, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		before := blockCancelled.Load()
		blk := Block.Submit(c, gask.V(time.Minute), gask.Impure())
		// Wait until it is running on the only worker.
		poll(t, ctx, "Block running", func() error {
			if w := workersByName(t, ctx, c); w["local-1"].Processing != 1 {
				return fmt.Errorf("local-1 processing %d tasks", w["local-1"].Processing)
			}
			return nil
		})
		blk.Cancel()
		if s := blk.Status(); s != gask.Cancelled {
			t.Errorf("after Cancel, Status() = %v, want cancelled", s)
		}
		if _, err := blk.Result(ctx); !errors.Is(err, gask.ErrCancelled) {
			t.Errorf("after Cancel, Result() error = %v, want ErrCancelled", err)
		}
		// The one worker thread is free again: the cluster keeps working.
		if got, err := Inc.Submit(c, gask.V(41)).Result(ctx); err != nil || got != 42 {
			t.Errorf("Inc(41) after a cancel = %v, %v, want 42, nil", got, err)
		}
		if !cl.Processes() {
			poll(t, ctx, "the cancelled task's context ended", func() error {
				if blockCancelled.Load() == before {
					return errNotYet
				}
				return nil
			})
		}
		// A cancelled key can be submitted again.
		again := Inc.Submit(c, gask.V(100))
		again.Cancel()
		if got, err := Inc.Submit(c, gask.V(100)).Result(ctx); err != nil || got != 101 {
			t.Errorf("Inc(100) submitted again after a cancel = %v, %v, want 101, nil", got, err)
		}
	})
}

// TestResultAfterReleaseOrCancel checks that asking for a value the
// cluster has let go of fails at once instead of waiting for a
// recomputation that will never come, and fails the same way however fast
// the worker drops it: after Release (of a value that must be fetched, and
// of one that came inline) and after Cancel of a task that had finished.
func TestResultAfterReleaseOrCancel(t *testing.T) {
	eachMode(t, 1, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		big := Lines.Submit(c, gask.V(1000)) // well over the inline limit
		if err := big.Err(ctx); err != nil {
			t.Fatal(err)
		}
		kept := Lines.Submit(c, gask.V(1000)) // the same key, held twice
		big.Release()
		// Another future of the key still holds it.
		if _, err := kept.Result(ctx); err != nil {
			t.Errorf("Result() of a second future of a released key = %v, want nil", err)
		}
		kept.Release()
		// At once, whether or not the worker has dropped it yet.
		if _, err := big.Result(ctx); !errors.Is(err, gask.ErrReleased) {
			t.Errorf("Result() after Release = %v, want ErrReleased", err)
		}
		if _, err := gask.Gather(ctx, []*gask.Future[[]byte]{big}); !errors.Is(err, gask.ErrReleased) {
			t.Errorf("Gather() after Release = %v, want ErrReleased", err)
		}
		small := Inc.Submit(c, gask.V(7)) // its value came inline
		if err := small.Err(ctx); err != nil {
			t.Fatal(err)
		}
		small.Release()
		if _, err := small.Result(ctx); !errors.Is(err, gask.ErrReleased) {
			t.Errorf("Result() of an inline value after Release = %v, want ErrReleased", err)
		}
		waitAllFreed(t, ctx, c, "the released values dropped")
		done := Inc.Submit(c, gask.V(100))
		if err := done.Err(ctx); err != nil {
			t.Fatal(err)
		}
		done.Cancel()
		if s := done.Status(); s != gask.Cancelled {
			t.Errorf("Status() after Cancel of a finished task = %v, want cancelled", s)
		}
		if _, err := done.Result(ctx); !errors.Is(err, gask.ErrCancelled) {
			t.Errorf("Result() after Cancel of a finished task = %v, want ErrCancelled", err)
		}
	})
}

func TestRelease(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		in := make([]int, 40)
		for i := range in {
			in[i] = i
		}
		futs := Inc.Map(c, in)
		chain := Inc.Submit(c, futs[0])
		if _, err := gask.Gather(ctx, futs); err != nil {
			t.Fatal(err)
		}
		if _, err := chain.Result(ctx); err != nil {
			t.Fatal(err)
		}
		if total := valuesHeld(t, ctx, c); total < 41 {
			t.Errorf("before Release, workers hold %d values, want at least 41", total)
		}
		for _, f := range futs {
			f.Release()
			f.Release() // idempotent
		}
		chain.Release()
		poll(t, ctx, "values freed after Release", func() error {
			for _, w := range workersByName(t, ctx, c) {
				if w.InMemory != 0 || w.ManagedBytes != 0 {
					return fmt.Errorf("worker %s holds %d values (%d bytes)", w.Name, w.InMemory, w.ManagedBytes)
				}
			}
			return nil
		})
	})
}

func TestKeys(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		a, b := Inc.Submit(c, gask.V(5)), Inc.Submit(c, gask.V(5))
		if a.Key() != b.Key() {
			t.Errorf("Inc(5) keys %q and %q differ; pure tasks must share a key", a.Key(), b.Key())
		}
		if Inc.Submit(c, gask.V(6)).Key() == a.Key() {
			t.Errorf("Inc(5) and Inc(6) have the same key")
		}
		if Add.Submit(c, gask.V(1), gask.V(5)).Key() == Add.Submit(c, gask.V(5), gask.V(1)).Key() {
			t.Errorf("Add(1, 5) and Add(5, 1) have the same key")
		}
		i1, i2 := Inc.Submit(c, gask.V(5), gask.Impure()), Inc.Submit(c, gask.V(5), gask.Impure())
		if i1.Key() == i2.Key() || i1.Key() == a.Key() {
			t.Errorf("Impure keys %q, %q (pure %q) must all differ", i1.Key(), i2.Key(), a.Key())
		}
		x := Inc.Submit(c, gask.V(7), gask.Key("x"))
		if x.Key() != "x" {
			t.Errorf("Key(\"x\").Key() = %q, want x", x.Key())
		}
		ms := Inc.Map(c, []int{1, 2}, gask.Key("m"))
		if ms[0].Key() != "m-0" || ms[1].Key() != "m-1" {
			t.Errorf("Map with Key(\"m\") keys = %q, %q, want m-0, m-1", ms[0].Key(), ms[1].Key())
		}
		for _, f := range []*gask.Future[int]{a, b, i1, i2} {
			if v, err := f.Result(ctx); err != nil || v != 6 {
				t.Errorf("Inc(5) [%s] = %v, %v, want 6", f.Key(), v, err)
			}
		}
		if v, err := x.Result(ctx); err != nil || v != 8 {
			t.Errorf("Inc(7) with Key(\"x\") = %v, %v, want 8", v, err)
		}
		if vs, err := gask.Gather(ctx, ms); err != nil || !slices.Equal(vs, []int{2, 3}) {
			t.Errorf("Inc.Map(1, 2) with Key = %v, %v", vs, err)
		}
		if one := Inc.Map(c, []int{3}, gask.Key("one")); one[0].Key() != "one-0" {
			t.Errorf("a one-task Map with Key(\"one\") has key %q, want one-0", one[0].Key())
		}
	})
}

// TestPureComputedOnce counts calls, so it runs on goroutine workers.
func TestPureComputedOnce(t *testing.T) {
	_, c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	tag := "pure-" + t.Name()
	before := calls(tag) // with -count, earlier runs counted too
	futs := []*gask.Future[string]{Counted.Submit(c, gask.V(tag)), Counted.Submit(c, gask.V(tag))}
	futs = append(futs, Counted.Map(c, []string{tag, tag, tag})...)
	if _, err := gask.Gather(ctx, futs); err != nil {
		t.Fatal(err)
	}
	// Submitted again while the value is held: still not recomputed.
	if _, err := Counted.Submit(c, gask.V(tag)).Result(ctx); err != nil {
		t.Fatal(err)
	}
	if n := calls(tag) - before; n != 1 {
		t.Errorf("pure task submitted 6 times ran %d times, want 1", n)
	}
	itag := "impure-" + t.Name()
	ibefore := calls(itag)
	if _, err := gask.Gather(ctx, []*gask.Future[string]{Counted.Submit(c, gask.V(itag), gask.Impure()), Counted.Submit(c, gask.V(itag), gask.Impure())}); err != nil {
		t.Fatal(err)
	}
	if n := calls(itag) - ibefore; n != 2 {
		t.Errorf("impure task submitted twice ran %d times, want 2", n)
	}
}

func TestRetries(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		dir := t.TempDir()
		ok := Flaky.Submit(c, gask.V(filepath.Join(dir, "two")), gask.Retries(2))
		if got, err := ok.Result(ctx); err != nil || got != 3 {
			t.Errorf("Flaky with Retries(2) = %v, %v, want 3, nil", got, err)
		}
		bad := Flaky.Submit(c, gask.V(filepath.Join(dir, "one")), gask.Retries(1))
		_, err := bad.Result(ctx)
		if err == nil {
			t.Fatalf("Flaky with Retries(1) succeeded")
		}
		if te := taskErr(t, err); !strings.Contains(te.Message, "flaky failure 2") || te.Kind != "task" {
			t.Errorf("Flaky with Retries(1) error = %+v, want kind task, message with \"flaky failure 2\"", te)
		}
		none := Flaky.Submit(c, gask.V(filepath.Join(dir, "zero")))
		if err := none.Err(ctx); err == nil || !strings.Contains(err.Error(), "flaky failure 1") {
			t.Errorf("Flaky without retries error = %v, want flaky failure 1", err)
		}
	})
}

func TestErrors(t *testing.T) {
	eachMode(t, 1, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		f := Fail.Submit(c, gask.V("the message"))
		_, err := f.Result(ctx)
		te := taskErr(t, err)
		if te.Kind != "task" || !strings.Contains(te.Message, "failing on purpose: the message") || te.Key != f.Key() {
			t.Errorf("Fail error = %+v, want kind task, the message, key %s", te, f.Key())
		}
		if f.Status() != gask.Failed {
			t.Errorf("Fail Status() = %v, want error", f.Status())
		}
		if errors.Is(err, gask.ErrNoWorker) || errors.Is(err, gask.ErrKilledWorker) || errors.Is(err, gask.ErrCancelled) {
			t.Errorf("a task's own error %v matches a sentinel", err)
		}

		p := Panic.Submit(c, gask.V("kaboom"))
		_, err = p.Result(ctx)
		te = taskErr(t, err)
		if te.Kind != "panic" || !strings.Contains(te.Message, "panicking on purpose: kaboom") {
			t.Errorf("Panic error = %+v, want kind panic with the panic value", te)
		}
		if !strings.Contains(te.Stack, "gask_test") {
			t.Errorf("Panic error stack does not show the task function:\n%s", te.Stack)
		}
		// The only worker survived the panic.
		if got, err := Inc.Submit(c, gask.V(1)).Result(ctx); err != nil || got != 2 {
			t.Errorf("Inc(1) after a panic = %v, %v, want 2, nil", got, err)
		}
		if ws := workersByName(t, ctx, c); len(ws) != 1 {
			t.Errorf("after a panic, %d workers, want 1", len(ws))
		}
	})
}

// On a real cluster too, futures of one key get slices of their own: a
// small []byte result comes inline with its completion, kept once per key.
func TestBytesResultsNotShared(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		a := Bytes.Submit(c, gask.V(4))
		first, err := a.Result(ctx)
		if err != nil || len(first) != 4 {
			t.Fatalf("Result() = %v, %v", first, err)
		}
		first[0] = 99
		b := Bytes.Submit(c, gask.V(4)) // the same key, held by a meanwhile
		if b.Key() != a.Key() {
			t.Fatalf("keys %s and %s differ", a.Key(), b.Key())
		}
		if second, err := b.Result(ctx); err != nil || second[0] != 0 {
			t.Errorf("the other future's Result() = %v, %v after the first's was changed; want zeros", second, err)
		}
		got, err := gask.Gather(ctx, []*gask.Future[[]byte]{Bytes.Submit(c, gask.V(4))})
		if err != nil || got[0][0] != 0 {
			t.Errorf("Gather() = %v, %v after a Result was changed; want zeros", got, err)
		}
	})
}

func TestScatter(t *testing.T) {
	eachMode(t, 3, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		vals := [][]int{{1, 2, 3}, {10, 20}, {100}, {1000, 1000}}
		futs, err := gask.Scatter(ctx, c, vals)
		if err != nil {
			t.Fatalf("Scatter error: %v", err)
		}
		sums := make([]*gask.Future[int], len(futs))
		for i, f := range futs {
			sums[i] = Sum.Submit(c, f)
		}
		got, err := gask.Gather(ctx, sums)
		if err != nil || !slices.Equal(got, []int{6, 30, 100, 2000}) {
			t.Errorf("Sum of scattered values = %v, %v, want [6 30 100 2000]", got, err)
		}
		if v, err := futs[1].Result(ctx); err != nil || !slices.Equal(v, []int{10, 20}) {
			t.Errorf("scattered future Result = %v, %v", v, err)
		}
		again, err := gask.Scatter(ctx, c, vals[:1])
		if err != nil || again[0].Key() != futs[0].Key() {
			t.Errorf("the same value scattered twice: keys %q, %q (err %v), want equal", again[0].Key(), futs[0].Key(), err)
		}

		b, err := gask.Scatter(ctx, c, []string{"everywhere"}, gask.Broadcast())
		if err != nil {
			t.Fatalf("Scatter(Broadcast) error: %v", err)
		}
		for name, w := range workersByName(t, ctx, c) {
			if w.InMemory < 1 {
				t.Errorf("after Broadcast, worker %s holds %d values", name, w.InMemory)
			}
		}
		// Each worker can use its own copy: a task restricted to each one.
		for name := range workersByName(t, ctx, c) {
			n := Block.Submit(c, gask.V(time.Duration(0)), gask.Workers(name), gask.Impure())
			if err := n.Err(ctx); err != nil {
				t.Errorf("task on %s: %v", name, err)
			}
		}
		if v, err := b[0].Result(ctx); err != nil || v != "everywhere" {
			t.Errorf("broadcast Result = %q, %v", v, err)
		}
	})
}

func TestRun(t *testing.T) {
	eachMode(t, 3, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		pids, err := gask.Run(ctx, c, Pid)
		if err != nil {
			t.Fatalf("Run(Pid) error: %v", err)
		}
		names := workersByName(t, ctx, c)
		if len(pids) != 3 || len(names) != 3 {
			t.Fatalf("Run(Pid) = %v over workers %v, want 3 results", pids, names)
		}
		distinct := map[int]bool{}
		for name, pid := range pids {
			if _, ok := names[name]; !ok {
				t.Errorf("Run(Pid) returned a result for %q, not a worker", name)
			}
			distinct[pid] = true
		}
		processes := cl.Processes()
		switch {
		case processes && (len(distinct) != 3 || distinct[os.Getpid()]):
			t.Errorf("Run(Pid) on worker processes = %v, want 3 pids other than ours (%d)", pids, os.Getpid())
		case !processes && (len(distinct) != 1 || !distinct[os.Getpid()]):
			t.Errorf("Run(Pid) on goroutine workers = %v, want our pid %d", pids, os.Getpid())
		}
	})
}

func TestCommands(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		echo := gask.Exec.Submit(c, gask.V(gask.Cmd{Args: []string{"echo", "hello", "world"}}), gask.V([]byte(nil)))
		r, err := echo.Result(ctx)
		if err != nil || string(r.Stdout) != "hello world\n" || r.ExitCode != 0 {
			t.Errorf("echo hello world = %+v, %v", r, err)
		}
		// A Go task's []byte feeds sort's stdin; a Go task reads sort's result.
		sorted := gask.Exec.Submit(c, gask.V(gask.Cmd{Args: []string{"sort"}}), Lines.Submit(c, gask.V(30)))
		s, err := Stdout.Submit(c, sorted).Result(ctx)
		if err != nil || s != "exit=0 lines=30 first=line001" {
			t.Errorf("Stdout(sort(Lines(30))) = %q, %v, want exit=0 lines=30 first=line001", s, err)
		}
		env := gask.Exec.Submit(c, gask.V(gask.Cmd{Args: []string{"sh", "-c", "echo $GASK_TEST_X; pwd"}, Env: []string{"GASK_TEST_X=yes"}, Dir: "/"}), gask.V([]byte(nil)))
		if r, err := env.Result(ctx); err != nil || string(r.Stdout) != "yes\n/\n" {
			t.Errorf("command with Env and Dir: stdout %q, %v, want \"yes\\n/\\n\"", r.Stdout, err)
		}

		bad := gask.Exec.Submit(c, gask.V(gask.Cmd{Args: []string{"sh", "-c", "echo oh no >&2; exit 3"}}), gask.V([]byte(nil)))
		_, err = bad.Result(ctx)
		te := taskErr(t, err)
		if te.Kind != "command" || !strings.Contains(te.Message, "status 3") || !strings.Contains(te.Message, "oh no") {
			t.Errorf("failing command error = %+v, want kind command, status 3, stderr", te)
		}
		// The command's own error is rebuilt on the client.
		var ce *gask.CommandError
		if !errors.As(err, &ce) || ce.ExitCode != 3 || !strings.Contains(ce.Stderr, "oh no") || len(ce.Args) != 3 {
			t.Errorf("errors.As(failing command error, *CommandError) = %+v, want exit code 3 and its stderr", ce)
		}
		missing := gask.Exec.Submit(c, gask.V(gask.Cmd{Args: []string{"/nonexistent/program"}}), gask.V([]byte(nil)))
		if te := taskErr(t, missing.Err(ctx)); te.Kind != "command" {
			t.Errorf("missing program error = %+v, want kind command", te)
		}
		// A dependent of a failed command fails too.
		if err := Stdout.Submit(c, bad).Err(ctx); err == nil {
			t.Errorf("Stdout(failed command) succeeded")
		}
	})
}

func TestWorkersInfo(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		ws := workersByName(t, ctx, c)
		if len(ws) != 2 {
			t.Fatalf("Workers() = %v, want 2", ws)
		}
		for _, name := range []string{"local-1", "local-2"} {
			w, ok := ws[name]
			if !ok {
				t.Errorf("no worker named %s in %v", name, ws)
				continue
			}
			if w.NThreads != 1 || w.Addr == "" || w.Build != gask.BuildID() {
				t.Errorf("worker %s = %+v, want 1 thread, an address and our build %s", name, w, gask.BuildID())
			}
		}
	})
}

func TestWorkerRestriction(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		in := make([]int, 20)
		for i := range in {
			in[i] = 1000 + i
		}
		// The futures stay alive until the values are counted: the
		// garbage collector would release them otherwise.
		futs := Inc.Map(c, in, gask.Workers("local-2"))
		if _, err := gask.Gather(ctx, futs); err != nil {
			t.Fatal(err)
		}
		ws := workersByName(t, ctx, c)
		if ws["local-1"].InMemory != 0 || ws["local-2"].InMemory != 20 {
			t.Errorf("tasks restricted to local-2: local-1 holds %d values, local-2 %d; want 0, 20", ws["local-1"].InMemory, ws["local-2"].InMemory)
		}
		// By address, too.
		addr := ws["local-1"].Addr
		one := Inc.Submit(c, gask.V(5000), gask.Workers(addr))
		if err := one.Err(ctx); err != nil {
			t.Fatal(err)
		}
		if ws := workersByName(t, ctx, c); ws["local-1"].InMemory != 1 {
			t.Errorf("task restricted to %s: local-1 holds %d values, want 1", addr, ws["local-1"].InMemory)
		}
		runtime.KeepAlive(futs)
		runtime.KeepAlive(one)
		// A restriction no worker meets waits, it does not fail.
		nowhere := Inc.Submit(c, gask.V(6000), gask.Workers("no-such-worker"))
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if err := nowhere.Err(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("task restricted to a missing worker: Err = %v, want it still waiting", err)
		}
		// Loose restrictions run elsewhere.
		if err := Inc.Submit(c, gask.V(7000), gask.Workers("no-such-worker"), gask.AllowOtherWorkers()).Err(ctx); err != nil {
			t.Errorf("loose restriction to a missing worker: %v", err)
		}
	})
}

// startExtraWorker starts one more worker with resources: a goroutine
// worker for an in-process cluster, a process of this test binary otherwise.
// It stops when the test ends.
func startExtraWorker(t *testing.T, ctx context.Context, cl *local.Cluster, name string, res []wire.Resource) {
	t.Helper()
	if !cl.Processes() {
		joined := make(chan struct{})
		w := workerd.New(workerd.Config{Scheduler: cl.Addr(), Name: name, Transport: cl.Transport(), Build: gask.BuildID(),
			Resources: res, Logger: testLogger(t), Ready: func(string) { close(joined) }})
		wctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(wctx) }()
		t.Cleanup(func() {
			stop()
			if err := <-done; err != nil {
				t.Errorf("extra worker Run() = %v", err)
			}
		})
		select {
		case <-joined:
		case err := <-done:
			t.Fatalf("extra worker stopped: %v", err)
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
		return
	}
	var rs []string
	for _, r := range res {
		rs = append(rs, fmt.Sprintf("%s=%g", r.Name, r.Amount))
	}
	startWorkerProcess(t, cl.Addr(), name, "--resources", strings.Join(rs, ","))
	poll(t, ctx, "extra worker joined", func() error {
		if _, ok := workersByName(t, ctx, cl.Client())[name]; !ok {
			return errNotYet
		}
		return nil
	})
}

// startWorkerProcess starts a one-thread worker process of this test
// binary, named name, joining the scheduler at addr with more flags. It is
// killed when the test ends (continued first, if the test stopped it).
func startWorkerProcess(t *testing.T, addr, name string, flags ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"worker", addr, "--name", name, "--nthreads", "1"}, flags...)...)
	cmd.Env = append(os.Environ(), gask.WorkerEnv+"=1")
	cmd.Stderr = t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { cmd.Wait(); close(waited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		<-waited
	})
	return cmd
}

func TestResources(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		gpu := map[string]float64{"GPU": 1}
		futs := Inc.Map(c, []int{1, 2, 3, 4, 5}, gask.Resources(gpu))
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if _, err := gask.Gather(short, futs); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("GPU tasks without a GPU worker: Gather error = %v, want them still waiting", err)
		}
		if info, err := c.SchedulerInfo(ctx); err != nil || info.NoWorker != 5 || info.Queued != 0 || len(info.Workers) != 2 {
			t.Errorf("SchedulerInfo with GPU tasks and no GPU worker = %+v, %v; want 5 no-worker tasks, none queued, 2 workers", info, err)
		}
		startExtraWorker(t, ctx, cl, "gpu-worker", []wire.Resource{{Name: "GPU", Amount: 1}})
		got, err := gask.Gather(ctx, futs)
		if err != nil || !slices.Equal(got, []int{2, 3, 4, 5, 6}) {
			t.Fatalf("GPU tasks once a GPU worker joined = %v, %v", got, err)
		}
		ws := workersByName(t, ctx, c)
		if ws["gpu-worker"].InMemory != 5 || ws["local-1"].InMemory != 0 || ws["local-2"].InMemory != 0 {
			t.Errorf("GPU tasks ran elsewhere: gpu-worker holds %d, local-1 %d, local-2 %d; want 5, 0, 0",
				ws["gpu-worker"].InMemory, ws["local-1"].InMemory, ws["local-2"].InMemory)
		}
		if ws["gpu-worker"].Resources["GPU"] != 1 {
			t.Errorf("gpu-worker resources = %v, want GPU=1", ws["gpu-worker"].Resources)
		}
		if info, err := c.SchedulerInfo(ctx); err != nil || info.NoWorker != 0 || info.MeanTaskDuration <= 0 {
			t.Errorf("SchedulerInfo once they ran = %+v, %v; want no no-worker task and a mean duration", info, err)
		}
		runtime.KeepAlive(futs) // until the values are counted
		// More than any worker has never runs.
		two := Inc.Submit(c, gask.V(99), gask.Resources(map[string]float64{"GPU": 2}))
		short2, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel2()
		if err := two.Err(short2); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("task needing GPU=2 with one GPU: Err = %v, want it still waiting", err)
		}
	})
}

// TestPriority orders tasks queued behind a blocked single thread; it
// records the order in this process, so it runs on goroutine workers.
func TestPriority(t *testing.T) {
	// Enough work sent ahead that all ten tasks below wait on the worker,
	// however slowly the quick ones ran on a loaded machine.
	_, c := startCluster(t, 1, local.Scheduler(scheduler.Config{TargetBatch: int64(time.Second)}))
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	// Quick tasks first, so that the scheduler learns that tasks are short
	// and sends several ahead to the worker: priority must hold there too.
	warm := make([]int, 50)
	for i := range warm {
		warm[i] = -1 - i
	}
	if _, err := gask.Gather(ctx, Inc.Map(c, warm)); err != nil {
		t.Fatal(err)
	}
	orderMu.Lock()
	open := make(chan struct{})
	gate = open
	orderMu.Unlock()
	blocker := Gate.Submit(c, gask.V("gate"))
	poll(t, ctx, "gate task running", func() error {
		if w := workersByName(t, ctx, c); w["local-1"].Processing != 1 {
			return errNotYet
		}
		return nil
	})
	var futs []*gask.Future[string]
	for i := range 5 {
		futs = append(futs, Record.Submit(c, gask.V(fmt.Sprint("low", i)), gask.Priority(-1)))
	}
	for i := range 5 {
		futs = append(futs, Record.Submit(c, gask.V(fmt.Sprint("high", i)), gask.Priority(10)))
	}
	// The worker must hold all ten before the gate opens: its heartbeat
	// says how many wait for its thread.
	poll(t, ctx, "ten tasks ready on the worker", func() error {
		if w := workersByName(t, ctx, c); w["local-1"].Ready != 10 {
			return errNotYet
		}
		return nil
	})
	orderMu.Lock()
	order = nil
	orderMu.Unlock()
	close(open)
	if _, err := blocker.Result(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := gask.Gather(ctx, futs); err != nil {
		t.Fatal(err)
	}
	orderMu.Lock()
	got := slices.Clone(order)
	orderMu.Unlock()
	for i, s := range got {
		if high := strings.HasPrefix(s, "high"); high != (i < 5) {
			t.Fatalf("run order = %v, want the five Priority(10) tasks first", got)
		}
	}
}

func TestWorkerProcessKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes in -short mode")
	}
	cl, c := startCluster(t, 2, local.Processes())
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	pids, err := gask.Run(ctx, c, Pid)
	if err != nil {
		t.Fatal(err)
	}
	// 40 slow chains of 3, summed in pairs: values live on both workers.
	in := make([]int, 40)
	for i := range in {
		in[i] = i
	}
	a := SlowInc.Map(c, in)
	b := make([]gask.Arg[int], len(a))
	for i, f := range a {
		b[i] = SlowInc.Submit(c, f)
	}
	last := SlowInc.MapArgs(c, b)
	for _, f := range a {
		f.Release() // only the last level is held: lost values must be recomputed
	}
	// Kill local-1 once some results exist.
	for _, err := range gask.AsCompleted(ctx, last[:1]) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Kill(pids["local-1"], syscall.SIGKILL); err != nil {
		t.Fatalf("kill local-1 (pid %d): %v", pids["local-1"], err)
	}
	got, err := gask.Gather(ctx, last)
	if err != nil {
		t.Fatalf("Gather after killing a worker: %v", err)
	}
	for i, v := range got {
		if v != i+3 {
			t.Fatalf("SlowInc^3(%d) = %d, want %d", i, v, i+3)
		}
	}
	// The nanny restarts the worker, in a new process.
	poll(t, ctx, "local-1 restarted", func() error {
		now, err := gask.Run(ctx, c, Pid)
		if err != nil {
			return err
		}
		if p, ok := now["local-1"]; !ok || p == pids["local-1"] {
			return fmt.Errorf("local-1 pid %d (killed %d)", p, pids["local-1"])
		}
		return nil
	})
	if v, err := Inc.Submit(c, gask.V(1)).Result(ctx); err != nil || v != 2 {
		t.Errorf("Inc(1) after a worker was killed = %v, %v", v, err)
	}
	_ = cl
}

// TestSurvivingCopyIsFound: a value the client knew on one worker only is
// copied to a second (as a task's input there); when the first dies, the
// client is told of the copy and fetches it, rather than waiting for a
// recomputation that never comes (the value is not lost).
func TestSurvivingCopyIsFound(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes in -short mode")
	}
	_, c := startCluster(t, 2, local.Processes())
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	pids, err := gask.Run(ctx, c, Pid)
	if err != nil {
		t.Fatal(err)
	}
	a := Pattern.Submit(c, gask.V(3), gask.V(1), gask.Workers("local-1")) // 1 MiB: not sent inline
	if err := a.Err(ctx); err != nil {
		t.Fatal(err)
	}
	// local-2 fetches a copy to sum it.
	if _, err := ByteSum.Submit(c, a, gask.Workers("local-2")).Result(ctx); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pids["local-1"], syscall.SIGKILL); err != nil {
		t.Fatalf("kill local-1 (pid %d): %v", pids["local-1"], err)
	}
	b, err := a.Result(ctx)
	if err != nil || !bytes.Equal(b, pattern(3, 1)) {
		t.Fatalf("Result of a value whose first holder died = %d bytes, %v; want its copy on local-2", len(b), err)
	}
}

// TestScatterPassesRetiringWorkers: while a worker retires (it waits for
// a task it runs), Workers reports it retiring and Scatter puts nothing on
// it.
func TestScatterPassesRetiringWorkers(t *testing.T) {
	_, c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	busy := Block.Submit(c, gask.V(time.Hour), gask.Workers("local-2"), gask.Impure())
	poll(t, ctx, "local-2 runs the blocking task", func() error {
		if w := workersByName(t, ctx, c)["local-2"]; w.Executing != 1 {
			return fmt.Errorf("local-2 executes %d tasks", w.Executing)
		}
		return nil
	})
	retired := make(chan error, 1)
	go func() { retired <- c.RetireWorkers(ctx, "local-2") }()
	poll(t, ctx, "local-2 reported retiring", func() error {
		if w := workersByName(t, ctx, c)["local-2"]; !w.Retiring {
			return errors.New("not retiring yet")
		}
		return nil
	})
	if w := workersByName(t, ctx, c)["local-1"]; w.Retiring {
		t.Errorf("local-1 reported retiring")
	}
	futs, err := gask.Scatter(ctx, c, []int{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := gask.Wait(ctx, futs, gask.AllCompleted); err != nil {
		t.Fatal(err)
	}
	if w := workersByName(t, ctx, c)["local-2"]; w.InMemory != 0 {
		t.Errorf("Scatter put %d values on retiring local-2", w.InMemory)
	}
	busy.Cancel()
	if err := <-retired; err != nil {
		t.Errorf("RetireWorkers(local-2) = %v", err)
	}
}

func TestKilledWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes in -short mode")
	}
	_, c := startCluster(t, 2, local.Processes())
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	_, err := Suicide.Submit(c, gask.V("bye")).Result(ctx)
	if !errors.Is(err, gask.ErrKilledWorker) {
		t.Fatalf("a task that kills its worker: error %v, want ErrKilledWorker", err)
	}
	te := taskErr(t, err)
	if te.Kind != "killed-worker" || !strings.Contains(te.Message, "killed by signal 9") || !strings.Contains(te.Message, "3 workers") {
		t.Errorf("killed-worker message = %q, want it to say 3 workers were killed by signal 9", te.Message)
	}
	// The cluster recovers.
	poll(t, ctx, "both workers back", func() error {
		if n := len(workersByName(t, ctx, c)); n != 2 {
			return fmt.Errorf("%d workers", n)
		}
		return nil
	})
	if v, err := Inc.Submit(c, gask.V(1)).Result(ctx); err != nil || v != 2 {
		t.Errorf("Inc(1) after a killed worker = %v, %v", v, err)
	}
}

// startTCPScheduler serves a scheduler on a TCP port of this machine until
// the test ends, and returns its address.
func startTCPScheduler(t *testing.T) string {
	t.Helper()
	return startTCPSchedulerWith(t, schedulerd.Config{})
}

// startTCPSchedulerWith is startTCPScheduler with a configuration.
func startTCPSchedulerWith(t *testing.T, cfg schedulerd.Config) string {
	t.Helper()
	ln, err := transport.Listen("tcp://127.0.0.1:0", transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Build, cfg.Logger = "test-scheduler", testLogger(t)
	srv := schedulerd.New(cfg)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("scheduler Serve() = %v", err)
		}
	})
	return transport.Address(ln)
}

// buildProgram builds the main package in dir (relative to the module root)
// into a temporary directory.
func buildProgram(t *testing.T, pkg string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build %s: %v", pkg, err)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command(gobin, "build", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// startProcess starts a command that is killed when the test ends.
func startProcess(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stderr = t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { cmd.Wait(); close(waited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-waited
	})
}

func connect(t *testing.T, ctx context.Context, addr string) *gask.Client {
	t.Helper()
	c, err := gask.Connect(ctx, addr, gask.WithLogger(testLogger(t)))
	if err != nil {
		t.Fatalf("Connect(%s): %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitWorkers(t *testing.T, ctx context.Context, c *gask.Client, n int) {
	t.Helper()
	poll(t, ctx, fmt.Sprintf("%d workers joined", n), func() error {
		if got := len(workersByName(t, ctx, c)); got != n {
			return fmt.Errorf("%d workers", got)
		}
		return nil
	})
}

func TestMismatchedBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	prog1 := buildProgram(t, "./internal/testprog")
	prog2 := buildProgram(t, "./internal/testprog2")
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	addr := startTCPScheduler(t)
	startProcess(t, prog2, "worker", addr, "--name", "prog2-worker", "--nthreads", "1")
	c := connect(t, ctx, addr)
	waitWorkers(t, ctx, c, 1)

	// A function of this test binary, which prog2 lacks: an immediate error.
	quick, cancelQuick := context.WithTimeout(ctx, 5*time.Second)
	defer cancelQuick()
	_, err := Inc.Submit(c, gask.V(1)).Result(quick)
	if !errors.Is(err, gask.ErrNoWorker) {
		t.Fatalf("Inc on a cluster of prog2 workers: error %v, want ErrNoWorker", err)
	}
	if !strings.Contains(err.Error(), Inc.Name()) {
		t.Errorf("no-worker error %q does not name the function %s", err, Inc.Name())
	}
	// The built-in Exec is the same in every program.
	r, err := gask.Exec.Submit(c, gask.V(gask.Cmd{Args: []string{"echo", "shared"}}), gask.V([]byte(nil))).Result(ctx)
	if err != nil || string(r.Stdout) != "shared\n" {
		t.Errorf("Exec on a prog2 worker = %q, %v", r.Stdout, err)
	}

	run := func() string {
		out, err := exec.CommandContext(ctx, prog1, "client", addr).Output()
		if err != nil {
			t.Fatalf("testprog client: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := run(); !strings.Contains(out, "no-worker=true") || !strings.Contains(out, "testprog.triple") {
		t.Errorf("testprog client on prog2 workers printed %q, want a no-worker error naming testprog.triple", out)
	}
	// Once a worker of its own build joins, the program runs.
	startProcess(t, prog1, "worker", addr, "--name", "prog1-worker", "--nthreads", "1")
	waitWorkers(t, ctx, c, 2)
	if out := run(); out != "result: 6\n" {
		t.Errorf("testprog client with a prog1 worker printed %q, want result: 6", out)
	}
}

func TestMalformedFrames(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	addr := startTCPScheduler(t)
	wctx, stop := context.WithCancel(context.Background())
	w := workerd.New(workerd.Config{Scheduler: addr, Name: "w", Build: gask.BuildID(), Logger: testLogger(t)})
	wdone := make(chan error, 1)
	go func() { wdone <- w.Run(wctx) }()
	defer func() {
		stop()
		if err := <-wdone; err != nil {
			t.Errorf("worker Run() = %v", err)
		}
	}()
	c := connect(t, ctx, addr)
	waitWorkers(t, ctx, c, 1)

	hello := wire.Marshal(&wire.Hello{Proto: wire.Version, Role: wire.RoleClient, Name: "raw"})
	frame := func(body ...byte) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body...)
	}
	cases := []struct {
		name string
		send []byte
	}{
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: gask\r\n\r\n")},
		{"empty frame", frame()},
		{"unknown op first", frame(200, 1, 2, 3)},
		{"oversized length first", []byte{0xff, 0xff, 0xff, 0xff, 1}},
		{"unknown op after hello", append(slices.Clone(hello), frame(200, 1, 2, 3)...)},
		{"truncated message after hello", append(slices.Clone(hello), frame(byte(wire.OpUpdateGraph), 0xff)...)},
		{"oversized length after hello", append(slices.Clone(hello), 0xff, 0xff, 0xff, 0xff)},
		{"worker message from a client", append(slices.Clone(hello), wire.Marshal(&wire.TaskDone{Key: "x"})...)},
		{"second hello", append(slices.Clone(hello), hello...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", strings.TrimPrefix(addr, "tcp://"))
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			if _, err := nc.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			// The scheduler closes the connection (it may first answer the Hello).
			nc.SetReadDeadline(time.Now().Add(3 * time.Second))
			_, err = io.Copy(io.Discard, nc)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("after %s the scheduler kept the connection open", tc.name)
			}
			// A normal client is unaffected.
			if v, err := Inc.Submit(c, gask.V(len(tc.name))).Result(ctx); err != nil || v != len(tc.name)+1 {
				t.Errorf("Inc(%d) after %s = %v, %v", len(tc.name), tc.name, v, err)
			}
		})
	}
}

// Futures nobody references any more release their values: garbage
// collection is the safety net behind Release.
func TestGarbageCollectedFuturesRelease(t *testing.T) {
	_, c := startCluster(t, 1)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	func() {
		xs := make([]int, 100)
		for i := range xs {
			xs[i] = 1000 + i
		}
		if _, err := gask.Gather(ctx, Inc.Map(c, xs)); err != nil {
			t.Fatal(err)
		}
	}()
	poll(t, ctx, "values released after GC", func() error {
		runtime.GC()
		if n := valuesHeld(t, ctx, c); n != 0 {
			return fmt.Errorf("%d values still held", n)
		}
		return nil
	})
}

// TestAllTakesAListOfFutures checks gask.All: a task receives a list of
// futures' values as one slice argument, in order, from several workers,
// with a future listed twice, and an empty list.
func TestAllTakesAListOfFutures(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		parts := Inc.Map(c, []int{1, 2, 3, 4, 5, 6}) // 2..7, spread over the workers
		total := Sum.Submit(c, gask.All(parts...))
		if got, err := total.Result(ctx); err != nil || got != 27 {
			t.Errorf("Sum(All(inc(1..6))) = %v, %v, want 27", got, err)
		}
		twice := Sum.Submit(c, gask.All(parts[0], parts[5], parts[0]))
		if got, err := twice.Result(ctx); err != nil || got != 2+7+2 {
			t.Errorf("Sum(All(a, b, a)) = %v, %v, want 11", got, err)
		}
		if got, err := Sum.Submit(c, gask.All[int]()).Result(ctx); err != nil || got != 0 {
			t.Errorf("Sum(All()) = %v, %v, want 0", got, err)
		}
		if Sum.Submit(c, gask.All(parts...)).Key() != total.Key() {
			t.Errorf("the same list submitted twice has another key")
		}
		if _, err := gask.Compute(ctx, c, Sum.Delay(gask.All(parts...))); err == nil || !strings.Contains(err.Error(), "gask.All") {
			t.Errorf("Delay with gask.All = %v, want an error naming gask.All", err)
		}
	})
}

// TestWaitKeepsTheFutureAlive checks that a future nobody else refers to
// stays alive while Err waits on it: were it collected meanwhile, its
// cleanup would release the task and the wait would never end.
func TestWaitKeepsTheFutureAlive(t *testing.T) {
	_, c := startCluster(t, 1)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	orderMu.Lock()
	open := make(chan struct{})
	gate = open
	orderMu.Unlock()
	errc := make(chan error, 1)
	go func() { errc <- Gate.Submit(c, gask.V("kept"), gask.Impure()).Err(ctx) }()
	poll(t, ctx, "gate task running", func() error {
		if w := workersByName(t, ctx, c); w["local-1"].Processing != 1 {
			return errNotYet
		}
		return nil
	})
	for range 5 {
		runtime.GC() // would collect the future and run its cleanup
	}
	// A Release sent by a cleanup would reach the scheduler before this
	// query's answer: the task must still be there.
	if w := workersByName(t, ctx, c); w["local-1"].Processing != 1 {
		t.Fatalf("after GC, the waited-on task was released (processing %d)", w["local-1"].Processing)
	}
	close(open)
	if err := <-errc; err != nil {
		t.Errorf("Err() of a future only Err refers to = %v, want nil", err)
	}
}

// TestMemoryHogIsRestarted checks the nanny's guard: a task that takes
// more than 95% of its worker's memory limit gets the worker killed and
// restarted, and after three such deaths the task fails with an error
// that names memory and the limit.
func TestMemoryHogIsRestarted(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes in -short mode")
	}
	_, c := startCluster(t, 1, local.Processes(), local.MemoryLimit(256<<20))
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	_, err := Hog.Submit(c, gask.V(2048), gask.Impure()).Result(ctx)
	if !errors.Is(err, gask.ErrKilledWorker) {
		t.Fatalf("Hog(2 GiB) on a 256 MiB worker = %v, want ErrKilledWorker", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "memory") || !strings.Contains(msg, "limit of 256 MiB") {
		t.Errorf("the killed-worker error %q does not name memory and the limit", msg)
	}
	// The restarted worker still works.
	if got, err := Inc.Submit(c, gask.V(1)).Result(ctx); err != nil || got != 2 {
		t.Errorf("Inc(1) after the restarts = %v, %v", got, err)
	}
}

// TestKilledWorkersSpillIsRemoved: a worker process killed with values on
// disk (as its nanny kills it past its memory limit) cannot remove its
// spill directory; the worker started in its place does.
func TestKilledWorkersSpillIsRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes in -short mode")
	}
	if raceEnabled {
		t.Skip("memory limits cannot hold under the race detector's shadow memory; CI runs this without -race")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the workers spill
	_, c := startCluster(t, 1, local.Processes(), local.MemoryLimit(64<<20))
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	pids, err := gask.Run(ctx, c, Pid)
	if err != nil {
		t.Fatal(err)
	}
	pid := pids["local-1"]
	held := Pattern.MapArgs(c, argsOf([]int{0, 1, 2, 3, 4, 5, 6, 7}), argsOf(repeat(8, 8)))
	if _, _, err := gask.Wait(ctx, held, gask.AllCompleted); err != nil {
		t.Fatal(err)
	}
	var dir string
	poll(t, ctx, "local-1 spilled", func() error {
		dirs, _ := filepath.Glob(filepath.Join(tmp, fmt.Sprintf("gask-worker-*-%d-*", pid)))
		if len(dirs) != 1 {
			return fmt.Errorf("spill directories of pid %d: %v", pid, dirs)
		}
		if files, _ := os.ReadDir(dirs[0]); len(files) < 2 {
			return fmt.Errorf("%s holds %d files, want a lock and spilled values", dirs[0], len(files))
		}
		dir = dirs[0]
		return nil
	})
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill local-1 (pid %d): %v", pid, err)
	}
	poll(t, ctx, "the killed worker's spill directory removed", func() error {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: %v", dir, err)
		}
		return nil
	})
	// The values held are recomputed by the new worker.
	for i, f := range held {
		if b, err := f.Result(ctx); err != nil || !bytes.Equal(b, pattern(i, 8)) {
			t.Errorf("piece %d after the kill: %d bytes, %v", i, len(b), err)
		}
	}
}

// TestWorkerProcessTunesItsCollector: a worker process with a memory
// limit and a small heap collects less often than Go's default (GOGC 100),
// which its memory allows; goroutine workers leave their process's alone.
func TestWorkerProcessTunesItsCollector(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: worker processes keep it")
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			if m.name == "processes" && testing.Short() {
				t.Skip("worker processes in -short mode")
			}
			_, c := startCluster(t, 1, append(m.opts, local.MemoryLimit(1<<30))...)
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			if m.name != "processes" {
				got, err := gask.Run(ctx, c, GCPercent)
				if err != nil || got["local-1"] != 100 {
					t.Errorf("GOGC of the goroutine worker's process = %v, %v; want 100, untouched", got, err)
				}
				return
			}
			poll(t, ctx, "the worker process's GOGC above 100", func() error {
				got, err := gask.Run(ctx, c, GCPercent)
				if err == nil && got["local-1"] <= 100 {
					err = fmt.Errorf("GOGC %d", got["local-1"])
				}
				return err
			})
		})
	}
}

// TestResultsBeyondMemorySpill holds results of twice the cluster's memory
// on worker processes with small limits: the workers must spill them to
// disk rather than be killed, and read them back intact.
func TestResultsBeyondMemorySpill(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes in -short mode")
	}
	if raceEnabled {
		t.Skip("memory limits cannot hold under the race detector's shadow memory; CI runs this without -race")
	}
	const workers, limit, pieces, mib = 2, 96 << 20, 24, 8
	_, c := startCluster(t, workers, local.Processes(), local.MemoryLimit(limit))
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	before, err := gask.Run(ctx, c, Pid)
	if err != nil {
		t.Fatal(err)
	}
	is := make([]int, pieces)
	for i := range is {
		is[i] = i
	}
	held := Pattern.MapArgs(c, argsOf(is), argsOf(repeat(mib, pieces)))
	if _, _, err := gask.Wait(ctx, held, gask.AllCompleted); err != nil {
		t.Fatal(err)
	}
	// Wait for the workers' reports to account for every byte held (they
	// report early when much moves to disk): most must be on disk.
	var spilled int64
	for {
		var managed int64
		spilled = 0
		for _, w := range workersByName(t, ctx, c) {
			spilled, managed = spilled+w.SpilledBytes, managed+w.ManagedInMemory
		}
		if spilled+managed >= pieces*mib<<20 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the workers report %d bytes in memory and %d on disk, never the %d held", managed, spilled, pieces*mib<<20)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if min := int64(pieces*mib<<20 - workers*limit); spilled < min {
		t.Errorf("spilled %d bytes of %d held, want at least %d", spilled, pieces*mib<<20, min)
	}
	sums, err := gask.Gather(ctx, ByteSum.MapArgs(c, futureArgs(held)))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range sums {
		if want := byteSum(pattern(i, mib)); s != want {
			t.Errorf("piece %d sums to %d after spilling, want %d", i, s, want)
		}
	}
	// A spilled value also reaches the client.
	if b, err := held[0].Result(ctx); err != nil || !bytes.Equal(b, pattern(0, mib)) {
		t.Errorf("piece 0 fetched after spilling: %d bytes, %v", len(b), err)
	}
	after, err := gask.Run(ctx, c, Pid)
	if err != nil {
		t.Fatal(err)
	}
	for name, pid := range before {
		if after[name] != pid {
			t.Errorf("worker %s was restarted (pid %d, then %d)", name, pid, after[name])
		}
	}
}

// TestLimitBelowIdleMemory checks that a worker process whose memory limit
// is below what it needs idle still runs tasks: its nanny does not restart
// it for ever, nor does it pause for good; both say so in the log.
func TestLimitBelowIdleMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes in -short mode")
	}
	_, c := startCluster(t, 1, local.Processes(), local.MemoryLimit(8<<20))
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	before, err := gask.Run(ctx, c, Pid)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Inc.Submit(c, gask.V(1)).Result(ctx); err != nil || got != 2 {
		t.Fatalf("Inc(1) on a worker limited to 8 MiB = %v, %v, want 2", got, err)
	}
	after, err := gask.Run(ctx, c, Pid)
	if err != nil {
		t.Fatal(err)
	}
	if before["local-1"] != after["local-1"] {
		t.Errorf("the worker was restarted (pid %d, then %d)", before["local-1"], after["local-1"])
	}
}

// argsOf turns values into arguments.
func argsOf[T any](xs []T) []gask.Arg[T] {
	out := make([]gask.Arg[T], len(xs))
	for i, x := range xs {
		out[i] = gask.V(x)
	}
	return out
}

// futureArgs turns futures into arguments.
func futureArgs[T any](fs []*gask.Future[T]) []gask.Arg[T] {
	out := make([]gask.Arg[T], len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

func repeat[T any](x T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = x
	}
	return out
}

// A worker stopped (SIGSTOP: hung, its sockets open) while another worker
// fetches from it over a connection they already share. The fetching
// worker drops the connection once nothing has come for its peer timeout
// and reports the value missing there, long before the scheduler would
// take the stopped worker for dead (a minute here): a value scattered
// there alone is then lost, and the task that needs it fails saying so
// instead of waiting for the scheduler's verdict.
func TestStoppedPeer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	addr := startTCPSchedulerWith(t, schedulerd.Config{WorkerTimeout: time.Minute})
	a := startWorkerProcess(t, addr, "a", "--peer-timeout", "500ms")
	startWorkerProcess(t, addr, "b", "--peer-timeout", "500ms")
	c := connect(t, ctx, addr)
	waitWorkers(t, ctx, c, 2)

	// b fetches one value from a, so that they share a connection.
	first := Inc.Submit(c, gask.V(10), gask.Workers("a"))
	if v, err := Inc.Submit(c, first, gask.Workers("b")).Result(ctx); err != nil || v != 12 {
		t.Fatalf("a value fetched from a = %v, %v", v, err)
	}
	xs, err := gask.Scatter(ctx, c, []int{1}, gask.ToWorkers("a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	_, err = Inc.Submit(c, xs[0], gask.Workers("b")).Result(ctx)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("a task on b of a value held only by a stopped worker: error %v (context: %v), want the value lost", err, ctx.Err())
	}
	if waited := time.Since(t0); waited > 30*time.Second {
		t.Errorf("the task failed after %v, as if the fetch had waited for the scheduler", waited)
	}
	t.Logf("failed after %v: %v", time.Since(t0), err)
}

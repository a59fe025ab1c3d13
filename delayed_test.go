package gask_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
	"github.com/gask-dev/gask/graph"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

// Functions of the lazy-graph tests.
var (
	Join  = gask.Func2("test.delayed.join", func(ctx context.Context, a, b string) (string, error) { return a + "+" + b, nil })
	Sum3  = gask.Func3("test.delayed.sum3", func(ctx context.Context, a, b, c int) (int, error) { return a + b + c, nil })
	Words = gask.Func("test.delayed.words", func(ctx context.Context, s string) ([]string, error) { return strings.Fields(s), nil })
	Count = gask.Func("test.delayed.count", func(ctx context.Context, ws []string) (int, error) { return len(ws), nil })
	Sub   = gask.Func2("test.delayed.sub", func(ctx context.Context, a, b int) (int, error) { return a - b, nil })

	// Leaf and Pair build trees whose results name their tasks, and
	// record the order they run in (in-process workers only). Each works
	// for a millisecond: for tasks of microseconds the scheduler sends
	// hundreds ahead to hide its round trip, and holding those results is
	// cheaper than waiting.
	Leaf = gask.Func("test.delayed.leaf", func(ctx context.Context, i int) (string, error) {
		return recordRun(ctx, fmt.Sprint(i))
	})
	Pair = gask.Func2("test.delayed.pair", func(ctx context.Context, a, b string) (string, error) {
		return recordRun(ctx, "("+a+" "+b+")")
	})
)

var (
	runMu   sync.Mutex
	runList []string
)

func recordRun(ctx context.Context, s string) (string, error) {
	work := time.NewTimer(time.Millisecond)
	defer work.Stop()
	select {
	case <-work.C:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	runMu.Lock()
	runList = append(runList, s)
	runMu.Unlock()
	return s, nil
}

// recorder is a TCP proxy between a client and a cluster's scheduler that
// keeps every UpdateGraph the client sends.
type recorder struct {
	mu     sync.Mutex
	graphs []*wire.UpdateGraph
}

func (r *recorder) updates() []*wire.UpdateGraph {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.graphs)
}

// recordingClient connects a client to cl's scheduler through a recorder.
func recordingClient(t *testing.T, ctx context.Context, cl *local.Cluster) (*gask.Client, *recorder) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []io.Closer
	track := func(c io.Closer) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Go(func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := transport.Dial(ctx, cl.Addr(), cl.Transport())
			if err != nil {
				down.Close()
				continue
			}
			track(down)
			track(up)
			wg.Go(func() { io.Copy(down, up); down.Close() })
			wg.Go(func() {
				defer up.Close()
				hdr := make([]byte, 4)
				for {
					if _, err := io.ReadFull(down, hdr); err != nil {
						return
					}
					body := make([]byte, binary.LittleEndian.Uint32(hdr))
					if _, err := io.ReadFull(down, body); err != nil {
						return
					}
					if m, err := wire.Decode(body); err == nil {
						if ug, ok := m.(*wire.UpdateGraph); ok {
							rec.mu.Lock()
							rec.graphs = append(rec.graphs, ug)
							rec.mu.Unlock()
						}
					}
					if _, err := up.Write(append(hdr, body...)); err != nil {
						return
					}
				}
			})
		}
	})
	c, err := gask.Connect(ctx, "tcp://"+ln.Addr().String(), gask.WithTransport(cl.Transport()), gask.WithLogger(testLogger(t)))
	if err != nil {
		t.Fatalf("Connect through the recorder: %v", err)
	}
	t.Cleanup(func() {
		c.Close()
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return c, rec
}

func TestDelayedCompute(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		// Typed values of every arity, lazy and plain arguments mixed.
		a := Inc.Delay(gask.V(1))         // 2
		b := Add.Delay(a, gask.V(10))     // 12
		s := Sum3.Delay(a, b, gask.V(30)) // 44
		if got, err := gask.Compute(ctx, c, s); err != nil || got != 44 {
			t.Errorf("Compute(sum3(inc(1), add(inc(1), 10), 30)) = %v, %v, want 44", got, err)
		}
		if got, err := gask.Compute(ctx, c, Nothing.Delay()); err != nil || got != 42 {
			t.Errorf("Compute(Nothing.Delay()) = %v, %v, want 42", got, err)
		}
		if got, err := gask.Compute(ctx, c, Count.Delay(Words.Delay(gask.V("a lazy graph of words")))); err != nil || got != 5 {
			t.Errorf("Compute(count(words(...))) = %v, %v, want 5", got, err)
		}

		// Deep: a chain of 200, fused and not.
		deep := Inc.Delay(gask.V(0))
		for range 199 {
			deep = Inc.Delay(deep)
		}
		for _, opts := range [][]gask.ComputeOption{nil, {gask.NoFusion()}} {
			if got, err := gask.Compute(ctx, c, deep, opts...); err != nil || got != 200 {
				t.Errorf("Compute(200 Incs, %d options) = %v, %v, want 200", len(opts), got, err)
			}
		}

		// Wide: 500 leaves reduced by trees of every shape, and all of
		// them at once.
		leaves := make([]*gask.Delayed[int], 500)
		for i := range leaves {
			leaves[i] = Inc.Delay(gask.V(i))
		}
		want := 500 * 501 / 2
		for _, fanIn := range []int{2, 3, 8, 16} {
			if got, err := gask.Compute(ctx, c, gask.TreeReduce(Add, leaves, fanIn)); err != nil || got != want {
				t.Errorf("TreeReduce(Add, 500 leaves, %d) = %v, %v, want %d", fanIn, got, err, want)
			}
		}
		// Not commutative: the order of the leaves is kept.
		small := []*gask.Delayed[int]{Inc.Delay(gask.V(99)), Inc.Delay(gask.V(9)), Inc.Delay(gask.V(0)), Inc.Delay(gask.V(19))}
		for _, fanIn := range []int{2, 4} {
			got, err := gask.Compute(ctx, c, gask.TreeReduce(Sub, small, fanIn))
			if wantSub := map[int]int{2: (100 - 10) - (1 - 20), 4: 100 - 10 - 1 - 20}[fanIn]; err != nil || got != wantSub {
				t.Errorf("TreeReduce(Sub, [100 10 1 20], %d) = %v, %v, want %d", fanIn, got, err, wantSub)
			}
		}
		if twice, err := gask.ComputeAll(ctx, c, []*gask.Delayed[int]{a, b, a}); err != nil || !slices.Equal(twice, []int{2, 12, 2}) {
			t.Errorf("ComputeAll([a, b, a]) = %v, %v, want [2 12 2]", twice, err)
		}
		all, err := gask.ComputeAll(ctx, c, leaves)
		if err != nil {
			t.Fatalf("ComputeAll(500 leaves) error: %v", err)
		}
		for i, v := range all {
			if v != i+1 {
				t.Fatalf("ComputeAll(leaves)[%d] = %d, want %d", i, v, i+1)
			}
		}

		// Different types at once, into typed destinations.
		var n int
		var ws []string
		var joined string
		words := Words.Delay(gask.V("x y z"))
		err = gask.ComputeMany(ctx, c, []gask.Target{
			gask.Into(&n, Count.Delay(words)), gask.Into(&ws, words), gask.Into(&joined, Join.Delay(gask.V("a"), gask.V("b"))),
		})
		if err != nil || n != 3 || !slices.Equal(ws, []string{"x", "y", "z"}) || joined != "a+b" {
			t.Errorf("ComputeMany = %v (%d, %q, %q), want nil (3, [x y z], a+b)", err, n, ws, joined)
		}
	})
}

func TestDelayedPersist(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		d := Add.Delay(Inc.Delay(gask.V(1)), Inc.Delay(gask.V(2)))
		f := gask.Persist(c, d)
		if f.Key() != d.Key() {
			t.Errorf("Persist(d).Key() = %s, want d's key %s", f.Key(), d.Key())
		}
		if got, err := f.Result(ctx); err != nil || got != 5 {
			t.Fatalf("Persist(add(inc(1), inc(2))).Result = %v, %v, want 5", got, err)
		}
		// The persisted value feeds futures and lazy graphs alike.
		g := Inc.Submit(c, f)
		defer g.Release()
		if got, err := g.Result(ctx); err != nil || got != 6 {
			t.Errorf("Inc.Submit(persisted) = %v, %v, want 6", got, err)
		}
		if got, err := gask.Compute(ctx, c, Add.Delay(f, gask.FromFuture(f))); err != nil || got != 10 {
			t.Errorf("Compute(add(persisted, persisted)) = %v, %v, want 10", got, err)
		}
		// A fused chain persisted, then used by a plain task: its value
		// is the unfused one's.
		chain := Inc.Delay(Inc.Delay(Inc.Delay(gask.V(1))))
		futs := gask.PersistAll(c, []*gask.Delayed[int]{chain, d})
		vals, err := gask.Gather(ctx, futs)
		if err != nil || !slices.Equal(vals, []int{4, 5}) {
			t.Errorf("PersistAll([inc³(1), d]) = %v, %v, want [4 5]", vals, err)
		}
		h := Add.Submit(c, futs[0], futs[1])
		if got, err := h.Result(ctx); err != nil || got != 9 {
			t.Errorf("Add.Submit(fused chain, d) = %v, %v, want 9", got, err)
		}
		// The intermediate results were never held: once every future is
		// released the workers hold nothing.
		for _, fu := range append(futs, f, g, h) {
			fu.Release()
		}
		waitAllFreed(t, ctx, c, "released values freed")
	})
}

// TestSubmitTakesDelayed checks that a lazy value passed to Submit or Map
// is computed as the task's dependency, as Dask's submit does with a
// delayed argument, and that it is held only while the tasks need it.
func TestSubmitTakesDelayed(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, c *gask.Client) {
		d := Add.Delay(Inc.Delay(gask.V(1)), Inc.Delay(gask.V(2))) // 5
		f := Inc.Submit(c, d)
		if got, err := f.Result(ctx); err != nil || got != 6 {
			t.Fatalf("Inc.Submit(delayed 5) = %v, %v, want 6", got, err)
		}
		futs := Add.MapArgs(c, []gask.Arg[int]{d, gask.V(1)}, []gask.Arg[int]{gask.V(10), d})
		if got, err := gask.Gather(ctx, futs); err != nil || !slices.Equal(got, []int{15, 6}) {
			t.Errorf("Add.MapArgs with a delayed argument = %v, %v, want [15 6]", got, err)
		}
		f.Release()
		for _, fu := range futs {
			fu.Release()
		}
		waitAllFreed(t, ctx, c, "the delayed argument freed with its dependents")
	})
}

func TestDelayedKeysMatchSubmit(t *testing.T) {
	_, c := startCluster(t, 1)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	one := Inc.Submit(c, gask.V(1))
	if d := Inc.Delay(gask.V(1)); d.Key() != one.Key() {
		t.Errorf("Inc.Delay(V(1)).Key() = %s, Inc.Submit(V(1)).Key() = %s, want equal", d.Key(), one.Key())
	}
	lazy := Add.Delay(Inc.Delay(gask.V(1)), gask.V(2))
	eager := Add.Submit(c, one, gask.V(2))
	if lazy.Key() != eager.Key() {
		t.Errorf("Add.Delay(Inc.Delay(1), 2).Key() = %s, Add.Submit(Inc.Submit(1), 2).Key() = %s, want equal", lazy.Key(), eager.Key())
	}
	if d := Inc.Delay(one); d.Key() != Inc.Submit(c, one).Key() {
		t.Errorf("Inc.Delay(future) and Inc.Submit(future) have different keys")
	}
	if a, b := Nothing.Delay(), Nothing.Submit(c); a.Key() != b.Key() {
		t.Errorf("Nothing.Delay().Key() = %s, Submit = %s", a.Key(), b.Key())
	}
	if d := Inc.Delay(gask.V(1), gask.Key("mine")); d.Key() != "mine" {
		t.Errorf("Delay with Key(mine) has key %s", d.Key())
	}
	a, b := Inc.Delay(gask.V(1), gask.Impure()), Inc.Delay(gask.V(1), gask.Impure())
	if a.Key() == b.Key() || a.Key() == one.Key() {
		t.Errorf("impure lazy tasks share a key: %s, %s", a.Key(), b.Key())
	}
	if _, err := eager.Result(ctx); err != nil {
		t.Fatal(err)
	}
}

// The same graph submitted again is not computed again while its results
// are held, whether they are held lazily or not.
func TestDelayedMemoised(t *testing.T) {
	_, c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	tag := "memo-" + t.Name()
	before := calls(tag)
	d := Join.Delay(Counted.Delay(gask.V(tag)), gask.V("x"))
	f := gask.Persist(c, d)
	if got, err := f.Result(ctx); err != nil || got != "ran "+tag+"+x" {
		t.Fatalf("Persist = %q, %v", got, err)
	}
	for _, opts := range [][]gask.ComputeOption{nil, {gask.NoFusion()}} {
		if got, err := gask.Compute(ctx, c, d, opts...); err != nil || got != "ran "+tag+"+x" {
			t.Fatalf("Compute again = %q, %v", got, err)
		}
	}
	// Built again from scratch: the same keys.
	again := Join.Delay(Counted.Delay(gask.V(tag)), gask.V("x"))
	if got, err := gask.Compute(ctx, c, again); err != nil || got != "ran "+tag+"+x" {
		t.Fatalf("Compute of a rebuilt graph = %q, %v", got, err)
	}
	if n := calls(tag) - before; n != 1 {
		t.Errorf("a held graph computed 4 times ran its leaf %d times, want 1", n)
	}

	// One graph using a task twice runs it once.
	tag2 := "twice-" + t.Name()
	before2 := calls(tag2)
	twice := Join.Delay(Counted.Delay(gask.V(tag2)), Counted.Delay(gask.V(tag2)))
	if _, err := gask.Compute(ctx, c, twice); err != nil {
		t.Fatal(err)
	}
	if n := calls(tag2) - before2; n != 1 {
		t.Errorf("a task used twice in one graph ran %d times, want 1", n)
	}

	// A task held as a future is reused, not recomputed inside a fused
	// chain.
	tag3 := "held-" + t.Name()
	before3 := calls(tag3)
	held := Counted.Submit(c, gask.V(tag3))
	if _, err := held.Result(ctx); err != nil {
		t.Fatal(err)
	}
	chain := Join.Delay(Counted.Delay(gask.V(tag3)), gask.V("y"))
	if got, err := gask.Compute(ctx, c, chain); err != nil || got != "ran "+tag3+"+y" {
		t.Fatalf("Compute(join(counted held as a future)) = %q, %v", got, err)
	}
	if n := calls(tag3) - before3; n != 1 {
		t.Errorf("a held task in a fusable chain ran %d times, want 1", n)
	}
}

// Only what the outputs need runs.
func TestDelayedCull(t *testing.T) {
	_, c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	used, unused := "used-"+t.Name(), "unused-"+t.Name()
	bu, bn := calls(used), calls(unused)
	shared := Counted.Delay(gask.V(used))
	out := Join.Delay(shared, gask.V("out"))
	side := Join.Delay(shared, Counted.Delay(gask.V(unused))) // depends on shared, never asked for
	_ = side
	g, err := gask.GraphOf(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Tasks) != 2 {
		t.Errorf("GraphOf(out) has %d tasks, want 2 (counted, join)", len(g.Tasks))
	}
	if _, err := gask.Compute(ctx, c, out); err != nil {
		t.Fatal(err)
	}
	if n := calls(unused) - bn; n != 0 {
		t.Errorf("a branch no output needs ran %d times", n)
	}
	if n := calls(used) - bu; n != 1 {
		t.Errorf("the needed branch ran %d times, want 1", n)
	}
}

// A fused chain is one task on the scheduler, gives the unfused result,
// and its errors name the function that failed.
func TestDelayedFusion(t *testing.T) {
	eachMode(t, 2, func(t *testing.T, ctx context.Context, cl *local.Cluster, _ *gask.Client) {
		c, rec := recordingClient(t, ctx, cl)
		chain := Inc.Delay(gask.V(0))
		for range 29 {
			chain = Inc.Delay(chain)
		}
		words := Count.Delay(Words.Delay(Join.Delay(gask.V("a b"), gask.V("c")))) // types change along the chain
		fused, err := gask.Compute(ctx, c, chain)
		if err != nil {
			t.Fatalf("Compute(30 Incs) error: %v", err)
		}
		unfused, err := gask.Compute(ctx, c, chain, gask.NoFusion())
		if err != nil || fused != unfused || fused != 30 {
			t.Errorf("fused = %d, unfused = %d, %v; want both 30", fused, unfused, err)
		}
		if got, err := gask.Compute(ctx, c, words); err != nil || got != 2 {
			t.Errorf("Compute(count(words(join(\"a b\", \"c\")))) = %d, %v, want 2 (\"a\", \"b+c\")", got, err)
		}
		ugs := rec.updates()
		if len(ugs) != 3 {
			t.Fatalf("%d UpdateGraphs for three Computes, want 3", len(ugs))
		}
		if n := len(ugs[0].Tasks); n != 1 || !strings.HasPrefix(ugs[0].Tasks[0].Func, "gask.fused.0@") || ugs[0].Tasks[0].Key != chain.Key() {
			t.Errorf("fused chain sent as %d tasks (first %+v), want one gask.fused.0 task keyed %s", n, ugs[0].Tasks[0], chain.Key())
		}
		if n := len(ugs[1].Tasks); n != 30 {
			t.Errorf("NoFusion sent %d tasks, want 30", n)
		}
		for i, ug := range ugs {
			if len(ug.Wants) != 1 {
				t.Errorf("UpdateGraph %d wants %v, want only the output", i, ug.Wants)
			}
		}

		// Errors inside a fused chain name the function.
		bad := Inc.Delay(Inc.Delay(Fail.Delay(gask.V("boom"))))
		_, err = gask.Compute(ctx, c, bad)
		te := taskErr(t, err)
		if !strings.Contains(te.Message, "test.fail") || !strings.Contains(te.Message, "failing on purpose: boom") || te.Kind != "task" {
			t.Errorf("error of a fused chain = %+v, want kind task naming test.fail and its message", te)
		}
		_, err = gask.Compute(ctx, c, Inc.Delay(Panic.Delay(gask.V("p"))))
		if te := taskErr(t, err); te.Kind != "panic" || !strings.Contains(te.Message, "test.panic") || te.Stack == "" {
			t.Errorf("panic in a fused chain = %+v, want kind panic naming test.panic, with a stack", te)
		}
		// Unfused, the failing task itself is named.
		_, err = gask.Compute(ctx, c, bad, gask.NoFusion())
		if te := taskErr(t, err); !strings.HasPrefix(te.Key, "test.fail-") {
			t.Errorf("unfused error key = %s, want the test.fail task's", te.Key)
		}
	})
}

// Retries apply to lazy tasks, fused ones included.
func TestDelayedOptions(t *testing.T) {
	cl, c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	dir := t.TempDir()
	flaky := Inc.Delay(Flaky.Delay(gask.V(filepath.Join(dir, "fused")), gask.Retries(2)), gask.Retries(2))
	if got, err := gask.Compute(ctx, c, flaky); err != nil || got != 4 {
		t.Errorf("fused Inc(Flaky) with Retries(2) = %v, %v, want 4", got, err)
	}
	if _, err := gask.Compute(ctx, c, Flaky.Delay(gask.V(filepath.Join(dir, "none")))); err == nil {
		t.Errorf("Flaky without retries succeeded")
	}

	// The options reach the scheduler.
	rc, rec := recordingClient(t, ctx, cl)
	d := Inc.Delay(gask.V(5), gask.Priority(7), gask.Retries(3), gask.Workers("local-2"), gask.AllowOtherWorkers(),
		gask.Resources(map[string]float64{"B": 2, "A": 1}))
	f := gask.Persist(rc, d) // no worker has the resources: it waits
	defer f.Cancel()
	poll(t, ctx, "the graph sent", func() error {
		if len(rec.updates()) == 0 {
			return errNotYet
		}
		return nil
	})
	spec := rec.updates()[0].Tasks[0]
	if spec.Priority != 7 || spec.Retries != 3 || !slices.Equal(spec.Workers, []string{"local-2"}) || !spec.Loose ||
		!slices.Equal(spec.Resources, []wire.Resource{{Name: "A", Amount: 1}, {Name: "B", Amount: 2}}) {
		t.Errorf("spec sent = %+v, want the options", spec)
	}
	// After: a lazy task waits for futures it does not take.
	slow := SlowInc.Submit(c, gask.V(1))
	after := Nothing.Delay(gask.After(slow))
	if _, err := gask.Compute(ctx, c, after); err != nil {
		t.Fatal(err)
	}
	if s := slow.Status(); s != gask.Finished {
		t.Errorf("a task After a future finished while the future was %v", s)
	}
}

// Tasks go out in graph order, and a tree computed on one thread holds
// O(log n) results at once, not O(n). (Sent in an arbitrary topological
// order instead, such as map order, the same tree holds about 60.)
func TestDelayedOrder(t *testing.T) {
	cl, _ := startCluster(t, 1)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	c, rec := recordingClient(t, ctx, cl)
	const n = 128
	leaves := make([]*gask.Delayed[string], n)
	for i := range leaves {
		leaves[i] = Leaf.Delay(gask.V(i))
	}
	root := gask.TreeReduce(Pair, leaves, 2)
	runMu.Lock()
	runList = nil
	runMu.Unlock()
	got, err := gask.Compute(ctx, c, root)
	if err != nil {
		t.Fatal(err)
	}
	ug := rec.updates()[0]
	g, err := gask.Optimize(root)
	if err != nil {
		t.Fatal(err)
	}
	want := graph.Order(g)
	if len(ug.Tasks) != len(want) {
		t.Fatalf("sent %d tasks, want %d", len(ug.Tasks), len(want))
	}
	for i, s := range ug.Tasks {
		if s.Key != string(want[i]) {
			t.Fatalf("task %d sent is %s, graph.Order has %s", i, s.Key, want[i])
		}
	}
	if !slices.Equal(ug.Wants, []string{root.Key()}) {
		t.Errorf("Wants = %v, want only the root", ug.Wants)
	}

	// Replay the run: which results were alive at once?
	runMu.Lock()
	ran := slices.Clone(runList)
	runMu.Unlock()
	if len(ran) != 2*n-1 || ran[len(ran)-1] != got {
		t.Fatalf("%d tasks ran, the last %.20q; want %d, the root", len(ran), ran[len(ran)-1], 2*n-1)
	}
	parent := map[string]string{}
	var walk func(s string)
	walk = func(s string) {
		if !strings.HasPrefix(s, "(") {
			return
		}
		depth := 0
		for i := 1; i < len(s)-1; i++ {
			switch s[i] {
			case '(':
				depth++
			case ')':
				depth--
			case ' ':
				if depth == 0 {
					a, b := s[1:i], s[i+1:len(s)-1]
					parent[a], parent[b] = s, s
					walk(a)
					walk(b)
					return
				}
			}
		}
	}
	walk(got)
	done := map[string]bool{}
	live, peak := 0, 0
	for _, s := range ran {
		done[s] = true
		live++
		peak = max(peak, live)
		if !strings.HasPrefix(s, "(") {
			continue
		}
		// s consumed its two inputs.
		live -= 2
	}
	if limit := 3 * 7; peak > limit { // log2(128) = 7
		t.Errorf("%d results alive at once on one thread, want at most %d: not depth-first", peak, limit)
	}
	t.Logf("peak %d results alive for a tree of %d leaves", peak, n)
}

func TestDelayedErrors(t *testing.T) {
	_, c := startCluster(t, 1)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()

	// A failure deep in an unfused graph reaches the output with the
	// failing task's key.
	bad := Add.Delay(Inc.Delay(gask.V(1)), Add.Delay(gask.V(1), Fail.Delay(gask.V("deep"))))
	_, err := gask.Compute(ctx, c, bad, gask.NoFusion())
	if te := taskErr(t, err); !strings.HasPrefix(te.Key, "test.fail-") || !strings.Contains(te.Message, "failing on purpose: deep") {
		t.Errorf("Compute(graph with a failing task) = %+v", te)
	}
	if f := gask.Persist(c, bad); f.Err(ctx) == nil {
		t.Errorf("Persist of a failing graph: no error")
	}

	// Graphs that cannot be submitted fail before anything is sent.
	cases := []struct {
		name string
		d    *gask.Delayed[int]
		want string
	}{
		{"one key for two tasks", Add.Delay(Inc.Delay(gask.V(1), gask.Key("k")), Inc.Delay(gask.V(2), gask.Key("k"))), "names two different tasks"},
		{"no leaves", gask.TreeReduce(Add, nil, 2), "no leaves"},
		{"fan-in 1", gask.TreeReduce(Add, []*gask.Delayed[int]{Inc.Delay(gask.V(1))}, 1), "fan-in 1"},
		{"fan-in 17", gask.TreeReduce(Add, []*gask.Delayed[int]{Inc.Delay(gask.V(1))}, 17), "fan-in 17"},
		{"a key for every node", gask.TreeReduce(Add, []*gask.Delayed[int]{Inc.Delay(gask.V(1))}, 2, gask.Key("x")), "Key"},
		{"a nil leaf", gask.TreeReduce(Add, []*gask.Delayed[int]{nil}, 2), "leaf 1 is nil"},
		{"nil", nil, "nil"},
	}
	for _, tc := range cases {
		_, err := gask.Compute(ctx, c, tc.d)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Compute error = %v, want one containing %q", tc.name, err, tc.want)
		}
		if f := gask.Persist(c, tc.d); f.Err(ctx) == nil || !strings.Contains(f.Err(ctx).Error(), tc.want) {
			t.Errorf("%s: Persist future error = %v, want one containing %q", tc.name, f.Err(ctx), tc.want)
		}
	}

	// A released future cannot feed a graph; nor can another client's.
	f := Inc.Submit(c, gask.V(100))
	d := Inc.Delay(f)
	f.Release()
	if _, err := gask.Compute(ctx, c, d); err == nil || !strings.Contains(err.Error(), "released") {
		t.Errorf("Compute(graph on a released future) = %v, want an error saying so", err)
	}
	cl2, _ := startCluster(t, 1)
	other := Inc.Submit(cl2.Client(), gask.V(1))
	if _, err := gask.Compute(ctx, c, Inc.Delay(other)); err == nil || !strings.Contains(err.Error(), "another client") {
		t.Errorf("Compute(graph on another client's future) = %v, want an error saying so", err)
	}

	// Submit persists a lazy argument first; one whose graph cannot be
	// submitted fails the task with the graph's error.
	_, err = Inc.Submit(c, d).Result(ctx)
	if err == nil || !strings.Contains(err.Error(), "released") {
		t.Errorf("Submit(graph on a released future) = %v, want an error saying so", err)
	}

	// A closed client.
	c2, err := gask.Connect(ctx, cl2.Addr(), gask.WithTransport(cl2.Transport()))
	if err != nil {
		t.Fatal(err)
	}
	c2.Close()
	if _, err := gask.Compute(ctx, c2, Inc.Delay(gask.V(1))); !errors.Is(err, gask.ErrClientClosed) {
		t.Errorf("Compute on a closed client = %v, want ErrClientClosed", err)
	}
}

// A context that ends stops the wait and releases the graph, which
// cancels its running tasks.
func TestDelayedCancel(t *testing.T) {
	_, c := startCluster(t, 1)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	before := blockCancelled.Load()
	cctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	d := Join.Delay(Block.Delay(gask.V(time.Hour), gask.Impure()), gask.V("never"))
	go func() {
		_, err := gask.Compute(cctx, c, d, gask.NoFusion())
		done <- err
	}()
	poll(t, ctx, "the blocking task running", func() error {
		if w := workersByName(t, ctx, c); w["local-1"].Processing != 1 {
			return errNotYet
		}
		return nil
	})
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Compute with a cancelled context = %v, want context.Canceled", err)
	}
	poll(t, ctx, "the running task cancelled", func() error {
		if blockCancelled.Load() == before {
			return errNotYet
		}
		return nil
	})
}

func TestVisualize(t *testing.T) {
	leaves := []*gask.Delayed[int]{Inc.Delay(gask.V(1)), Inc.Delay(gask.V(2)), Inc.Delay(gask.V(3))}
	root := gask.TreeReduce(Add, leaves, 2)
	var b strings.Builder
	if err := gask.Visualize(&b, root); err != nil {
		t.Fatal(err)
	}
	dot := b.String()
	if !strings.HasPrefix(dot, "digraph gask {") || strings.Count(dot, `label="test.inc"`) != 3 || strings.Count(dot, `label="test.add"`) != 2 ||
		strings.Count(dot, " -> ") != 4 || !strings.Contains(dot, root.Key()) {
		t.Errorf("Visualize(tree of 3) =\n%s\nwant 3 test.inc nodes, 2 test.add nodes, 4 edges, the root's key", dot)
	}
	if got, want := root.String(), "Delayed graph: 5 tasks, 1 output, depth 3, functions: test.add×2, test.inc×3"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	dir := t.TempDir()
	ctx := t.Context()
	if err := gask.VisualizeFile(ctx, filepath.Join(dir, "g.dot"), root); err != nil {
		t.Errorf("VisualizeFile(.dot) = %v", err)
	}
	if err := gask.VisualizeFile(ctx, filepath.Join(dir, "g.jpeg2000"), root); err == nil {
		t.Errorf("VisualizeFile(.jpeg2000) succeeded")
	}
	svg := filepath.Join(dir, "g.svg")
	if _, err := exec.LookPath("dot"); err == nil {
		if err := gask.VisualizeFile(ctx, svg, root); err != nil {
			t.Errorf("VisualizeFile(.svg) = %v", err)
		} else if b, _ := os.ReadFile(svg); !strings.Contains(string(b), "<svg") {
			t.Errorf("VisualizeFile(.svg) wrote no SVG")
		}
	}
	t.Setenv("PATH", t.TempDir())
	if err := gask.VisualizeFile(ctx, svg, root); !errors.Is(err, gask.ErrNoGraphviz) || !strings.Contains(err.Error(), "graphviz") {
		t.Errorf("VisualizeFile(.svg) without dot = %v, want ErrNoGraphviz naming the graphviz package", err)
	}
}

func TestOptimize(t *testing.T) {
	chain := Inc.Delay(Inc.Delay(Inc.Delay(gask.V(1))))
	tree := gask.TreeReduce(Add, []*gask.Delayed[int]{chain, Inc.Delay(gask.V(5)), Inc.Delay(gask.V(6))}, 8)
	top := Inc.Delay(Inc.Delay(tree))
	g, err := gask.Optimize(top)
	if err != nil {
		t.Fatal(err)
	}
	// inc³ fused; the two other leaves; the fan-in node and the two Incs
	// after it fused into one.
	if len(g.Tasks) != 4 {
		var b strings.Builder
		graph.WriteText(&b, g)
		t.Fatalf("Optimize gave %d tasks, want 4:\n%s", len(g.Tasks), b.String())
	}
	if task := g.Tasks[graph.Key(top.Key())]; task == nil || task.FuncName() != "test.add+test.inc×2" || len(task.Deps) != 3 {
		t.Errorf("top task = %+v, want the fold and two Incs fused, with 3 dependencies", task)
	}
	if task := g.Tasks[graph.Key(chain.Key())]; task == nil || task.FuncName() != "test.inc×3" {
		t.Errorf("chain task = %+v, want test.inc×3", task)
	}
	raw, err := gask.GraphOf(top)
	if err != nil || len(raw.Tasks) != 8 {
		t.Errorf("GraphOf(top) = %d tasks, %v; want 8 unfused", len(raw.Tasks), err)
	}
	_, c := startCluster(t, 2)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	for _, opts := range [][]gask.ComputeOption{nil, {gask.NoFusion()}} {
		if got, err := gask.Compute(ctx, c, top, opts...); err != nil || got != 4+6+7+2 {
			t.Errorf("Compute(inc(inc(sum(inc³(1), inc(5), inc(6))))), %d options = %v, %v; want 19", len(opts), got, err)
		}
	}
}

package workerd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/schedulerd"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/workerd"
)

const blobSize = 64 << 10

var blobRuns sync.Map // i → *atomic.Int64: executions of testBlob(i)

func runs(i int) *atomic.Int64 {
	v, _ := blobRuns.LoadOrStore(i, new(atomic.Int64))
	return v.(*atomic.Int64)
}

// freshRuns zeroes the counts of testBlob(i) for each i, so that a test
// run again (go test -count) counts only its own executions.
func freshRuns(is ...int) {
	for _, i := range is {
		runs(i).Store(0)
	}
}

func makeBlob(i int) []byte {
	b := make([]byte, blobSize)
	for j := range b {
		b[j] = byte(i*31 + j)
	}
	return b
}

var (
	testBlob = gask.Func("workerd-test.blob", func(_ context.Context, i int) ([]byte, error) {
		runs(i).Add(1)
		return makeBlob(i), nil
	})
	testLen = gask.Func("workerd-test.len", func(_ context.Context, b []byte) (int, error) { return len(b), nil })
)

// testCluster is a scheduler and one worker in this process, and a client.
type testCluster struct {
	c *gask.Client
	w *workerd.Worker
}

func startTestCluster(t *testing.T, ctx context.Context, cfg workerd.Config) *testCluster {
	t.Helper()
	env := startScheduler(t)
	w, _, _ := env.startWorker(t, ctx, cfg)
	return &testCluster{c: env.connect(t, ctx), w: w}
}

// testEnv is a scheduler serving in this process at inproc://scheduler,
// stopped when the test ends.
type testEnv struct {
	tcfg transport.Config
	log  *slog.Logger
}

func startScheduler(t *testing.T) *testEnv {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	tcfg := transport.Config{Inproc: transport.NewInproc()}
	ln, err := transport.Listen("inproc://scheduler", tcfg)
	if err != nil {
		t.Fatal(err)
	}
	sctx, stopSched := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- schedulerd.New(schedulerd.Config{Build: gask.BuildID(), Logger: log}).Serve(sctx, ln)
	}()
	t.Cleanup(func() {
		stopSched()
		<-served
	})
	return &testEnv{tcfg: tcfg, log: log}
}

// startWorker starts a worker and waits until it has joined. stop ends it;
// ran gets what its Run returned. When the test ends it is stopped, and a
// Run that failed other than by losing the scheduler fails the test.
func (e *testEnv) startWorker(t *testing.T, ctx context.Context, cfg workerd.Config) (w *workerd.Worker, stop context.CancelFunc, ran chan error) {
	t.Helper()
	cfg.Scheduler, cfg.Transport, cfg.Build, cfg.Logger = "inproc://scheduler", e.tcfg, gask.BuildID(), e.log
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = 20 * time.Millisecond
	}
	cfg.MemoryInterval = 10 * time.Millisecond
	ready := make(chan struct{})
	cfg.Ready = func(string) { close(ready) }
	w = workerd.New(cfg)
	wctx, stop := context.WithCancel(context.Background())
	ran = make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		err := w.Run(wctx)
		done <- err
		ran <- err
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, workerd.ErrSchedulerLost) {
			t.Errorf("worker %s: Run = %v", cfg.Name, err)
		}
	})
	select {
	case <-ready:
	case err := <-ran:
		t.Fatalf("worker %s: Run = %v before joining", cfg.Name, err)
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	return w, stop, ran
}

// connect connects a client, closed when the test ends.
func (e *testEnv) connect(t *testing.T, ctx context.Context) *gask.Client {
	t.Helper()
	c, err := gask.Connect(ctx, "inproc://scheduler", gask.WithTransport(e.tcfg), gask.WithLogger(e.log))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// poll calls check every 5ms until it returns nil or ctx ends.
func poll(t *testing.T, ctx context.Context, what string, check func() error) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
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

func worker0(ctx context.Context, c *gask.Client) (gask.WorkerInfo, error) {
	ws, err := c.Workers(ctx)
	if err != nil {
		return gask.WorkerInfo{}, err
	}
	if len(ws) != 1 {
		return gask.WorkerInfo{}, errors.New("not one worker")
	}
	return ws[0], nil
}

// TestSpillKeepsEveryResult computes results totalling three times the
// memory limit on one worker: they spill, and all come back intact. With a
// disk that fills up, spilling fails, is counted, and nothing is lost (the
// results there total less than the pause threshold: a worker that can
// neither spill nor run stays paused).
func TestSpillKeepsEveryResult(t *testing.T) {
	for _, tt := range []struct {
		name     string
		capacity int     // of the spill disk; 0 is unlimited
		total    float64 // of the results, as a fraction of the limit
	}{{"disk", 0, 3}, {"full-disk", 3 * blobSize, 0.75}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			fs := workerd.NewMemFS()
			fs.SetCapacity(tt.capacity)
			const n = 30
			limit := int64(n * blobSize / tt.total)
			tc := startTestCluster(t, ctx, workerd.WithSpillFS(workerd.Config{MemoryLimit: limit}, fs))
			in := make([]int, n)
			for i := range in {
				in[i] = 1000*len(tt.name) + i
			}
			freshRuns(in...)
			futs := testBlob.Map(tc.c, in)
			got, err := gask.Gather(ctx, futs)
			if err != nil {
				t.Fatalf("Gather: %v", err)
			}
			for i, b := range got {
				if !bytes.Equal(b, makeBlob(in[i])) {
					t.Fatalf("result %d differs from what the task returned", i)
				}
			}
			poll(t, ctx, "the worker reports spilled bytes", func() error {
				wi, err := worker0(ctx, tc.c)
				if err != nil {
					return err
				}
				if wi.SpilledBytes == 0 {
					return errors.New("SpilledBytes = 0")
				}
				return nil
			})
			st := tc.w.StoreStats()
			target := int64(workerd.DefaultMemoryTarget * float64(limit))
			switch tt.capacity {
			case 0:
				if st.Managed > target {
					t.Errorf("managed bytes = %d after spilling, want at most the target %d", st.Managed, target)
				}
				if st.SpillErrors != 0 {
					t.Errorf("spillErrors = %d, want 0", st.SpillErrors)
				}
			default:
				if st.SpillErrors == 0 {
					t.Errorf("spillErrors = 0 with a full disk")
				}
				poll(t, ctx, "the worker reports failed spills", func() error {
					if wi, err := worker0(ctx, tc.c); err != nil || wi.SpillErrors == 0 {
						return fmt.Errorf("SpillErrors = %d, %v", wi.SpillErrors, err)
					}
					return nil
				})
			}
			// Values are read back for tasks too, and released values leave disk.
			args := make([]gask.Arg[[]byte], len(futs))
			for i, f := range futs {
				args[i] = f
			}
			lens, err := gask.Gather(ctx, testLen.MapArgs(tc.c, args))
			if err != nil {
				t.Fatalf("Gather(len of each): %v", err)
			}
			for i, l := range lens {
				if l != blobSize {
					t.Fatalf("len(result %d) = %d, want %d", i, l, blobSize)
				}
			}
			for i := range in {
				if r := runs(in[i]).Load(); r != 1 {
					t.Errorf("blob(%d) ran %d times, want 1", in[i], r)
				}
			}
		})
	}
}

// spilledOne starts a cluster whose worker spills every result and
// computes testBlob(i) there, waiting until it is on disk.
func spilledOne(t *testing.T, ctx context.Context, i int) (*testCluster, *workerd.MemFS, *gask.Future[[]byte]) {
	fs := workerd.NewMemFS()
	tc := startTestCluster(t, ctx, workerd.WithSpillFS(workerd.Config{MemoryLimit: blobSize}, fs))
	freshRuns(i)
	f := testBlob.Submit(tc.c, gask.V(i))
	if err := f.Err(ctx); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the result spills", func() error {
		if st := tc.w.StoreStats(); st.Spilled == 0 {
			return errors.New("nothing spilled")
		}
		return nil
	})
	return tc, fs, f
}

// TestLostInputIsRecomputed: a spilled input that fails to read back is
// reported missing, recomputed, and the task that needed it runs on it.
func TestLostInputIsRecomputed(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	const i = 7001
	tc, fs, f := spilledOne(t, ctx, i)
	fs.FailReads(1)
	n, err := testLen.Submit(tc.c, f).Result(ctx)
	if err != nil || n != blobSize {
		t.Fatalf("len(blob) = %d, %v, want %d, nil", n, err, blobSize)
	}
	if r := runs(i).Load(); r != 2 {
		t.Errorf("blob ran %d times, want 2 (once more after the loss)", r)
	}
	if st := tc.w.StoreStats(); st.ReadErrors != 1 {
		t.Errorf("ReadErrors = %d, want 1", st.ReadErrors)
	}
	if b, err := f.Result(ctx); err != nil || !bytes.Equal(b, makeBlob(i)) {
		t.Errorf("blob result after the recompute = %d bytes, %v; want the task's value", len(b), err)
	}
}

// TestLostFetchIsRecomputed: a spilled value that fails to read back when
// fetched is reported dropped, and the client gets the recomputed value.
func TestLostFetchIsRecomputed(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	const i = 7002
	tc, fs, f := spilledOne(t, ctx, i)
	fs.FailReads(1)
	b, err := f.Result(ctx)
	if err != nil || !bytes.Equal(b, makeBlob(i)) {
		t.Fatalf("Result = %d bytes, %v; want the task's value", len(b), err)
	}
	if r := runs(i).Load(); r != 2 {
		t.Errorf("blob ran %d times, want 2 (once more after the loss)", r)
	}
	if st := tc.w.StoreStats(); st.ReadErrors != 1 {
		t.Errorf("ReadErrors = %d, want 1", st.ReadErrors)
	}
}

// TestPauseHoldsNewTasks: above the pause threshold of process memory the
// worker pauses and tells the scheduler, which gives it no new task; when
// memory falls it resumes and runs it.
func TestPauseHoldsNewTasks(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	const limit = 1 << 30
	var mem atomic.Int64
	tc := startTestCluster(t, ctx, workerd.Config{MemoryLimit: limit, ProcessMemory: mem.Load,
		Heartbeat: time.Hour}) // only the heartbeats sent on pausing and resuming
	paused := func(want bool) func() error {
		return func() error {
			wi, err := worker0(ctx, tc.c)
			if err != nil {
				return err
			}
			if wi.Paused != want {
				return errors.New("Paused = " + map[bool]string{true: "true", false: "false"}[wi.Paused])
			}
			return nil
		}
	}
	mem.Store(limit * 9 / 10)
	poll(t, ctx, "the worker pauses", paused(true))

	f := testBlob.Submit(tc.c, gask.V(7003))
	wi, err := worker0(ctx, tc.c) // after the submission, on the same connection
	if err != nil {
		t.Fatal(err)
	}
	if wi.Processing != 0 {
		t.Errorf("a paused worker was given %d tasks", wi.Processing)
	}
	if f.Status() != gask.Pending {
		t.Errorf("task status %v while the only worker is paused", f.Status())
	}

	mem.Store(limit / 2)
	poll(t, ctx, "the worker resumes", paused(false))
	if b, err := f.Result(ctx); err != nil || len(b) != blobSize {
		t.Fatalf("Result after resuming = %d bytes, %v", len(b), err)
	}
}

// TestResultPastTargetSpillsBeforeItIsReported: a task whose result takes
// the worker past its target spills down to the target before its
// completion is reported, so a worker making results faster than its
// memory monitor wakes cannot outrun its disk.
func TestResultPastTargetSpillsBeforeItIsReported(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	fs := workerd.NewMemFS()
	limit := int64(4 * blobSize)
	tc := startTestCluster(t, ctx, workerd.WithSpillFS(workerd.Config{MemoryLimit: limit}, fs))
	target := int64(workerd.DefaultMemoryTarget * float64(limit))
	var held []*gask.Future[[]byte]
	for i := range 12 {
		f := testBlob.Submit(tc.c, gask.V(5000+i))
		if err := f.Err(ctx); err != nil {
			t.Fatal(err)
		}
		held = append(held, f)
		if st := tc.w.StoreStats(); st.Managed > target {
			t.Fatalf("after result %d was reported: %d bytes in memory, over the target %d", i, st.Managed, target)
		}
	}
	if st := tc.w.StoreStats(); st.Spilled < 12*blobSize-target {
		t.Errorf("spilled %d bytes, want at least %d", st.Spilled, 12*blobSize-target)
	}
}

// TestMain checks that no test leaves a goroutine behind: workers stop
// every goroutine they started before Run returns.
func TestMain(m *testing.M) {
	if dir := os.Getenv(workerd.SpillHelperEnv); dir != "" {
		workerd.SpillHelper(dir) // a process for TestPurgeRemovesTheDirectoryOfAKilledWorker
		return
	}
	goleak.VerifyTestMain(m)
}

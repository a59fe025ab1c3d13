package local_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
)

// TestMain lets the test binary serve as a worker for local.Processes.
func TestMain(m *testing.M) {
	gask.Main()
	goleak.VerifyTestMain(m)
}

var (
	inc = gask.Func("localtest.inc", func(ctx context.Context, x int) (int, error) { return x + 1, nil })
	// block returns 4 KiB (too big to come back inline with the task's
	// completion: the client fetches it from a worker), and counts its runs
	// in a file, which worker processes share.
	block = gask.Func2("localtest.block", func(ctx context.Context, runs string, i int) ([]byte, error) {
		f, err := os.OpenFile(runs, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		_, err = fmt.Fprintln(f, i) // one short O_APPEND write: whole, whichever process
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return bytes.Repeat([]byte{byte(i)}, 4096), err
	})
	pid   = gask.Func0("localtest.pid", func(ctx context.Context) (int, error) { return os.Getpid(), nil })
	procs = gask.Func0("localtest.gomaxprocs", func(ctx context.Context) (int, error) { return runtime.GOMAXPROCS(0), nil })
)

var modes = []struct {
	name string
	opts []local.Option
}{
	{"inproc", nil},
	{"processes", []local.Option{local.Processes()}},
}

func logger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func names(t *testing.T, ctx context.Context, c *gask.Client) map[string]bool {
	t.Helper()
	ws, err := c.Workers(ctx)
	if err != nil {
		t.Fatalf("Workers() error: %v", err)
	}
	out := map[string]bool{}
	for _, w := range ws {
		out[w.Name] = true
	}
	return out
}

// alive reports whether a process with this pid exists.
func alive(pid int) bool {
	return syscall.Kill(pid, 0) != syscall.ESRCH
}

// TestWorkerProcessesGetTheirShareOfCPUs checks that a worker process's Go
// runtime is sized to its threads, not to the whole machine, unless the
// environment says otherwise.
func TestWorkerProcessesGetTheirShareOfCPUs(t *testing.T) {
	ctx := context.Background()
	cl, err := local.New(ctx, local.Processes(), local.Workers(2), local.Threads(1), local.Logger(logger(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	want := 1
	if v, set := os.LookupEnv("GOMAXPROCS"); set {
		want, _ = strconv.Atoi(v)
	}
	got, err := gask.Run(ctx, cl.Client(), procs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Run(GOMAXPROCS) = %v, want 2 workers", got)
	}
	for name, n := range got {
		if n != want {
			t.Errorf("worker %s: GOMAXPROCS = %d, want %d", name, n, want)
		}
	}
}

// TestDefaultSizeFollowsTheAllocation checks that a cluster made with no
// options takes its size from what this process is granted (here SLURM's
// one CPU per task), not from the machine.
func TestDefaultSizeFollowsTheAllocation(t *testing.T) {
	t.Setenv("SLURM_CPUS_PER_TASK", "1")
	ctx := context.Background()
	cl, err := local.New(ctx, local.Logger(logger(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ws, err := cl.Client().Workers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	threads := 0
	for _, w := range ws {
		threads += w.NThreads
	}
	if threads != 1 {
		t.Errorf("local.New() under SLURM_CPUS_PER_TASK=1: %d workers with %d threads in all, want 1 thread", len(ws), threads)
	}
}

func TestScale(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			if m.name == "processes" && testing.Short() {
				t.Skip("worker processes in -short mode")
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cl, err := local.New(ctx, append([]local.Option{local.Workers(1), local.Threads(2), local.Logger(logger(t))}, m.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			c := cl.Client()
			if got := names(t, ctx, c); len(got) != 1 || !got["local-1"] {
				t.Fatalf("Workers after New(Workers(1)) = %v, want local-1", got)
			}
			if err := cl.Scale(ctx, 3); err != nil {
				t.Fatalf("Scale(3): %v", err)
			}
			// Scale returns once the new workers have joined.
			if got := names(t, ctx, c); len(got) != 3 || !got["local-2"] || !got["local-3"] {
				t.Fatalf("Workers after Scale(3) = %v, want local-1..3", got)
			}
			pids, err := gask.Run(ctx, c, pid)
			if err != nil || len(pids) != 3 {
				t.Fatalf("Run(pid) = %v, %v", pids, err)
			}
			in := make([]int, 60)
			for i := range in {
				in[i] = i
			}
			futs := inc.Map(c, in)
			if _, err := gask.Gather(ctx, futs); err != nil {
				t.Fatal(err)
			}

			if err := cl.Scale(ctx, 1); err != nil {
				t.Fatalf("Scale(1): %v", err)
			}
			if m.name == "processes" {
				for _, n := range []string{"local-2", "local-3"} {
					if alive(pids[n]) {
						t.Errorf("after Scale(1), the process of %s (pid %d) is still alive", n, pids[n])
					}
				}
				if !alive(pids["local-1"]) {
					t.Errorf("after Scale(1), the process of local-1 is gone")
				}
			}
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for got := names(t, ctx, c); len(got) != 1 || !got["local-1"]; got = names(t, ctx, c) {
				select {
				case <-ctx.Done():
					t.Fatalf("Workers after Scale(1) = %v, want local-1", got)
				case <-tick.C:
				}
			}
			// Values held by the removed workers moved to local-1.
			got, err := gask.Gather(ctx, futs)
			if err != nil {
				t.Fatalf("Gather after Scale(1): %v", err)
			}
			for i, v := range got {
				if v != i+1 {
					t.Fatalf("inc(%d) after Scale(1) = %d, want %d", i, v, i+1)
				}
			}
			// New workers get fresh names.
			if err := cl.Scale(ctx, 2); err != nil {
				t.Fatal(err)
			}
			if got := names(t, ctx, c); len(got) != 2 || !got["local-4"] {
				t.Errorf("Workers after Scale(2) = %v, want local-1 and local-4", got)
			}
			if err := cl.Scale(ctx, 0); err != nil {
				t.Fatalf("Scale(0): %v", err)
			}
			// With no workers, a task waits until one joins.
			f := inc.Submit(c, gask.V(1000))
			short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancelShort()
			if err := f.Err(short); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("task with no workers: Err = %v, want it still waiting", err)
			}
			if err := cl.Scale(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if v, err := f.Result(ctx); err != nil || v != 1001 {
				t.Errorf("inc(1000) once a worker joined = %v, %v", v, err)
			}
		})
	}
}

// TestScaleDownMovesValues checks that scaling down retires the workers it
// removes: the results they held, which clients still hold futures for,
// move to the worker that stays and are fetched from there; none is
// computed again.
func TestScaleDownMovesValues(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			if m.name == "processes" && testing.Short() {
				t.Skip("worker processes in -short mode")
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cl, err := local.New(ctx, append([]local.Option{local.Workers(2), local.Threads(1), local.Logger(logger(t))}, m.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			c := cl.Client()
			pids, err := gask.Run(ctx, c, pid)
			if err != nil {
				t.Fatal(err)
			}
			runs := filepath.Join(t.TempDir(), "runs")
			const n = 20
			futs := make([]*gask.Future[[]byte], n)
			for i := range futs {
				futs[i] = block.Submit(c, gask.V(runs), gask.V(i))
			}
			for _, f := range futs {
				if err := f.Err(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := countRuns(t, runs); got != n {
				t.Fatalf("%d tasks ran %d times before scaling down", n, got)
			}
			ws, err := c.Workers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			held := map[string]int{}
			for _, w := range ws {
				held[w.Name] = w.InMemory
			}
			if held["local-1"] == 0 || held["local-2"] == 0 {
				t.Fatalf("values held per worker = %v, want some on each", held)
			}

			if err := cl.Scale(ctx, 1); err != nil {
				t.Fatalf("Scale(1): %v", err)
			}
			// Scale returns once local-2 is gone, with its values moved.
			ws, err = c.Workers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) != 1 || ws[0].InMemory != n {
				t.Fatalf("after Scale(1), Workers() = %+v, want one worker holding all %d values", ws, n)
			}
			stays := ws[0].Name
			gone := "local-1"
			if stays == gone {
				gone = "local-2"
			}
			if m.name == "processes" && alive(pids[gone]) {
				t.Errorf("after Scale(1), the process of %s (pid %d) is still alive", gone, pids[gone])
			}
			vals, err := gask.Gather(ctx, futs)
			if err != nil {
				t.Fatalf("Gather after Scale(1): %v", err)
			}
			for i, v := range vals {
				if len(v) != 4096 || v[0] != byte(i) {
					t.Fatalf("block(%d) after Scale(1) = %d bytes of %d, want 4096 of %d", i, len(v), v[0], i)
				}
			}
			if got := countRuns(t, runs); got != n {
				t.Errorf("after Scale(1) and Gather, %d tasks ran %d times: values were recomputed, not moved", n, got)
			}

			// With nowhere to move them, the last worker's values cannot
			// go: RetireWorkers says so and keeps it.
			err = c.RetireWorkers(ctx, stays, "nobody")
			var re *gask.RetireError
			if !errors.As(err, &re) || len(re.Kept) != 1 || len(re.Unmoved) != n || len(re.Unknown) != 1 {
				t.Fatalf("RetireWorkers(the last worker, nobody) = %v, want a RetireError keeping it with %d values and an unknown name", err, n)
			}
			if _, err := futs[0].Result(ctx); err != nil {
				t.Errorf("Result after a failed retirement: %v", err)
			}
		})
	}
}

// countRuns counts the lines the block tasks wrote.
func countRuns(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

func TestCloseLeavesNothing(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			if m.name == "processes" && testing.Short() {
				t.Skip("worker processes in -short mode")
			}
			before := goleak.IgnoreCurrent()
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cl, err := local.New(ctx, append([]local.Option{local.Workers(3), local.Threads(1), local.Logger(logger(t))}, m.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			c := cl.Client()
			pids, err := gask.Run(ctx, c, pid)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := gask.Gather(ctx, inc.Map(c, []int{1, 2, 3, 4, 5, 6})); err != nil {
				t.Fatal(err)
			}
			held := inc.Submit(c, gask.V(100)) // a future still held at Close
			if err := held.Err(ctx); err != nil {
				t.Fatal(err)
			}
			if err := cl.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
			if err := cl.Close(); err != nil {
				t.Errorf("second Close() = %v", err)
			}
			if err := goleak.Find(before); err != nil {
				t.Errorf("goroutines left after Close: %v", err)
			}
			if m.name == "processes" {
				for n, p := range pids {
					if alive(p) {
						t.Errorf("after Close, the process of %s (pid %d) is still alive", n, p)
					}
				}
			}
			if err := cl.Scale(ctx, 2); err == nil {
				t.Errorf("Scale after Close succeeded")
			}
			if _, err := held.Result(ctx); err == nil {
				// The value was on a worker that no longer exists.
				t.Errorf("Result of a future after Close succeeded")
			}
			if _, err := c.Workers(ctx); err == nil {
				t.Errorf("Workers() after Close succeeded")
			}
		})
	}
}

// oneWorkerProcess starts a cluster of one worker process, closed at the
// end of the test.
func oneWorkerProcess(t *testing.T) *local.Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("worker processes in -short mode")
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cl, err := local.New(ctx, local.Processes(), local.Workers(1), local.Threads(1), local.Logger(logger(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// closeAfterATask runs a task on cl's worker and closes cl.
func closeAfterATask(t *testing.T, cl *local.Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if v, err := inc.Submit(cl.Client(), gask.V(41)).Result(ctx); err != nil || v != 42 {
		t.Fatalf("inc(41) = %d, %v on a worker process", v, err)
	}
	if err := cl.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

// TestProcessesReachTheSchedulerOverAPrivateUnixSocket checks where worker
// processes dial: a Unix socket in a directory only this user may enter,
// removed with the cluster.
func TestProcessesReachTheSchedulerOverAPrivateUnixSocket(t *testing.T) {
	cl := oneWorkerProcess(t)
	path, ok := strings.CutPrefix(cl.Addr(), "unix://")
	if !ok {
		t.Fatalf("Addr() = %q, want a unix:// address", cl.Addr())
	}
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("the socket's directory has mode %v: other users may enter", perm)
	}
	closeAfterATask(t, cl)
	if _, err := os.Lstat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close the socket's directory is still there (Lstat: %v)", err)
	}
}

// TestProcessesFallBackToTCP checks that a temporary directory whose path
// is too long for a socket address gives a cluster on loopback TCP, and
// leaves nothing in it.
func TestProcessesFallBackToTCP(t *testing.T) {
	tmp := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	cl := oneWorkerProcess(t)
	if !strings.HasPrefix(cl.Addr(), "tcp://127.0.0.1:") {
		t.Errorf("Addr() = %q, want loopback TCP", cl.Addr())
	}
	closeAfterATask(t, cl)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
}

// killedClusterEnv makes the test binary a program that starts a local
// cluster of worker processes, scales it to no worker, prints the
// scheduler's address and waits to be killed: see
// TestKilledClustersSocketDirectoryIsRemoved.
const killedClusterEnv = "GASK_TEST_KILLED_CLUSTER"

func TestKilledClusterHelper(t *testing.T) {
	if os.Getenv(killedClusterEnv) == "" {
		t.Skip("a helper process of TestKilledClustersSocketDirectoryIsRemoved")
	}
	cl, err := local.New(t.Context(), local.Processes(), local.Workers(1), local.Logger(logger(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Scale(t.Context(), 0); err != nil { // no worker process left to orphan
		t.Fatal(err)
	}
	fmt.Println(cl.Addr())
	select {} // until killed
}

// TestKilledClustersSocketDirectoryIsRemoved: a program killed with a
// local cluster of worker processes running (SIGKILL, as Ctrl-C does to a
// program that does not catch it) leaves its socket's directory; the next
// local cluster on this host removes it, and keeps those of clusters
// still running.
func TestKilledClustersSocketDirectoryIsRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("worker processes in -short mode")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledClusterHelper$")
	cmd.Env = append(os.Environ(), killedClusterEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	path, ok := strings.CutPrefix(strings.TrimSpace(line), "unix://")
	if err != nil || !ok {
		t.Fatalf("helper printed %q (%v), not a unix:// address", line, err)
	}
	killed := filepath.Dir(path)
	if _, err := os.Stat(killed); err != nil {
		t.Fatalf("the killed program's socket directory is not there: %v", err)
	}

	running := oneWorkerProcess(t) // in TMPDIR too
	runningDir := filepath.Dir(strings.TrimPrefix(running.Addr(), "unix://"))
	if _, err := os.Stat(killed); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a new cluster started, the killed one's socket directory is still there (Stat: %v)", err)
	}
	second := oneWorkerProcess(t)
	if _, err := os.Stat(runningDir); err != nil {
		t.Errorf("a cluster that started later removed the directory of one still running: %v", err)
	}
	closeAfterATask(t, second)
	closeAfterATask(t, running)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
}

func TestNewInWorkerProcess(t *testing.T) {
	t.Setenv(gask.WorkerEnv, "1")
	cl, err := local.New(t.Context())
	if !errors.Is(err, local.ErrWorkerProcess) {
		if cl != nil {
			cl.Close()
		}
		t.Fatalf("local.New with %s=1: error %v, want ErrWorkerProcess", gask.WorkerEnv, err)
	}
}

package jobqueue_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/adapt"
	"github.com/gask-dev/gask/cluster/jobqueue"
	"github.com/gask-dev/gask/transport"
)

// TestMain lets the test binary serve as the jobs' worker program.
func TestMain(m *testing.M) {
	gask.Main()
	goleak.VerifyTestMain(m)
}

var (
	// where reports the job a worker runs in (the batch systems' variables
	// for its ID) and the worker's process.
	where = gask.Func0("jobqueuetest.where", func(ctx context.Context) (map[string]string, error) {
		return map[string]string{
			"SLURM_JOB_ID": os.Getenv("SLURM_JOB_ID"),
			"JOB_ID":       os.Getenv("JOB_ID"),
			"pid":          strconv.Itoa(os.Getpid()),
		}, nil
	})
	// hold returns i once the file gate exists.
	hold = gask.Func2("jobqueuetest.hold", func(ctx context.Context, gate string, i int) (int, error) {
		for {
			if _, err := os.Stat(gate); err == nil {
				return i, nil
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	// count appends a line to a file for each run, and returns i.
	count = gask.Func2("jobqueuetest.count", func(ctx context.Context, runs string, i int) (int, error) {
		f, err := os.OpenFile(runs, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		_, err = fmt.Fprintln(f, i)
		return i, err
	})
)

// A backend is a batch system under test, with the commands that show
// what it did.
type backend struct {
	name     string
	sys      jobqueue.System
	submit   string // its submission command, to see whether it is here
	require  string // the variable that says it must be (CI, after .ci/hpc/*-up.sh)
	jobIDVar string
	// running reports whether the system runs job id; over, whether it
	// has ended it.
	running, over func(t *testing.T, id string) bool
	// inJob checks that process pid is one of job id's.
	inJob func(t *testing.T, id string, pid int)
}

var backends = []backend{
	{
		name: "slurm", sys: jobqueue.SLURM, submit: "sbatch", require: "GASK_TEST_SLURM", jobIDVar: "SLURM_JOB_ID",
		running: func(t *testing.T, id string) bool { return slurmState(t, id) == "RUNNING" },
		over: func(t *testing.T, id string) bool {
			s := slurmState(t, id)
			return s == "CANCELLED" || s == "COMPLETED"
		},
		inJob: func(t *testing.T, id string, pid int) {
			if lp := command(t, "scontrol", "listpids", id); !regexp.MustCompile(`(?m)^` + strconv.Itoa(pid) + `\s+` + id + `\s`).MatchString(lp) {
				t.Errorf("worker pid %d is not among job %s's:\n%s", pid, id, lp)
			}
		},
	},
	{
		name: "sge", sys: jobqueue.SGE, submit: "qsub", require: "GASK_TEST_SGE", jobIDVar: "JOB_ID",
		running: func(t *testing.T, id string) bool {
			out, err := exec.Command("qstat").CombinedOutput()
			// "t" (transferring) can lag behind the job's start.
			ok := err == nil && regexp.MustCompile(`(?m)^\s*`+id+`\s.*\s[rt]\s`).Match(out)
			if !ok {
				t.Logf("qstat: %v\n%s", err, out)
			}
			return ok
		},
		// qstat -j fails for a job Grid Engine no longer has.
		over: func(t *testing.T, id string) bool { return exec.Command("qstat", "-j", id).Run() != nil },
		inJob: func(t *testing.T, id string, pid int) {
			// The job's shepherd is an ancestor of its processes.
			for p := pid; p > 1; {
				stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
				if err != nil {
					break
				}
				// pid (comm) state ppid ...
				_, rest, _ := strings.Cut(string(stat), ") ")
				f := strings.Fields(rest)
				if strings.Contains(string(stat), "(sge_shepherd)") {
					return
				}
				if len(f) < 2 {
					break
				}
				p, _ = strconv.Atoi(f[1])
			}
			t.Errorf("worker pid %d of job %s has no sge_shepherd among its ancestors", pid, id)
		},
	},
}

// each runs test against every batch system that is here (or required).
func each(t *testing.T, test func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			if _, err := exec.LookPath(b.submit); err != nil {
				if os.Getenv(b.require) == "1" {
					t.Fatalf("%s=1 but there is no %s: %v", b.require, b.submit, err)
				}
				t.Skipf("no %s here (bash .ci/hpc/%s-up.sh starts one)", b.submit, b.name)
			}
			test(t, b)
		})
	}
}

// config is a cluster on loopback whose jobs write to a test directory.
func config(t *testing.T, b backend) jobqueue.Config {
	return jobqueue.Config{
		System:       b.sys,
		Name:         "gask-test",
		Cores:        1,
		Memory:       1 << 30,
		Walltime:     10 * time.Minute,
		LogDirectory: t.TempDir(),
		Listen:       "tcp://127.0.0.1:0",
		PollInterval: 200 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(testLog{t}, nil)),
		IgnoreConfig: true, // whatever this machine's /etc/gask says
	}
}

// testLog writes the cluster's messages to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Helper()
	l.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

func start(t *testing.T, cfg jobqueue.Config) *jobqueue.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cl, err := jobqueue.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cl.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return cl
}

func command(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

var jobStateRE = regexp.MustCompile(`JobState=(\w+)`)

func slurmState(t *testing.T, id string) string {
	m := jobStateRE.FindStringSubmatch(command(t, "scontrol", "show", "job", id))
	if m == nil {
		t.Fatalf("scontrol show job %s: no JobState", id)
	}
	return m[1]
}

// eventually polls cond every 100 ms until it holds or d has passed.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func runs(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// TestCluster runs workers as real batch jobs: each worker is in the job
// the cluster says (the job ID it sees, and its process among the job's);
// the cluster computes; scaling down retires a worker and cancels its job
// with nothing recomputed; Close cancels the rest and leaves no worker
// process.
func TestCluster(t *testing.T) { each(t, testCluster) }

func testCluster(t *testing.T, b backend) {
	cfg := config(t, b)
	cl := start(t, cfg)
	c := cl.Client()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := cl.Scale(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := cl.WaitForWorkers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	jobs := cl.Jobs()
	if len(jobs) != 2 {
		t.Fatalf("Jobs() = %+v, want 2", jobs)
	}
	// Mutual TLS with the cluster's own credentials: workers serve over
	// it, and a program without them is turned away.
	if !strings.HasPrefix(cl.Addr(), "tls://") {
		t.Errorf("scheduler at %s, want tls://", cl.Addr())
	}
	ws, err := c.Workers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if !strings.HasPrefix(w.Addr, "tls://") {
			t.Errorf("worker %s serves at %s, want tls://", w.Name, w.Addr)
		}
	}
	creds, _ := filepath.Glob(filepath.Join(cfg.LogDirectory, ".gask-tls-*", "key.pem"))
	if len(creds) != 1 {
		t.Fatalf("credentials in the log directory: %v, want one key", creds)
	}
	if fi, err := os.Stat(creds[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key %s: %v, mode %v; want 0600", creds[0], err, fi.Mode())
	}
	plain := strings.Replace(cl.Addr(), "tls://", "tcp://", 1)
	if outsider, err := gask.Connect(ctx, plain); err == nil {
		outsider.Close()
		t.Errorf("a client without the cluster's credentials connected to %s", plain)
	}
	stranger, err := transport.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if outsider, err := gask.Connect(ctx, cl.Addr(), gask.WithTransport(transport.Config{TLS: stranger.ClusterConfig()})); err == nil {
		outsider.Close()
		t.Errorf("a client with another cluster's credentials connected")
	}

	at, err := gask.Run(ctx, c, where)
	if err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	for _, j := range jobs {
		if j.State != jobqueue.Running || j.Worker != "gask-test-"+j.ID {
			t.Errorf("job %+v: want running, its worker named gask-test-<id>", j)
		}
		pid, err := strconv.Atoi(at[j.Worker]["pid"])
		if id := at[j.Worker][b.jobIDVar]; err != nil || id != j.ID {
			t.Fatalf("worker %s says it runs in job %q (%v), want %s", j.Worker, at[j.Worker], err, j.ID)
		}
		b.inJob(t, j.ID, pid)
		if !b.running(t, j.ID) {
			t.Errorf("job %s is not running", j.ID)
		}
		pids[j.ID] = pid
	}

	runsFile := filepath.Join(t.TempDir(), "runs")
	in := make([]int, 50)
	files := make([]string, len(in))
	for i := range in {
		in[i], files[i] = i, runsFile
	}
	futs := count.Map(c, files, in)
	got, err := gask.Gather(ctx, futs)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("task %d = %d", i, v)
		}
	}

	if err := cl.Scale(ctx, 1); err != nil {
		t.Fatal(err)
	}
	gone := jobs[1] // the newest goes
	if s := cl.Jobs()[1].State; s != jobqueue.Ended {
		t.Errorf("after Scale(1), job %s is %v, want ended", gone.ID, s)
	}
	eventually(t, 30*time.Second, "the retired job's end", func() bool { return b.over(t, gone.ID) })
	eventually(t, 30*time.Second, "the retired worker's exit", func() bool { return syscall.Kill(pids[gone.ID], 0) != nil })
	ws, err = c.Workers(ctx)
	if err != nil || len(ws) != 1 || ws[0].Name != jobs[0].Worker || ws[0].InMemory != len(in) {
		t.Fatalf("after Scale(1): workers %+v (%v), want %s alone holding all %d values", ws, err, jobs[0].Worker, len(in))
	}
	if _, err := gask.Gather(ctx, futs); err != nil {
		t.Fatal(err)
	}
	if n := runs(t, runsFile); n != len(in) {
		t.Errorf("%d tasks ran %d times: values were recomputed, not moved", len(in), n)
	}

	logs, err := cl.Logs()
	if err != nil || !strings.Contains(logs[jobs[0].ID], "gask-test-"+jobs[0].ID) {
		t.Errorf("Logs() = %q, %v: want job %s's output, naming its worker", logs, err, jobs[0].ID)
	}

	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(cfg.LogDirectory, ".gask-tls-*")); len(left) != 0 {
		t.Errorf("credentials left after Close: %v", left)
	}
	for _, j := range jobs {
		if !b.over(t, j.ID) {
			t.Errorf("after Close, job %s is still there", j.ID)
		}
		eventually(t, 30*time.Second, fmt.Sprintf("worker of job %s gone", j.ID), func() bool { return syscall.Kill(pids[j.ID], 0) != nil })
	}
}

// TestWorkerLifetime retires a worker at the end of its lifetime: a job
// replacing it starts, the value the old worker held moves to the new one
// instead of being recomputed, and the old job ends.
func TestWorkerLifetime(t *testing.T) { each(t, testWorkerLifetime) }

func testWorkerLifetime(t *testing.T, b backend) {
	cfg := config(t, b)
	cfg.Lifetime = 3 * time.Second
	cfg.Insecure = true // plain TCP here; TLS in TestCluster
	cl := start(t, cfg)
	c := cl.Client()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := cl.Scale(ctx, 1); err != nil {
		t.Fatal(err)
	}
	runsFile := filepath.Join(t.TempDir(), "runs")
	f := count.Submit(c, gask.V(runsFile), gask.V(7))
	if err := f.Err(ctx); err != nil {
		t.Fatal(err)
	}
	first := cl.Jobs()[0]
	eventually(t, time.Minute, "a second job's worker, and the first job ended", func() bool {
		jobs := cl.Jobs()
		return len(jobs) >= 2 && jobs[0].State == jobqueue.Ended && jobs[1].State == jobqueue.Running
	})
	eventually(t, 30*time.Second, "the first job's end", func() bool { return b.over(t, first.ID) })
	ws, err := c.Workers(ctx)
	if err != nil || len(ws) != 1 || ws[0].Name != cl.Jobs()[1].Worker || ws[0].InMemory != 1 {
		t.Fatalf("workers %+v (%v), want the new job's holding the value", ws, err)
	}
	if v, err := f.Result(ctx); err != nil || v != 7 {
		t.Fatalf("Result = %d, %v", v, err)
	}
	if n := runs(t, runsFile); n != 1 {
		t.Errorf("the task ran %d times: its value was recomputed, not moved", n)
	}
}

// TestScaleToZeroWhileDraining: a worker at the end of its lifetime whose
// replacement cannot start (the node has room for one such job) holds its
// value; Scale(0) cancels both jobs and returns, and nothing is left.
func TestScaleToZeroWhileDraining(t *testing.T) { each(t, testScaleToZeroWhileDraining) }

func testScaleToZeroWhileDraining(t *testing.T, b backend) {
	if b.name != "slurm" {
		t.Skip("needs jobs that cannot run side by side: SLURM's --cpus-per-task on a node of 4 CPUs")
	}
	cfg := config(t, b)
	cfg.Cores, cfg.Lifetime = 3, time.Second
	cl := start(t, cfg)
	c := cl.Client()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := cl.Scale(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f := count.Submit(c, gask.V(filepath.Join(t.TempDir(), "runs")), gask.V(1))
	if err := f.Err(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the worker draining, its replacement queued", func() bool {
		jobs := cl.Jobs()
		return len(jobs) == 2 && jobs[0].State == jobqueue.Draining && jobs[1].State == jobqueue.Pending
	})
	if err := cl.Scale(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for _, j := range cl.Jobs() {
		if j.State != jobqueue.Ended {
			t.Errorf("after Scale(0), job %s is %v", j.ID, j.State)
		}
		eventually(t, 30*time.Second, "job "+j.ID+" over", func() bool { return b.over(t, j.ID) })
	}
}

// TestJobsThatFail: jobs whose worker cannot start are reported with their
// output, and the cluster stops submitting more; a job the batch system
// refuses is Scale's error.
func TestJobsThatFail(t *testing.T) { each(t, testJobsThatFail) }

func testJobsThatFail(t *testing.T, b backend) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	cfg := config(t, b)
	cfg.Command = []string{"/nonexistent/gask-program"}
	cl := start(t, cfg)
	if err := cl.Scale(ctx, 1); err != nil {
		t.Fatal(err)
	}
	err := cl.WaitForWorkers(ctx, 1)
	if err == nil || !strings.Contains(err.Error(), "ended before its worker joined") || !strings.Contains(err.Error(), "/nonexistent/gask-program") {
		t.Fatalf("WaitForWorkers with a missing program = %v, want the job's failure and its output", err)
	}
	if n := len(cl.Jobs()); n != 3 {
		t.Errorf("%d jobs submitted, want 3 before giving up", n)
	}

	cfg = config(t, b)
	cfg.Queue = "no-such-queue"
	cl = start(t, cfg)
	if err := cl.Scale(ctx, 1); err == nil || !strings.Contains(err.Error(), b.submit) {
		t.Fatalf("Scale with a queue that does not exist = %v, want %s's refusal", err, b.submit)
	}
	if jobs := cl.Jobs(); len(jobs) != 0 {
		t.Errorf("Jobs() after a refused submission = %+v, want none", jobs)
	}
	if err := cl.WaitForWorkers(ctx, 0); err != nil {
		t.Errorf("WaitForWorkers(0) = %v", err)
	}
}

// TestAdapt: an adaptive cluster submits jobs when work arrives, up to its
// maximum, keeps one while results are held, and cancels the last job once
// they are released.
func TestAdapt(t *testing.T) { each(t, testAdapt) }

func testAdapt(t *testing.T, b backend) {
	cl := start(t, config(t, b))
	c := cl.Client()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cl.Adapt(adapt.Config{Maximum: 2, Interval: 100 * time.Millisecond, WaitCount: 2})
	live := func() (n, running int) {
		for _, j := range cl.Jobs() {
			if j.State == jobqueue.Pending || j.State == jobqueue.Running {
				n++
			}
			if j.State == jobqueue.Running {
				running++
			}
		}
		if n > 2 {
			t.Fatalf("%d jobs queued or running, above the maximum of 2: %+v", n, cl.Jobs())
		}
		return n, running
	}
	// Twenty tasks of unknown duration (half a second each, then) are ten
	// seconds of work: two workers of one thread.
	gate := filepath.Join(t.TempDir(), "gate")
	gates := make([]string, 20)
	in := make([]int, len(gates))
	for i := range gates {
		gates[i], in[i] = gate, i
	}
	futs := hold.Map(c, gates, in)
	eventually(t, time.Minute, "two workers for the work", func() bool { _, r := live(); return r == 2 })
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := gask.Gather(ctx, futs); err != nil {
		t.Fatal(err)
	}
	// The results need one worker's memory, not two.
	eventually(t, time.Minute, "one worker for the results", func() bool { n, r := live(); return n == 1 && r == 1 })
	if _, err := gask.Gather(ctx, futs); err != nil {
		t.Fatal(err)
	}
	for _, f := range futs {
		f.Release()
	}
	eventually(t, time.Minute, "no job once the results are released", func() bool { n, _ := live(); return n == 0 })
	eventually(t, 30*time.Second, "the jobs' end", func() bool {
		for _, j := range cl.Jobs() {
			if !b.over(t, j.ID) {
				return false
			}
		}
		return true
	})
	// Scale ends adaptation: work that arrives now gets no worker.
	if err := cl.Scale(ctx, 0); err != nil {
		t.Fatal(err)
	}
	n := len(cl.Jobs())
	f := hold.Submit(c, gask.V(gate), gask.V(99))
	short, stop := context.WithTimeout(ctx, time.Second)
	defer stop()
	if err := f.Err(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a task after Scale(0) ended adaptation: Err = %v, want it waiting", err)
	}
	if len(cl.Jobs()) != n {
		t.Errorf("jobs submitted after Scale(0): %+v", cl.Jobs()[n:])
	}
}

// TestNewReadsConfig: a site's configuration fills what a Config leaves
// unset, and only that; a broken one is New's error.
func TestNewReadsConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "jobqueue.yaml")
	if err := os.WriteFile(file, []byte(`
jobqueue:
  slurm:
    queue: regular
    account: physics
    cores: 8
    memory: 16GiB
    walltime: "01:00:00"
    job-script-prologue: ["module load gcc"]
    job-extra-directives: ["--constraint=skylake"]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GASK_CONFIG", file)
	t.Setenv("GASK_JOBQUEUE__SLURM__ACCOUNT", "astro")
	cl, err := jobqueue.New(t.Context(), jobqueue.Config{System: jobqueue.SLURM, Cores: 2, Listen: "tcp://127.0.0.1:0", LogDirectory: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	script := cl.JobScript()
	for _, want := range []string{"#SBATCH -p regular\n", "#SBATCH -A astro\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --mem=16384M\n",
		"#SBATCH -t 01:00:00\n", "#SBATCH --constraint=skylake\n", "\nmodule load gcc\n", "--nthreads 2 "} {
		if !strings.Contains(script, want) {
			t.Errorf("job script lacks %q:\n%s", want, script)
		}
	}
	ignored, err := jobqueue.New(t.Context(), jobqueue.Config{System: jobqueue.SLURM, Listen: "tcp://127.0.0.1:0", LogDirectory: dir, IgnoreConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ignored.Close()
	if s := ignored.JobScript(); strings.Contains(s, "regular") || strings.Contains(s, "module load") {
		t.Errorf("with IgnoreConfig the script has the configuration's settings:\n%s", s)
	}

	t.Setenv("GASK_JOBQUEUE__SLURM__CORSE", "4")
	if cl, err := jobqueue.New(t.Context(), jobqueue.Config{System: jobqueue.SLURM}); err == nil || !strings.Contains(err.Error(), "GASK_JOBQUEUE__SLURM__CORSE") {
		if cl != nil {
			cl.Close()
		}
		t.Errorf("New with a misspelt variable = %v, want an error naming it", err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	ctx := t.Context()
	for _, cfg := range []jobqueue.Config{
		{},
		{System: jobqueue.SLURM, Name: "two words"},
		{System: jobqueue.SLURM, Memory: -1},
		{System: jobqueue.SLURM, Name: "a%j"},
		{System: jobqueue.SLURM, Queue: "it's"},
		{System: jobqueue.SGE, LogDirectory: "/tmp/$USER/logs"},
		{System: jobqueue.SLURM, LogDirectory: "/tmp/with space"},
	} {
		cfg.IgnoreConfig = true
		if cl, err := jobqueue.New(ctx, cfg); err == nil {
			cl.Close()
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	if _, err := jobqueue.New(ctx, jobqueue.Config{System: jobqueue.SLURM, Interface: "no-such-interface0"}); err == nil || !strings.Contains(err.Error(), "no-such-interface0") {
		t.Errorf("New with a missing interface = %v", err)
	}
}

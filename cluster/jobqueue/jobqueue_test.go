package jobqueue_test

import (
	"context"
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
	"github.com/gask-dev/gask/cluster/jobqueue"
)

// TestMain lets the test binary serve as the jobs' worker program.
func TestMain(m *testing.M) {
	gask.Main()
	goleak.VerifyTestMain(m)
}

var (
	// where reports the job a worker runs in and the worker's process.
	where = gask.Func0("jobqueuetest.where", func(ctx context.Context) (string, error) {
		return fmt.Sprintf("%s %d", os.Getenv("SLURM_JOB_ID"), os.Getpid()), nil
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

// slurm skips the test where SLURM's commands are missing, unless
// GASK_TEST_SLURM=1 (CI, after .ci/hpc/slurm-up.sh) says that they must be
// there.
func slurm(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sbatch"); err != nil {
		if os.Getenv("GASK_TEST_SLURM") == "1" {
			t.Fatal("GASK_TEST_SLURM=1 but there is no sbatch:", err)
		}
		t.Skip("no SLURM here (bash .ci/hpc/slurm-up.sh starts one)")
	}
}

// config is a SLURM cluster on loopback whose jobs write to a test
// directory.
func config(t *testing.T) jobqueue.Config {
	return jobqueue.Config{
		System:       jobqueue.SLURM,
		Name:         "gask-test",
		Cores:        1,
		Memory:       1 << 30,
		Walltime:     10 * time.Minute,
		LogDirectory: t.TempDir(),
		Listen:       "tcp://127.0.0.1:0",
		PollInterval: 200 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(testLog{t}, nil)),
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

func jobState(t *testing.T, id string) string {
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

// TestSLURMCluster runs workers as real SLURM jobs: each worker is in the
// job the cluster says (its SLURM_JOB_ID, and its process among the job's
// in scontrol listpids); the cluster computes; scaling down retires a
// worker and cancels its job with nothing recomputed; Close cancels the
// rest and leaves no worker process.
func TestSLURMCluster(t *testing.T) {
	slurm(t)
	cl := start(t, config(t))
	c := cl.Client()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if !strings.Contains(cl.JobScript(), "#SBATCH -J gask-test\n") {
		t.Errorf("job script:\n%s", cl.JobScript())
	}
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
	at, err := gask.Run(ctx, c, where)
	if err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	for _, j := range jobs {
		if j.State != jobqueue.Running || j.Worker != "gask-test-"+j.ID {
			t.Errorf("job %+v: want running, its worker named gask-test-<id>", j)
		}
		var id string
		var pid int
		if _, err := fmt.Sscan(at[j.Worker], &id, &pid); err != nil || id != j.ID {
			t.Fatalf("worker %s says it runs in SLURM job %q (%v), want %s", j.Worker, at[j.Worker], err, j.ID)
		}
		if lp := command(t, "scontrol", "listpids", j.ID); !regexp.MustCompile(`(?m)^` + strconv.Itoa(pid) + `\s+` + j.ID + `\s`).MatchString(lp) {
			t.Errorf("worker pid %d is not among job %s's:\n%s", pid, j.ID, lp)
		}
		if s := jobState(t, j.ID); s != "RUNNING" {
			t.Errorf("job %s is %s, want RUNNING", j.ID, s)
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
	eventually(t, 30*time.Second, "the retired job's end", func() bool {
		s := jobState(t, gone.ID)
		return s == "CANCELLED" || s == "COMPLETED"
	})
	eventually(t, 30*time.Second, "the retired worker's exit", func() bool { return syscall.Kill(pids[gone.ID], 0) != nil })
	ws, err := c.Workers(ctx)
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
	for _, j := range jobs {
		if s := jobState(t, j.ID); s != "CANCELLED" && s != "COMPLETED" {
			t.Errorf("after Close, job %s is %s", j.ID, s)
		}
		eventually(t, 30*time.Second, fmt.Sprintf("worker of job %s gone", j.ID), func() bool { return syscall.Kill(pids[j.ID], 0) != nil })
	}
}

// TestSLURMWorkerLifetime retires a worker at the end of its lifetime: a
// job replacing it starts, the value the old worker held moves to the new
// one instead of being recomputed, and the old job ends.
func TestSLURMWorkerLifetime(t *testing.T) {
	slurm(t)
	cfg := config(t)
	cfg.Lifetime = 3 * time.Second
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
	if s := jobState(t, first.ID); s != "COMPLETED" && s != "CANCELLED" {
		t.Errorf("first job %s is %s after its worker retired", first.ID, s)
	}
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

// TestSLURMJobsThatFail: jobs whose worker cannot start are reported with
// their output, and the cluster stops submitting more; a job the batch
// system refuses is Scale's error.
func TestSLURMJobsThatFail(t *testing.T) {
	slurm(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	cfg := config(t)
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

	cfg = config(t)
	cfg.Memory = 1 << 50
	cl = start(t, cfg)
	if err := cl.Scale(ctx, 1); err == nil || !strings.Contains(err.Error(), "sbatch") {
		t.Fatalf("Scale with a job no node can take = %v, want sbatch's refusal", err)
	}
	if jobs := cl.Jobs(); len(jobs) != 0 {
		t.Errorf("Jobs() after a refused submission = %+v, want none", jobs)
	}
	if err := cl.WaitForWorkers(ctx, 0); err != nil {
		t.Errorf("WaitForWorkers(0) = %v", err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	ctx := t.Context()
	for _, cfg := range []jobqueue.Config{
		{},
		{System: jobqueue.SLURM, Name: "two words"},
		{System: jobqueue.SLURM, Memory: -1},
	} {
		if cl, err := jobqueue.New(ctx, cfg); err == nil {
			cl.Close()
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	if _, err := jobqueue.New(ctx, jobqueue.Config{System: jobqueue.SLURM, Interface: "no-such-interface0"}); err == nil || !strings.Contains(err.Error(), "no-such-interface0") {
		t.Errorf("New with a missing interface = %v", err)
	}
}

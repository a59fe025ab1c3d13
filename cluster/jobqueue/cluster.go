package jobqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/adapt"
	"github.com/gask-dev/gask/config"
	"github.com/gask-dev/gask/schedulerd"
	"github.com/gask-dev/gask/transport"
)

// JobState is where a job is in its life.
type JobState int

const (
	// Pending: submitted; its worker has not joined the scheduler yet.
	Pending JobState = iota
	// Running: its worker is in the cluster.
	Running
	// Draining: its worker is retiring (Lifetime), its values moving to
	// other workers; a job replacing it has been submitted.
	Draining
	// Ended: the job is over (retired, cancelled, out of walltime, or
	// failed), or was never seen running.
	Ended
)

func (s JobState) String() string {
	switch s {
	case Pending:
		return "pending"
	case Running:
		return "running"
	case Draining:
		return "draining"
	case Ended:
		return "ended"
	}
	return fmt.Sprintf("JobState(%d)", int(s))
}

// Job is one job the cluster submitted.
type Job struct {
	ID        string
	Worker    string // the name its worker has in the cluster
	State     JobState
	Submitted time.Time
	Joined    time.Time // when its worker joined; zero before
}

// maxFailures is how many jobs in a row may end before their workers join
// before the cluster stops submitting more and says why.
const maxFailures = 3

// Cluster is a scheduler in this process and workers in batch jobs.
type Cluster struct {
	cfg    Config
	addr   string // where jobs reach the scheduler
	script string
	client *gask.Client
	log    *slog.Logger

	stopScheduler context.CancelFunc
	schedDone     chan error
	srv           *schedulerd.Server
	stopWatch     context.CancelFunc
	watching      sync.WaitGroup // the watch loop and the retirements it started

	adapting adapt.Loop

	mu       sync.Mutex
	jobs     []*Job // in submission order
	target   int    // workers asked for (Scale)
	failures int    // jobs in a row that ended before their worker joined
	failed   error  // why the cluster stopped submitting, after maxFailures
	changed  chan struct{}
	closed   bool
}

// New starts a scheduler in this process, listening where cfg says, and
// connects a client to it. It submits no job: call Scale, then
// WaitForWorkers. Close cancels every job.
func New(ctx context.Context, cfg Config) (*Cluster, error) {
	if os.Getenv(gask.WorkerEnv) == "1" {
		return nil, errors.New("jobqueue: this process was started as a gask worker, but the program does not call gask.Main() at the start of main")
	}
	if !cfg.IgnoreConfig {
		conf, err := config.Load()
		if err != nil {
			return nil, fmt.Errorf("jobqueue: %w", err)
		}
		cfg = cfg.withConfig(conf)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	listen := cfg.Listen
	if cfg.Interface != "" {
		if listen, err = transport.OnInterface(cfg.Listen, cfg.Interface); err != nil {
			return nil, fmt.Errorf("jobqueue: %w", err)
		}
	}
	ln, err := transport.Listen(listen, transport.Config{})
	if err != nil {
		return nil, fmt.Errorf("jobqueue: scheduler: %w", err)
	}
	// The client reaches the scheduler in memory, the jobs over the network.
	tcfg := transport.Config{Inproc: transport.NewInproc()}
	inproc, err := transport.Listen("inproc://scheduler", tcfg)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("jobqueue: scheduler: %w", err)
	}
	c := &Cluster{
		cfg:       cfg,
		addr:      transport.Advertise(transport.Address(ln)),
		log:       cfg.Logger,
		schedDone: make(chan error, 1),
		changed:   make(chan struct{}),
	}
	c.script = script(&c.cfg, c.addr)
	sctx, stop := context.WithCancel(context.Background())
	c.stopScheduler = stop
	srv := schedulerd.New(schedulerd.Config{Build: gask.BuildID(), Logger: c.log, Scheduler: cfg.Scheduler})
	c.srv = srv
	go func() { c.schedDone <- srv.Serve(sctx, ln, inproc) }()
	c.client, err = gask.Connect(ctx, transport.Address(inproc), gask.WithTransport(tcfg), gask.WithLogger(c.log))
	if err != nil {
		stop()
		<-c.schedDone
		return nil, err
	}
	wctx, stopWatch := context.WithCancel(context.Background())
	c.stopWatch = stopWatch
	c.watching.Add(1)
	go c.watch(wctx)
	return c, nil
}

// Client is the cluster's client, connected when the cluster started.
func (c *Cluster) Client() *gask.Client { return c.client }

// Addr is the scheduler's address, as the jobs dial it. More clients can
// connect to it with gask.Connect, and workers started by hand with
// `prog worker <addr>`.
func (c *Cluster) Addr() string { return c.addr }

// Snapshot is the scheduler's state now, for a dashboard: the cluster is
// a dashboard.Source.
//
//	d, err := dashboard.Listen("127.0.0.1:8787", cluster, nil)
func (c *Cluster) Snapshot(ctx context.Context) (*schedulerd.Snapshot, error) {
	return c.srv.Snapshot(ctx)
}

// JobScript is the script each job runs.
func (c *Cluster) JobScript() string { return c.script }

// Jobs lists the jobs the cluster has submitted, in the order submitted.
func (c *Cluster) Jobs() []Job {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Job, len(c.jobs))
	for i, j := range c.jobs {
		out[i] = *j
	}
	return out
}

// Logs reads the output of each job the cluster submitted, by job ID;
// jobs that have written nothing yet are left out.
func (c *Cluster) Logs() (map[string]string, error) {
	out := map[string]string{}
	var errs []error
	for _, j := range c.Jobs() {
		b, err := os.ReadFile(c.cfg.System.logFile(&c.cfg, j.ID))
		switch {
		case err == nil:
			out[j.ID] = string(b)
		case !errors.Is(err, os.ErrNotExist):
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// Adapt sizes the cluster to its work from now on, between cfg.Minimum and
// cfg.Maximum workers, checking the scheduler's load every second (package
// adapt; Dask's cluster.adapt). Scale and Close end it; Adapt again
// replaces its bounds.
func (c *Cluster) Adapt(cfg adapt.Config) {
	cfg.Threads = c.cfg.Cores
	if c.cfg.Memory > 0 {
		cfg.Memory = c.cfg.Memory
	}
	c.adapting.Start(c.client, scaler{c}, func() int {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.target
	}, cfg, c.log)
}

// scaler scales the cluster without ending adaptation, for the adapt loop.
type scaler struct{ c *Cluster }

func (s scaler) Scale(ctx context.Context, n int) error { return s.c.scale(ctx, n) }

// Scale asks for n workers. It submits the jobs that are missing and
// returns once they are submitted (they may wait in the queue for long:
// WaitForWorkers waits for them to start). It removes workers beyond n,
// jobs still queued first, then the newest running: those retire (the
// scheduler moves the values only they hold to the workers that stay) and
// their jobs are cancelled; Scale returns once they are gone. The cluster
// keeps n: a job that ends is replaced. Scale ends adaptation (Adapt).
func (c *Cluster) Scale(ctx context.Context, n int) error {
	c.adapting.Stop()
	return c.scale(ctx, n)
}

func (c *Cluster) scale(ctx context.Context, n int) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("jobqueue: cluster closed")
	}
	c.target = max(n, 0)
	c.failures, c.failed = 0, nil
	var queued, running []*Job
	for _, j := range c.jobs {
		switch j.State {
		case Pending:
			queued = append(queued, j)
		case Running:
			running = append(running, j)
		}
	}
	extra := len(queued) + len(running) - c.target
	var cancel, retire []*Job
	for i := len(queued) - 1; i >= 0 && extra > 0; i, extra = i-1, extra-1 {
		cancel = append(cancel, queued[i])
	}
	for i := len(running) - 1; i >= 0 && extra > 0; i, extra = i-1, extra-1 {
		retire = append(retire, running[i])
	}
	for _, j := range cancel {
		j.State = Ended
	}
	for _, j := range retire {
		j.State = Draining // not counted while it leaves
	}
	c.notifyLocked()
	c.mu.Unlock()

	var errs []error
	if len(retire) > 0 {
		names := make([]string, len(retire))
		for i, j := range retire {
			names[i] = j.Worker
		}
		var re *gask.RetireError
		switch err := c.client.RetireWorkers(ctx, names...); {
		case errors.As(err, &re):
			c.log.Info("scaling down: cancelling jobs whose workers could not retire", "err", err)
		case err != nil:
			c.log.Warn("scaling down: cancelling jobs without retiring their workers", "err", err)
		}
		cancel = append(cancel, retire...)
	}
	if len(cancel) > 0 {
		if err := c.cancel(ctx, cancel); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.replenish(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// replenish submits jobs until the cluster has as many queued or running
// as it was asked for, unless jobs keep failing.
func (c *Cluster) replenish(ctx context.Context) error {
	for {
		c.mu.Lock()
		live := 0
		for _, j := range c.jobs {
			if j.State == Pending || j.State == Running {
				live++
			}
		}
		if c.closed || c.failed != nil || live >= c.target {
			c.mu.Unlock()
			return nil
		}
		// Counted before it is submitted, so that two callers do not both
		// submit the missing job; an ID-less job that fails is dropped.
		j := &Job{State: Pending, Submitted: time.Now()}
		c.jobs = append(c.jobs, j)
		c.mu.Unlock()

		id, err := c.submit(ctx)

		c.mu.Lock()
		if err != nil {
			c.jobs = slices.DeleteFunc(c.jobs, func(x *Job) bool { return x == j })
			c.mu.Unlock()
			return err
		}
		j.ID, j.Worker = id, c.cfg.Name+"-"+id
		closed := c.closed
		c.notifyLocked()
		c.mu.Unlock()
		c.log.Info("job submitted", "system", c.cfg.System.name, "job", id)
		if closed { // Close missed it
			return c.cancel(context.Background(), []*Job{j})
		}
	}
}

func (c *Cluster) submit(ctx context.Context) (string, error) {
	sys := c.cfg.System
	out, err := run(ctx, c.script, sys.submit[0], sys.submit[1:]...)
	if err != nil {
		return "", fmt.Errorf("jobqueue: submitting a job: %w", err)
	}
	id, err := sys.parseID(out)
	if err != nil {
		return "", fmt.Errorf("jobqueue: submitting a job: %w", err)
	}
	return id, nil
}

// cancel cancels jobs (all with one command) and marks them ended.
func (c *Cluster) cancel(ctx context.Context, jobs []*Job) error {
	var ids []string
	c.mu.Lock()
	for _, j := range jobs {
		if j.ID != "" {
			ids = append(ids, j.ID)
		}
		j.State = Ended
	}
	c.notifyLocked()
	c.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	sys := c.cfg.System
	if _, err := run(ctx, "", sys.cancel[0], append(slices.Clip(sys.cancel[1:]), ids...)...); err != nil {
		return fmt.Errorf("jobqueue: cancelling jobs %s: %w", strings.Join(ids, " "), err)
	}
	return nil
}

// WaitForWorkers waits until at least n workers are running. It fails when
// jobs keep ending before their workers join (the error quotes the last
// one's output) and when ctx ends.
func (c *Cluster) WaitForWorkers(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		running := 0
		for _, j := range c.jobs {
			if j.State == Running {
				running++
			}
		}
		failed, changed, closed := c.failed, c.changed, c.closed
		c.mu.Unlock()
		switch {
		case running >= n:
			return nil
		case failed != nil:
			return failed
		case closed:
			return errors.New("jobqueue: cluster closed")
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("jobqueue: waiting for %d workers (%d running): %w", n, running, ctx.Err())
		}
	}
}

func (c *Cluster) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// watch follows the jobs until the cluster closes: it notes the workers
// that joined and left, asks the batch system about jobs whose workers are
// not there, retires workers at the end of their lifetime, and submits
// jobs to replace those that ended.
func (c *Cluster) watch(ctx context.Context) {
	defer c.watching.Done()
	tick := time.NewTicker(min(time.Second, c.cfg.PollInterval))
	defer tick.Stop()
	var lastPoll time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		ws, err := c.client.Workers(ctx)
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("jobqueue: listing workers", "err", err)
			}
			continue
		}
		present := make(map[string]bool, len(ws))
		for _, w := range ws {
			present[w.Name] = true
		}
		now := time.Now()
		poll := now.Sub(lastPoll) >= c.cfg.PollInterval
		var ask []string
		var drain []*Job
		c.mu.Lock()
		for _, j := range c.jobs {
			switch {
			case j.ID == "" || j.State == Ended:
			case present[j.Worker]:
				if j.State == Pending {
					j.State, j.Joined = Running, now
					c.failures = 0
					c.notifyLocked()
				}
				if j.State == Running && c.cfg.Lifetime > 0 && now.Sub(j.Joined) >= c.cfg.Lifetime {
					j.State = Draining
					drain = append(drain, j)
					c.notifyLocked()
				}
			case poll:
				// Not connected: queued, restarting under its nanny,
				// or over.
				ask = append(ask, j.ID)
			}
		}
		c.mu.Unlock()
		for _, j := range drain {
			c.log.Info("jobqueue: worker at the end of its lifetime: retiring it", "worker", j.Worker, "job", j.ID)
			c.watching.Add(1)
			go c.retire(ctx, j)
		}
		if len(ask) > 0 {
			lastPoll = now
			active, err := c.cfg.System.active(ctx, ask)
			if err != nil {
				if ctx.Err() == nil {
					c.log.Warn("jobqueue: listing jobs", "err", err)
				}
				continue
			}
			for _, id := range ask {
				if !active[id] {
					c.ended(ctx, id)
				}
			}
		}
		if err := c.replenish(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("jobqueue: replacing ended jobs", "err", err)
		}
	}
}

// ended notes that the batch system no longer runs job id.
func (c *Cluster) ended(ctx context.Context, id string) {
	c.mu.Lock()
	var j *Job
	for _, x := range c.jobs {
		if x.ID == id {
			j = x
		}
	}
	if j == nil || j.State == Ended {
		c.mu.Unlock()
		return
	}
	before := j.State
	j.State = Ended
	c.notifyLocked()
	if before != Pending {
		c.mu.Unlock()
		c.log.Info("jobqueue: job ended", "job", id, "worker", j.Worker)
		return
	}
	c.failures++
	err := fmt.Errorf("jobqueue: job %s ended before its worker joined the scheduler at %s%s", id, c.addr, c.tail(id))
	if c.failures >= maxFailures {
		c.failed = fmt.Errorf("%w (%d jobs in a row; no more are submitted until Scale is called again)", err, c.failures)
	}
	c.mu.Unlock()
	c.log.Error(err.Error())
}

// tail is the end of job id's output, to quote in an error.
func (c *Cluster) tail(id string) string {
	path := c.cfg.System.logFile(&c.cfg, id)
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("; its output %s: %v", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	lines = lines[max(0, len(lines)-20):]
	return fmt.Sprintf("; its output (%s) ends:\n%s", path, strings.Join(lines, "\n"))
}

// retire retires j's worker, trying again while it cannot (its values have
// nowhere to go until its replacement joins), and then makes sure its job
// is over.
func (c *Cluster) retire(ctx context.Context, j *Job) {
	defer c.watching.Done()
	for {
		err := c.client.RetireWorkers(ctx, j.Worker)
		if err == nil || ctx.Err() != nil {
			break
		}
		c.log.Info("jobqueue: worker could not retire yet", "worker", j.Worker, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.cfg.PollInterval):
		}
	}
	if ctx.Err() == nil {
		if err := c.cancel(ctx, []*Job{j}); err != nil {
			c.log.Warn("jobqueue: after retiring", "worker", j.Worker, "err", err)
		}
	}
}

// Close stops the client, cancels every job the cluster submitted and
// waits until the batch system lists none of them as queued or running,
// then stops the scheduler.
func (c *Cluster) Close() error {
	c.adapting.Close()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var live []*Job
	for _, j := range c.jobs {
		if j.State != Ended {
			live = append(live, j)
		}
	}
	c.notifyLocked()
	c.mu.Unlock()
	c.stopWatch()
	c.watching.Wait()
	c.client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.cancel(ctx, live)
	var ids []string
	for _, j := range live {
		if j.ID != "" {
			ids = append(ids, j.ID)
		}
	}
	for len(ids) > 0 && err == nil {
		active, aerr := c.cfg.System.active(ctx, ids)
		if aerr != nil {
			err = aerr
			break
		}
		ids = slices.DeleteFunc(ids, func(id string) bool { return !active[id] })
		if len(ids) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			err = fmt.Errorf("jobqueue: jobs %s still listed a minute after they were cancelled", strings.Join(ids, " "))
		case <-time.After(200 * time.Millisecond):
		}
	}
	c.stopScheduler()
	return errors.Join(err, <-c.schedDone)
}

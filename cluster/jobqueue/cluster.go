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

// job is a Job and what the cluster needs to know to be done with it.
type job struct {
	Job
	// cancelled: the batch system took its cancellation, or said it did
	// not have it. An ended job that is not cancelled is cancelled again
	// (by the watch loop, and by Close) while the system still lists it.
	cancelled bool
}

// maxFailures is how many jobs in a row may end before their workers join
// before the cluster stops submitting more and says why.
const maxFailures = 3

// commandTimeout bounds each sbatch, squeue, scancel, ... Submissions and
// cancellations do not end with their caller's context: a submission
// killed half-way may leave a job whose ID nobody knows, a cancellation
// killed half-way a job that runs on.
const commandTimeout = time.Minute

// maxBackoff is the longest wait between submissions the batch system
// refuses (a per-user job limit, a queue that does not exist).
const maxBackoff = 5 * time.Minute

// Cluster is a scheduler in this process and workers in batch jobs.
type Cluster struct {
	cfg    Config
	addr   string    // where jobs reach the scheduler
	creds  *tlsFiles // the cluster's TLS credentials; nil if Insecure
	script string
	client *gask.Client
	log    *slog.Logger

	stopScheduler context.CancelFunc
	schedDone     chan error
	srv           *schedulerd.Server
	stopWatch     context.CancelFunc
	watching      sync.WaitGroup // the watch loop and the retirements it started

	adapting adapt.Loop

	mu         sync.Mutex
	jobs       []*job // in submission order
	target     int    // workers asked for (Scale)
	failures   int    // jobs in a row that ended before their worker joined
	failed     error  // why the cluster stopped submitting, after maxFailures
	backoff    time.Duration
	retryAt    time.Time      // no submission before, after a refused one
	submitting sync.WaitGroup // submissions under way, which Close waits for
	changed    chan struct{}
	closed     bool
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
	// The client reaches the scheduler in memory, the jobs over the
	// network: over mutual TLS with credentials made for this cluster,
	// unless Insecure.
	var netcfg transport.Config
	var creds *tlsFiles
	if !cfg.Insecure {
		if listen, err = secureAddr(listen); err != nil {
			return nil, err
		}
		if creds, err = newTLSFiles(cfg.LogDirectory, cfg.Name); err != nil {
			return nil, err
		}
		netcfg.TLS = creds.config
	}
	ln, err := transport.Listen(listen, netcfg)
	if err != nil {
		creds.remove()
		return nil, fmt.Errorf("jobqueue: scheduler: %w", err)
	}
	tcfg := transport.Config{Inproc: transport.NewInproc(), TLS: netcfg.TLS} // TLS: to fetch from workers
	inproc, err := transport.Listen("inproc://scheduler", tcfg)
	if err != nil {
		ln.Close()
		creds.remove()
		return nil, fmt.Errorf("jobqueue: scheduler: %w", err)
	}
	c := &Cluster{
		cfg:       cfg,
		addr:      transport.Advertise(transport.Address(ln)),
		creds:     creds,
		log:       cfg.Logger,
		schedDone: make(chan error, 1),
		changed:   make(chan struct{}),
	}
	c.script = script(&c.cfg, c.addr, creds)
	sctx, stop := context.WithCancel(context.Background())
	c.stopScheduler = stop
	srv := schedulerd.New(schedulerd.Config{Build: gask.BuildID(), Logger: c.log, Scheduler: cfg.Scheduler})
	c.srv = srv
	go func() { c.schedDone <- srv.Serve(sctx, ln, inproc) }()
	c.client, err = gask.Connect(ctx, transport.Address(inproc), gask.WithTransport(tcfg), gask.WithLogger(c.log))
	if err != nil {
		stop()
		<-c.schedDone
		creds.remove()
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

// Addr is the scheduler's address, as the jobs dial it. With Insecure,
// more clients can connect to it with gask.Connect, and workers started
// by hand with `prog worker <addr>`; otherwise they would need the
// cluster's credentials, which it keeps to itself and its jobs.
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
		out[i] = j.Job
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
// their jobs are cancelled; Scale returns once those workers have retired
// and the batch system has taken the cancellations. Scale(0) cancels
// workers draining at the end of their lifetime too. The cluster keeps n:
// a job that ends is replaced. Scale ends adaptation (Adapt).
func (c *Cluster) Scale(ctx context.Context, n int) error {
	c.adapting.Stop()
	c.mu.Lock()
	// Asked again: jobs that failed, or were refused, may do better now.
	c.failures, c.failed, c.backoff, c.retryAt = 0, nil, 0, time.Time{}
	c.mu.Unlock()
	return c.scale(ctx, n)
}

func (c *Cluster) scale(ctx context.Context, n int) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("jobqueue: cluster closed")
	}
	c.target = max(n, 0)
	var queued, running, draining []*job
	for _, j := range c.jobs {
		switch j.State {
		case Pending:
			queued = append(queued, j)
		case Running:
			running = append(running, j)
		case Draining:
			draining = append(draining, j)
		}
	}
	extra := len(queued) + len(running) - c.target
	var cancel, retire []*job
	for i := len(queued) - 1; i >= 0 && extra > 0; i, extra = i-1, extra-1 {
		cancel = append(cancel, queued[i])
	}
	for i := len(running) - 1; i >= 0 && extra > 0; i, extra = i-1, extra-1 {
		retire = append(retire, running[i])
	}
	if c.target == 0 {
		// Workers draining at the end of their lifetime wait for others
		// to take their values: there will be none.
		cancel = append(cancel, draining...)
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
		if c.closed || c.failed != nil || live >= c.target || time.Now().Before(c.retryAt) {
			c.mu.Unlock()
			return nil
		}
		// Counted before it is submitted, so that two callers do not both
		// submit the missing job; an ID-less job that fails is dropped.
		j := &job{Job: Job{State: Pending, Submitted: time.Now()}}
		c.jobs = append(c.jobs, j)
		c.submitting.Add(1)
		c.mu.Unlock()

		id, err := c.submit(ctx)

		c.mu.Lock()
		if err != nil {
			c.jobs = slices.DeleteFunc(c.jobs, func(x *job) bool { return x == j })
			c.backoff = min(max(2*c.backoff, c.cfg.PollInterval), maxBackoff)
			c.retryAt = time.Now().Add(c.backoff)
			c.mu.Unlock()
			c.submitting.Done()
			return err
		}
		c.backoff, c.retryAt = 0, time.Time{}
		j.ID, j.Worker = id, c.cfg.Name+"-"+id
		// Scale or Close may have let go of it while it was submitted.
		unwanted := c.closed || j.State == Ended
		c.notifyLocked()
		c.mu.Unlock()
		c.log.Info("job submitted", "system", c.cfg.System.name, "job", id)
		if unwanted {
			err = c.cancel(ctx, []*job{j})
		}
		c.submitting.Done()
		if unwanted {
			return err
		}
	}
}

func (c *Cluster) submit(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commandTimeout)
	defer cancel()
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

// cancel marks jobs ended and cancels those with IDs, all with one
// command. Those the command fails on are cancelled again later (watch,
// Close).
func (c *Cluster) cancel(ctx context.Context, jobs []*job) error {
	var ids []string
	var with []*job
	c.mu.Lock()
	for _, j := range jobs {
		if j.ID != "" && !j.cancelled {
			ids = append(ids, j.ID)
			with = append(with, j)
		}
		j.State = Ended
	}
	c.notifyLocked()
	c.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if err := c.cancelIDs(ctx, ids); err != nil {
		return err
	}
	c.mu.Lock()
	for _, j := range with {
		j.cancelled = true
	}
	c.mu.Unlock()
	return nil
}

// cancelIDs runs the system's cancel command on ids. A job the system no
// longer has is cancelled already.
func (c *Cluster) cancelIDs(ctx context.Context, ids []string) error {
	ctx, stop := context.WithTimeout(context.WithoutCancel(ctx), commandTimeout)
	defer stop()
	sys := c.cfg.System
	_, err := run(ctx, "", sys.cancel[0], append(slices.Clip(sys.cancel[1:]), ids...)...)
	if err != nil && !sys.gone(err) {
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
		var drain []*job
		c.mu.Lock()
		for _, j := range c.jobs {
			switch {
			case j.ID == "" || j.State == Ended && j.cancelled:
			case j.State == Ended:
				// Its cancellation failed: ask, and cancel again if
				// it is still there.
				if poll {
					ask = append(ask, j.ID)
				}
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
			var again []*job
			for _, id := range ask {
				if j := c.ended(id, active[id]); j != nil {
					again = append(again, j)
				}
			}
			// Cancelled even when the system says it ended: an SGE job in
			// an error state, or a SLURM job requeued, would run later.
			if err := c.cancel(ctx, again); err != nil && ctx.Err() == nil {
				c.log.Warn("jobqueue: cancelling jobs again", "err", err)
			}
		}
		if err := c.replenish(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("jobqueue: replacing ended jobs", "err", err)
		}
	}
}

// ended takes in what the batch system says of job id, whose worker is
// not connected: whether it is still queued or running (active). It returns
// the job if it is to be cancelled: it ended, or its cancellation failed
// and it is still there.
func (c *Cluster) ended(id string, active bool) *job {
	c.mu.Lock()
	defer c.mu.Unlock()
	var j *job
	for _, x := range c.jobs {
		if x.ID == id {
			j = x
		}
	}
	switch {
	case j == nil:
		return nil
	case j.State == Ended:
		if !active {
			j.cancelled = true // gone
			return nil
		}
		return j
	case active:
		return nil // queued, or its worker restarting under its nanny
	}
	before := j.State
	j.State = Ended
	c.notifyLocked()
	if before != Pending {
		c.log.Info("jobqueue: job ended", "job", id, "worker", j.Worker)
		return j
	}
	c.failures++
	err := fmt.Errorf("jobqueue: job %s ended before its worker joined the scheduler at %s%s", id, c.addr, c.tail(id))
	if c.failures >= maxFailures {
		c.failed = fmt.Errorf("%w (%d jobs in a row; no more are submitted until Scale is called again)", err, c.failures)
	}
	c.log.Error(err.Error())
	return j
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

// retire retires j's worker and then makes sure its job is over. While its
// values have nowhere to go (its replacement has not joined yet) it tries
// again; it gives up when the worker is gone, when the job was cancelled
// meanwhile (Scale), and when the cluster is to have no worker.
func (c *Cluster) retire(ctx context.Context, j *job) {
	defer c.watching.Done()
	for {
		err := c.client.RetireWorkers(ctx, j.Worker)
		if err == nil || ctx.Err() != nil {
			break
		}
		var re *gask.RetireError
		if !errors.As(err, &re) || len(re.Kept) == 0 {
			break // lost, unknown, or the scheduler unreachable
		}
		c.mu.Lock()
		// With a target, replacements are running or coming.
		wanted, ended := c.target > 0, j.State == Ended
		c.mu.Unlock()
		if ended || !wanted {
			break
		}
		c.log.Info("jobqueue: worker could not retire yet", "worker", j.Worker, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.cfg.PollInterval):
		}
	}
	if err := c.cancel(ctx, []*job{j}); err != nil {
		c.log.Warn("jobqueue: after retiring", "worker", j.Worker, "err", err)
	}
}

// Close stops the client, cancels every job the cluster submitted that the
// batch system still lists as queued or running, waits until it lists none
// of them, and stops the scheduler.
func (c *Cluster) Close() error {
	c.adapting.Close()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.notifyLocked()
	c.mu.Unlock()
	c.stopWatch()
	c.watching.Wait()
	c.submitting.Wait() // they see closed and cancel their job
	c.client.Close()

	c.mu.Lock()
	ids := make([]string, 0, len(c.jobs))
	for _, j := range c.jobs {
		j.State = Ended
		if j.ID != "" {
			ids = append(ids, j.ID)
		}
	}
	c.notifyLocked()
	c.mu.Unlock()

	// Whatever the bookkeeping says, every job the system still has.
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	var err error
	for cancelled := false; len(ids) > 0; {
		active, aerr := c.cfg.System.active(ctx, ids)
		if aerr != nil {
			err = aerr
			break
		}
		ids = slices.DeleteFunc(ids, func(id string) bool { return !active[id] })
		if len(ids) == 0 {
			break
		}
		if !cancelled {
			if err = c.cancelIDs(ctx, ids); err != nil {
				break
			}
			cancelled = true
		}
		select {
		case <-ctx.Done():
			err = fmt.Errorf("jobqueue: jobs %s still listed a minute after they were cancelled", strings.Join(ids, " "))
		case <-time.After(200 * time.Millisecond):
		}
		if err != nil {
			break
		}
	}
	c.stopScheduler()
	err = errors.Join(err, <-c.schedDone)
	c.creds.remove()
	return err
}

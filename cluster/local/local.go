// Package local runs a whole gask cluster on this machine: a scheduler and
// workers, as goroutines in this process (the default) or as worker
// processes that re-execute this program, each supervised by a nanny.
//
//	cluster, err := local.New(ctx)                       // goroutine workers
//	cluster, err := local.New(ctx, local.Processes(), local.Workers(4), local.Threads(1))
//	defer cluster.Close()
//	c := cluster.Client()
//
// Sizes default to the CPUs and memory this process may actually use (its
// affinity mask, cgroup quota, or batch allocation such as SLURM's), not the
// node's. With Processes the program must call gask.Main first thing in
// main, so that the re-executed copies serve as workers.
package local

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/adapt"
	"github.com/gask-dev/gask/internal/allocation"
	"github.com/gask-dev/gask/internal/dirlock"
	"github.com/gask-dev/gask/nanny"
	"github.com/gask-dev/gask/scheduler"
	"github.com/gask-dev/gask/schedulerd"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/workerd"
)

// Option configures New.
type Option func(*config)

type config struct {
	workers     int
	threads     int
	processes   bool
	memoryLimit int64
	logger      *slog.Logger
	scheduler   scheduler.Config
}

// Scheduler tunes the cluster's scheduler (how much work it sends ahead,
// how many worker deaths a task may see, ...); the zero Config is the
// default.
func Scheduler(cfg scheduler.Config) Option { return func(c *config) { c.scheduler = cfg } }

// Workers sets the number of workers.
func Workers(n int) Option { return func(c *config) { c.workers = n } }

// Threads sets each worker's number of threads (tasks run at once). A
// worker process's Go runtime gets as many (GOMAXPROCS), unless the
// environment sets GOMAXPROCS: the cluster divides this process's CPUs
// among its workers, as Dask's nannies pin OMP_NUM_THREADS.
func Threads(n int) Option { return func(c *config) { c.threads = n } }

// Processes runs each worker in its own process, re-executing this program
// (which must call gask.Main), supervised by a nanny that restarts it.
func Processes() Option { return func(c *config) { c.processes = true } }

// MemoryLimit sets each worker's memory limit in bytes (default: this
// process's memory divided among the workers).
func MemoryLimit(n int64) Option { return func(c *config) { c.memoryLimit = n } }

// Logger sets the cluster's logger (default: warnings and errors to stderr).
func Logger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Cluster is a running local cluster.
type Cluster struct {
	cfg  config
	addr string
	tcfg transport.Config
	// clientAddr is where clients in this process connect: the in-process
	// listener, also when workers are processes.
	clientAddr string
	sockDir    string   // holds the Unix socket worker processes dial, if any
	sockLock   *os.File // keeps sockDir locked while the cluster runs (internal/dirlock)
	client     *gask.Client
	log        *slog.Logger

	stopScheduler context.CancelFunc
	schedDone     chan error
	srv           *schedulerd.Server

	mu      sync.Mutex
	workers []*localWorker
	next    int
	closed  bool

	adapting adapt.Loop
}

type localWorker struct {
	name string
	stop context.CancelFunc
	done chan struct{}
}

// ErrWorkerProcess is returned by New in a process started as a worker of
// a local cluster whose program did not call gask.Main.
var ErrWorkerProcess = errors.New("gask: this process was started as a gask worker, but the program does not call gask.Main() at the start of main")

// New starts a local cluster and connects a client to it.
func New(ctx context.Context, opts ...Option) (*Cluster, error) {
	if os.Getenv(gask.WorkerEnv) == "1" {
		return nil, ErrWorkerProcess
	}
	alloc := allocation.Detect()
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	switch {
	case cfg.workers <= 0 && cfg.processes:
		cfg.workers = max(1, alloc.CPUs/max(cfg.threads, 1))
	case cfg.workers <= 0:
		cfg.workers = 1
	}
	if cfg.threads <= 0 {
		cfg.threads = max(1, alloc.CPUs/cfg.workers)
	}
	if cfg.memoryLimit <= 0 && alloc.Memory > 0 {
		cfg.memoryLimit = alloc.Memory / int64(cfg.workers)
	}
	c := &Cluster{cfg: cfg, log: cfg.logger, schedDone: make(chan error, 1)}
	// The client, in this process, always reaches the scheduler in memory;
	// worker processes reach it over a Unix socket (see listenLocal).
	c.tcfg.Inproc = transport.NewInproc()
	inproc, err := transport.Listen("inproc://scheduler", c.tcfg)
	if err != nil {
		return nil, fmt.Errorf("gask: local cluster: %w", err)
	}
	lns := []net.Listener{inproc}
	c.addr = transport.Address(inproc)
	c.clientAddr = c.addr
	if cfg.processes {
		ln, dir, lock, err := listenLocal(ctx, c.tcfg, c.log)
		if err != nil {
			inproc.Close()
			return nil, fmt.Errorf("gask: local cluster: %w", err)
		}
		lns = append(lns, ln)
		c.addr, c.sockDir, c.sockLock = transport.Address(ln), dir, lock
	}
	sctx, stop := context.WithCancel(context.Background())
	c.stopScheduler = stop
	srv := schedulerd.New(schedulerd.Config{Build: gask.BuildID(), Logger: c.log, Scheduler: cfg.scheduler})
	c.srv = srv
	go func() { c.schedDone <- srv.Serve(sctx, lns...) }()

	if err := c.Scale(ctx, cfg.workers); err != nil {
		c.Close()
		return nil, err
	}
	c.client, err = gask.Connect(ctx, c.clientAddr, gask.WithTransport(c.tcfg), gask.WithLogger(c.log))
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Client is the cluster's client, connected when the cluster started.
func (c *Cluster) Client() *gask.Client { return c.client }

// Addr is the scheduler's address. For goroutine workers it is an
// in-process address that only this process can reach; with worker
// processes, a Unix socket (unix:///tmp/gask-local-<host>-…/scheduler.sock) that
// processes of this user on this machine can reach, such as workers
// started by hand.
func (c *Cluster) Addr() string { return c.addr }

// Snapshot is the scheduler's state now, for a dashboard: the cluster is
// a dashboard.Source.
//
//	d, err := dashboard.Listen("127.0.0.1:8787", cluster, nil)
func (c *Cluster) Snapshot(ctx context.Context) (*schedulerd.Snapshot, error) {
	return c.srv.Snapshot(ctx)
}

// Processes reports whether the workers are processes (the Processes
// option) rather than goroutines of this process.
func (c *Cluster) Processes() bool { return c.cfg.processes }

// Transport is how to reach the cluster (connect more clients with
// gask.WithTransport(cluster.Transport())).
func (c *Cluster) Transport() transport.Config { return c.tcfg }

// Adapt sizes the cluster to its work from now on, between cfg.Minimum and
// cfg.Maximum workers of the cluster's threads and memory limit, checking
// the scheduler's load every second (package adapt; Dask's
// cluster.adapt). Scale and Close end it; Adapt again replaces its bounds.
func (c *Cluster) Adapt(cfg adapt.Config) {
	cfg.Threads, cfg.Memory = c.cfg.threads, c.cfg.memoryLimit
	c.adapting.Start(c.client, scaler{c}, func() int {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.workers)
	}, cfg, c.log)
}

// scaler scales the cluster without ending adaptation, for the adapt loop.
type scaler struct{ c *Cluster }

func (s scaler) Scale(ctx context.Context, n int) error { return s.c.scale(ctx, n) }

// Scale sets the number of workers, starting new ones (and waiting until
// they have joined) or retiring the newest: the scheduler moves the values
// only they hold to the workers that stay, so nothing is recomputed, and
// then they exit (Client.RetireWorkers). A worker whose values cannot all
// be moved (with n = 0 there is nowhere to move them) is stopped anyway,
// and what it held is recomputed when needed, as after any worker's death.
// Scale returns once the workers it removes are gone. It ends adaptation
// (Adapt).
func (c *Cluster) Scale(ctx context.Context, n int) error {
	c.adapting.Stop()
	return c.scale(ctx, n)
}

func (c *Cluster) scale(ctx context.Context, n int) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("gask: local cluster closed")
	}
	var stopping []*localWorker
	for len(c.workers) > n {
		w := c.workers[len(c.workers)-1]
		c.workers = c.workers[:len(c.workers)-1]
		stopping = append(stopping, w)
	}
	var starting []int
	for i := len(c.workers); i < n; i++ {
		c.next++
		starting = append(starting, c.next)
	}
	client := c.client
	c.mu.Unlock()
	if len(stopping) > 0 && client != nil {
		names := make([]string, len(stopping))
		for i, w := range stopping {
			names[i] = w.name
		}
		var re *gask.RetireError
		switch err := client.RetireWorkers(ctx, names...); {
		case errors.As(err, &re):
			// With no room left for their values (Scale(0), say), they
			// are stopped anyway: the values are recomputed if needed.
			c.log.Info("scaling down: stopping workers that could not retire", "err", err)
		case err != nil:
			c.log.Warn("scaling down: stopping workers without retiring them", "err", err)
		}
	}
	for _, w := range stopping {
		w.stop() // a retired worker has stopped already
		<-w.done
	}
	errs := make(chan error, len(starting))
	for _, id := range starting {
		go func() { errs <- c.startWorker(ctx, fmt.Sprintf("local-%d", id)) }()
	}
	var all []error
	for range starting {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// startWorker starts one worker and returns once it has joined.
func (c *Cluster) startWorker(ctx context.Context, name string) error {
	wctx, stop := context.WithCancel(context.Background())
	w := &localWorker{name: name, stop: stop, done: make(chan struct{})}
	joined := make(chan struct{})
	var once sync.Once
	ready := func(string, int) { once.Do(func() { close(joined) }) }
	failed := make(chan error, 1)
	if c.cfg.processes {
		exe, err := os.Executable()
		if err != nil {
			stop()
			return err
		}
		args := []string{"worker", c.addr, "--name", name, "--nthreads", fmt.Sprint(c.cfg.threads),
			"--memory-limit", fmt.Sprint(c.cfg.memoryLimit)}
		env := []string{gask.WorkerEnv + "=1"}
		if _, set := os.LookupEnv("GOMAXPROCS"); !set {
			// Its share of the CPUs: more Ps than threads only add
			// wake-ups and migrations between CPUs the workers share.
			env = append(env, "GOMAXPROCS="+strconv.Itoa(c.cfg.threads))
		}
		go func() {
			defer close(w.done)
			err := nanny.Run(wctx, nanny.Config{Scheduler: c.addr, Name: name, Command: exe, Args: args,
				Env: env, Logger: c.log, Started: ready, MemoryLimit: c.cfg.memoryLimit})
			failed <- err
		}()
	} else {
		wk := workerd.New(workerd.Config{Scheduler: c.addr, Name: name, NThreads: c.cfg.threads,
			MemoryLimit: c.cfg.memoryLimit, Transport: c.tcfg, Build: gask.BuildID(), Logger: c.log,
			Ready: func(a string) { ready(a, 0) }})
		go func() {
			defer close(w.done)
			err := wk.Run(wctx) // nil when it retires, too
			if err != nil && wctx.Err() == nil {
				c.log.Error("worker stopped", "name", name, "err", err)
			}
			failed <- err
		}()
	}
	select {
	case <-joined:
		c.mu.Lock()
		c.workers = append(c.workers, w)
		c.mu.Unlock()
		return nil
	case err := <-failed:
		stop()
		if err == nil {
			err = errors.New("stopped before joining")
		}
		return fmt.Errorf("gask: local worker %s: %w", name, err)
	case <-ctx.Done():
		stop()
		<-w.done
		return ctx.Err()
	}
}

// Close stops the client, every worker and the scheduler, and waits for
// all of them: no goroutine or process is left behind.
func (c *Cluster) Close() error {
	c.adapting.Close()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	workers := c.workers
	c.workers = nil
	c.mu.Unlock()
	if c.client != nil {
		c.client.Close()
	}
	for _, w := range workers {
		w.stop()
	}
	for _, w := range workers {
		<-w.done
	}
	c.stopScheduler()
	err := <-c.schedDone
	if c.sockDir != "" {
		os.RemoveAll(c.sockDir) // the listener removed its socket already
	}
	if c.sockLock != nil {
		c.sockLock.Close()
	}
	return err
}

// listenLocal is the scheduler's listener for worker processes: a Unix
// socket in a new directory only this user may enter (so only this user's
// processes can connect, where any local user could connect to a loopback
// TCP port), or, where that fails (a temporary directory whose path is too
// long for a socket address, a system without Unix sockets), loopback TCP.
// A message over a Unix socket costs the kernel less than over loopback
// TCP: a task's round trip through the cluster is about a tenth faster
// (docs/benchmarks.md). Workers' own listeners, which carry results between
// workers, stay on TCP, whose loopback buffers suit bulk data better
// (worker-to-worker transfers measured 10–30 % slower over Unix sockets).
//
// Close removes the directory. The returned lock keeps it marked as in
// use (internal/dirlock) until then, so that a program killed before
// Close (Ctrl-C, a crash) leaves a directory that the next local cluster
// on this host removes: listenLocal purges those first.
func listenLocal(ctx context.Context, cfg transport.Config, log *slog.Logger) (ln net.Listener, dir string, lock *os.File, err error) {
	prefix := dirlock.HostPrefix(sockDirPrefix)
	dirlock.Purge(ctx, os.TempDir(), prefix, log, "socket directory of a local cluster")
	dir, err = os.MkdirTemp("", prefix)
	if err == nil {
		if lock, err = dirlock.Lock(dir); errors.Is(err, dirlock.ErrUnsupported) {
			lock, err = nil, nil // works without; only the purge after a crash does not
		}
	}
	if err == nil {
		ln, err = transport.Listen("unix://"+filepath.Join(dir, "scheduler.sock"), cfg)
		if err == nil {
			return ln, dir, lock, nil
		}
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
	if lock != nil {
		lock.Close()
	}
	log.Info("gask: local cluster: workers reach the scheduler over loopback TCP, not a Unix socket", "err", err)
	ln, err = transport.Listen("tcp://127.0.0.1:0", cfg)
	return ln, "", nil, err
}

// sockDirPrefix begins the names of local clusters' socket directories,
// followed by the host's name (dirlock.HostPrefix).
const sockDirPrefix = "gask-local-"

// Package adapt sizes a cluster to its work, as Dask's adaptive clusters
// do: every second it asks the scheduler how much work there is, and
// scales the cluster between a minimum and a maximum number of workers.
// Clusters offer it as their Adapt method (local.Cluster, jobqueue.Cluster);
// Run is the loop they share.
//
// The policy (Target): enough workers that the tasks at hand — queued on
// the scheduler, waiting for a worker that can run them, and on the
// workers — take about TargetDuration at the mean task duration so far
// (half a second before any task has finished), and enough that the
// results they hold stay below the memory target (60 % of each worker's
// limit). Up at once; down only when several checks in a row (WaitCount)
// ask for fewer, to the most that any of them asked for. Scaling down
// retires workers: their results move to the workers that stay.
package adapt

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/gask-dev/gask"
)

// Config bounds and paces adaptation. The zero value of each field but
// Maximum is its default.
type Config struct {
	// Minimum and Maximum bound the number of workers. A Maximum below
	// Minimum is Minimum.
	Minimum, Maximum int
	// Interval is how often the scheduler is asked. Default 1s.
	Interval time.Duration
	// TargetDuration is how long the work at hand should take. Default 5s.
	TargetDuration time.Duration
	// WaitCount is how many checks in a row must ask for fewer workers
	// before the cluster shrinks. Default 3.
	WaitCount int
	// Threads is each worker's threads, and Memory its memory limit in
	// bytes (0: unknown; the workers' own limits are used once they
	// joined). The cluster fills them in.
	Threads int
	Memory  int64
}

// UnknownDuration is the duration Target assumes of tasks before any has
// finished (Dask's distributed.scheduler.unknown-task-duration).
const UnknownDuration = 500 * time.Millisecond

// memoryTarget is the share of a worker's memory limit that the results
// it holds should stay below: where they start to spill
// (workerd.DefaultMemoryTarget).
const memoryTarget = 0.6

func (cfg Config) withDefaults() Config {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.TargetDuration <= 0 {
		cfg.TargetDuration = 5 * time.Second
	}
	if cfg.WaitCount <= 0 {
		cfg.WaitCount = 3
	}
	if cfg.Threads <= 0 {
		cfg.Threads = 1
	}
	cfg.Minimum = max(cfg.Minimum, 0)
	cfg.Maximum = max(cfg.Maximum, cfg.Minimum)
	return cfg
}

// Target is the number of workers the scheduler's load asks for, within
// cfg's bounds.
func Target(info *gask.SchedulerInfo, cfg Config) int {
	cfg = cfg.withDefaults()
	tasks := info.Queued + info.NoWorker
	var held int64
	limit := cfg.Memory
	for _, w := range info.Workers {
		tasks += w.Processing
		held += w.ManagedBytes
		if limit <= 0 {
			limit = w.MemoryLimit
		}
	}
	dur := info.MeanTaskDuration
	if dur <= 0 {
		dur = UnknownDuration
	}
	// Threads to do the work in TargetDuration; never more than tasks.
	// In floating point: tasks × duration overflows int64 at 10⁷ tasks of
	// 1,000 s.
	threads := min(math.Ceil(float64(tasks)*float64(dur)/float64(cfg.TargetDuration)), float64(tasks))
	n := math.Ceil(threads / float64(cfg.Threads))
	if limit > 0 {
		n = max(n, math.Ceil(float64(held)/(memoryTarget*float64(limit))))
	}
	return int(min(max(n, float64(cfg.Minimum)), float64(cfg.Maximum)))
}

// Scaler is a cluster that Run scales.
type Scaler interface {
	Scale(ctx context.Context, n int) error
}

// Run adapts cl, whose size is now current, to the load of the scheduler
// that c is connected to, until ctx ends. Errors from the scheduler or
// from scaling are logged, and the next check tries again.
func Run(ctx context.Context, c *gask.Client, cl Scaler, current int, cfg Config, log *slog.Logger) {
	cfg = cfg.withDefaults()
	d := decider{wait: cfg.WaitCount}
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	for {
		info, err := c.SchedulerInfo(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("adapt: asking the scheduler", "err", err)
		} else if n, ok := d.decide(current, Target(info, cfg)); ok {
			log.Info("adapt: scaling", "from", current, "to", n)
			if err := cl.Scale(ctx, n); err != nil {
				if ctx.Err() != nil {
					return
				}
				// current stays: the next check asks again.
				log.Warn("adapt: scaling", "to", n, "err", err)
			} else {
				current = n
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// decider turns the targets of successive checks into scaling decisions:
// up at once, down after wait checks in a row ask for fewer, to the most
// any of them asked for.
type decider struct {
	wait    int
	below   int // checks in a row that asked for fewer than current
	highest int // the most those checks asked for
}

func (d *decider) decide(current, target int) (n int, scale bool) {
	switch {
	case target > current:
		d.below = 0
		return target, true
	case target == current:
		d.below = 0
		return current, false
	}
	if d.below == 0 || target > d.highest {
		d.highest = target
	}
	d.below++
	if d.below < d.wait {
		return current, false
	}
	d.below = 0
	return d.highest, true
}

// Loop is a cluster's adaptation: Run in a goroutine that Start begins
// (ending the one before) and Stop and Close end. Its zero value is ready.
type Loop struct {
	mu     sync.Mutex
	stop   context.CancelFunc
	done   chan struct{}
	closed bool
}

// Start ends the loop that runs, if any, and runs Run(c, cl, current(),
// cfg, log) in a new goroutine, unless the Loop is closed. current is
// called once the previous loop has ended.
func (l *Loop) Start(c *gask.Client, cl Scaler, current func() int, cfg Config, log *slog.Logger) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopLocked()
	if l.closed {
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	l.stop, l.done = stop, done
	n := current()
	go func() {
		defer close(done)
		Run(ctx, c, cl, n, cfg, log)
	}()
}

// Stop ends the loop, if one runs, and waits for it.
func (l *Loop) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopLocked()
}

// Close is Stop, and Start does nothing after it.
func (l *Loop) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopLocked()
	l.closed = true
}

func (l *Loop) stopLocked() {
	if l.stop != nil {
		l.stop()
		<-l.done
		l.stop, l.done = nil, nil
	}
}

package workerd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gask-dev/gask/internal/allocation"
	"github.com/gask-dev/gask/internal/peer"
	"github.com/gask-dev/gask/internal/registry"
	"github.com/gask-dev/gask/internal/turn"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
	"github.com/gask-dev/gask/worker"
)

// Config describes a worker.
type Config struct {
	Scheduler   string // the scheduler's address
	Listen      string // where to serve peers; default tcp://127.0.0.1:0 (inproc://auto with an Inproc transport)
	Name        string // unique in the cluster; default the listen address
	NThreads    int    // default 1
	MemoryLimit int64  // bytes; 0 means no limit
	// Thresholds, as fractions of MemoryLimit (0: the Default… constants;
	// negative: off). Above MemoryTarget of managed bytes (the values held
	// in memory), least recently used values spill to disk until below it;
	// above MemorySpill of process memory they spill until the process is
	// below MemoryTarget; above MemoryPause the worker pauses (no new tasks
	// or fetches) until memory falls below it again.
	MemoryTarget, MemorySpill, MemoryPause float64
	// ProcessMemory measures the memory of this worker's process, for the
	// spill and pause thresholds. Nil means the managed bytes alone: right
	// for workers that share a process (a local cluster's goroutine
	// workers). A worker that has its process to itself uses ProcessRSS.
	ProcessMemory func() int64
	// TuneGC says the process is this worker's alone (with ProcessMemory),
	// so that the memory monitor may set its garbage collector's percent
	// (GOGC) from the memory it has: see gcPercent. gask's worker processes
	// set it unless GOGC is in their environment.
	TuneGC bool
	// MemoryInterval is how often memory is checked; default 100ms.
	MemoryInterval time.Duration
	// LocalDirectory is where values spill to, in a directory of their own
	// that is removed when the worker stops; default the system's
	// temporary directory.
	LocalDirectory string
	Resources      []wire.Resource
	Transport      transport.Config
	Build          string        // the program's build identity
	Heartbeat      time.Duration // default 1s
	// PeerTimeout is how long a fetch from another worker may see nothing
	// arrive before its connection is dropped as hung and the values are
	// asked for elsewhere; default peer.DefaultStallTimeout (30 s).
	PeerTimeout time.Duration
	Logger      *slog.Logger
	// Ready, if set, is called with the worker's address once it has joined.
	Ready func(addr string)

	spillFS spillFS // tests: instead of a directory under LocalDirectory
}

// ErrSchedulerLost is returned by Run when the scheduler connection breaks.
var ErrSchedulerLost = errors.New("gask: lost the connection to the scheduler")

// errRetired ends the loop when the scheduler retires the worker.
var errRetired = errors.New("gask: worker retired")

// Worker is one worker. Create it with New and start it with Run.
type Worker struct {
	cfg   Config
	log   *slog.Logger
	store *store
	spill *dirFS // nil when Config.spillFS is set
	th    thresholds
	state *worker.State
	addr  string

	sched    *wire.Conn
	peers    *peer.Pool
	events   chan any // wire messages from the scheduler, results, transfers
	jobs     chan *job
	running  []*job         // the jobs executing, at most NThreads; owned by the loop
	later    []any          // events the loop raised for itself
	lastFn   *registry.Func // the function of the last task executed
	lastFnID string         // its identity as the last Compute gave it
	stored   chan struct{}  // wakes the memory monitor
	// wakeAbove is the managed bytes past which storing a value wakes the
	// memory monitor: the lowest threshold.
	wakeAbove int64
	// spillMu serialises spilling: the memory monitor's, and the one whoever
	// stores a value past the target does before going on. retry is when
	// spilling may be tried again after a failure.
	spillMu sync.Mutex
	retry   time.Time
	retired bool // the scheduler retired it; set by the loop, read after Run
	wg      sync.WaitGroup
}

// New returns a worker for cfg.
func New(cfg Config) *Worker {
	if cfg.NThreads < 1 {
		cfg.NThreads = 1
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Listen == "" {
		cfg.Listen = "tcp://127.0.0.1:0"
		if cfg.Transport.Inproc != nil {
			if scheme, _, _ := transport.Parse(cfg.Scheduler); scheme == transport.SchemeInproc {
				cfg.Listen = "inproc://"
			}
		}
	}
	if cfg.MemoryInterval <= 0 {
		cfg.MemoryInterval = 100 * time.Millisecond
	}
	w := &Worker{cfg: cfg, log: cfg.Logger, th: thresholds{
		target: threshold(cfg.MemoryTarget, DefaultMemoryTarget),
		spill:  threshold(cfg.MemorySpill, DefaultMemorySpill),
		pause:  threshold(cfg.MemoryPause, DefaultMemoryPause),
	}}
	fs := cfg.spillFS
	if fs == nil {
		w.spill = &dirFS{parent: cfg.LocalDirectory, log: cfg.Logger}
		fs = w.spill
	}
	w.store = newStore(fs)
	if cfg.MemoryLimit > 0 {
		w.store.room = w.roomFor
	}
	return w
}

type fetched struct {
	from    string
	keys    []string
	nbytes  []int64
	missing []string
}

type peerPut struct {
	key    string
	nbytes int64
}

type schedLost struct{ err error }

// Run connects to the scheduler and works until ctx ends (nil error), the
// scheduler retires the worker (nil error; Retired reports it), or the
// scheduler goes away (ErrSchedulerLost). It stops every goroutine it
// started before returning.
func (w *Worker) Run(ctx context.Context) error {
	ln, err := transport.Listen(w.cfg.Listen, w.cfg.Transport)
	if err != nil {
		return fmt.Errorf("gask worker: %w", err)
	}
	w.addr = transport.Advertise(transport.Address(ln))
	if w.cfg.Name == "" {
		w.cfg.Name = w.addr
	}
	w.log = w.log.With("worker", w.cfg.Name)
	if w.spill != nil {
		w.spill.log = w.log // nothing spills before Run
	}

	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	nc, err := transport.Dial(dctx, w.cfg.Scheduler, w.cfg.Transport)
	if err != nil {
		cancel()
		ln.Close()
		return fmt.Errorf("gask worker: connect to scheduler: %w", err)
	}
	w.sched = wire.NewConn(nc, wire.Limits{})
	hello := &wire.Hello{
		Role: wire.RoleWorker, Name: w.cfg.Name, Build: w.cfg.Build, Funcs: registry.IDs(),
		Addr: w.addr, NThreads: uint32(w.cfg.NThreads), MemoryLimit: w.cfg.MemoryLimit,
		Resources: w.cfg.Resources, PID: int64(os.Getpid()),
	}
	_, err = wire.Handshake(dctx, w.sched, hello)
	cancel()
	if err != nil {
		w.sched.Close()
		ln.Close()
		return fmt.Errorf("gask worker: join scheduler %s: %w", w.cfg.Scheduler, err)
	}

	w.state = worker.New(worker.Config{Self: w.addr, NThreads: w.cfg.NThreads,
		MaxFetchBytes: fetchBytes(w.cfg.MemoryLimit), MaxIncomingBytes: w.cfg.MemoryLimit / 10})
	w.peers = peer.NewPool(w.cfg.Transport, wire.Hello{Name: w.cfg.Name, Build: w.cfg.Build}, w.cfg.PeerTimeout)
	w.events = make(chan any, 1024)
	w.jobs = make(chan *job, w.cfg.NThreads)

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	for range w.cfg.NThreads {
		w.wg.Go(func() { w.executor(runCtx) })
	}
	if w.cfg.MemoryLimit > 0 {
		w.stored = make(chan struct{}, 1)
		w.wakeAbove = w.th.lowest(w.cfg.MemoryLimit)
		idle := w.processMemory()
		w.wg.Go(func() { w.monitorMemory(runCtx, idle) })
	}
	if w.spill != nil {
		// Leftovers of workers that died under this local directory: a
		// nanny's kill leaves the spill files of the worker it killed.
		w.wg.Go(func() { purgeLeftovers(runCtx, w.spill.parentDir(), w.log) })
	}
	var srv sync.WaitGroup
	srv.Go(func() { w.serve(runCtx, ln) })
	srv.Go(func() { w.readScheduler(runCtx) })
	if w.cfg.Ready != nil {
		w.cfg.Ready(w.addr)
	}
	w.log.Info("worker joined", "addr", w.addr, "scheduler", w.cfg.Scheduler, "threads", w.cfg.NThreads,
		"memory_limit", w.cfg.MemoryLimit, "pid", os.Getpid())

	err = w.loop(runCtx)
	if errors.Is(err, errRetired) {
		// Its values have copies elsewhere and nothing runs here: a clean end.
		w.retired, err = true, nil
		w.log.Info("worker retired")
	}

	stop()
	close(w.jobs) // the loop, which sends jobs, has returned
	for _, j := range w.running {
		j.ctx.cancel() // running tasks see the worker stop
	}
	ln.Close()
	w.sched.Close()
	srv.Wait()
	w.wg.Wait() // executors, transfers and the memory monitor
	w.peers.Close()
	if w.spill != nil {
		if cerr := w.spill.Close(); cerr != nil {
			w.log.Warn("cannot remove the spill directory", "err", cerr)
		}
	}
	return err
}

// Addr is the worker's address once Run has started serving.
func (w *Worker) Addr() string { return w.addr }

// Retired reports, once Run has returned, whether it returned because the
// scheduler retired the worker (RetireWorkers) rather than because its
// context ended.
func (w *Worker) Retired() bool { return w.retired }

func (w *Worker) readScheduler(ctx context.Context) {
	for {
		var ev any
		m, err := w.sched.Recv()
		if err != nil {
			ev = schedLost{err}
		} else {
			ev = m
		}
		if !w.post(ctx, ev) || err != nil {
			return
		}
	}
}

// post hands ev to the loop and reports whether it did (false: ctx ended).
// The loop's queue has room nearly always: a send that need not wait
// skips a two-way select, which is on every task's path twice.
func (w *Worker) post(ctx context.Context, ev any) bool {
	select {
	case w.events <- ev:
		return true
	default:
	}
	select {
	case w.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// executor runs jobs until Run closes the queue.
func (w *Worker) executor(ctx context.Context) {
	var args []any // scratch for every job's arguments
	for j := range w.jobs {
		j.res = w.run(j, &args)
		if !w.post(ctx, j) { // a pointer: no allocation to box it
			return
		}
	}
}

// Events the loop gets from its own goroutines: the heartbeat is due; the
// context ended (a nudge: the loop also checks the context after each turn).
type (
	heartbeatDue struct{}
	ctxEnded     struct{}
)

// loop handles events until ctx ends or the scheduler is lost. It waits on
// the events channel alone: a select over it, a ticker and ctx.Done costs a
// task a microsecond, since the loop waits for nearly every event.
func (w *Worker) loop(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		select {
		case w.events <- ctxEnded{}:
		default: // the loop is busy: it sees ctx.Err after this turn
		}
	})
	defer stop()
	w.wg.Go(func() {
		tick := time.NewTicker(w.cfg.Heartbeat)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				if !w.post(ctx, heartbeatDue{}) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	})
	tu := turn.New(nil)
	for {
		ev := <-w.events
		// Handle everything already waiting, then write once: but for no
		// longer than a turn (internal/turn).
		tu.Begin()
		for {
			if err := w.handle(ctx, ev); err != nil {
				return err
			}
			for len(w.later) > 0 {
				ev := w.later[0]
				w.later = w.later[1:]
				if err := w.handle(ctx, ev); err != nil {
					return err
				}
			}
			if !tu.Next() {
				break
			}
			select {
			case ev = <-w.events:
				continue
			default:
			}
			break
		}
		w.sched.Kick()
		if ctx.Err() != nil {
			w.sched.Flush() // what this turn queued, kicked above
			return nil
		}
	}
}

func (w *Worker) handle(ctx context.Context, ev any) error {
	var cmds []worker.Command
	switch m := ev.(type) {
	case heartbeatDue:
		w.heartbeat()
		return nil
	case ctxEnded:
		return nil // the loop returns after this turn
	case schedLost:
		if wire.IsClosedErr(m.err) {
			return ErrSchedulerLost
		}
		return fmt.Errorf("%w: %v", ErrSchedulerLost, m.err)
	case *wire.Compute:
		deps := make([]worker.Dep, len(m.Deps))
		for i, d := range m.Deps {
			deps[i] = worker.Dep{Key: d.Key, NBytes: d.NBytes, Holders: d.Holders}
		}
		cmds = w.state.Handle(&worker.ComputeRequested{Key: m.Key, Priority: m.Priority, Deps: deps, Run: &job{key: m.Key, spec: m}})
	case *wire.AcquireKeys:
		keys := make([]worker.Dep, len(m.Keys))
		for i, d := range m.Keys {
			keys[i] = worker.Dep{Key: d.Key, NBytes: d.NBytes, Holders: d.Holders}
		}
		cmds = w.state.Handle(&worker.AcquireRequested{Keys: keys})
	case *wire.WorkersRetired:
		if !slices.Contains(m.Retired, w.addr) {
			return nil
		}
		// The scheduler sends this once nothing runs here and every value
		// held here has a copy elsewhere: stop taking work and go.
		w.sched.Kick() // what this turn queued goes out first
		w.sched.Flush()
		return errRetired
	case *wire.Free:
		cmds = w.state.Handle(&worker.FreeRequested{Keys: m.Keys})
	case *wire.StealRequest:
		cmds = w.state.Handle(&worker.StealRequested{Key: m.Key})
	case *job: // back from an executor, or never run (unknown function)
		w.finished(m)
		switch r := &m.res; {
		case r.lostDep != "":
			cmds = w.state.Handle(&worker.InputLost{Key: r.key, Dep: r.lostDep, Task: m.task})
		case r.err != nil:
			cmds = w.state.Handle(&worker.ExecuteFailed{Key: r.key, Err: r.err, Task: m.task})
		default:
			cmds = w.state.Handle(&worker.ExecuteDone{Key: r.key, NBytes: r.nbytes, Duration: int64(r.duration), Task: m.task})
		}
	case fetched:
		if len(m.keys) > 0 {
			cmds = w.state.Handle(&worker.FetchDone{From: m.from, Keys: m.keys, NBytes: m.nbytes})
			w.do(ctx, cmds)
		}
		if len(m.missing) > 0 || len(m.keys) == 0 {
			cmds = w.state.Handle(&worker.FetchFailed{From: m.from, Keys: m.missing})
		} else {
			return nil
		}
	case peerPut:
		cmds = w.state.Handle(&worker.DataPut{Key: m.key, NBytes: m.nbytes})
	case valueLost:
		cmds = w.state.Handle(&worker.ValueLost{Key: m.key})
	case memoryMoved:
		w.heartbeat()
		return nil
	case memoryPaused:
		if m.paused {
			w.log.Warn("worker paused: memory use is above its pause threshold", "memory", m.memory,
				"managed", m.managed, "limit", w.cfg.MemoryLimit)
			cmds = w.state.Handle(&worker.Pause{})
		} else {
			w.log.Info("worker resumed: memory use is below its pause threshold", "memory", m.memory,
				"managed", m.managed, "limit", w.cfg.MemoryLimit)
			cmds = w.state.Handle(&worker.Resume{})
		}
		w.do(ctx, cmds)
		w.heartbeat() // the scheduler learns at once
		return nil
	default:
		w.log.Warn("unexpected message from the scheduler", "op", fmt.Sprintf("%T", ev))
		return nil
	}
	w.do(ctx, cmds)
	return nil
}

// finished takes j off the running jobs (a job that never ran is not on it).
func (w *Worker) finished(j *job) {
	if i := slices.Index(w.running, j); i >= 0 {
		w.running = slices.Delete(w.running, i, i+1)
	}
}

// do carries out the state machine's commands.
func (w *Worker) do(ctx context.Context, cmds []worker.Command) {
	for _, c := range cmds {
		switch c := c.(type) {
		case *worker.Execute:
			j := c.Run.(*job)
			spec := j.spec
			fn := w.lastFn
			// Tasks mostly come in runs of one function, whose identity
			// the decoder gives as one string: comparing it with the last
			// one's is a pointer comparison, where the registry's copy
			// would be compared byte by byte.
			if fn == nil || w.lastFnID != spec.Func {
				fn = registry.Lookup(spec.Func)
				w.lastFn, w.lastFnID = fn, spec.Func
			}
			if fn == nil { // the scheduler only sends what we registered
				j.res = result{key: c.Key, err: &wire.RemoteError{Kind: wire.KindUnknownFunc, Key: c.Key,
					Message: fmt.Sprintf("function %s is not registered in this worker's program", spec.Func)}}
				w.later = append(w.later, j)
				continue
			}
			var deps []string
			if len(spec.Deps) > 0 {
				deps = make([]string, len(spec.Deps))
				for i, d := range spec.Deps {
					deps[i] = d.Key
				}
			}
			j.fn, j.args, j.deps, j.inline, j.task = fn, spec.Args, deps, spec.Held, c.Task
			j.ctx = taskContext{Context: ctx}
			w.running = append(w.running, j)
			w.jobs <- j
		case *worker.CancelExecution:
			for _, j := range w.running {
				if j.key == c.Key {
					j.ctx.cancel()
				}
			}
		case *worker.FetchKeys:
			w.wg.Go(func() { w.fetch(ctx, c.From, c.Keys, c.NBytes) })
		case *worker.Discard:
			w.store.delete(c.Key)
		case *worker.ReportDone:
			m := &wire.TaskDone{Key: c.Key, NBytes: c.NBytes, Duration: c.Duration}
			j, _ := c.Run.(*job)
			if j != nil {
				m.Ref = j.spec.Ref
			}
			if j != nil && j.spec.Held {
				if j.ran {
					m.Value = j.enc
				} else { // done before this request: the store may have it encoded
					m.Value = w.store.inline(c.Key)
				}
			}
			w.sched.SendLater(m)
		case *worker.ReportErred:
			re, ok := c.Err.(*wire.RemoteError)
			if !ok {
				re = &wire.RemoteError{Kind: wire.KindTask, Key: c.Key, Message: c.Err.Error()}
			}
			w.sched.SendLater(&wire.TaskErred{Key: c.Key, Err: *re})
		case *worker.ReportMissing:
			w.sched.SendLater(&wire.MissingData{Key: c.Key, Dep: c.Dep, Holders: c.Holders})
		case *worker.ReportReplicas:
			w.sched.SendLater(&wire.Replicas{Added: c.Added, NBytes: c.NBytes})
		case *worker.ReportLost:
			w.store.delete(c.Key) // gone from the store already, normally
			w.sched.SendLater(&wire.Replicas{Dropped: []string{c.Key}})
		case *worker.ReportSteal:
			w.sched.SendLater(&wire.StealResponse{Key: c.Key, Stolen: c.Stolen})
		}
	}
}

// fetchBytes is the most one fetch asks of a peer: 256 MiB, or an eighth
// of a smaller worker's memory limit (at least 32 MiB). All fetches under
// way together ask at most a tenth of the limit (Dask's default,
// distributed.worker.memory.transfer), one key of any size excepted, so
// that what arrives at once from many peers stays well within the limit.
func fetchBytes(limit int64) int64 {
	n := int64(256 << 20)
	if limit > 0 {
		n = min(n, max(limit/8, 32<<20))
	}
	return n
}

// fetchPartBytes is the most a fetch asks of one peer in one request
// (a value bigger than it goes alone); a fetch of more is split into parts
// of about this size, peer.Streams of them at once, each on a connection of
// its own.
const fetchPartBytes = 16 << 20

// fetch gets keys (of sizes nbytes) from a peer, stores them, and tells the
// loop which came and which are missing.
func (w *Worker) fetch(ctx context.Context, from string, keys []string, nbytes []int64) {
	parts := splitFetch(keys, nbytes, fetchPartBytes)
	got := make([]fetched, len(parts))
	if len(parts) == 1 {
		got[0] = w.fetchPart(ctx, from, parts[0])
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(peer.Streams, len(parts)) {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < len(parts); i = int(next.Add(1) - 1) {
					got[i] = w.fetchPart(ctx, from, parts[i])
				}
			})
		}
		wg.Wait()
	}
	f := fetched{from: from}
	for _, g := range got {
		f.keys = append(f.keys, g.keys...)
		f.nbytes = append(f.nbytes, g.nbytes...)
		f.missing = append(f.missing, g.missing...)
	}
	select {
	case w.events <- f:
	case <-ctx.Done():
	}
}

// splitFetch cuts keys into parts of at most limit bytes each, in order,
// a key bigger than limit making a part of its own.
func splitFetch(keys []string, nbytes []int64, limit int64) [][]string {
	var parts [][]string
	start, sum := 0, int64(0)
	for i := range keys {
		var n int64
		if i < len(nbytes) {
			n = nbytes[i]
		}
		if i > start && sum+n > limit {
			parts = append(parts, keys[start:i])
			start, sum = i, 0
		}
		sum += n
	}
	return append(parts, keys[start:])
}

// fetchPart makes one request of a fetch and stores what comes.
func (w *Worker) fetchPart(ctx context.Context, from string, keys []string) fetched {
	var f fetched
	vals, err := w.peers.Get(ctx, from, keys)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("fetch failed", "from", from, "keys", len(keys), "err", err)
		}
		f.missing = keys
		return f
	}
	got := make(map[string]bool, len(vals))
	for _, v := range vals {
		if v.Missing {
			continue
		}
		got[v.Key] = true
		f.keys = append(f.keys, v.Key)
		f.nbytes = append(f.nbytes, w.store.putEncoded(v.Key, v.Bytes))
	}
	w.storedValue()
	for _, k := range keys {
		if !got[k] {
			f.missing = append(f.missing, k)
		}
	}
	return f
}

func (w *Worker) heartbeat() {
	st := w.store.stats()
	w.sched.Send(&wire.Heartbeat{
		Executing: int64(w.state.Executing()), Ready: int64(w.state.NumReady()),
		InMemory: int64(st.n), ManagedBytes: st.managed, SpilledBytes: st.spilled, SpillErrors: st.spillErrors,
		RSS: rss(), HeapBytes: heapBytes(), Paused: w.state.Paused(),
	})
}

func heapBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return int64(s[0].Value.Uint64())
	}
	return 0
}

// rss reads the process's resident set size; 0 where unknown.
func rss() int64 { return allocation.ResidentBytes(0) }

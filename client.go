package gask

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gask-dev/gask/internal/keymap"
	"github.com/gask-dev/gask/internal/peer"
	"github.com/gask-dev/gask/internal/registry"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

// Client is a connection to a scheduler: it submits tasks, holds futures and
// fetches results from the workers that hold them. It is safe for
// concurrent use. Close it when done.
type Client struct {
	conn  *wire.Conn
	peers *peer.Pool
	id    string
	log   *slog.Logger

	mu       sync.Mutex
	futures  keymap.Map[*futureState]
	queries  map[uint64]chan *wire.WorkersInfo
	retires  map[uint64]chan *wire.WorkersRetired
	nextReq  uint64
	lost     error // set when the scheduler connection broke
	closed   bool
	released []string // keys to release, sent in batches
	flushing bool

	readerDone chan struct{}
}

// ClientOption configures Connect.
type ClientOption func(*clientConfig)

type clientConfig struct {
	transport transport.Config
	name      string
	logger    *slog.Logger
}

// WithTransport sets how the client dials (TLS, in-process network).
func WithTransport(cfg transport.Config) ClientOption {
	return func(c *clientConfig) { c.transport = cfg }
}

// WithName names the client in the scheduler's logs.
func WithName(name string) ClientOption { return func(c *clientConfig) { c.name = name } }

// WithLogger sets the client's logger (default slog.Default()).
func WithLogger(l *slog.Logger) ClientOption { return func(c *clientConfig) { c.logger = l } }

// Connect connects to the scheduler at addr ("tcp://host:8786").
func Connect(ctx context.Context, addr string, opts ...ClientOption) (*Client, error) {
	cfg := clientConfig{logger: slog.Default()}
	for _, o := range opts {
		o(&cfg)
	}
	nc, err := transport.Dial(ctx, addr, cfg.transport)
	if err != nil {
		return nil, fmt.Errorf("gask: connect to scheduler: %w", err)
	}
	conn := wire.NewConn(nc, wire.Limits{})
	build := BuildID()
	welcome, err := wire.Handshake(ctx, conn, &wire.Hello{Role: wire.RoleClient, Name: cfg.name, Build: build, Funcs: registry.IDs()})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("gask: connect to scheduler %s: %w", addr, err)
	}
	c := &Client{
		conn:       conn,
		peers:      peer.NewPool(cfg.transport, wire.Hello{Name: welcome.ID, Build: build}, 0),
		id:         welcome.ID,
		log:        cfg.logger,
		queries:    map[uint64]chan *wire.WorkersInfo{},
		retires:    map[uint64]chan *wire.WorkersRetired{},
		readerDone: make(chan struct{}),
	}
	go c.read()
	return c, nil
}

// ID is the scheduler's name for this client.
func (c *Client) ID() string { return c.id }

// Close releases everything the client holds and disconnects. Futures of a
// closed client fail with ErrClientClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.flushReleases()
	c.conn.Flush()
	err := c.conn.Close()
	<-c.readerDone
	c.peers.Close()
	return err
}

func (c *Client) read() {
	defer close(c.readerDone)
	var err error
	for {
		var m wire.Msg
		m, err = c.conn.Recv()
		if err != nil {
			break
		}
		c.mu.Lock()
		switch m := m.(type) {
		case *wire.KeyDone:
			if st := c.futures.Get(m.Key); st != nil {
				st.holders, st.nbytes = m.Holders, m.NBytes
				if m.Value != nil || st.status != Finished {
					// A finished key's new holders come without the
					// value: keep the one that came inline.
					st.inline = m.Value
				}
				c.finish(st, Finished, nil)
			}
		case *wire.KeyErred:
			if st := c.futures.Get(m.Key); st != nil {
				e := m.Err
				c.finish(st, Failed, taskError(&e))
			}
		case *wire.KeyCancelled:
			if st := c.futures.Get(m.Key); st != nil {
				c.finish(st, Cancelled, fmt.Errorf("%w: %s", ErrCancelled, m.Reason))
			}
		case *wire.WorkersInfo:
			if ch := c.queries[m.ReqID]; ch != nil {
				delete(c.queries, m.ReqID)
				ch <- m
			}
		case *wire.WorkersRetired:
			if ch := c.retires[m.ReqID]; ch != nil {
				delete(c.retires, m.ReqID)
				ch <- m
			}
		default:
			c.log.Warn("gask: unexpected message from the scheduler", "op", m.Op())
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	if c.closed {
		c.lost = ErrClientClosed
	} else {
		c.lost = fmt.Errorf("%w: %v", ErrSchedulerLost, err)
	}
	for _, st := range c.futures.All() {
		if st.status == Pending {
			c.finish(st, Failed, c.lost)
		}
	}
	for id, ch := range c.queries {
		delete(c.queries, id)
		close(ch)
	}
	for id, ch := range c.retires {
		delete(c.retires, id)
		close(ch)
	}
	c.mu.Unlock()
}

// finish records a task's outcome; c.mu is held.
func (c *Client) finish(st *futureState, s Status, err error) {
	st.gen++
	if s == Finished && st.status == Finished {
		return // a new location after recomputation; holders updated
	}
	st.status, st.err = s, err
	if st.done != nil {
		close(st.done)
		st.done = nil
	}
	for _, ch := range st.notify {
		ch <- st
	}
	st.notify = nil
}

// wait blocks until st is no longer pending.
func (c *Client) wait(ctx context.Context, st *futureState) error {
	c.mu.Lock()
	done := st.doneChan()
	c.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return st.err
}

var errRetry = errors.New("gask: value moved; retry")

// fetchOne gets st's value from one of its holders. If no holder has it any
// more, st goes back to pending (the scheduler recomputes lost values) and
// errRetry says to wait again.
func (c *Client) fetchOne(ctx context.Context, st *futureState) ([]byte, error) {
	c.mu.Lock()
	holders := slices.Clone(st.holders)
	gen := st.gen
	c.mu.Unlock()
	var last error
	for _, h := range holders {
		vals, err := c.peers.Get(ctx, h, []string{st.key})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			last = err
			continue
		}
		if len(vals) == 1 && !vals[0].Missing {
			return vals[0].Bytes, nil
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !st.indexed {
		// No future holds the key any more (released), so the scheduler
		// will not recompute it: waiting for it would never end.
		return nil, ErrReleased
	}
	if st.status == Finished && st.gen == gen {
		// No newer completion came while we fetched: the value is gone
		// from where it was, and the scheduler will say where it is next.
		if c.lost != nil {
			return nil, c.lost
		}
		st.status = Pending
		st.holders, st.inline = nil, nil
		c.log.Debug("gask: value not found on its holders; waiting for the scheduler", "key", st.key, "err", last)
	}
	return nil, errRetry
}

// stateFor returns the shared state of key and counts one more hold.
func (c *Client) stateFor(key string) (st *futureState, fresh bool) {
	st = c.futures.Get(key)
	if st == nil {
		st = &futureState{key: key, indexed: true}
		c.futures.Set(key, st)
		fresh = true
	}
	st.refs++
	return st, fresh
}

func (c *Client) release(st *futureState, explicit bool) {
	c.mu.Lock()
	if st.refs <= 0 {
		c.mu.Unlock()
		return
	}
	st.refs--
	if !st.indexed {
		// A future that never reached the scheduler (it failed while being
		// built): there is no hold to drop.
		c.mu.Unlock()
		return
	}
	if st.refs == 0 {
		c.futures.Delete(st.key)
		st.indexed = false
	}
	if c.closed || c.lost != nil {
		c.mu.Unlock()
		return
	}
	c.released = append(c.released, st.key)
	start := !c.flushing
	c.flushing = true
	c.mu.Unlock()
	if start {
		// Batch releases: garbage collection frees many futures at once.
		if explicit {
			c.flushReleases()
		} else {
			time.AfterFunc(time.Millisecond, c.flushReleases)
		}
	}
}

func (c *Client) flushReleases() {
	c.mu.Lock()
	keys := c.released
	c.released = nil
	c.flushing = false
	c.mu.Unlock()
	if len(keys) > 0 {
		c.conn.Send(&wire.Release{Keys: keys})
	}
}

func (c *Client) cancel(st *futureState) {
	c.mu.Lock()
	n := st.refs
	st.refs = 0
	if st.indexed {
		c.futures.Delete(st.key)
		st.indexed = false
	}
	if st.status != Cancelled {
		// Finished futures too, as in Dask: the value is dropped with the
		// task, so Result must not go looking for it.
		c.finish(st, Cancelled, ErrCancelled)
	}
	c.mu.Unlock()
	if n > 0 {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = st.key
		}
		c.conn.Send(&wire.Cancel{Keys: keys})
	}
}

// submitTyped submits one task.
func submitTyped[R any](c *Client, f *registry.Func, args []argument, opts []Option) *Future[R] {
	return mapTyped[R](c, f, [][]argument{args}, opts, false)[0]
}

// submitChunk is how many tasks go in one UpdateGraph. A big Map is sent
// in pieces so that the scheduler and the workers start on the first while
// the client still encodes the rest.
const submitChunk = 4096

// mapTyped submits one task per argument list, in UpdateGraphs of at most
// submitChunk tasks. Lazy arguments (*Delayed) are persisted first, as
// Dask's submit computes a delayed argument: their graph goes out in its
// own UpdateGraph, and the hold taken on each is dropped once the tasks
// that need it are sent, so the scheduler keeps it only for them.
func mapTyped[R any](c *Client, f *registry.Func, argLists [][]argument, opts []Option, many bool) []*Future[R] {
	o := collect(opts)
	argLists, persisted := persistLazy(c, argLists)
	defer func() {
		for _, st := range persisted {
			c.release(st, true)
		}
	}()
	futs := make([]*Future[R], len(argLists))
	for start := 0; start < len(argLists); start += submitChunk {
		end := min(start+submitChunk, len(argLists))
		msg := &wire.UpdateGraph{Tasks: make([]wire.TaskSpec, 0, end-start), Wants: make([]string, 0, end-start)}
		func() {
			// The lock is released, and what was built goes out, however
			// the loop ends: an argument's encoder (the user's
			// MarshalBinary, say) that panics must leave the client usable
			// and a deferred Close able to run while the panic goes on to
			// the caller; the keys built before it are indexed already, and
			// a later Submit of one of them, finding it known, sends only
			// its hold.
			var failed []*futureState
			var failures []error
			c.mu.Lock()
			defer c.mu.Unlock()
			defer func() { sendBuilt(c, msg, futs[start:end], failed, failures) }()
			if n := len(argLists); start == 0 && n > submitChunk && n > c.futures.Len() {
				// Size the futures index for the whole map at once (a map
				// of keys mostly held already, smaller than the index, does
				// not: it would add little).
				c.futures.Reserve(n)
			}
			for i := start; i < end; i++ {
				spec, err := buildSpec(c, f, argLists[i], o, i, many)
				if err != nil {
					// Not registered under the task's key: releasing this
					// future must not drop another's hold on that key.
					st := &futureState{key: spec.Key + "-invalid", refs: 1}
					failed = append(failed, st)
					failures = append(failures, err)
					futs[i] = newFuture[R](c, st)
					continue
				}
				st, fresh := c.stateFor(spec.Key)
				futs[i] = newFuture[R](c, st)
				if fresh || st.status == Cancelled {
					msg.Tasks = append(msg.Tasks, spec)
				}
				msg.Wants = append(msg.Wants, spec.Key)
			}
		}()
	}
	return futs
}

// sendBuilt sends msg, the tasks of futs built so far, or fails them if
// the client cannot reach the scheduler, and fails the futures whose
// tasks could not be built with their errors. c.mu is held.
func sendBuilt[R any](c *Client, msg *wire.UpdateGraph, futs []*Future[R], failed []*futureState, failures []error) {
	for i, st := range failed {
		c.finish(st, Failed, failures[i])
	}
	if lost := c.unusable(); lost != nil {
		for _, fu := range futs {
			if fu != nil && fu.st.status == Pending {
				c.finish(fu.st, Failed, lost)
			}
		}
	} else if len(msg.Wants) > 0 {
		// Sent under the lock, so that a Submit of the same key from
		// another goroutine, which finds the key known and sends only its
		// hold, cannot reach the scheduler before the task. Send only
		// queues.
		c.conn.Send(msg)
	}
}

// persistLazy replaces every lazy argument in argLists by a future of its
// persisted graph (one graph for all of them) and returns the states it
// holds. A graph that cannot be submitted fails the tasks that take it.
func persistLazy(c *Client, argLists [][]argument) ([][]argument, []*futureState) {
	var nodes []*node
	index := map[*node]int{}
	for _, args := range argLists {
		for _, a := range args {
			if l, ok := a.(lazyArg); ok {
				if n := l.lazy(); n != nil {
					if _, seen := index[n]; !seen {
						index[n] = len(nodes)
						nodes = append(nodes, n)
					}
				}
			}
		}
	}
	if len(nodes) == 0 {
		return argLists, nil
	}
	states, err := submitGraph(c, nodes, computeConfig{})
	out := make([][]argument, len(argLists))
	for i, args := range argLists {
		out[i] = slices.Clone(args)
		for j, a := range args {
			l, ok := a.(lazyArg)
			if !ok || l.lazy() == nil {
				continue
			}
			if err != nil {
				out[i][j] = failedArg{err}
			} else {
				out[i][j] = heldArg{states[index[l.lazy()]]}
			}
		}
	}
	return out, states
}

// heldArg is a persisted lazy argument: a dependency on its key.
type heldArg struct{ st *futureState }

func (a heldArg) argument() (*futureState, []byte, error) { return a.st, nil, nil }

// failedArg is a lazy argument whose graph could not be submitted.
type failedArg struct{ err error }

func (a failedArg) argument() (*futureState, []byte, error) { return nil, nil, a.err }

// buildSpec encodes one task, the i-th of a Map if many; c.mu is held.
func buildSpec(c *Client, f *registry.Func, args []argument, o taskOptions, i int, many bool) (wire.TaskSpec, error) {
	spec := wire.TaskSpec{Func: f.ID, Priority: o.priority, Retries: uint32(max(o.retries, 0)), Workers: o.workers, Loose: o.loose}
	for name, amount := range o.resources {
		spec.Resources = append(spec.Resources, wire.Resource{Name: name, Amount: amount})
	}
	slices.SortFunc(spec.Resources, func(a, b wire.Resource) int { return cmpString(a.Name, b.Name) })
	raw := make([]registry.Arg, len(args))
	var firstErr error
	for j, a := range args {
		if l, ok := a.(listArg); ok {
			sts := l.states()
			list := make([]int, len(sts))
			for i, st := range sts {
				// A future listed twice is one dependency.
				list[i] = slices.Index(spec.Deps, st.key)
				if list[i] < 0 {
					list[i] = len(spec.Deps)
					spec.Deps = append(spec.Deps, st.key)
				}
			}
			raw[j] = registry.Arg{Dep: -1, List: list}
			continue
		}
		dep, val, err := a.argument()
		switch {
		case err != nil:
			firstErr = fmt.Errorf("gask: %s: encode argument %d: %w", f.Name, j+1, err)
		case dep != nil:
			raw[j] = registry.Arg{Dep: len(spec.Deps)}
			spec.Deps = append(spec.Deps, dep.key)
		default:
			raw[j] = registry.Arg{Dep: -1, Value: val}
		}
	}
	for _, a := range o.after {
		spec.Deps = append(spec.Deps, a.state().key)
	}
	spec.Args = registry.AppendArgs(nil, raw)
	switch {
	case o.key != "" && many:
		spec.Key = fmt.Sprintf("%s-%d", o.key, i)
	case o.key != "":
		spec.Key = o.key
	case o.impure:
		var r [8]byte
		rand.Read(r[:])
		spec.Key = f.Name + "-" + hex.EncodeToString(r[:])
	default:
		spec.Key = pureKey(f.Name, f.ID, spec.Args, spec.Deps)
	}
	return spec, firstErr
}

// pureKey is the key of a pure task: its function's name and 12 bytes of
// SHA-256 over the function identity, the encoded arguments and the keys
// of its dependencies. Computed in stack buffers: it runs once per task,
// lazy (taskKey) or not.
func pureKey[K ~string](name, id string, args []byte, deps []K) string {
	var in [256]byte
	b := append(append(in[:0], id...), args...)
	for _, d := range deps {
		b = append(append(b, 0), d...)
	}
	sum := sha256.Sum256(b)
	var out [128]byte
	k := append(append(out[:0], name...), '-')
	k = hex.AppendEncode(k, sum[:12])
	return string(k)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func failedFutures[R any](c *Client, name string, n int, err error) []*Future[R] {
	futs := make([]*Future[R], n)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range futs {
		st := &futureState{key: fmt.Sprintf("%s-invalid-%d", name, i), refs: 1}
		c.finish(st, Failed, err)
		futs[i] = newFuture[R](c, st)
	}
	return futs
}

// WorkerInfo describes a worker of the cluster: what it is, its load and
// its memory. ManagedBytes and Processing are the scheduler's accounts, up
// to date; the rest is as of the worker's last heartbeat (every second,
// and at once when it pauses, resumes, or moves much to or from disk).
type WorkerInfo struct {
	Name        string
	Addr        string
	NThreads    int
	MemoryLimit int64 // bytes; 0 is none
	Resources   map[string]float64
	Build       string
	Processing  int // tasks assigned to it now
	InMemory    int // values it holds

	// Memory, in bytes. ManagedBytes, the sizes of the values it holds, is
	// ManagedInMemory + SpilledBytes when the heartbeat is current.
	ManagedBytes    int64
	ManagedInMemory int64 // of those, in memory
	SpilledBytes    int64 // of those, spilled to its local directory
	SpillErrors     int64 // spills that failed (full disk, I/O errors): the values stayed in memory
	RSS             int64 // the worker process's resident memory (its whole process for goroutine workers)
	HeapBytes       int64 // the Go heap in use
	Paused          bool  // paused for memory: it starts no task and no fetch
	Retiring        bool  // being retired (RetireWorkers): it takes no new tasks, and Scatter passes it by

	// Executing and Ready are the worker's own counts of running tasks and
	// tasks waiting for a thread.
	Executing int
	Ready     int
}

// SchedulerInfo is the cluster as the scheduler sees it: its workers and
// the work waiting on the scheduler itself (Dask's scheduler_info).
type SchedulerInfo struct {
	Workers []WorkerInfo
	// Queued tasks are ready and wait for a worker with room; NoWorker
	// tasks are ready but no connected worker can run them (their function,
	// resources or restrictions): only a new worker will.
	Queued, NoWorker int
	// MeanTaskDuration is the scheduler's running mean of task durations;
	// zero before the first task finished.
	MeanTaskDuration time.Duration
}

// Workers asks the scheduler for its workers.
func (c *Client) Workers(ctx context.Context) ([]WorkerInfo, error) {
	info, err := c.SchedulerInfo(ctx)
	if err != nil {
		return nil, err
	}
	return info.Workers, nil
}

// SchedulerInfo asks the scheduler for its workers and its own load.
func (c *Client) SchedulerInfo(ctx context.Context) (*SchedulerInfo, error) {
	ch := make(chan *wire.WorkersInfo, 1)
	c.mu.Lock()
	if c.lost != nil {
		c.mu.Unlock()
		return nil, c.lost
	}
	c.nextReq++
	id := c.nextReq
	c.queries[id] = ch
	c.mu.Unlock()
	if err := c.conn.Send(&wire.WorkersQuery{ReqID: id}); err != nil {
		return nil, err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, ErrSchedulerLost
		}
		info := &SchedulerInfo{Workers: make([]WorkerInfo, len(m.Workers)), Queued: int(m.Queued),
			NoWorker: int(m.NoWorker), MeanTaskDuration: time.Duration(m.MeanDuration)}
		for i, w := range m.Workers {
			wi := &info.Workers[i]
			*wi = WorkerInfo{Name: w.Name, Addr: w.Addr, NThreads: int(w.NThreads), MemoryLimit: w.MemoryLimit,
				Build: w.Build, Processing: int(w.Processing), InMemory: int(w.InMemory), ManagedBytes: w.ManagedBytes,
				ManagedInMemory: w.ManagedInMemory, SpilledBytes: w.SpilledBytes, SpillErrors: w.SpillErrors,
				RSS: w.RSS, HeapBytes: w.HeapBytes, Paused: w.Paused, Retiring: w.Retiring,
				Executing: int(w.Executing), Ready: int(w.Ready)}
			if len(w.Resources) > 0 {
				wi.Resources = map[string]float64{}
				for _, r := range w.Resources {
					wi.Resources[r.Name] += r.Amount
				}
			}
		}
		return info, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.queries, id)
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

package schedulerd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gask-dev/gask/internal/turn"
	"github.com/gask-dev/gask/scheduler"
	"github.com/gask-dev/gask/wire"
)

// Config describes a scheduler.
type Config struct {
	Scheduler scheduler.Config
	Build     string
	Logger    *slog.Logger
	// DeathGrace is how long the loop waits, after a worker's connection
	// drops, for its nanny to say why it died. Default 200ms.
	DeathGrace time.Duration
	// WorkerTimeout is how long a worker may stay silent (workers send a
	// heartbeat every second) before the scheduler closes its connection
	// and treats it as dead: a hung process or a network partition. Default 30s.
	WorkerTimeout time.Duration
}

// Server is a scheduler process's network side.
type Server struct {
	cfg    Config
	log    *slog.Logger
	events chan event

	// Owned by the loop:
	state    *scheduler.State
	conns    map[string]*peerConn // by id: worker address or client id
	funcSets map[string]*scheduler.FuncSet
	metrics  map[string]*wire.Heartbeat
	names    map[string]string // worker address → name
	nextID   int
	dirty    map[*peerConn]struct{} // connections with messages queued this turn

	clientsJoined int           // clients that have joined, in all
	started       time.Time     // when Serve started
	serving       chan struct{} // closed when Serve has started its loop
	done          chan struct{} // closed when the loop has ended
}

type peerConn struct {
	id       string
	role     wire.Role
	hello    *wire.Hello
	c        *wire.Conn
	lastSeen time.Time // when the loop last heard from it
	retired  bool      // a worker told to close: its leaving is no death
	// frees are keys to free on this worker, gathered over a turn into one
	// Free message; sent before any other message to it, and at the turn's end.
	frees []string
}

type event struct {
	pc  *peerConn
	msg wire.Msg
	err error // the connection ended
	// joined is set for a new connection after its handshake.
	joined bool
	// died is set when a worker's death grace period ran out.
	died string
	// From the loop's own goroutines: check is when to look for silent
	// workers; stop says ctx ended.
	check time.Time
	stop  bool
	// snap asks for a Snapshot (Server.Snapshot).
	snap chan<- *Snapshot
}

// New returns a scheduler server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DeathGrace <= 0 {
		cfg.DeathGrace = 200 * time.Millisecond
	}
	if cfg.WorkerTimeout <= 0 {
		cfg.WorkerTimeout = 30 * time.Second
	}
	return &Server{
		cfg: cfg, log: cfg.Logger, events: make(chan event, 4096),
		state: scheduler.New(cfg.Scheduler), conns: map[string]*peerConn{},
		funcSets: map[string]*scheduler.FuncSet{}, metrics: map[string]*wire.Heartbeat{},
		names: map[string]string{}, dirty: map[*peerConn]struct{}{},
		serving: make(chan struct{}), done: make(chan struct{}),
	}
}

// Serve accepts connections on every listener until ctx ends, then closes
// every connection and waits for every goroutine it started. Several
// listeners serve one cluster: a local cluster takes its own client over
// an in-process listener and its worker processes over TCP. Serve may be
// called once per Server.
func (s *Server) Serve(ctx context.Context, lns ...net.Listener) error {
	if len(lns) == 0 {
		return errors.New("gask scheduler: Serve needs a listener")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := map[*wire.Conn]struct{}{}
	wg.Go(func() {
		<-ctx.Done()
		for _, ln := range lns {
			ln.Close()
		}
	})
	s.started = time.Now()
	close(s.serving)
	wg.Go(func() {
		defer close(s.done)
		s.loop(ctx)
	})
	defer func() {
		cancel()
		mu.Lock()
		for c := range open {
			c.Abort()
		}
		mu.Unlock()
		wg.Wait()
	}()
	accept := func(ln net.Listener) error {
		for {
			nc, err := ln.Accept()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("gask scheduler: accept: %w", err)
			}
			c := wire.NewConn(nc, wire.Limits{})
			mu.Lock()
			open[c] = struct{}{}
			mu.Unlock()
			wg.Go(func() {
				s.read(ctx, c)
				mu.Lock()
				delete(open, c)
				mu.Unlock()
				c.Close()
			})
		}
	}
	errs := make(chan error, len(lns))
	for _, ln := range lns[1:] {
		wg.Go(func() {
			if err := accept(ln); err != nil {
				errs <- err
				cancel()
			}
		})
	}
	if err := accept(lns[0]); err != nil {
		return err
	}
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// read handshakes a connection and forwards its messages to the loop.
func (s *Server) read(ctx context.Context, c *wire.Conn) {
	h, err := wire.ReadHello(c)
	if err != nil {
		if !wire.IsClosedErr(err) {
			s.log.Warn("refused a connection", "err", err)
		}
		return
	}
	pc := &peerConn{role: h.Role, hello: h, c: c}
	send := func(ev event) bool {
		select { // the loop's queue has room nearly always: no two-way select then
		case s.events <- ev:
			return true
		default:
		}
		select {
		case s.events <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !send(event{pc: pc, joined: true}) {
		return
	}
	for {
		m, err := c.Recv()
		if err != nil {
			if !wire.IsClosedErr(err) {
				s.log.Warn("bad message; closing the connection", "peer", h.Name, "role", h.Role, "err", err)
			}
			send(event{pc: pc, err: err})
			return
		}
		if !send(event{pc: pc, msg: m}) {
			return
		}
	}
}

// loop handles events until ctx ends. It waits on the events channel alone
// (a select over it, a ticker and ctx.Done cost every message a wake-up of
// three channels): a goroutine posts the checks for silent workers, and the
// end of ctx posts a nudge.
func (s *Server) loop(ctx context.Context) {
	stop := context.AfterFunc(ctx, func() {
		select {
		case s.events <- event{stop: true}:
		default: // the loop is busy: it sees ctx.Err after this turn
		}
	})
	defer stop()
	var ticker sync.WaitGroup
	defer ticker.Wait()
	ticker.Go(func() {
		check := time.NewTicker(max(s.cfg.WorkerTimeout/4, 10*time.Millisecond))
		defer check.Stop()
		for {
			select {
			case now := <-check.C:
				select {
				case s.events <- event{check: now}:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	})
	tu := turn.New(nil)
	for ctx.Err() == nil {
		ev := <-s.events
		// Handle everything already waiting before writing, so that a
		// burst of events costs one write per connection: but for no
		// longer than a turn (internal/turn).
		tu.Begin()
		s.handle(ctx, ev)
		for tu.Next() {
			select {
			case ev := <-s.events:
				s.handle(ctx, ev)
				continue
			default:
			}
			break
		}
		for pc := range s.dirty {
			pc.flushFrees()
			pc.c.Kick()
		}
		clear(s.dirty)
	}
}

// expireSilentWorkers closes the connections of workers that have said
// nothing for WorkerTimeout; their reader then reports them gone.
func (s *Server) expireSilentWorkers(now time.Time) {
	for _, pc := range s.conns {
		if pc.role == wire.RoleWorker && now.Sub(pc.lastSeen) > s.cfg.WorkerTimeout {
			s.log.Warn("worker silent too long; treating it as dead", "name", pc.hello.Name, "silent", now.Sub(pc.lastSeen).Round(time.Millisecond))
			s.apply(&scheduler.WorkerDeath{Worker: scheduler.WorkerID(pc.id),
				Reason: fmt.Sprintf("sent no heartbeat for %v (hung or unreachable)", s.cfg.WorkerTimeout)})
			pc.c.Abort()
			pc.lastSeen = now // once is enough; the reader reports the close
		}
	}
}

func (s *Server) handle(ctx context.Context, ev event) {
	if ev.pc != nil {
		ev.pc.lastSeen = time.Now()
	}
	switch {
	case ev.stop:
		return
	case !ev.check.IsZero():
		s.expireSilentWorkers(ev.check)
		return
	case ev.snap != nil:
		ev.snap <- s.snapshot()
		return
	case ev.joined:
		s.join(ev.pc)
	case ev.died != "":
		s.apply(&scheduler.WorkerLeft{Worker: scheduler.WorkerID(ev.died), Reason: "connection closed"})
	case ev.err != nil:
		s.leave(ctx, ev.pc, ev.err)
	default:
		s.message(ev.pc, ev.msg)
	}
}

func (s *Server) join(pc *peerConn) {
	h := pc.hello
	refuse := func(msg string) {
		pc.c.Send(&wire.Welcome{Build: s.cfg.Build, Err: &wire.RemoteError{Kind: wire.KindProtocol, Message: msg}})
		pc.c.Flush()
		pc.c.Abort()
	}
	switch h.Role {
	case wire.RoleWorker:
		if h.Addr == "" {
			refuse("a worker must give its address")
			return
		}
		if _, dup := s.conns[h.Addr]; dup {
			refuse("a worker with address " + h.Addr + " is already connected")
			return
		}
		for _, name := range s.names {
			if name == h.Name {
				refuse(fmt.Sprintf("a worker named %q is already connected: worker names must be unique", h.Name))
				return
			}
		}
		pc.id = h.Addr
		s.conns[pc.id] = pc
		s.names[pc.id] = h.Name
		pc.c.Send(&wire.Welcome{ID: pc.id, Build: s.cfg.Build})
		if h.Build != s.cfg.Build && s.cfg.Build != "" && h.Build != "" {
			s.log.Debug("worker built differently from the scheduler", "worker", h.Name, "build", h.Build)
		}
		res := make([]scheduler.Resource, len(h.Resources))
		for i, r := range h.Resources {
			res[i] = scheduler.Resource{Name: r.Name, Amount: r.Amount}
		}
		s.apply(&scheduler.WorkerJoined{Worker: scheduler.WorkerID(pc.id), Name: h.Name, NThreads: int(h.NThreads),
			MemoryLimit: h.MemoryLimit, Resources: res, Funcs: s.funcSet(h.Funcs)})
		s.log.Info("worker joined", "name", h.Name, "addr", h.Addr, "nthreads", h.NThreads)
	case wire.RoleClient, wire.RoleNanny:
		s.nextID++
		pc.id = fmt.Sprintf("%s-%d", h.Role, s.nextID)
		s.conns[pc.id] = pc
		pc.c.Send(&wire.Welcome{ID: pc.id, Build: s.cfg.Build})
		if h.Role == wire.RoleClient {
			s.clientsJoined++
			s.apply(&scheduler.ClientJoined{Client: scheduler.ClientID(pc.id)})
		}
	default:
		refuse(fmt.Sprintf("role %v cannot connect to the scheduler", h.Role))
	}
}

// funcSet interns the function sets of workers, which share them per build.
func (s *Server) funcSet(funcs []string) *scheduler.FuncSet {
	key := strings.Join(funcs, "\n")
	fs := s.funcSets[key]
	if fs == nil {
		fs = scheduler.NewFuncSet(funcs)
		s.funcSets[key] = fs
	}
	return fs
}

func (s *Server) leave(ctx context.Context, pc *peerConn, err error) {
	if pc.id == "" || s.conns[pc.id] != pc {
		return
	}
	delete(s.conns, pc.id)
	switch pc.role {
	case wire.RoleWorker:
		delete(s.metrics, pc.id)
		delete(s.names, pc.id)
		if pc.retired {
			// It closed because it was told to: no nanny will explain.
			s.log.Info("worker retired", "name", pc.hello.Name)
			s.apply(&scheduler.WorkerClosing{Worker: scheduler.WorkerID(pc.id)})
			s.apply(&scheduler.WorkerLeft{Worker: scheduler.WorkerID(pc.id), Reason: "retired"})
			return
		}
		s.log.Info("worker left", "name", pc.hello.Name, "err", err)
		s.apply(&scheduler.WorkerClosing{Worker: scheduler.WorkerID(pc.id)})
		// Give its nanny a moment to say why it died before acting on it.
		go func() {
			t := time.NewTimer(s.cfg.DeathGrace)
			defer t.Stop()
			select {
			case <-t.C:
				select {
				case s.events <- event{died: pc.id}:
				case <-ctx.Done():
				}
			case <-ctx.Done():
			}
		}()
	case wire.RoleClient:
		s.apply(&scheduler.ClientLeft{Client: scheduler.ClientID(pc.id)})
	}
}

func (s *Server) message(pc *peerConn, m wire.Msg) {
	if s.conns[pc.id] != pc {
		return
	}
	wid := scheduler.WorkerID(pc.id)
	cid := scheduler.ClientID(pc.id)
	switch pc.role {
	case wire.RoleWorker:
		switch m := m.(type) {
		case *wire.TaskDone:
			s.apply(&scheduler.TaskFinished{Worker: wid, Key: m.Key, Ref: m.Ref, NBytes: m.NBytes, Duration: m.Duration, Value: m.Value})
			return
		case *wire.TaskErred:
			s.apply(&scheduler.TaskFailed{Worker: wid, Key: m.Key, Err: schedError(&m.Err)})
			return
		case *wire.MissingData:
			hs := make([]scheduler.WorkerID, len(m.Holders))
			for i, h := range m.Holders {
				hs[i] = scheduler.WorkerID(h)
			}
			s.apply(&scheduler.DataMissing{Worker: wid, Key: m.Key, Dep: m.Dep, Holders: hs})
			return
		case *wire.Replicas:
			s.apply(&scheduler.ReplicasChanged{Worker: wid, Added: m.Added, NBytes: m.NBytes, Dropped: m.Dropped})
			return
		case *wire.StealResponse:
			s.apply(&scheduler.StealResponse{Worker: wid, Key: m.Key, Stolen: m.Stolen})
			return
		case *wire.Heartbeat:
			if prev := s.metrics[pc.id]; (prev != nil && prev.Paused) != m.Paused {
				s.apply(&scheduler.WorkerPaused{Worker: wid, Paused: m.Paused})
				what := "worker resumed"
				if m.Paused {
					what = "worker paused: short of memory"
				}
				s.log.Info(what, "name", pc.hello.Name, "rss", m.RSS, "managed", m.ManagedBytes)
			}
			s.metrics[pc.id] = m
			return
		}
	case wire.RoleClient:
		switch m := m.(type) {
		case *wire.UpdateGraph:
			s.apply(&scheduler.GraphUpdated{Client: cid, Tasks: specs(m.Tasks), Wants: m.Wants})
			return
		case *wire.Release:
			s.apply(&scheduler.KeysReleased{Client: cid, Keys: m.Keys})
			return
		case *wire.Cancel:
			s.apply(&scheduler.KeysReleased{Client: cid, Keys: m.Keys, Cancel: true})
			return
		case *wire.DataPlaced:
			ws := make([]scheduler.WorkerID, len(m.Workers))
			for i, w := range m.Workers {
				ws[i] = scheduler.WorkerID(w)
			}
			s.apply(&scheduler.DataPlaced{Client: cid, Workers: ws, Keys: m.Keys, NBytes: m.NBytes})
			return
		case *wire.WorkersQuery:
			pc.c.Send(s.workersInfo(m.ReqID))
			return
		case *wire.RetireWorkers:
			s.log.Info("retiring workers", "client", pc.id, "workers", m.Workers)
			s.apply(&scheduler.RetireWorkers{Client: cid, ReqID: m.ReqID, Workers: m.Workers})
			return
		}
	case wire.RoleNanny:
		if m, ok := m.(*wire.WorkerDied); ok {
			keys, n := s.state.Processing(scheduler.WorkerID(m.Addr), 10)
			s.log.Warn("worker died", "name", m.Name, "addr", m.Addr, "reason", m.Reason,
				"tasks", n, "running", keys) // at most the first 10 of its tasks
			s.apply(&scheduler.WorkerDeath{Worker: scheduler.WorkerID(m.Addr), Reason: m.Reason})
			return
		}
	}
	s.log.Warn("unexpected message; closing the connection", "peer", pc.hello.Name, "role", pc.role, "op", m.Op())
	pc.c.Abort()
}

func (s *Server) workersInfo(req uint64) *wire.WorkersInfo {
	load := s.state.Load()
	info := &wire.WorkersInfo{ReqID: req, Queued: int64(load.Queued), NoWorker: int64(load.NoWorker), MeanDuration: int64(load.MeanDuration)}
	for _, w := range s.state.Workers() {
		pc := s.conns[string(w.ID)]
		wi := wire.WorkerInfo{Name: w.Name, Addr: string(w.ID), NThreads: uint32(w.NThreads), MemoryLimit: w.MemoryLimit,
			Processing: int64(w.Processing), InMemory: int64(w.InMemory), ManagedBytes: w.NBytes, Retiring: w.Retiring}
		if pc != nil {
			wi.Build = pc.hello.Build
			wi.Resources = pc.hello.Resources
		}
		if hb := s.metrics[string(w.ID)]; hb != nil {
			wi.ManagedInMemory, wi.SpilledBytes, wi.SpillErrors = hb.ManagedBytes, hb.SpilledBytes, hb.SpillErrors
			wi.RSS, wi.HeapBytes, wi.Paused = hb.RSS, hb.HeapBytes, hb.Paused
			wi.Executing, wi.Ready = hb.Executing, hb.Ready
		}
		info.Workers = append(info.Workers, wi)
	}
	return info
}

// apply runs one event through the state machine and sends its commands.
func (s *Server) apply(ev scheduler.Event) {
	for _, cmd := range s.state.Handle(ev) {
		switch c := cmd.(type) {
		case *scheduler.Compute:
			m := &wire.Compute{Key: c.Key, Func: c.Func, Args: c.Args, Priority: c.Priority, Held: c.Held, Ref: c.Ref}
			if len(c.Deps) > 0 {
				m.Deps = make([]wire.DepLoc, len(c.Deps))
				for i, d := range c.Deps {
					m.Deps[i] = wire.DepLoc{Key: d.Key, NBytes: d.NBytes, Holders: ids(d.Holders)}
				}
			}
			for _, r := range c.Resources {
				m.Resources = append(m.Resources, wire.Resource{Name: r.Name, Amount: r.Amount})
			}
			s.send(string(c.Worker), m)
		case *scheduler.Free:
			if pc := s.conns[string(c.Worker)]; pc != nil {
				pc.frees = append(pc.frees, c.Key)
				s.dirty[pc] = struct{}{}
			}
		case *scheduler.Steal:
			s.send(string(c.Worker), &wire.StealRequest{Key: c.Key})
		case *scheduler.NotifyDone:
			s.send(string(c.Client), &wire.KeyDone{Key: c.Key, NBytes: c.NBytes, Holders: ids(c.Holders), Value: c.Value})
		case *scheduler.NotifyErred:
			s.send(string(c.Client), &wire.KeyErred{Key: c.Key, Err: wire.RemoteError{Kind: c.Err.Kind, Key: c.Err.Key, Message: c.Err.Message, Stack: c.Err.Stack, Detail: c.Err.Detail}})
		case *scheduler.NotifyCancelled:
			s.send(string(c.Client), &wire.KeyCancelled{Key: c.Key, Reason: c.Reason})
		case *scheduler.Acquire:
			m := &wire.AcquireKeys{Keys: make([]wire.DepLoc, len(c.Keys))}
			for i, d := range c.Keys {
				m.Keys[i] = wire.DepLoc{Key: d.Key, NBytes: d.NBytes, Holders: ids(d.Holders)}
			}
			s.send(string(c.Worker), m)
		case *scheduler.CloseWorker:
			if pc := s.conns[string(c.Worker)]; pc != nil {
				pc.retired = true
			}
			s.send(string(c.Worker), &wire.WorkersRetired{Retired: []string{string(c.Worker)}})
		case *scheduler.RetireDone:
			s.send(string(c.Client), &wire.WorkersRetired{ReqID: c.ReqID, Retired: ids(c.Retired), Kept: ids(c.Kept),
				Lost: ids(c.Lost), Unknown: c.Unknown, Unmoved: c.Unmoved})
		}
	}
}

func (s *Server) send(id string, m wire.Msg) {
	if pc := s.conns[id]; pc != nil {
		pc.flushFrees()
		pc.c.SendLater(m)
		s.dirty[pc] = struct{}{}
	}
}

// flushFrees queues the Free of the keys gathered for pc.
func (pc *peerConn) flushFrees() {
	if len(pc.frees) > 0 {
		pc.c.SendLater(&wire.Free{Keys: pc.frees})
		pc.frees = nil
	}
}

func ids(ws []scheduler.WorkerID) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = string(w)
	}
	return out
}

func schedError(e *wire.RemoteError) scheduler.Error {
	return scheduler.Error{Kind: e.Kind, Key: e.Key, Message: e.Message, Stack: e.Stack, Detail: e.Detail}
}

func specs(ts []wire.TaskSpec) []scheduler.TaskSpec {
	out := make([]scheduler.TaskSpec, len(ts))
	for i := range ts {
		t := &ts[i]
		o := &out[i]
		o.Key, o.Func, o.Args, o.Deps, o.Priority, o.Retries = t.Key, t.Func, t.Args, t.Deps, t.Priority, int(t.Retries)
		o.Workers, o.Loose = t.Workers, t.Loose
		for _, r := range t.Resources {
			o.Resources = append(o.Resources, scheduler.Resource{Name: r.Name, Amount: r.Amount})
		}
	}
	return out
}

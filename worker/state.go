package worker

import (
	"cmp"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/gask-dev/gask/internal/keymap"
)

// TaskState is where a key is on this worker.
type TaskState uint8

// Key states.
const (
	Fetch     TaskState = iota // an input to get from a peer
	Flight                     // being fetched
	Waiting                    // to run here; inputs not all here yet
	Ready                      // to run here; waiting for a thread
	Executing                  // running
	Memory                     // value held here
	Cancelled                  // freed while executing; its result is dropped
)

var stateNames = [...]string{"fetch", "flight", "waiting", "ready", "executing", "memory", "cancelled"}

func (s TaskState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("TaskState(%d)", uint8(s))
}

// Config sets up a worker state machine.
type Config struct {
	Self          string // this worker's address, as peers and the scheduler know it
	NThreads      int
	MaxFetchPeers int // peers fetched from at once; default 8
	// MaxFetchBytes caps the bytes one fetch asks of a peer (the most
	// urgent keys first; one key bigger than it goes alone). Default 256 MiB.
	MaxFetchBytes int64
	// MaxIncomingBytes caps the bytes of all fetches under way at once, over
	// all peers (Dask's transfer_incoming_bytes_limit); a fetch may always
	// start when none is under way, so that a key of any size can come.
	// 0: no cap but MaxFetchPeers × MaxFetchBytes.
	MaxIncomingBytes int64
}

type task struct {
	key        string
	state      TaskState
	priority   int64
	dependents []*task // local tasks waiting for this one
	deps       []*task
	waitingFor int
	holders    []string // for fetch: peers that have it
	tried      []string // peers that failed
	nbytes     int64
	heapIndex  int
	wanted     bool // the scheduler asked us to compute it or reported it held here
	acquire    bool // the scheduler asked us to fetch a copy (AcquireRequested), not there yet
	// flightFrom is the peer asked for the value, until it answers, in
	// Flight and in states that took over from Flight (a computation
	// that won): a run that fails then waits for that answer.
	flightFrom string
	run        any  // ComputeRequested.Run, until the task is reported done
	gone       bool // forgotten (forget): a Handle to it names nothing
}

// State is one worker's bookkeeping.
type State struct {
	cfg       Config
	tasks     keymap.Map[*task]
	ready     readyHeap
	executing int
	inFlight  map[string]fetchUnderWay // peers with a fetch under way
	toFetch   map[*task]struct{}       // keys in Fetch state with a holder to ask
	// fetchable: toFetch may hold a key that some free peer has, since
	// schedule last looked. Without it, a worker whose one peer is busy
	// would walk all of toFetch on every event.
	fetchable bool
	paused    bool
	out       []Command
	// The commands every task causes, reused by the next Handle as out is:
	// one allocation each saved.
	execs    []Execute
	dones    []ReportDone
	discards []Discard
}

// New returns a worker state machine.
func New(cfg Config) *State {
	if cfg.NThreads < 1 {
		cfg.NThreads = 1
	}
	if cfg.MaxFetchPeers < 1 {
		cfg.MaxFetchPeers = 8
	}
	if cfg.MaxFetchBytes <= 0 {
		cfg.MaxFetchBytes = 256 << 20
	}
	return &State{cfg: cfg, inFlight: make(map[string]fetchUnderWay),
		toFetch: make(map[*task]struct{})}
}

// fetchUnderWay is what a fetch from one peer still owes: its keys not yet
// answered, and the bytes it asked for, which count against
// MaxIncomingBytes until the peer is free.
type fetchUnderWay struct {
	keys  int
	bytes int64
}

// Handle applies one event and returns the commands it causes; the slice,
// and the Execute, ReportDone and Discard commands in it, are reused by
// the next call.
func (s *State) Handle(ev Event) []Command {
	s.out = s.out[:0]
	clear(s.execs) // their Runs
	clear(s.dones)
	s.execs, s.dones, s.discards = s.execs[:0], s.dones[:0], s.discards[:0]
	switch e := ev.(type) {
	case *ComputeRequested:
		s.compute(e)
	case *AcquireRequested:
		s.acquire(e)
	case *FreeRequested:
		for _, k := range e.Keys {
			s.free(k)
		}
	case *ExecuteDone:
		s.executeDone(e)
	case *ExecuteFailed:
		s.executeFailed(e)
	case *FetchDone:
		s.fetchDone(e)
	case *FetchFailed:
		s.fetchFailed(e)
	case *DataPut:
		s.dataPut(e)
	case *ValueLost:
		s.valueLost(e.Key)
	case *InputLost:
		s.inputLost(e)
	case *StealRequested:
		s.steal(e.Key)
	case *Pause:
		s.paused = true
	case *Resume:
		s.paused = false
	default:
		panic("worker: unknown event " + reflect.TypeOf(ev).String()) // not fmt: ev would escape, and every event be allocated
	}
	s.schedule()
	return s.out
}

func (s *State) emit(c Command) { s.out = append(s.out, c) }

func (s *State) emitDone(c ReportDone) {
	s.dones = append(s.dones, c)
	s.emit(&s.dones[len(s.dones)-1])
}

func (s *State) emitDiscard(key string) {
	s.discards = append(s.discards, Discard{Key: key})
	s.emit(&s.discards[len(s.discards)-1])
}

// Counts reports how many keys are in each state.
func (s *State) Counts() map[TaskState]int {
	m := map[TaskState]int{}
	for _, t := range s.tasks.All() {
		m[t.state]++
	}
	return m
}

// Executing is the number of tasks running now.
func (s *State) Executing() int { return s.executing }

// NumReady is the number of tasks waiting for a thread.
func (s *State) NumReady() int { return s.ready.Len() }

// Paused reports whether the worker is paused.
func (s *State) Paused() bool { return s.paused }

// Has reports whether the key's value is held here.
func (s *State) Has(key string) bool {
	t := s.tasks.Get(key)
	return t != nil && t.state == Memory
}

func (s *State) compute(e *ComputeRequested) {
	t := s.tasks.Get(e.Key)
	if t != nil {
		switch t.state {
		case Memory:
			s.emitDone(ReportDone{Key: t.key, NBytes: t.nbytes, Run: e.Run})
			return
		case Cancelled:
			t.state = Executing // the run under way counts again
			t.wanted = true
			t.acquire = false // the computation wins, as over a fetch
			t.run = e.Run
			return
		case Fetch, Flight:
			// We were fetching it for a dependent; now we are asked to
			// compute it. Compute wins; the fetch result will be ignored.
			t.acquire = false
			if t.state == Fetch {
				t.holders = nil
				delete(s.toFetch, t)
			}
		default:
			t.run = e.Run
			return // already here
		}
	}
	if t == nil {
		t = &task{key: e.Key, heapIndex: -1}
		s.tasks.Set(e.Key, t)
	}
	t.run = e.Run
	t.wanted = true
	t.priority = e.Priority
	t.state = Waiting
	t.waitingFor = 0
	t.deps = t.deps[:0]
	for _, d := range e.Deps {
		dt := s.tasks.Get(d.Key)
		if dt == nil {
			dt = &task{key: d.Key, state: Fetch, heapIndex: -1, nbytes: d.NBytes, priority: e.Priority}
			s.tasks.Set(d.Key, dt)
		} else if dt.nbytes == 0 && dt.state != Memory {
			dt.nbytes = d.NBytes // known now: a fetch counts it against the caps
		}
		t.deps = append(t.deps, dt)
		if dt.state == Memory {
			continue
		}
		t.waitingFor++
		dt.dependents = append(dt.dependents, t)
		if dt.state == Fetch || dt.state == Flight || dt.state == Cancelled {
			// Remember every holder, also of a key in flight (for when that
			// fetch fails) or cancelled (for when that run fails).
			for _, h := range d.Holders {
				if h == s.cfg.Self || slices.Contains(dt.holders, h) || slices.Contains(dt.tried, h) {
					continue
				}
				dt.holders = append(dt.holders, h)
			}
		}
		if dt.state == Fetch {
			if e.Priority < dt.priority {
				dt.priority = e.Priority
			}
			if len(dt.holders) == 0 {
				s.missing(dt, append([]string{}, d.Holders...))
				return
			}
			s.fetchLater(dt)
		}
	}
	if t.waitingFor == 0 {
		s.toReady(t)
	}
}

func (s *State) toReady(t *task) {
	t.state = Ready
	s.ready.push(t)
}

// missing gives up on an input nobody can give us: its dependents are
// dropped here and reported, and the scheduler reschedules them.
func (s *State) missing(d *task, holders []string) {
	// drop edits d.dependents: walk the list as it was.
	dependents := d.dependents
	d.dependents = nil
	for _, t := range dependents {
		if t.state != Waiting {
			continue
		}
		s.emit(&ReportMissing{Key: t.key, Dep: d.key, Holders: holders})
		s.drop(t)
	}
	if d.acquire {
		d.acquire = false
		s.emit(&ReportMissing{Dep: d.key, Holders: holders})
	}
	if d.state == Fetch {
		s.forget(d)
		delete(s.toFetch, d)
	}
}

// drop forgets a waiting or ready task and unhooks it from its inputs.
// forget lets go of t: it leaves the index, and a Handle to it names
// nothing from now on.
func (s *State) forget(t *task) {
	s.tasks.Delete(t.key)
	t.gone = true
}

// byHandle returns the task of key that h names, or (a zero or stale
// handle) the task of key in the index; nil if there is none.
func (s *State) byHandle(h Handle, key string) *task {
	if t := h.t; t != nil && !t.gone && t.key == key {
		return t
	}
	return s.tasks.Get(key)
}

func (s *State) drop(t *task) {
	if len(t.dependents) > 0 {
		// Tasks here wait for it as an input (it was being fetched when we
		// were asked to compute it): they will not get it from us now.
		s.missing(t, nil)
	}
	if t.state == Ready {
		s.ready.remove(t)
	}
	for _, d := range t.deps {
		d.dependents = slices.DeleteFunc(d.dependents, func(x *task) bool { return x == t })
		if d.state == Fetch && len(d.dependents) == 0 && !d.acquire {
			s.forget(d)
			delete(s.toFetch, d)
		}
	}
	s.forget(t)
}

func (s *State) free(key string) {
	t := s.tasks.Get(key)
	if t == nil {
		return
	}
	t.acquire = false
	switch t.state {
	case Executing:
		t.state = Cancelled
		s.emit(&CancelExecution{Key: key})
	case Waiting, Ready:
		s.drop(t)
	case Memory:
		t.wanted = false
		if len(t.dependents) == 0 {
			s.forget(t)
			s.emitDiscard(key)
		}
	case Fetch, Flight:
		t.wanted = false
		if t.state == Fetch && len(t.dependents) == 0 {
			s.forget(t)
			delete(s.toFetch, t)
		}
	}
}

// steal gives up a task that has not started, for the scheduler to run
// elsewhere: it is dropped like a freed one, which also forgets the inputs
// being fetched only for it. A task executing (or cancelled while
// executing), done, or unknown here is not given up: its result, or its
// absence, reaches the scheduler as usual.
func (s *State) steal(key string) {
	t := s.tasks.Get(key)
	stolen := t != nil && (t.state == Waiting || t.state == Ready)
	if stolen {
		s.drop(t)
	}
	s.emit(&ReportSteal{Key: key, Stolen: stolen})
}

func (s *State) executeDone(e *ExecuteDone) {
	t := s.byHandle(e.Task, e.Key)
	if t == nil || (t.state != Executing && t.state != Cancelled) {
		return
	}
	s.executing--
	run := t.run
	t.run = nil
	if t.state == Cancelled && len(t.dependents) == 0 && !t.acquire {
		s.forget(t)
		s.emitDiscard(t.key)
		return
	}
	if t.state == Cancelled {
		// Freed while running, but since then an input of a task here or
		// asked to acquire: keep the value as a replica instead of fetching it.
		t.wanted = t.wanted || t.acquire
		t.acquire = false
		t.state = Memory
		t.nbytes = e.NBytes
		t.holders, t.tried = nil, nil
		s.emit(&ReportReplicas{Added: []string{t.key}, NBytes: []int64{e.NBytes}})
		s.inputReady(t)
		return
	}
	t.state = Memory
	t.nbytes = e.NBytes
	s.emitDone(ReportDone{Key: t.key, NBytes: e.NBytes, Duration: e.Duration, Run: run})
	s.inputReady(t)
}

func (s *State) executeFailed(e *ExecuteFailed) {
	t := s.byHandle(e.Task, e.Key)
	if t == nil || (t.state != Executing && t.state != Cancelled) {
		return
	}
	s.executing--
	t.run = nil
	if t.state != Cancelled {
		s.emit(&ReportErred{Key: t.key, Err: e.Err})
	}
	if len(t.dependents) == 0 && !t.acquire {
		s.forget(t)
		return
	}
	s.refetch(t)
}

// refetch gets t's value from its holders, after a run of it here ended
// without one, for the tasks here that wait for it as an input or because
// we were asked to acquire it. A fetch of it asked before the run and not
// answered yet is waited for rather than asked again elsewhere.
func (s *State) refetch(t *task) {
	t.wanted = false
	if t.flightFrom != "" {
		t.state = Flight
		return
	}
	t.state = Fetch
	if len(t.holders) == 0 {
		s.missing(t, t.tried)
		return
	}
	s.fetchLater(t)
}

// valueLost forgets a value held here that can no longer be read. Tasks
// here that would use it are reported missing and dropped, so that the
// scheduler places them again; a task already executing finds out when it
// reads its inputs (InputLost).
func (s *State) valueLost(key string) {
	d := s.tasks.Get(key)
	if d == nil || d.state != Memory {
		return
	}
	s.forget(d)
	s.emit(&ReportLost{Key: key})
	// Values in memory do not list their dependents: look for them (a loss
	// is rare). Sorted, for a deterministic order of reports.
	var users []*task
	for _, t := range s.tasks.All() {
		if (t.state == Waiting || t.state == Ready) && slices.Contains(t.deps, d) {
			users = append(users, t)
		}
	}
	slices.SortFunc(users, func(a, b *task) int { return strings.Compare(a.key, b.key) })
	for _, t := range users {
		if s.tasks.Get(t.key) != t || (t.state != Waiting && t.state != Ready) {
			continue // dropped with an earlier one
		}
		s.emit(&ReportMissing{Key: t.key, Dep: key, Holders: []string{s.cfg.Self}})
		s.drop(t)
	}
}

func (s *State) inputLost(e *InputLost) {
	t := s.byHandle(e.Task, e.Key)
	if t == nil || (t.state != Executing && t.state != Cancelled) {
		return
	}
	s.executing--
	s.valueLost(e.Dep)
	if t.state == Executing {
		s.emit(&ReportMissing{Key: t.key, Dep: e.Dep, Holders: []string{s.cfg.Self}})
	}
	if len(t.dependents) == 0 && !t.acquire {
		s.forget(t)
		return
	}
	s.refetch(t)
}

// inputReady wakes local dependents of a key that just arrived in memory.
func (s *State) inputReady(t *task) {
	for _, d := range t.dependents {
		if d.state == Waiting {
			d.waitingFor--
			if d.waitingFor == 0 {
				s.toReady(d)
			}
		}
	}
	t.dependents = nil
}

// fetchAnswered counts n keys of the fetch from peer as answered: a fetch
// that partly succeeds is reported by a FetchDone for the keys that came and
// a FetchFailed for the rest, and the peer is free only after both.
func (s *State) fetchAnswered(peer string, n int) {
	f := s.inFlight[peer]
	f.keys -= n
	s.inFlight[peer] = f
	if f.keys <= 0 {
		s.peerFree(peer)
	}
}

// peerFree ends the fetch from peer: its keys are all answered, or it
// failed as a whole.
func (s *State) peerFree(peer string) {
	delete(s.inFlight, peer)
	s.fetchable = true
}

// incoming is the bytes the fetches under way asked for (at most
// MaxFetchPeers of them).
func (s *State) incoming() int64 {
	var n int64
	for _, f := range s.inFlight {
		n += f.bytes
	}
	return n
}

// incomingFull reports whether incoming bytes leave no room for another
// fetch (see Config.MaxIncomingBytes).
func (s *State) incomingFull(incoming int64) bool {
	return s.cfg.MaxIncomingBytes > 0 && incoming >= s.cfg.MaxIncomingBytes
}

// fetchLater puts t, in Fetch state with holders to ask, in toFetch.
func (s *State) fetchLater(t *task) {
	s.toFetch[t] = struct{}{}
	s.fetchable = true
}

func (s *State) fetchDone(e *FetchDone) {
	s.fetchAnswered(e.From, len(e.Keys))
	var added []string
	var sizes []int64
	for i, k := range e.Keys {
		t := s.tasks.Get(k)
		if t != nil && t.flightFrom == e.From {
			t.flightFrom = ""
		}
		if t != nil && (t.state == Memory || t.state == Executing || t.state == Cancelled) {
			continue // the value here is, or will be, the one computed or put
		}
		if t == nil || t.state != Flight {
			s.emitDiscard(k)
			continue
		}
		if len(t.dependents) == 0 && !t.wanted && !t.acquire {
			s.forget(t)
			s.emitDiscard(k)
			continue
		}
		t.state = Memory
		t.wanted = t.wanted || t.acquire
		t.acquire = false
		t.nbytes = e.NBytes[i]
		t.holders, t.tried = nil, nil
		added = append(added, k)
		sizes = append(sizes, t.nbytes)
		s.inputReady(t)
	}
	if len(added) > 0 {
		s.emit(&ReportReplicas{Added: added, NBytes: sizes})
	}
}

func (s *State) fetchFailed(e *FetchFailed) {
	if len(e.Keys) == 0 {
		s.peerFree(e.From) // the whole fetch failed
	}
	s.fetchAnswered(e.From, len(e.Keys))
	for _, k := range e.Keys {
		t := s.tasks.Get(k)
		if t != nil && t.flightFrom == e.From {
			t.flightFrom = ""
		}
		if t == nil || t.state != Flight {
			continue
		}
		t.state = Fetch
		t.holders = slices.DeleteFunc(t.holders, func(h string) bool { return h == e.From })
		t.tried = append(t.tried, e.From)
		if len(t.dependents) == 0 && !t.acquire {
			s.forget(t)
			continue
		}
		if len(t.holders) == 0 {
			s.missing(t, t.tried)
		} else {
			s.fetchLater(t)
		}
	}
}

func (s *State) dataPut(e *DataPut) {
	t := s.tasks.Get(e.Key)
	if t == nil {
		t = &task{key: e.Key, heapIndex: -1}
		s.tasks.Set(e.Key, t)
	}
	if t.state == Executing || t.state == Cancelled {
		return
	}
	if t.state == Ready {
		s.ready.remove(t)
	}
	delete(s.toFetch, t)
	t.state = Memory
	t.wanted = true
	t.acquire = false
	t.nbytes = e.NBytes
	s.inputReady(t)
}

// acquire starts fetching copies the scheduler asked for. A copy held here
// already is reported at once; a key this worker is computing is reported
// missing, as it is not a copy to fetch.
func (s *State) acquire(e *AcquireRequested) {
	var have []string
	var sizes []int64
	for _, d := range e.Keys {
		t := s.tasks.Get(d.Key)
		if t == nil {
			// Least urgent: copies for a retirement wait behind inputs.
			t = &task{key: d.Key, state: Fetch, heapIndex: -1, nbytes: d.NBytes, priority: math.MaxInt64}
			s.tasks.Set(d.Key, t)
		}
		switch t.state {
		case Memory:
			t.wanted = true
			have = append(have, t.key)
			sizes = append(sizes, t.nbytes)
			continue
		case Waiting, Ready, Executing:
			s.emit(&ReportMissing{Dep: t.key, Holders: d.Holders})
			continue
		}
		t.acquire = true
		for _, h := range d.Holders {
			if h != s.cfg.Self && !slices.Contains(t.holders, h) && !slices.Contains(t.tried, h) {
				t.holders = append(t.holders, h)
			}
		}
		if t.state == Fetch {
			if len(t.holders) == 0 {
				s.missing(t, append([]string{}, d.Holders...))
				continue
			}
			s.fetchLater(t)
		}
	}
	if len(have) > 0 {
		s.emit(&ReportReplicas{Added: have, NBytes: sizes})
	}
}

// schedule starts executions and fetches while there is room.
func (s *State) schedule() {
	if s.paused {
		return
	}
	for s.executing < s.cfg.NThreads && s.ready.Len() > 0 {
		t := s.ready.pop()
		t.state = Executing
		s.executing++
		s.execs = append(s.execs, Execute{Key: t.key, Run: t.run, Task: Handle{t}})
		s.emit(&s.execs[len(s.execs)-1])
	}
	if !s.fetchable || len(s.toFetch) == 0 || len(s.inFlight) >= s.cfg.MaxFetchPeers {
		return
	}
	incoming := s.incoming() // only now: summing the fetches under way walks a map
	if s.incomingFull(incoming) {
		return
	}
	// What is left in toFetch after this waits for a peer to come free
	// (fetchAnswered) or for a new key (fetchLater).
	s.fetchable = false
	// Group fetchable keys by a peer that has them, most urgent first.
	var byPeer map[string][]string
	var urgency map[string]int64 // the most urgent priority of a key to get from each peer
	for t := range s.toFetch {
		if t.state != Fetch || len(t.holders) == 0 {
			delete(s.toFetch, t)
			continue
		}
		peer := ""
		for _, h := range t.holders {
			if _, busy := s.inFlight[h]; !busy {
				peer = h
				break
			}
		}
		if peer == "" {
			continue
		}
		if byPeer == nil {
			byPeer, urgency = map[string][]string{}, map[string]int64{}
		}
		if u, ok := urgency[peer]; !ok || t.priority < u {
			urgency[peer] = t.priority
		}
		byPeer[peer] = append(byPeer[peer], t.key)
	}
	peers := make([]string, 0, len(byPeer))
	for p := range byPeer {
		peers = append(peers, p)
	}
	slices.SortFunc(peers, func(a, b string) int {
		if c := cmp.Compare(urgency[a], urgency[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, p := range peers {
		if len(s.inFlight) >= s.cfg.MaxFetchPeers || s.incomingFull(incoming) {
			break
		}
		keys := byPeer[p]
		slices.SortFunc(keys, func(a, b string) int {
			if c := cmp.Compare(s.tasks.Get(a).priority, s.tasks.Get(b).priority); c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})
		// The most urgent keys up to MaxFetchBytes, and within what
		// MaxIncomingBytes leaves; the rest wait in toFetch for a later
		// fetch. With nothing under way the first key goes whatever its size.
		// (A key bigger than MaxFetchBytes goes alone.)
		var total int64
		for i, k := range keys {
			n := s.tasks.Get(k).nbytes
			if (i > 0 && total+n > s.cfg.MaxFetchBytes) ||
				(s.cfg.MaxIncomingBytes > 0 && incoming+total+n > s.cfg.MaxIncomingBytes && (i > 0 || len(s.inFlight) > 0)) {
				keys = keys[:i]
				break
			}
			total += n
		}
		if len(keys) == 0 {
			break // the most urgent key of the next peer waits for room
		}
		slices.Sort(keys)
		sizes := make([]int64, len(keys))
		for i, k := range keys {
			t := s.tasks.Get(k)
			t.state = Flight
			t.flightFrom = p
			sizes[i] = t.nbytes
			delete(s.toFetch, t)
		}
		s.inFlight[p] = fetchUnderWay{keys: len(keys), bytes: total}
		incoming += total
		s.emit(&FetchKeys{From: p, Keys: keys, NBytes: sizes})
	}
}

// readyHeap orders ready tasks, most urgent (lowest priority, then key)
// first; each task knows its index, so that remove is O(log n). Typed
// rather than through container/heap: this is on every task's path.
type readyHeap []*task

func (h readyHeap) Len() int { return len(h) }

func (h readyHeap) less(i, j int) bool {
	if h[i].priority != h[j].priority {
		return h[i].priority < h[j].priority
	}
	return h[i].key < h[j].key
}

func (h readyHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}

func (h readyHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

// down sifts h[i] down and reports whether it moved.
func (h readyHeap) down(i int) bool {
	start := i
	for {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if r := c + 1; r < len(h) && h.less(r, c) {
			c = r
		}
		if !h.less(c, i) {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}

func (h *readyHeap) push(t *task) {
	t.heapIndex = len(*h)
	*h = append(*h, t)
	h.up(t.heapIndex)
}

func (h *readyHeap) pop() *task {
	return h.remove((*h)[0])
}

func (h *readyHeap) remove(t *task) *task {
	old := *h
	i, last := t.heapIndex, len(old)-1
	if i != last {
		old.swap(i, last)
	}
	old[last] = nil
	*h = old[:last]
	if i != last && !h.down(i) {
		h.up(i)
	}
	t.heapIndex = -1
	return t
}

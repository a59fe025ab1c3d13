package worker_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gask-dev/gask/worker"
)

// TestModel drives the worker with random valid events — tasks to compute
// with inputs held by peers or here, frees (also of running tasks and of
// inputs being fetched), finished and failed runs, fetches that succeed,
// partly succeed or fail, puts, pauses, copies to acquire, steal requests —
// and checks after every event the
// invariants and a model of the daemon around the state machine: the store
// holds exactly what the commands and results put there, so no value the
// worker thinks it holds may have been discarded, a task runs only when its
// inputs are in the store, each peer serves one fetch at a time, and every
// compute request and every copy to acquire is answered exactly once. At
// the end every run and fetch is completed: nothing may remain executing,
// waiting or fetching, and every request must have been answered.
func TestModel(t *testing.T) {
	seeds := 400
	if testing.Short() {
		seeds = 40
	}
	for seed := range uint64(seeds) {
		m := newModel(t, seed)
		if !m.run(250) {
			return
		}
	}
}

var modelPeers = []string{"w2", "w3", "w4"}

type model struct {
	t    *testing.T
	seed uint64
	rng  *rand.Rand
	cfg  worker.Config
	s    *worker.State

	store    map[string]int64        // what the daemon's store holds
	running  map[string]bool         // Execute sent, result not yet handled
	fetching map[string][]string     // peer → keys of its fetch under way
	pending  map[string]bool         // compute requested, not yet answered
	specs    map[string][]worker.Dep // inputs of each pending task
	holders  map[string][]string     // peers that hold each remote key
	tasks    map[string][]worker.Dep // inputs of every task ever requested
	raced    map[string]bool         // keys asked to compute while in flight
	acquires map[string]bool         // copies asked for and not yet answered
	runs     map[string]string       // the Run of each key's latest compute request
	// The Task of each key's latest Execute, and of the one before: a run
	// ends with the latest, none, or (as a confused daemon might send) an
	// older one, which must name nothing once its task was let go of.
	handles, oldHandles map[string]worker.Handle
	nkeys               int
	log                 []string
}

func newModel(t *testing.T, seed uint64) *model {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	cfg := worker.Config{
		Self:          "w1",
		NThreads:      1 + rng.IntN(3),
		MaxFetchPeers: []int{1, 2, 8}[rng.IntN(3)],
		// Values are 8 bytes per key character (16-40): 20 is smaller
		// than most, 40 holds one or two at once.
		MaxIncomingBytes: []int64{0, 0, 20, 40, 100}[rng.IntN(5)],
	}
	return &model{
		t: t, seed: seed, rng: rng, cfg: cfg, s: worker.New(cfg),
		store: map[string]int64{}, running: map[string]bool{}, fetching: map[string][]string{},
		pending: map[string]bool{}, specs: map[string][]worker.Dep{}, holders: map[string][]string{},
		tasks: map[string][]worker.Dep{}, raced: map[string]bool{}, acquires: map[string]bool{},
		runs: map[string]string{}, handles: map[string]worker.Handle{}, oldHandles: map[string]worker.Handle{},
	}
}

// handleFor is the Task a run of key ends with.
func (m *model) handleFor(key string) worker.Handle {
	switch r := m.rng.IntN(8); {
	case r == 0:
		return worker.Handle{}
	case r == 1:
		if h, ok := m.oldHandles[key]; ok {
			return h
		}
	}
	return m.handles[key]
}

// size is every key's value size: the same wherever it is computed.
func size(key string) int64 { return int64(8 * len(key)) }

func (m *model) fail(format string, args ...any) bool {
	m.t.Helper()
	n := len(m.log)
	m.t.Errorf("seed %d (nthreads=%d max-fetch-peers=%d max-incoming-bytes=%d): %s\nlast events:\n%s", m.seed,
		m.cfg.NThreads, m.cfg.MaxFetchPeers, m.cfg.MaxIncomingBytes, fmt.Sprintf(format, args...), strings.Join(m.log[max(0, n-40):], "\n"))
	return false
}

func (m *model) run(steps int) bool {
	for range steps {
		if !m.step() {
			return false
		}
	}
	// Drain: let every run and fetch finish.
	if m.s.Paused() && !m.handle(&worker.Resume{}) {
		return false
	}
	for i := 0; len(m.running) > 0 || len(m.fetching) > 0; i++ {
		if i > 10000 {
			return m.fail("runs and fetches do not finish")
		}
		var ok bool
		if len(m.running) > 0 && (len(m.fetching) == 0 || m.rng.IntN(2) == 0) {
			ok = m.finishRun()
		} else {
			ok = m.finishFetch()
		}
		if !ok {
			return false
		}
	}
	if n := m.s.Executing(); n != 0 {
		return m.fail("after draining, Executing() = %d", n)
	}
	for k, st := range m.s.KeyStates() {
		if st != worker.Memory {
			return m.fail("after draining, %s is %v", k, st)
		}
	}
	if len(m.pending) > 0 {
		return m.fail("after draining, never answered: %v", slices.Sorted(maps.Keys(m.pending)))
	}
	if len(m.acquires) > 0 {
		return m.fail("after draining, copies never acquired nor reported missing: %v", slices.Sorted(maps.Keys(m.acquires)))
	}
	return true
}

func (m *model) step() bool {
	switch r := m.rng.IntN(100); {
	case r < 5:
		return m.acquire()
	case r < 30:
		return m.compute()
	case r < 50:
		if len(m.running) > 0 {
			return m.finishRun()
		}
	case r < 72:
		if len(m.fetching) > 0 {
			return m.finishFetch()
		}
	case r < 84:
		return m.free()
	case r < 87:
		return m.put()
	case r < 90:
		return m.steal()
	case r < 93:
		return m.handle(&worker.Pause{})
	default:
		return m.handle(&worker.Resume{})
	}
	return true
}

// needed reports whether a pending task here has key as an input: the
// scheduler frees no such key here.
func (m *model) needed(key string) bool {
	for _, deps := range m.specs {
		for _, d := range deps {
			if d.Key == key {
				return true
			}
		}
	}
	return false
}

func (m *model) newKey() string {
	m.nkeys++
	return fmt.Sprintf("k%d", m.nkeys)
}

// known returns the keys the state knows, sorted.
func (m *model) known() []string {
	return slices.Sorted(maps.Keys(m.s.KeyStates()))
}

func (m *model) compute() bool {
	key := m.newKey()
	// Sometimes ask again for a key known here: in memory (answered at
	// once), being fetched (the computation wins), cancelled (the run
	// counts again) or already pending (ignored).
	if known := m.known(); len(known) > 0 && m.rng.IntN(5) == 0 {
		key = known[m.rng.IntN(len(known))]
	}
	run := fmt.Sprintf("%s#%d", key, len(m.log))
	e := &worker.ComputeRequested{Key: key, Priority: int64(m.rng.IntN(6)), Run: run}
	m.runs[key] = run
	if deps, ok := m.tasks[key]; ok {
		// A key names one computation: the same inputs, now held where
		// they are held now.
		for _, d := range deps {
			d.Holders = slices.Clone(m.holders[d.Key])
			if m.s.Has(d.Key) {
				d.Holders = append(d.Holders, m.cfg.Self)
			}
			e.Deps = append(e.Deps, d)
		}
		return m.handle(e)
	}
	for range m.rng.IntN(4) {
		var d worker.Dep
		known := m.known()
		if len(known) > 0 && m.rng.IntN(3) == 0 {
			d.Key = known[m.rng.IntN(len(known))] // held here, fetched or running
		} else if len(m.holders) > 0 && m.rng.IntN(2) == 0 {
			rk := slices.Sorted(maps.Keys(m.holders))
			d.Key = rk[m.rng.IntN(len(rk))]
		} else {
			d.Key = m.newKey()
		}
		if d.Key == key || m.pending[d.Key] || slices.ContainsFunc(e.Deps, func(x worker.Dep) bool { return x.Key == d.Key }) ||
			m.dependsOn(d.Key, key, map[string]bool{}) {
			continue // no cycles: the scheduler sends graphs
		}
		if _, ok := m.holders[d.Key]; !ok {
			var hs []string
			for _, p := range modelPeers {
				if m.rng.IntN(2) == 0 {
					hs = append(hs, p)
				}
			}
			if len(hs) == 0 {
				hs = []string{modelPeers[m.rng.IntN(len(modelPeers))]}
			}
			m.holders[d.Key] = hs
		}
		d.Holders = slices.Clone(m.holders[d.Key])
		if m.s.Has(d.Key) {
			d.Holders = append(d.Holders, m.cfg.Self)
		}
		d.NBytes = size(d.Key)
		e.Deps = append(e.Deps, d)
	}
	m.tasks[key] = e.Deps
	return m.handle(e)
}

// dependsOn reports whether the task a needs b, directly or not.
func (m *model) dependsOn(a, b string, seen map[string]bool) bool {
	if seen[a] {
		return false
	}
	seen[a] = true
	for _, d := range m.tasks[a] {
		if d.Key == b || m.dependsOn(d.Key, b, seen) {
			return true
		}
	}
	return false
}

func (m *model) finishRun() bool {
	keys := slices.Sorted(maps.Keys(m.running))
	key := keys[m.rng.IntN(len(keys))]
	delete(m.running, key)
	h := m.handleFor(key)
	if m.rng.IntN(8) == 0 {
		return m.handle(&worker.ExecuteFailed{Key: key, Err: errors.New("boom"), Task: h})
	}
	m.store[key] = size(key) // the run stores its value, then reports
	return m.handle(&worker.ExecuteDone{Key: key, NBytes: size(key), Duration: 1, Task: h})
}

// finishFetch ends one peer's fetch as the daemon does: the keys that came
// are stored and reported in a FetchDone, then the rest in a FetchFailed
// (all of them, if none came).
func (m *model) finishFetch() bool {
	peers := slices.Sorted(maps.Keys(m.fetching))
	peer := peers[m.rng.IntN(len(peers))]
	keys := m.fetching[peer]
	delete(m.fetching, peer)
	down := m.rng.IntN(6) == 0
	var got, missing []string
	var sizes []int64
	for _, k := range keys {
		if down || !slices.Contains(m.holders[k], peer) || m.rng.IntN(8) == 0 {
			missing = append(missing, k)
			continue
		}
		got = append(got, k)
		sizes = append(sizes, size(k))
		m.store[k] = size(k)
	}
	if len(got) > 0 && !m.handle(&worker.FetchDone{From: peer, Keys: got, NBytes: sizes}) {
		return false
	}
	if len(missing) > 0 || len(got) == 0 {
		return m.handle(&worker.FetchFailed{From: peer, Keys: missing})
	}
	return true
}

func (m *model) free() bool {
	var keys []string
	for _, k := range m.known() {
		if !m.needed(k) && m.rng.IntN(3) == 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return true
	}
	for _, k := range keys {
		delete(m.pending, k)
		delete(m.specs, k)
	}
	return m.handle(&worker.FreeRequested{Keys: keys})
}

// acquire asks for copies: of keys peers hold, of keys known here (held,
// fetched, computed or running), and of new keys held by no peer.
func (m *model) acquire() bool {
	e := &worker.AcquireRequested{}
	for range 1 + m.rng.IntN(3) {
		var d worker.Dep
		switch r := m.rng.IntN(4); {
		case r == 0 && len(m.known()) > 0:
			known := m.known()
			d.Key = known[m.rng.IntN(len(known))]
		case r == 1 && len(m.holders) > 0:
			rk := slices.Sorted(maps.Keys(m.holders))
			d.Key = rk[m.rng.IntN(len(rk))]
		default:
			d.Key = m.newKey()
			if m.rng.IntN(4) != 0 {
				m.holders[d.Key] = []string{modelPeers[m.rng.IntN(len(modelPeers))]}
			}
		}
		if slices.ContainsFunc(e.Keys, func(x worker.Dep) bool { return x.Key == d.Key }) {
			continue
		}
		d.Holders = slices.Clone(m.holders[d.Key])
		if m.rng.IntN(6) == 0 {
			d.Holders = append(d.Holders, modelPeers[m.rng.IntN(len(modelPeers))]) // one that does not have it
		}
		d.NBytes = size(d.Key)
		e.Keys = append(e.Keys, d)
	}
	return m.handle(e)
}

// steal asks for a key back, as the scheduler does for a task it would
// rather run elsewhere: usually a task requested here, sometimes any key
// known here or not.
func (m *model) steal() bool {
	var key string
	switch pending := slices.Sorted(maps.Keys(m.pending)); {
	case len(pending) > 0 && m.rng.IntN(4) != 0:
		key = pending[m.rng.IntN(len(pending))]
	case len(m.known()) > 0 && m.rng.IntN(2) == 0:
		known := m.known()
		key = known[m.rng.IntN(len(known))]
	default:
		key = m.newKey()
	}
	return m.handle(&worker.StealRequested{Key: key})
}

// put scatters a new key here, or one being fetched.
func (m *model) put() bool {
	key := m.newKey()
	if m.rng.IntN(2) == 0 {
		states := m.s.KeyStates()
		for _, k := range m.known() {
			if st := states[k]; st == worker.Fetch || st == worker.Flight {
				key = k
				break
			}
		}
	}
	m.store[key] = size(key)
	return m.handle(&worker.DataPut{Key: key, NBytes: size(key)})
}

// handle applies one event, carries out its commands as the daemon would,
// and checks them and the state.
func (m *model) handle(ev worker.Event) bool {
	m.t.Helper()
	m.log = append(m.log, fmt.Sprintf("%T %+v", ev, ev))
	if e, ok := ev.(*worker.ComputeRequested); ok && m.s.KeyStates()[e.Key] == worker.Flight {
		m.raced[e.Key] = true
	}
	if e, ok := ev.(*worker.DataPut); ok && m.s.KeyStates()[e.Key] == worker.Flight {
		// The same known bug: a put over a key in flight forgets that
		// fetch too, and a later request for the key fetches it again.
		m.raced[e.Key] = true
	}
	if e, ok := ev.(*worker.ComputeRequested); ok && !m.pending[e.Key] {
		m.pending[e.Key] = true
		m.specs[e.Key] = e.Deps
	}
	switch e := ev.(type) {
	case *worker.AcquireRequested:
		for _, d := range e.Keys {
			m.acquires[d.Key] = true
		}
	case *worker.ComputeRequested:
		delete(m.acquires, e.Key) // the computation wins
	case *worker.FreeRequested:
		for _, k := range e.Keys {
			delete(m.acquires, k)
		}
	case *worker.DataPut:
		delete(m.acquires, e.Key) // the scheduler learns of it from the client
	}
	before := m.s.KeyStates()
	cmds := m.s.Handle(ev)
	for _, c := range cmds {
		m.log = append(m.log, "  "+formatCommand(c))
	}
	if e, ok := ev.(*worker.StealRequested); ok {
		// One answer, last; stolen exactly when the task had not started.
		var last worker.Command
		if len(cmds) > 0 {
			last = cmds[len(cmds)-1]
		}
		rs, ok := last.(*worker.ReportSteal)
		if !ok || rs.Key != e.Key {
			return m.fail("steal %s: last command %v, want report-steal %s", e.Key, last, e.Key)
		}
		st, known := before[e.Key]
		if want := known && (st == worker.Waiting || st == worker.Ready); rs.Stolen != want {
			return m.fail("steal %s (%v): stolen=%v, want %v", e.Key, st, rs.Stolen, want)
		}
	}
	if err := check(m.s, m.cfg); err != nil {
		return m.fail("check: %v", err)
	}
	answer := func(key string) bool {
		if !m.pending[key] {
			return m.fail("%s answered, but no compute request for it is open", key)
		}
		delete(m.pending, key)
		delete(m.specs, key)
		return true
	}
	for _, c := range cmds {
		switch c := c.(type) {
		case *worker.Execute:
			if m.running[c.Key] {
				return m.fail("execute %s: already running", c.Key)
			}
			if !m.pending[c.Key] {
				return m.fail("execute %s: not requested", c.Key)
			}
			for _, d := range m.specs[c.Key] {
				if _, ok := m.store[d.Key]; !ok || !m.s.Has(d.Key) {
					return m.fail("execute %s: input %s is not here", c.Key, d.Key)
				}
			}
			if c.Run != m.runs[c.Key] {
				return m.fail("execute %s: run %v, want the latest request's %s", c.Key, c.Run, m.runs[c.Key])
			}
			m.running[c.Key] = true
			if h, ok := m.handles[c.Key]; ok {
				m.oldHandles[c.Key] = h
			}
			m.handles[c.Key] = c.Task
		case *worker.CancelExecution:
			if !m.running[c.Key] {
				return m.fail("cancel-execution %s: not running", c.Key)
			}
		case *worker.FetchKeys:
			if c.From == m.cfg.Self {
				return m.fail("fetch %s from ourselves", c.Keys)
			}
			if _, busy := m.fetching[c.From]; busy {
				return m.fail("fetch %v from %s: a fetch from %s is under way (%v)", c.Keys, c.From, c.From, m.fetching[c.From])
			}
			for _, k := range c.Keys {
				if m.s.Has(k) {
					return m.fail("fetch %s: already in memory", k)
				}
				for p, ks := range m.fetching {
					// Known: a key asked to compute while in flight
					// forgets that fetch; if the run then fails while
					// tasks here still need the key, it is fetched again
					// while the first fetch may be under way
					// (TestRefetchWhileFetchUnderWay).
					if slices.Contains(ks, k) && !m.raced[k] {
						return m.fail("fetch %s from %s: already being fetched from %s", k, c.From, p)
					}
				}
			}
			m.fetching[c.From] = slices.Clone(c.Keys)
			if len(m.fetching) > m.cfg.MaxFetchPeers {
				return m.fail("%d fetches under way, max-fetch-peers = %d", len(m.fetching), m.cfg.MaxFetchPeers)
			}
		case *worker.Discard:
			delete(m.store, c.Key)
		case *worker.ReportDone:
			if c.NBytes != size(c.Key) {
				return m.fail("report-done %s nbytes=%d, want %d", c.Key, c.NBytes, size(c.Key))
			}
			if c.Run != m.runs[c.Key] {
				return m.fail("report-done %s: run %v, want the latest request's %s", c.Key, c.Run, m.runs[c.Key])
			}
			if !answer(c.Key) {
				return false
			}
		case *worker.ReportErred:
			if !answer(c.Key) {
				return false
			}
		case *worker.ReportMissing:
			if c.Key == "" {
				if !m.acquires[c.Dep] {
					return m.fail("report-missing dep=%s for an acquire: not asked for, or answered already", c.Dep)
				}
				delete(m.acquires, c.Dep)
				continue
			}
			if !slices.ContainsFunc(m.specs[c.Key], func(d worker.Dep) bool { return d.Key == c.Dep }) {
				return m.fail("report-missing %s dep=%s: not an input of it", c.Key, c.Dep)
			}
			if !answer(c.Key) {
				return false
			}
		case *worker.ReportSteal:
			if c.Stolen && !answer(c.Key) {
				return false
			}
			if _, still := m.s.KeyStates()[c.Key]; c.Stolen && still {
				return m.fail("report-steal %s stolen, but the worker still has it", c.Key)
			}
		case *worker.ReportReplicas:
			for _, k := range c.Added {
				if !m.s.Has(k) {
					return m.fail("replicas %s: not in memory", k)
				}
				delete(m.acquires, k)
			}
		}
	}
	states := m.s.KeyStates()
	for k, st := range states {
		if st == worker.Memory {
			if _, ok := m.store[k]; !ok {
				return m.fail("%s is in memory, but its value was discarded", k)
			}
		}
		local := st == worker.Waiting || st == worker.Ready || st == worker.Executing
		if local != m.pending[k] {
			return m.fail("%s is %v, but pending=%v", k, st, m.pending[k])
		}
	}
	for k := range m.pending {
		if _, ok := states[k]; !ok {
			return m.fail("%s requested and not answered, but the worker forgot it", k)
		}
	}
	if got, want := m.s.Executing(), len(m.running); got != want {
		return m.fail("Executing() = %d, %d runs under way", got, want)
	}
	return true
}

package scheduler_test

import (
	"flag"
	"fmt"
	"hash"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gask-dev/gask/scheduler"
)

// TestModel drives the scheduler with random events — graphs submitted by
// up to three clients, workers joining, closing, pausing, dying and
// dropping values, tasks finishing and failing, late results, scatters,
// releases, retirements (with the copies they ask for arriving or failing),
// and answers to steals, given at once or late — and
// checks after every event both State.Check and a model of the cluster: the
// workers of the model do exactly what the commands say, so what they run
// and hold must be what the scheduler believes they run and hold. At the
// end every task is run to completion: every held key must be in memory or
// erred, and each client told so; then all clients let go, and nothing may
// remain anywhere.
func TestModel(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 30
	}
	if *modelSeeds > 0 {
		seeds = *modelSeeds
	}
	events, wasted, moved, steals, stolen := 0, 0, 0, 0, 0
	var outcomes [3]int // workers retired, kept, lost
	for seed := range uint64(seeds) {
		m := newModel(t, *modelFirstSeed+seed)
		if !m.run(*modelEvents) {
			return
		}
		events += m.events
		wasted += m.wasted
		moved += m.moved
		steals += m.steals
		stolen += m.stolen
		for i, n := range m.outcomes {
			outcomes[i] += n
		}
	}
	t.Logf("%d seeds, %d events; %d computes were cancelled in the batch that sent them; "+
		"%d workers retired, %d kept, %d lost while retiring; %d copies acquired; %d steals asked, %d given up",
		seeds, events, wasted, outcomes[0], outcomes[1], outcomes[2], moved, steals, stolen)
}

var (
	modelSeeds     = flag.Int("model.seeds", 0, "TestModel: how many seeds to run (default 300, 30 with -short)")
	modelFirstSeed = flag.Uint64("model.seed", 0, "TestModel: the first seed")
	modelEvents    = flag.Int("model.events", 300, "TestModel: random events per seed")
)

var modelFuncs = []string{"inc", "add", "sum"}

type modelWorker struct {
	id      scheduler.WorkerID
	name    string
	funcs   map[string]bool
	gpus    float64
	closing bool
	paused  bool
	running map[string]*scheduler.Compute
	has     map[string]bool
	// Retirement: asked to retire (and not kept), told to close, and the
	// copies it was asked to acquire.
	retiring  bool
	closed    bool
	acquiring map[string]scheduler.DepLoc
	// Steals: tasks given up, whose answer the scheduler has not had yet
	// (it still counts them here), and the answers on their way, in order.
	handedOver map[string]*stealAnswer
	answers    []*stealAnswer
}

type stealAnswer struct {
	key    string
	stolen bool
}

type modelClient struct {
	id     scheduler.ClientID
	holds  map[string]int
	status map[string]string // the last thing the client was told: done, erred, cancelled
}

// zombie is a task a worker was told to drop while its result or failure
// was already on the way to the scheduler.
type zombie struct {
	worker scheduler.WorkerID
	key    string
	ref    uint64 // its Compute's: stale by the time it comes
	fail   bool
}

type model struct {
	t       *testing.T
	seed    uint64
	rng     *rand.Rand
	s       *scheduler.State
	workers map[scheduler.WorkerID]*modelWorker
	clients map[scheduler.ClientID]*modelClient
	specs   map[string]scheduler.TaskSpec // every task ever submitted, by key
	order   []string                      // keys in creation order
	zombies []zombie
	nkeys   int
	nworker int
	nreq    uint64
	retires map[uint64]bool // retirement requests: answered?
	log     []string        // the last events and commands, for failure messages
	trace   hash.Hash       // of every event and command, to compare runs
	events  int
	wasted  int // computes cancelled in the batch that sent them
	// Retirement: workers retired, kept and lost; copies acquired.
	outcomes [3]int
	moved    int
	steals   int // Steal commands
	stolen   int // of which the worker gave the task up
}

func newModel(t *testing.T, seed uint64) *model {
	return &model{
		t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x5eed)),
		s:       scheduler.New(scheduler.Config{}),
		workers: map[scheduler.WorkerID]*modelWorker{},
		clients: map[scheduler.ClientID]*modelClient{},
		specs:   map[string]scheduler.TaskSpec{},
		retires: map[uint64]bool{},
		trace:   fnv.New64a(),
	}
}

func (m *model) failf(format string, args ...any) bool {
	m.t.Helper()
	m.t.Errorf("seed %d, event %d: %s\nlast events:\n  %s", m.seed, m.events,
		fmt.Sprintf(format, args...), strings.Join(m.log, "\n  "))
	return false
}

// run plays n random events, then the ending. It reports whether all went well.
func (m *model) run(n int) bool {
	for range n {
		if !m.step() {
			return false
		}
	}
	return m.finishAll() && m.releaseAll()
}

func (m *model) step() bool {
	switch r := m.rng.IntN(100); {
	case r < 10 || len(m.workers) == 0 && r < 30:
		return m.joinWorker("", true)
	case r < 14:
		return m.leaveWorker()
	case r < 16:
		return m.closeWorker()
	case r < 34:
		return m.submit()
	case r < 60:
		return m.finishRandom(true)
	case r < 66:
		return m.failRandom()
	case r < 74:
		return m.release()
	case r < 76:
		return m.clientLeave()
	case r < 80:
		return m.scatter()
	case r < 86:
		return m.replicas()
	case r < 90:
		return m.lateResult()
	case r < 92:
		return m.retire()
	case r < 94:
		return m.acquireRandom()
	case r < 95:
		return m.leaveClosed()
	case r < 96:
		return m.pauseWorker()
	case r < 98:
		return m.answerSteal()
	default:
		return m.finishRandom(true)
	}
}

// handle applies one event to the scheduler and its commands to the model,
// then checks both.
func (m *model) handle(ev scheduler.Event, desc string) bool {
	m.t.Helper()
	m.events++
	if len(m.log) > 100 {
		m.log = slices.Delete(m.log, 0, len(m.log)-60)
	}
	m.log = append(m.log, desc)
	fmt.Fprintln(m.trace, desc)
	cmds := m.s.Handle(ev)
	var computes []*scheduler.Compute
	var closed []scheduler.WorkerID
	for _, c := range cmds {
		m.log = append(m.log, "  -> "+formatCommand(c))
		fmt.Fprintln(m.trace, formatCommand(c))
		if !m.apply(c) {
			return false
		}
		switch c := c.(type) {
		case *scheduler.Compute:
			computes = append(computes, m.workers[c.Worker].running[c.Key])
		case *scheduler.CloseWorker:
			closed = append(closed, c.Worker)
		}
	}
	// A worker the scheduler keeps (its retirement failed) is at work
	// again at once; one still retiring after the batch got no task in it.
	retiring := map[scheduler.WorkerID]bool{}
	for _, wi := range m.s.Workers() {
		retiring[wi.ID] = wi.Retiring
		if w := m.workers[wi.ID]; w != nil && w.retiring && !wi.Retiring && !w.closed {
			w.retiring = false
		}
	}
	for _, c := range computes {
		w := m.workers[c.Worker]
		if w == nil || w.running[c.Key] != c {
			m.wasted++
			continue
		}
		if retiring[c.Worker] {
			return m.failf("compute %s sent to %s, which is retiring", c.Key, c.Worker)
		}
	}
	// A worker told to close leaves nothing behind: every value it holds
	// has a copy on a worker that is neither closing nor retiring.
	for _, id := range closed {
		w := m.workers[id]
		for k := range w.has {
			safe := false
			for _, o := range m.workers {
				safe = safe || o != w && o.has[k] && !o.closing && !retiring[o.id]
			}
			if !safe {
				return m.failf("close sent to %s, which holds the only safe copy of %s", id, k)
			}
		}
	}
	// The inputs of a compute must be where it says once the batch is
	// carried out; a compute cancelled later in the same batch does not
	// matter (the scheduler may place a task while it is still taking in
	// a worker's loss).
	for _, c := range computes {
		w := m.workers[c.Worker]
		if w == nil || w.running[c.Key] != c {
			continue
		}
		for _, d := range c.Deps {
			if len(d.Holders) == 0 {
				return m.failf("compute %s: input %s has no holders", c.Key, d.Key)
			}
			for _, h := range d.Holders {
				if hw := m.workers[h]; hw == nil || !hw.has[d.Key] {
					return m.failf("compute %s: input %s said to be on %s, which does not have it", c.Key, d.Key, h)
				}
			}
		}
	}
	if err := m.s.Check(); err != nil {
		return m.failf("Check() = %v", err)
	}
	return m.compare()
}

func (m *model) apply(c scheduler.Command) bool {
	switch c := c.(type) {
	case *scheduler.Compute:
		w := m.workers[c.Worker]
		if w == nil {
			return m.failf("compute %s sent to %s, which is gone", c.Key, c.Worker)
		}
		if w.closing {
			return m.failf("compute %s sent to closing %s", c.Key, c.Worker)
		}
		if !w.funcs[strings.TrimSuffix(c.Func, "@sig")] {
			return m.failf("compute %s sent to %s, which cannot run %s", c.Key, c.Worker, c.Func)
		}
		if w.paused {
			return m.failf("compute %s sent to paused %s", c.Key, c.Worker)
		}
		for _, o := range m.workers {
			if o.running[c.Key] != nil || o.handedOver[c.Key] != nil {
				return m.failf("compute %s sent to %s while %s runs it", c.Key, c.Worker, o.id)
			}
		}
		spec := m.specs[c.Key]
		if r := spec.Workers; len(r) > 0 && !spec.Loose && !slices.Contains(r, w.name) && !slices.Contains(r, string(w.id)) {
			return m.failf("compute %s sent to %s (%s) against restriction %v", c.Key, c.Worker, w.name, r)
		}
		gpus := 0.0
		for _, rc := range w.running {
			gpus += gpuOf(rc.Resources)
		}
		if gpus+gpuOf(c.Resources) > w.gpus {
			return m.failf("compute %s sent to %s: %v GPUs in use of %v", c.Key, c.Worker, gpus, w.gpus)
		}
		var deps []string
		for _, d := range c.Deps {
			deps = append(deps, d.Key)
		}
		if !slices.Equal(deps, spec.Deps) {
			return m.failf("compute %s with inputs %v, want %v", c.Key, deps, spec.Deps)
		}
		cc := *c
		cc.Deps = slices.Clone(c.Deps)
		w.running[c.Key] = &cc
	case *scheduler.Steal:
		w := m.workers[c.Worker]
		if w == nil || w.closing {
			return m.failf("steal %s asked of %s, which is gone or closing", c.Key, c.Worker)
		}
		if w.running[c.Key] == nil && w.handedOver[c.Key] == nil {
			return m.failf("steal %s asked of %s, which does not run it", c.Key, c.Worker)
		}
		// The worker decides when the request arrives: it gives the task up
		// unless it has started it.
		a := &stealAnswer{key: c.Key}
		if w.running[c.Key] != nil && m.rng.IntN(3) != 0 {
			a.stolen = true
			delete(w.running, c.Key)
			w.handedOver[c.Key] = a
		}
		w.answers = append(w.answers, a)
		m.steals++
		if a.stolen {
			m.stolen++
		}
	case *scheduler.Free:
		w := m.workers[c.Worker]
		if w == nil {
			return m.failf("free %s sent to %s, which is gone", c.Key, c.Worker)
		}
		delete(w.handedOver, c.Key) // given up already; the scheduler no longer counts it
		if w.running[c.Key] != nil {
			if m.rng.IntN(4) == 0 {
				m.zombies = append(m.zombies, zombie{w.id, c.Key, w.running[c.Key].Ref, m.rng.IntN(3) == 0})
			}
			delete(w.running, c.Key)
		}
		delete(w.has, c.Key)
		delete(w.acquiring, c.Key)
	case *scheduler.Acquire:
		w := m.workers[c.Worker]
		if w == nil || w.closing || w.retiring {
			return m.failf("acquire sent to %s, which is gone, closing or retiring", c.Worker)
		}
		for _, d := range c.Keys {
			if w.has[d.Key] {
				return m.failf("acquire %s sent to %s, which has it", d.Key, c.Worker)
			}
			if len(d.Holders) == 0 {
				return m.failf("acquire %s from nobody", d.Key)
			}
			for _, h := range d.Holders {
				if hw := m.workers[h]; hw == nil || !hw.has[d.Key] || !hw.retiring {
					return m.failf("acquire %s from %s, which does not have it or is not retiring", d.Key, h)
				}
			}
			w.acquiring[d.Key] = scheduler.DepLoc{Key: d.Key, NBytes: d.NBytes, Holders: slices.Clone(d.Holders)}
		}
	case *scheduler.CloseWorker:
		w := m.workers[c.Worker]
		if w == nil || !w.retiring || w.closing {
			return m.failf("close sent to %s, which is gone, not retiring or closing", c.Worker)
		}
		if len(w.running) > 0 {
			return m.failf("close sent to %s, which runs %v", c.Worker, slices.Sorted(maps.Keys(w.running)))
		}
		w.closed, w.closing = true, true
	case *scheduler.RetireDone:
		answered, ok := m.retires[c.ReqID]
		if !ok || answered {
			return m.failf("retirement %d answered, but it was not asked or was answered already", c.ReqID)
		}
		m.retires[c.ReqID] = true
		m.outcomes[0] += len(c.Retired)
		m.outcomes[1] += len(c.Kept)
		m.outcomes[2] += len(c.Lost)
		for _, id := range append(slices.Clone(c.Retired), c.Lost...) {
			if m.workers[id] != nil {
				return m.failf("retirement %d: %s retired or lost, but it is still here", c.ReqID, id)
			}
		}
		if len(c.Kept) == 0 && len(c.Unmoved) > 0 || len(c.Kept) > 0 && len(c.Unmoved) == 0 {
			return m.failf("retirement %d: kept %v for unmoved values %v", c.ReqID, c.Kept, c.Unmoved)
		}
	case *scheduler.NotifyDone:
		cl := m.clients[c.Client]
		if cl == nil || cl.holds[c.Key] == 0 {
			return m.failf("done %s to %s, which does not hold it", c.Key, c.Client)
		}
		for _, h := range c.Holders {
			if hw := m.workers[h]; hw == nil || !hw.has[c.Key] {
				return m.failf("done %s: said to be on %s, which does not have it", c.Key, h)
			}
		}
		cl.status[c.Key] = "done"
	case *scheduler.NotifyErred:
		cl := m.clients[c.Client]
		if cl == nil || cl.holds[c.Key] == 0 {
			return m.failf("erred %s to %s, which does not hold it", c.Key, c.Client)
		}
		if c.Err.Kind == "" || c.Err.Key == "" || c.Err.Message == "" {
			return m.failf("erred %s with incomplete error %+v", c.Key, c.Err)
		}
		cl.status[c.Key] = "erred"
	case *scheduler.NotifyCancelled:
		cl := m.clients[c.Client]
		if cl == nil || cl.holds[c.Key] == 0 {
			return m.failf("cancelled %s to %s, which does not hold it", c.Key, c.Client)
		}
		cl.status[c.Key] = "cancelled"
	default:
		return m.failf("unknown command %T", c)
	}
	return true
}

func gpuOf(rs []scheduler.Resource) float64 {
	var n float64
	for _, r := range rs {
		if r.Name == "GPU" {
			n += r.Amount
		}
	}
	return n
}

// compare checks that the scheduler's view of every worker is the model's.
func (m *model) compare() bool {
	infos := m.s.Workers()
	if len(infos) != len(m.workers) {
		return m.failf("scheduler has %d workers, model %d", len(infos), len(m.workers))
	}
	for _, wi := range infos {
		w := m.workers[wi.ID]
		if w == nil {
			return m.failf("scheduler has worker %s, model does not", wi.ID)
		}
		if wi.Processing != len(w.running)+len(w.handedOver) || wi.InMemory != len(w.has) {
			return m.failf("worker %s: scheduler says %d processing, %d in memory; it runs %v (and gave up %v) and has %v",
				wi.ID, wi.Processing, wi.InMemory, slices.Sorted(maps.Keys(w.running)), slices.Sorted(maps.Keys(w.handedOver)),
				slices.Sorted(maps.Keys(w.has)))
		}
		if wi.Paused != w.paused {
			return m.failf("worker %s: scheduler says paused=%v", wi.ID, wi.Paused)
		}
		for k := range w.handedOver {
			if ti, ok := m.s.Task(k); !ok || ti.State != scheduler.Processing || ti.Worker != wi.ID {
				return m.failf("%s gave up %s, whose answer is on its way; the scheduler says %+v", wi.ID, k, ti)
			}
		}
		for k := range w.running {
			if ti, ok := m.s.Task(k); !ok || ti.State != scheduler.Processing || ti.Worker != wi.ID {
				return m.failf("%s runs %s, the scheduler says %+v", wi.ID, k, ti)
			}
		}
		for k := range w.has {
			if ti, ok := m.s.Task(k); !ok || !slices.Contains(ti.WhoHas, wi.ID) {
				return m.failf("%s has %s, the scheduler says %+v", wi.ID, k, ti)
			}
		}
	}
	return true
}

func (m *model) pickWorker() *modelWorker {
	if len(m.workers) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(m.workers))
	return m.workers[ids[m.rng.IntN(len(ids))]]
}

func (m *model) client() *modelClient {
	id := scheduler.ClientID(fmt.Sprintf("c%d", 1+m.rng.IntN(3)))
	c := m.clients[id]
	if c == nil {
		c = &modelClient{id: id, holds: map[string]int{}, status: map[string]string{}}
		m.clients[id] = c
	}
	return c
}

func (m *model) joinWorker(name string, random bool) bool {
	m.nworker++
	w := &modelWorker{id: scheduler.WorkerID(fmt.Sprintf("w%d", m.nworker)), name: name,
		funcs: map[string]bool{}, running: map[string]*scheduler.Compute{}, has: map[string]bool{},
		acquiring: map[string]scheduler.DepLoc{}, handedOver: map[string]*stealAnswer{}}
	nthreads := 1
	for _, f := range modelFuncs {
		w.funcs[f] = true
	}
	if random {
		nthreads = 1 + m.rng.IntN(3)
		w.name = []string{"", "alice", "bob"}[m.rng.IntN(3)]
		if m.rng.IntN(6) == 0 {
			delete(w.funcs, modelFuncs[m.rng.IntN(len(modelFuncs))])
		}
		if m.rng.IntN(3) == 0 {
			w.gpus = 1
		}
	} else {
		w.gpus = 1
	}
	m.workers[w.id] = w
	ev := &scheduler.WorkerJoined{Worker: w.id, Name: w.name, NThreads: nthreads,
		Funcs: funcSet(slices.Sorted(maps.Keys(w.funcs)))}
	if w.gpus > 0 {
		ev.Resources = []scheduler.Resource{{Name: "GPU", Amount: w.gpus}}
	}
	return m.handle(ev, fmt.Sprintf("worker-join %s name=%s nthreads=%d funcs=%v gpus=%v", w.id, w.name, nthreads,
		slices.Sorted(maps.Keys(w.funcs)), w.gpus))
}

func (m *model) leaveWorker() bool {
	w := m.pickWorker()
	if w == nil {
		return true
	}
	if m.rng.IntN(2) == 0 && !m.handle(&scheduler.WorkerDeath{Worker: w.id, Reason: "OOM"}, "worker-death "+string(w.id)) {
		return false
	}
	delete(m.workers, w.id)
	if !m.handle(&scheduler.WorkerLeft{Worker: w.id, Reason: "connection lost"}, "worker-leave "+string(w.id)) {
		return false
	}
	if m.rng.IntN(4) == 0 {
		return m.handle(&scheduler.WorkerDeath{Worker: w.id, Reason: "killed"}, "worker-death (late) "+string(w.id))
	}
	return true
}

// pauseWorker pauses a worker, or resumes it.
func (m *model) pauseWorker() bool {
	w := m.pickWorker()
	if w == nil {
		return true
	}
	w.paused = !w.paused
	return m.handle(&scheduler.WorkerPaused{Worker: w.id, Paused: w.paused}, fmt.Sprintf("worker-paused %s %v", w.id, w.paused))
}

// answerSteal delivers the oldest answer to a steal of a random worker:
// answers come back in the order the steals were asked.
func (m *model) answerSteal() bool {
	var ws []*modelWorker
	for _, id := range slices.Sorted(maps.Keys(m.workers)) {
		if len(m.workers[id].answers) > 0 {
			ws = append(ws, m.workers[id])
		}
	}
	if len(ws) == 0 {
		return true
	}
	w := ws[m.rng.IntN(len(ws))]
	a := w.answers[0]
	w.answers = w.answers[1:]
	if w.handedOver[a.key] == a {
		delete(w.handedOver, a.key) // from now on the scheduler knows
	}
	return m.handle(&scheduler.StealResponse{Worker: w.id, Key: a.key, Stolen: a.stolen},
		fmt.Sprintf("steal-response %s %s stolen=%v", w.id, a.key, a.stolen))
}

func (m *model) closeWorker() bool {
	w := m.pickWorker()
	if w == nil {
		return true
	}
	w.closing = true
	return m.handle(&scheduler.WorkerClosing{Worker: w.id}, "worker-closing "+string(w.id))
}

// live lists the keys the scheduler still knows, in creation order.
func (m *model) live() []string {
	var ks []string
	for _, k := range m.order {
		if _, ok := m.s.Task(k); ok {
			ks = append(ks, k)
		}
	}
	return ks
}

func (m *model) newKey(prefix string) string {
	m.nkeys++
	k := fmt.Sprintf("%s%d", prefix, m.nkeys)
	m.order = append(m.order, k)
	return k
}

func (m *model) submit() bool {
	c := m.client()
	// Sometimes resubmit a known task and its lineage, as a client holding
	// the same computation twice would.
	if m.rng.IntN(6) == 0 && len(m.specs) > 0 {
		var computed []string
		for _, k := range m.order {
			if m.specs[k].Func != "" {
				computed = append(computed, k)
			}
		}
		if len(computed) > 0 {
			k := computed[m.rng.IntN(len(computed))]
			specs := m.lineage(k)
			return m.submitEvent(c, specs, []string{k})
		}
	}
	live := m.live()
	var specs []scheduler.TaskSpec
	var wants []string
	n := 1 + m.rng.IntN(6)
	var fresh []string
	for range n {
		spec := scheduler.TaskSpec{Key: m.newKey("k"), Func: modelFuncs[m.rng.IntN(len(modelFuncs))] + "@sig"}
		if m.rng.IntN(40) == 0 {
			spec.Func = "nope@sig"
		}
		for range m.rng.IntN(4) {
			pool := fresh
			if m.rng.IntN(3) == 0 && len(live) > 0 {
				pool = live
			}
			if len(pool) == 0 {
				break
			}
			spec.Deps = append(spec.Deps, pool[m.rng.IntN(len(pool))])
		}
		if m.rng.IntN(5) == 0 {
			spec.Retries = 1 + m.rng.IntN(2)
		}
		if m.rng.IntN(5) == 0 {
			spec.Priority = int64(m.rng.IntN(3))
		}
		if m.rng.IntN(10) == 0 {
			spec.Resources = []scheduler.Resource{{Name: "GPU", Amount: 1}}
		}
		if m.rng.IntN(10) == 0 {
			spec.Workers = []string{[]string{"alice", "bob"}[m.rng.IntN(2)]}
			spec.Loose = m.rng.IntN(2) == 0
		}
		m.specs[spec.Key] = spec
		specs = append(specs, spec)
		fresh = append(fresh, spec.Key)
		if m.rng.IntN(3) == 0 {
			wants = append(wants, spec.Key)
		}
	}
	if len(wants) == 0 && m.rng.IntN(4) != 0 {
		wants = append(wants, fresh[len(fresh)-1])
	}
	if m.rng.IntN(5) == 0 && len(live) > 0 {
		wants = append(wants, live[m.rng.IntN(len(live))])
	}
	return m.submitEvent(c, specs, wants)
}

// lineage returns the specs of k and every computed task it depends on,
// inputs first.
func (m *model) lineage(k string) []scheduler.TaskSpec {
	seen := map[string]bool{}
	var out []scheduler.TaskSpec
	var visit func(string)
	visit = func(k string) {
		spec, ok := m.specs[k]
		if seen[k] || !ok || spec.Func == "" {
			return
		}
		seen[k] = true
		for _, d := range spec.Deps {
			visit(d)
		}
		out = append(out, spec)
	}
	visit(k)
	return out
}

func (m *model) submitEvent(c *modelClient, specs []scheduler.TaskSpec, wants []string) bool {
	var desc strings.Builder
	fmt.Fprintf(&desc, "submit %s", c.id)
	for _, s := range specs {
		fmt.Fprintf(&desc, " %s=%s(%s)", s.Key, strings.TrimSuffix(s.Func, "@sig"), strings.Join(s.Deps, ","))
		if s.Retries > 0 || s.Priority != 0 || len(s.Resources) > 0 || len(s.Workers) > 0 {
			fmt.Fprintf(&desc, "[r=%d p=%d gpu=%v w=%v loose=%v]", s.Retries, s.Priority, gpuOf(s.Resources), s.Workers, s.Loose)
		}
	}
	fmt.Fprintf(&desc, " want=%s", strings.Join(wants, ","))
	// The client takes a hold on each wanted key the scheduler knows after
	// the update (new keys are created by it).
	ok := m.handleWithHolds(c, wants, &scheduler.GraphUpdated{Client: c.id, Tasks: specs, Wants: wants}, desc.String())
	return ok
}

// handleWithHolds takes the client's holds before the commands are applied,
// since the commands may already report on them.
func (m *model) handleWithHolds(c *modelClient, keys []string, ev scheduler.Event, desc string) bool {
	known := map[string]bool{}
	for _, k := range keys {
		_, known[k] = m.s.Task(k)
		if _, ok := m.specs[k]; ok {
			known[k] = true // created by this event if new
		}
	}
	var added []string
	for _, k := range keys {
		if known[k] {
			c.holds[k]++
			added = append(added, k)
		}
	}
	if !m.handle(ev, desc) {
		return false
	}
	for _, k := range added {
		if _, ok := m.s.Task(k); !ok {
			return m.failf("%s holds %s, which the scheduler forgot", c.id, k)
		}
	}
	return true
}

// runningTasks lists (worker, key) of every task some worker runs.
func (m *model) runningTasks() []zombie {
	var out []zombie
	for _, id := range slices.Sorted(maps.Keys(m.workers)) {
		for _, k := range slices.Sorted(maps.Keys(m.workers[id].running)) {
			out = append(out, zombie{worker: id, key: k})
		}
	}
	return out
}

// finishRandom finishes a random running task, first fetching its inputs
// from the holders the compute named, or reporting them missing.
func (m *model) finishRandom(fetch bool) bool {
	rs := m.runningTasks()
	if len(rs) == 0 {
		return true
	}
	r := rs[m.rng.IntN(len(rs))]
	return m.finish(r.worker, r.key, fetch)
}

func (m *model) finish(wid scheduler.WorkerID, key string, fetch bool) bool {
	w := m.workers[wid]
	c := w.running[key]
	for _, d := range c.Deps {
		if w.has[d.Key] {
			continue
		}
		found := false
		for _, h := range d.Holders {
			if hw := m.workers[h]; hw != nil && hw.has[d.Key] {
				found = true
			}
		}
		if !found {
			return m.handle(&scheduler.DataMissing{Worker: wid, Key: key, Dep: d.Key, Holders: d.Holders},
				fmt.Sprintf("missing %s %s dep=%s holders=%v", wid, key, d.Key, d.Holders))
		}
		if fetch && m.rng.IntN(3) == 0 {
			// The worker keeps the copy it fetched and says so.
			w.has[d.Key] = true
			if !m.handle(&scheduler.ReplicasChanged{Worker: wid, Added: []string{d.Key}, NBytes: []int64{d.NBytes}},
				fmt.Sprintf("replicas %s added=%s", wid, d.Key)) {
				return false
			}
			if w.running[key] == nil {
				return true // the fetch made the scheduler change its mind
			}
		}
	}
	ref := w.running[key].Ref // the worker sends it back, mostly
	if m.rng.IntN(4) == 0 {
		ref = 0
	}
	delete(w.running, key)
	w.has[key] = true
	nbytes := int64(m.rng.IntN(1000))
	dur := int64(m.rng.IntN(5_000_000))
	return m.handle(&scheduler.TaskFinished{Worker: wid, Key: key, Ref: ref, NBytes: nbytes, Duration: dur},
		fmt.Sprintf("finish %s %s nbytes=%d dur=%d", wid, key, nbytes, dur))
}

func (m *model) failRandom() bool {
	rs := m.runningTasks()
	if len(rs) == 0 {
		return true
	}
	r := rs[m.rng.IntN(len(rs))]
	delete(m.workers[r.worker].running, r.key)
	return m.handle(&scheduler.TaskFailed{Worker: r.worker, Key: r.key, Err: scheduler.Error{Kind: "task", Message: "boom"}},
		fmt.Sprintf("fail %s %s", r.worker, r.key))
}

// lateResult delivers the result or failure of a task its worker had been
// told to drop, as happens when the two cross on the wire. The worker
// dropped the value when told to.
func (m *model) lateResult() bool {
	if len(m.zombies) == 0 {
		return true
	}
	i := m.rng.IntN(len(m.zombies))
	z := m.zombies[i]
	m.zombies = slices.Delete(m.zombies, i, i+1)
	w := m.workers[z.worker]
	if w == nil || w.running[z.key] != nil || w.handedOver[z.key] != nil {
		return true // it runs there again: the result would be taken for that run's
	}
	if z.fail {
		return m.handle(&scheduler.TaskFailed{Worker: z.worker, Key: z.key, Err: scheduler.Error{Kind: "task", Message: "late"}},
			fmt.Sprintf("fail (late) %s %s", z.worker, z.key))
	}
	return m.handle(&scheduler.TaskFinished{Worker: z.worker, Key: z.key, Ref: z.ref, NBytes: 8},
		fmt.Sprintf("finish (late) %s %s", z.worker, z.key))
}

func (m *model) release() bool {
	c := m.client()
	held := slices.Sorted(maps.Keys(c.holds))
	if len(held) == 0 {
		return true
	}
	k := held[m.rng.IntN(len(held))]
	cancel := m.rng.IntN(3) == 0
	if c.holds[k]--; c.holds[k] == 0 {
		delete(c.holds, k)
		delete(c.status, k)
	}
	return m.handle(&scheduler.KeysReleased{Client: c.id, Keys: []string{k}, Cancel: cancel},
		fmt.Sprintf("release %s %s cancel=%v", c.id, k, cancel))
}

func (m *model) clientLeave() bool {
	c := m.client()
	delete(m.clients, c.id)
	return m.handle(&scheduler.ClientLeft{Client: c.id}, "client-leave "+string(c.id))
}

func (m *model) scatter() bool {
	c := m.client()
	var ws []scheduler.WorkerID
	for range 1 + m.rng.IntN(2) {
		if w := m.pickWorker(); w != nil && !slices.Contains(ws, w.id) {
			ws = append(ws, w.id)
		}
	}
	if len(ws) == 0 {
		return true
	}
	k := m.newKey("s")
	m.specs[k] = scheduler.TaskSpec{Key: k}
	for _, id := range ws {
		m.workers[id].has[k] = true
	}
	return m.handleWithHolds(c, []string{k},
		&scheduler.DataPlaced{Client: c.id, Workers: ws, Keys: []string{k}, NBytes: []int64{int64(m.rng.IntN(1000))}},
		fmt.Sprintf("scatter %s %v %s", c.id, ws, k))
}

// replicas has a worker drop a value, or fetch a copy of one held elsewhere.
func (m *model) replicas() bool {
	w := m.pickWorker()
	if w == nil {
		return true
	}
	if len(w.has) > 0 && m.rng.IntN(2) == 0 {
		held := slices.Sorted(maps.Keys(w.has))
		k := held[m.rng.IntN(len(held))]
		delete(w.has, k)
		return m.handle(&scheduler.ReplicasChanged{Worker: w.id, Dropped: []string{k}}, fmt.Sprintf("replicas %s dropped=%s", w.id, k))
	}
	o := m.pickWorker()
	if o == w || len(o.has) == 0 {
		return true
	}
	held := slices.Sorted(maps.Keys(o.has))
	k := held[m.rng.IntN(len(held))]
	if w.has[k] {
		return true
	}
	w.has[k] = true
	return m.handle(&scheduler.ReplicasChanged{Worker: w.id, Added: []string{k}, NBytes: []int64{8}}, fmt.Sprintf("replicas %s added=%s", w.id, k))
}

// retire asks to retire one or two workers, now and then naming one that
// does not exist.
func (m *model) retire() bool {
	var names []string
	for range 1 + m.rng.IntN(2) {
		if w := m.pickWorker(); w != nil && !slices.Contains(names, string(w.id)) {
			names = append(names, string(w.id))
		}
	}
	if m.rng.IntN(8) == 0 {
		names = append(names, "nobody")
	}
	if len(names) == 0 {
		return true
	}
	for _, n := range names {
		if w := m.workers[scheduler.WorkerID(n)]; w != nil {
			w.retiring = true
		}
	}
	m.nreq++
	m.retires[m.nreq] = false
	c := m.client()
	return m.handle(&scheduler.RetireWorkers{Client: c.id, ReqID: m.nreq, Workers: names},
		fmt.Sprintf("retire %s %v req=%d", c.id, names, m.nreq))
}

// acquireRandom ends one copy a worker was asked to acquire: it arrives if
// a holder still has it (mostly), or the worker reports it could not get it.
func (m *model) acquireRandom() bool {
	var ws []*modelWorker
	for _, id := range slices.Sorted(maps.Keys(m.workers)) {
		if len(m.workers[id].acquiring) > 0 {
			ws = append(ws, m.workers[id])
		}
	}
	if len(ws) == 0 {
		return true
	}
	w := ws[m.rng.IntN(len(ws))]
	keys := slices.Sorted(maps.Keys(w.acquiring))
	return m.acquire(w, keys[m.rng.IntN(len(keys))], m.rng.IntN(5) != 0)
}

func (m *model) acquire(w *modelWorker, key string, succeed bool) bool {
	d := w.acquiring[key]
	delete(w.acquiring, key)
	found := false
	for _, h := range d.Holders {
		if hw := m.workers[h]; hw != nil && hw.has[key] {
			found = true
		}
	}
	if found && succeed {
		m.moved++
		w.has[key] = true
		return m.handle(&scheduler.ReplicasChanged{Worker: w.id, Added: []string{key}, NBytes: []int64{d.NBytes}},
			fmt.Sprintf("replicas (acquired) %s added=%s", w.id, key))
	}
	return m.handle(&scheduler.DataMissing{Worker: w.id, Dep: key, Holders: d.Holders},
		fmt.Sprintf("acquire-failed %s %s holders=%v", w.id, key, d.Holders))
}

// leaveClosed has a worker that was told to close go.
func (m *model) leaveClosed() bool {
	for _, id := range slices.Sorted(maps.Keys(m.workers)) {
		if m.workers[id].closed {
			return m.leaveClosedWorker(id)
		}
	}
	return true
}

func (m *model) leaveClosedWorker(id scheduler.WorkerID) bool {
	if !m.handle(&scheduler.WorkerClosing{Worker: id}, "worker-closing (closed) "+string(id)) {
		return false
	}
	delete(m.workers, id)
	return m.handle(&scheduler.WorkerLeft{Worker: id}, "worker-leave (closed) "+string(id))
}

// finishAll removes closing workers, makes sure every restriction and
// resource can be met, and runs every task to completion, with every
// acquire and retirement.
func (m *model) finishAll() bool {
	for _, id := range slices.Sorted(maps.Keys(m.workers)) {
		if m.workers[id].closing {
			delete(m.workers, id)
			if !m.handle(&scheduler.WorkerLeft{Worker: id}, "worker-leave (closing) "+string(id)) {
				return false
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(m.workers)) {
		if m.workers[id].paused {
			m.workers[id].paused = false
			if !m.handle(&scheduler.WorkerPaused{Worker: id}, "worker-resumed "+string(id)) {
				return false
			}
		}
	}
	if !m.joinWorker("alice", false) || !m.joinWorker("bob", false) {
		return false
	}
	for range 100_000 {
		answers := false
		for _, w := range m.workers {
			answers = answers || len(w.answers) > 0
		}
		if answers && (m.rng.IntN(2) == 0 || len(m.runningTasks()) == 0) {
			if !m.answerSteal() {
				return false
			}
			continue
		}
		if rs := m.runningTasks(); len(rs) > 0 {
			r := rs[m.rng.IntN(len(rs))]
			if !m.finish(r.worker, r.key, false) {
				return false
			}
			continue
		}
		progress := false
		for _, id := range slices.Sorted(maps.Keys(m.workers)) {
			w := m.workers[id]
			if w == nil {
				continue
			}
			if len(w.acquiring) > 0 {
				progress = true
				if !m.acquire(w, slices.Sorted(maps.Keys(w.acquiring))[0], true) {
					return false
				}
			} else if w.closed {
				progress = true
				if !m.leaveClosedWorker(id) {
					return false
				}
			}
		}
		if !progress {
			break
		}
	}
	for req, answered := range m.retires {
		if !answered {
			return m.failf("at the end, retirement %d is not answered", req)
		}
	}
	for st, n := range m.s.Counts() {
		if st != scheduler.Memory && st != scheduler.Erred && st != scheduler.Released && n > 0 {
			return m.failf("with nothing left running, %d tasks are %v; counts %v\n%s", n, st, m.s.Counts(), m.stuck())
		}
	}
	for _, cid := range slices.Sorted(maps.Keys(m.clients)) {
		c := m.clients[cid]
		for _, k := range slices.Sorted(maps.Keys(c.holds)) {
			ti, ok := m.s.Task(k)
			switch {
			case !ok:
				return m.failf("%s holds %s, which the scheduler forgot", cid, k)
			case ti.State == scheduler.Memory && c.status[k] == "done":
			case ti.State == scheduler.Erred && (c.status[k] == "erred" || c.status[k] == "cancelled"):
			default:
				return m.failf("at the end %s holds %s: %v, and was told %q; counts %v", cid, k, ti.State, c.status[k], m.s.Counts())
			}
		}
	}
	return true
}

// releaseAll has every client let go, by release or by leaving; then
// nothing may remain.
func (m *model) releaseAll() bool {
	for _, cid := range slices.Sorted(maps.Keys(m.clients)) {
		c := m.clients[cid]
		if m.rng.IntN(2) == 0 {
			if !m.handle(&scheduler.ClientLeft{Client: cid}, "client-leave "+string(cid)) {
				return false
			}
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(c.holds)) {
			for range c.holds[k] {
				if !m.handle(&scheduler.KeysReleased{Client: cid, Keys: []string{k}}, fmt.Sprintf("release %s %s", cid, k)) {
					return false
				}
			}
		}
	}
	if n := m.s.NumTasks(); n != 0 {
		return m.failf("after every client let go, NumTasks() = %d, want 0; counts %v", n, m.s.Counts())
	}
	for _, wi := range m.s.Workers() {
		if wi.Processing != 0 || wi.InMemory != 0 || wi.NBytes != 0 {
			return m.failf("after every client let go, worker %+v", wi)
		}
		if w := m.workers[wi.ID]; len(w.has) != 0 || len(w.running) != 0 {
			return m.failf("after every client let go, %s still has %v and runs %v", wi.ID, w.has, w.running)
		}
	}
	return true
}

// stuck describes the tasks that are neither finished nor released, with
// their stories.
func (m *model) stuck() string {
	var b strings.Builder
	for _, k := range m.order {
		ti, ok := m.s.Task(k)
		if !ok || ti.State == scheduler.Memory || ti.State == scheduler.Erred || ti.State == scheduler.Released {
			continue
		}
		spec := m.specs[k]
		fmt.Fprintf(&b, "%s %v deps=%v restrict=%v loose=%v gpu=%v func=%s\n", k, ti.State, spec.Deps, spec.Workers, spec.Loose, gpuOf(spec.Resources), spec.Func)
		for _, d := range spec.Deps {
			if di, ok := m.s.Task(d); ok {
				fmt.Fprintf(&b, "  input %s %v on %v\n", d, di.State, di.WhoHas)
			}
		}
		for _, tr := range m.s.Story(k) {
			fmt.Fprintf(&b, "  %v\n", tr)
		}
	}
	for _, wi := range m.s.Workers() {
		w := m.workers[wi.ID]
		fmt.Fprintf(&b, "worker %s name=%s funcs=%v gpus=%v closing=%v processing=%d\n", wi.ID, w.name, slices.Sorted(maps.Keys(w.funcs)), w.gpus, w.closing, wi.Processing)
	}
	return b.String()
}

package scheduler

import (
	"fmt"
	"reflect"
)

// TaskState is where a task is in its life.
type TaskState uint8

// Task states.
const (
	Released   TaskState = iota // known, not wanted now, no value anywhere
	Waiting                     // wanted; some dependency is not in memory yet
	NoWorker                    // ready, but no connected worker can take it yet
	Queued                      // ready, waiting on the scheduler for a worker with room
	Processing                  // sent to a worker
	Memory                      // its value is held by one or more workers
	Erred                       // failed for good
	Forgotten                   // dropped from the state
	numStates
)

var stateNames = [...]string{"released", "waiting", "no-worker", "queued", "processing", "memory", "erred", "forgotten"}

func (s TaskState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("TaskState(%d)", uint8(s))
}

// Config tunes the scheduler. The zero value is the default.
type Config struct {
	// AllowedFailures is how many workers may die while running a task
	// before it fails with a killed-worker error. Default 3.
	AllowedFailures int
	// TargetBatch is how much expected work, in nanoseconds, the scheduler
	// keeps queued on each worker thread beyond the task it is running, so
	// that short tasks do not wait for a round trip. Default 2 ms.
	TargetBatch int64
	// MaxAhead caps the tasks sent ahead per worker thread. Default 1000.
	MaxAhead int
	// ShortTask is the average task duration, in nanoseconds, below which
	// every worker thread gets at least one task queued behind the one it
	// runs, so that it never idles for a round trip to the scheduler
	// between two tasks. Longer tasks are sent one per thread, which keeps
	// the choice of worker open as long as possible. Default 100 ms.
	ShortTask int64
	// Bandwidth estimates bytes per second between workers, to price
	// transfers against queue time. Default 100 MB/s.
	Bandwidth float64
	// TransferLatency is what fetching one input costs beyond its bytes,
	// in nanoseconds: a round trip to its holder. It keeps tiny tasks next
	// to their small inputs rather than on a worker whose queue is a few
	// microseconds shorter. Default 100 µs.
	TransferLatency int64
	// StoryLen is how many transitions Story remembers. Default 100,000.
	StoryLen int
	// NoWorkStealing turns work stealing off. Stealing (stealing.go) moves
	// tasks waiting behind a worker's busy threads, or on a paused or
	// retiring worker, to a worker with idle threads when moving them is
	// quicker than waiting.
	NoWorkStealing bool
}

func (c Config) withDefaults() Config {
	if c.AllowedFailures <= 0 {
		c.AllowedFailures = 3
	}
	if c.TargetBatch <= 0 {
		c.TargetBatch = 2_000_000
	}
	if c.MaxAhead <= 0 {
		c.MaxAhead = 1000
	}
	if c.ShortTask <= 0 {
		c.ShortTask = 100_000_000
	}
	if c.Bandwidth <= 0 {
		c.Bandwidth = 100e6
	}
	if c.TransferLatency <= 0 {
		c.TransferLatency = 100_000
	}
	if c.StoryLen <= 0 {
		c.StoryLen = 100_000
	}
	return c
}

type task struct {
	key        string
	args       []byte
	deps       []*task
	dependents []*task      // may include forgotten tasks; see liveDependents
	holders    few[hold]    // the clients that hold it; most tasks have one
	whoHas     few[*worker] // the workers with a copy of its value; most have one
	processing *worker
	prev, next *task      // in processing.procList
	qlevel     *level     // in the ready queue at this level, or nil
	x          *taskExtra // what few tasks have; nil for the rest
	userPrio   int64
	seq        uint64
	nbytes     int64
	qpos       int   // position in qlevel's FIFO, or in its late heap if qlate
	fnIdx      int32 // its function, interned: an index into State.fnNames, State.runnable and worker.canRun
	waitingOn  int32 // deps not in memory, while Waiting
	waiters    int32 // dependents that are active (waiting..processing)
	liveDeps   int32 // dependents not forgotten
	state      TaskState
	qlate      bool
	noSteal    bool   // its worker refused a steal: it runs there
	slot       uint32 // in State.slots: see refs.go
}

// taskExtra is the part of a task that most tasks leave empty, apart so
// that a task of a huge map stays small. A task gets one when it has
// resources, restrictions or retries, once a steal is asked for it or a
// worker died running it, and when it fails.
type taskExtra struct {
	steal      *steal // the steal asked of its worker, until answered or moot
	err        *Error // why it failed, once Erred
	resources  []Resource
	restrict   []string
	loose      bool // restrict is a preference
	retries    int
	suspicious int32    // deaths of workers while running it
	killedOn   []string // "worker: how it died", one per such death
}

func newTask(key string, seq uint64) *task {
	return &task{key: key, seq: seq, qpos: -1}
}

// taskChunk is how many tasks of a big graph are allocated at once: 36
// tasks of 224 bytes and the allocator's 8-byte header fill its 8 KiB
// size class (TestTaskChunkFitsItsSizeClass).
const taskChunk = 36

// newTaskOf is newTask for a task of a graph: it takes the task from a
// chunk that the tasks after it share. One allocation then serves many
// (allocating was a fifth of the time taking in a million tasks). A
// chunk's memory is freed once none of its tasks is referenced: a task
// kept long keeps its chunk (8 KiB) alive.
func (s *State) newTaskOf(key string, seq uint64) *task {
	if len(s.chunk) == 0 {
		s.chunk = make([]task, taskChunk)
	}
	t := &s.chunk[0]
	s.chunk = s.chunk[1:]
	t.key, t.seq, t.qpos = key, seq, -1
	return t
}

// extra returns t's extra part, adding one if it has none.
func (t *task) extra() *taskExtra {
	if t.x == nil {
		t.x = new(taskExtra)
	}
	return t.x
}

func (t *task) resources() []Resource {
	if t.x == nil {
		return nil
	}
	return t.x.resources
}

func (t *task) restrict() []string {
	if t.x == nil {
		return nil
	}
	return t.x.restrict
}

func (t *task) loose() bool { return t.x != nil && t.x.loose }

// stealOf is the steal asked for t, or nil.
func (t *task) stealOf() *steal {
	if t.x == nil {
		return nil
	}
	return t.x.steal
}

// failure is why t failed, or nil.
func (t *task) failure() *Error {
	if t.x == nil {
		return nil
	}
	return t.x.err
}

func (t *task) suspicious() int32 {
	if t.x == nil {
		return 0
	}
	return t.x.suspicious
}

type hold struct {
	c *client
	n int32
}

func (t *task) held() bool   { return t.holders.len() > 0 }
func (t *task) needed() bool { return t.holders.len() > 0 || t.waiters > 0 }

// active reports whether the task still wants its dependencies' values.
func (t *task) active() bool {
	return t.state == Waiting || t.state == NoWorker || t.state == Queued || t.state == Processing
}

type worker struct {
	id          WorkerID
	name        string
	nthreads    int
	memoryLimit int64
	funcs       *FuncSet
	resources   map[string]float64 // total
	available   map[string]float64 // not used by processing tasks
	procHead    task               // sentinel of the processing list
	nprocessing int
	nkeys       int          // values it holds
	nbytes      int64        // their total size
	canRun      []int8       // by task.fnIdx: 0 not known yet, 1 yes, 2 no
	closing     bool         // connection dropped, or told to close; no new tasks
	paused      bool         // short of memory; no new tasks until it resumes
	gone        bool         // left the cluster
	retire      *retireState // retiring: no new tasks; its unique values move elsewhere
	incoming    int64        // bytes of the values being moved to it (retire.go)

	// Work stealing (stealing.go).
	stealsOut int      // its processing tasks that a steal was asked of
	stealsIn  int      // tasks a steal was asked of others for it
	nrefused  int      // its processing tasks that refused a steal
	asked     []*steal // steals asked of it, oldest first, until it answers
	idleAt    int      // index in State.idle, or -1
	victimAt  int      // index in State.victims, or -1
	// load is how many tasks it has or is about to have: its processing
	// tasks, less those being stolen from it, plus those being stolen for
	// it. It is a thief while its load is below idleBelow, a victim while
	// its processing tasks not being stolen are above victimAbove (limits);
	// neither changes while nprocessing stays in steadyLo..steadyHi.
	load                   int
	idleBelow, victimAbove int
	steadyLo, steadyHi     int
}

type client struct {
	id ClientID
	// The client's holds are on the tasks (task.holders).
}

// State is the scheduler. Create it with New; drive it with Handle.
type State struct {
	cfg   Config
	index index // every task by key (index.go)
	// Every task by slot, for refs (refs.go): nil slots are free, listed in
	// freeSlots; gens counts each slot's reuses.
	slots     []*task
	gens      []uint32
	freeSlots []uint32
	workers   map[WorkerID]*worker
	order     []*worker // workers in join order, for deterministic choices
	clients   map[ClientID]*client
	queue     readyQueue
	noWork    map[*task]struct{}
	deaths    map[WorkerID]string
	fnIndex   map[string]int32 // function identity → task.fnIdx
	fnNames   []string         // task.fnIdx → function identity
	lastFn    string           // the last function interned, and its index
	lastIdx   int32
	runnable  []int8 // by task.fnIdx: some worker can run it? (as worker.canRun); cleared when workers change
	seq       uint64
	avgDur    float64 // EWMA of task durations, ns; 0 until the first sample
	// Tasks in each state, all and by function (task.fnIdx; groups grows
	// with fnNames), kept by setState (progress.go).
	counts [numStates]int
	groups []group
	rr     int // round-robin cursor over workers

	// Retirement (retire.go).
	moves       map[*task]*move  // values being copied off retiring workers
	requests    []*retireRequest // RetireWorkers not yet answered
	acquires    []*task          // moves started this Handle, for one Acquire per worker
	retireDirty bool             // something a retirement waits for may have changed
	// Work stealing (stealing.go), kept only when it is enabled.
	stealing   bool
	idle       []*worker // thieves: workers with a free thread
	victims    []*worker // workers with tasks waiting behind busy threads, or paused
	stealRR    int       // rotates which thieves and victims balance looks at first
	stealEpoch uint64    // counts graphs submitted and workers joining, leaving, pausing
	// Backing off: how many balances in a row asked no steal, the event
	// before which balance does not run again, and the epoch and average
	// duration then.
	stealMisses uint8
	stealAfter  uint64
	missEpoch   uint64
	missDur     float64
	scratch     stealScratch

	stimulus uint64
	story    [][]transition // in blocks of storyBlock: growing copies nothing
	storyN   int            // places written so far, at most StoryLen
	storyPos int
	storyLap uint64       // laps of story completed since it filled up
	notes    map[int]note // by place in story
	out      []Command
	arena    arena
	chunk    []task // the rest of the chunk that newTaskOf takes tasks from
}

// New returns an empty scheduler.
func New(cfg Config) *State {
	cfg = cfg.withDefaults()
	return &State{
		cfg:      cfg,
		stealing: !cfg.NoWorkStealing,
		index:    newIndex(),
		workers:  make(map[WorkerID]*worker),
		clients:  make(map[ClientID]*client),
		noWork:   make(map[*task]struct{}),
		deaths:   make(map[WorkerID]string),
		fnIndex:  make(map[string]int32),
		moves:    make(map[*task]*move),
		lastIdx:  -1,
	}
}

// Handle applies one event and returns the commands it causes. The slice
// and the commands in it are reused by the next call: carry them out, or
// copy them, before calling Handle again.
func (s *State) Handle(ev Event) []Command {
	clear(s.out)
	s.out = s.out[:0]
	s.arena.reset()
	s.stimulus++
	switch e := ev.(type) {
	case *ClientJoined:
		s.clientFor(e.Client)
	case *ClientLeft:
		s.clientLeft(e.Client)
	case *GraphUpdated:
		s.stealEpoch++
		s.updateGraph(e)
	case *KeysReleased:
		s.releaseKeys(e.Client, e.Keys)
	case *WorkerJoined:
		s.stealEpoch++
		s.workerJoined(e)
	case *WorkerLeft:
		s.stealEpoch++
		s.workerLeft(e.Worker, e.Reason)
	case *TaskFinished:
		s.taskFinished(e)
	case *TaskFailed:
		s.taskFailed(e)
	case *DataMissing:
		s.dataMissing(e)
	case *ReplicasChanged:
		s.replicasChanged(e)
	case *DataPlaced:
		s.dataPlaced(e)
	case *WorkerDeath:
		s.recordDeath(e.Worker, e.Reason)
	case *WorkerClosing:
		s.workerClosing(e.Worker)
	case *WorkerPaused:
		s.stealEpoch++
		s.workerPaused(e)
	case *RetireWorkers:
		s.retireWorkers(e)
	case *StealResponse:
		s.stealAnswered(e)
	default:
		panic("scheduler: unknown event " + reflect.TypeOf(ev).String()) // not fmt: ev would escape, and every event be allocated
	}
	if s.retireDirty || len(s.acquires) > 0 {
		s.advanceRetirements()
	}
	if len(s.scratch.refill) > 0 || len(s.idle) > 0 && len(s.victims) > 0 && !s.backingOff() {
		s.afterEvent()
	}
	return s.out
}

func (s *State) emit(c Command) { s.out = append(s.out, c) }

// TaskInfo is a read-only view of one task.
type TaskInfo struct {
	Key        string
	State      TaskState
	Worker     WorkerID   // where it is processing
	Thief      WorkerID   // while a steal is asked of Worker: where it would go
	WhoHas     []WorkerID // where its value is
	NBytes     int64
	Suspicious int
	Err        *Error
}

// Task returns a view of the task with the given key.
func (s *State) Task(key string) (TaskInfo, bool) {
	t := s.lookup(key)
	if t == nil {
		return TaskInfo{}, false
	}
	ti := TaskInfo{Key: t.key, State: t.state, NBytes: t.nbytes, Suspicious: int(t.suspicious()), Err: t.failure()}
	if t.processing != nil {
		ti.Worker = t.processing.id
	}
	if st := t.stealOf(); st != nil {
		ti.Thief = st.thief.id
	}
	for _, w := range t.whoHas.all() {
		ti.WhoHas = append(ti.WhoHas, w.id)
	}
	return ti, true
}

// WorkerInfo is a read-only view of one worker.
type WorkerInfo struct {
	ID          WorkerID
	Name        string
	NThreads    int
	MemoryLimit int64
	Processing  int
	InMemory    int
	NBytes      int64
	Paused      bool
	Retiring    bool // asked to retire (RetireWorkers), and not kept
}

// Workers returns a view of every worker, in join order.
func (s *State) Workers() []WorkerInfo {
	out := make([]WorkerInfo, 0, len(s.order))
	for _, w := range s.order {
		out = append(out, WorkerInfo{ID: w.id, Name: w.name, NThreads: w.nthreads, MemoryLimit: w.memoryLimit,
			Processing: w.nprocessing, InMemory: w.nkeys, NBytes: w.nbytes, Paused: w.paused, Retiring: w.retire != nil})
	}
	return out
}

// Load is what the scheduler has to do, beyond what each worker has: for
// adaptive scaling.
type Load struct {
	Queued   int // ready, waiting on the scheduler for a worker with room
	NoWorker int // ready, but no connected worker can run them
	// MeanDuration is the running mean of task durations (an EWMA), in
	// nanoseconds; zero before the first task finished.
	MeanDuration int64
}

// Load returns what the scheduler has to do. It costs O(1).
func (s *State) Load() Load {
	return Load{Queued: s.queue.Len(), NoWorker: len(s.noWork), MeanDuration: int64(s.avgDur)}
}

// Processing returns the keys of the tasks assigned to a worker (running
// there or waiting there for a thread), in the order they were assigned,
// at most max of them (all with max <= 0), and how many there are.
func (s *State) Processing(id WorkerID, max int) (keys []string, n int) {
	w := s.workers[id]
	if w == nil {
		return nil, 0
	}
	for t := w.procHead.next; t != &w.procHead; t = t.next {
		if max <= 0 || len(keys) < max {
			keys = append(keys, t.key)
		}
	}
	return keys, w.nprocessing
}

// Counts returns how many tasks are in each state (but Forgotten), those
// with any. It costs O(1).
func (s *State) Counts() map[TaskState]int {
	m := make(map[TaskState]int)
	for st, n := range s.counts[:Forgotten] {
		if n > 0 {
			m[TaskState(st)] = n
		}
	}
	return m
}

// NumTasks is the number of tasks the scheduler remembers.
func (s *State) NumTasks() int { return s.index.Len() }

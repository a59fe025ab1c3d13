package scheduler

// Command is an output of the state machine, for the daemon to carry out.
type Command interface{ commandName() string }

// DepLoc says where a dependency's value is.
type DepLoc struct {
	Key     string
	NBytes  int64
	Holders []WorkerID
}

// Compute: run a task on a worker.
type Compute struct {
	Worker    WorkerID
	Key       string
	Ref       uint64 // the task's ref, for the worker's TaskFinished
	Func      string
	Args      []byte
	Deps      []DepLoc
	Priority  int64 // lower runs first on the worker
	Resources []Resource
	Held      bool // a client holds the task: a small result may come back inline
}

// Free: the worker should drop the key's value, or stop its work.
type Free struct {
	Worker WorkerID
	Key    string
}

// NotifyDone: a key the client holds is in memory. Value is the encoded
// value when the worker sent it inline (TaskFinished.Value); the scheduler
// passes it on and keeps none of it.
type NotifyDone struct {
	Client  ClientID
	Key     string
	NBytes  int64
	Holders []WorkerID
	Value   []byte
}

// NotifyErred: a key the client holds failed for good.
type NotifyErred struct {
	Client ClientID
	Key    string
	Err    Error
}

// NotifyCancelled: a key the client holds can no longer be computed (its
// scattered value was lost with its worker).
type NotifyCancelled struct {
	Client ClientID
	Key    string
	Reason string
}

// Acquire: the worker should fetch copies of these values from the
// holders named, keep them, and report them (ReplicasChanged), or report
// each it could not get (DataMissing with an empty Key).
type Acquire struct {
	Worker WorkerID
	Keys   []DepLoc
}

// CloseWorker: the worker retired; it should stop, and its connection
// will close. Nothing runs there and every value it holds has a copy
// elsewhere.
type CloseWorker struct{ Worker WorkerID }

// RetireDone answers a RetireWorkers request.
type RetireDone struct {
	Client  ClientID
	ReqID   uint64
	Retired []WorkerID // closed after their values moved, and gone
	Kept    []WorkerID // still at work: some values only they hold could not be moved
	Lost    []WorkerID // left before they could retire: their values were lost as in any death
	Unknown []string   // names that matched no worker
	Unmoved []string   // the values that kept the Kept workers, in submission order
}

// Steal: ask the worker to give back a task it has not started; it
// answers with a StealResponse. The task stays processing there until then.
type Steal struct {
	Worker WorkerID
	Key    string
}

func (*Compute) commandName() string         { return "compute" }
func (*Steal) commandName() string           { return "steal" }
func (*Free) commandName() string            { return "free" }
func (*NotifyDone) commandName() string      { return "notify-done" }
func (*NotifyErred) commandName() string     { return "notify-erred" }
func (*NotifyCancelled) commandName() string { return "notify-cancelled" }
func (*Acquire) commandName() string         { return "acquire" }
func (*CloseWorker) commandName() string     { return "close-worker" }
func (*RetireDone) commandName() string      { return "retire-done" }

// arena hands out the commands of one Handle call from slabs that the next
// call reuses, so that the per-task commands (a Compute, a NotifyDone and a
// Free for each task) cost no allocation in steady state. A slab that fills
// up is replaced by a bigger one; commands already handed out keep the old.
type arena struct {
	computes []Compute
	dones    []NotifyDone
	frees    []Free
	ids      []WorkerID
	deps     []DepLoc
}

func (a *arena) reset() {
	clear(a.computes)
	clear(a.dones)
	clear(a.frees)
	clear(a.ids)
	clear(a.deps)
	a.computes, a.dones, a.frees, a.ids, a.deps = a.computes[:0], a.dones[:0], a.frees[:0], a.ids[:0], a.deps[:0]
}

// take returns n zeroed new elements of *slab, in a slice that appending
// to cannot overrun.
func take[T any](slab *[]T, n int) []T {
	s := *slab
	if cap(s)-len(s) < n {
		s = make([]T, 0, max(64, 2*cap(s), n))
	}
	i := len(s)
	s = s[:i+n]
	*slab = s
	return s[i : i+n : i+n]
}

// next returns a zeroed new element of *slab.
func next[T any](slab *[]T) *T {
	s := *slab
	if len(s) == cap(s) {
		s = make([]T, 0, max(64, 2*cap(s)))
	}
	s = s[:len(s)+1]
	*slab = s
	return &s[len(s)-1]
}

// workerIDs returns the IDs of ws in a slice of the arena's.
func (a *arena) workerIDs(ws []*worker) []WorkerID {
	ids := take(&a.ids, len(ws))
	for i, w := range ws {
		ids[i] = w.id
	}
	return ids
}

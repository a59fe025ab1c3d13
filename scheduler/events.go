package scheduler

// WorkerID identifies a worker: its address for peers.
type WorkerID string

// ClientID identifies a client connection.
type ClientID string

// Resource is an abstract amount ("GPU" 1) a worker offers or a task needs.
type Resource struct {
	Name   string
	Amount float64
}

// Error is a task's failure as it crosses processes.
type Error struct {
	Kind    string // the wire's error kinds: "task", "panic", "killed-worker", ...
	Key     string // the task that failed first
	Message string
	Stack   string
	Detail  []byte // opaque: the error's own fields, for the client to rebuild it
}

// TaskSpec is one task of a graph. Args are opaque here.
type TaskSpec struct {
	Key       string
	Func      string // a function identity: "name@signature"; empty for scattered data
	Args      []byte
	Deps      []string
	Priority  int64 // user priority: higher runs first
	Retries   int
	Resources []Resource
	Workers   []string // restrict to workers with these names or addresses
	Loose     bool     // restrictions are preferences only
}

// FuncSet is the set of function identities a worker can run. Workers built
// from the same program share one FuncSet.
type FuncSet struct {
	names map[string]struct{}
}

// NewFuncSet returns the set of the given function identities.
func NewFuncSet(funcs []string) *FuncSet {
	fs := &FuncSet{names: make(map[string]struct{}, len(funcs))}
	for _, f := range funcs {
		fs.names[f] = struct{}{}
	}
	return fs
}

// Has reports whether fn is in the set.
func (fs *FuncSet) Has(fn string) bool {
	if fs == nil {
		return false
	}
	_, ok := fs.names[fn]
	return ok
}

// Event is an input to the state machine.
type Event interface{ eventName() string }

// ClientJoined: a client connected.
type ClientJoined struct{ Client ClientID }

// ClientLeft: a client disconnected; everything it held is released.
type ClientLeft struct{ Client ClientID }

// GraphUpdated: a client submitted tasks and holds futures for Wants.
type GraphUpdated struct {
	Client ClientID
	Tasks  []TaskSpec
	Wants  []string
}

// KeysReleased: a client dropped its futures. Cancel marks an explicit cancel.
type KeysReleased struct {
	Client ClientID
	Keys   []string
	Cancel bool
}

// WorkerJoined: a worker connected.
type WorkerJoined struct {
	Worker      WorkerID
	Name        string
	NThreads    int
	MemoryLimit int64
	Resources   []Resource
	Funcs       *FuncSet
}

// WorkerLeft: a worker disconnected or was declared dead. Reason is for people.
type WorkerLeft struct {
	Worker WorkerID
	Reason string
}

// TaskFinished: a worker finished a task and holds its value. Value, if
// set, is the encoded value, opaque here, for the clients that hold the task.
type TaskFinished struct {
	Worker   WorkerID
	Key      string
	Ref      uint64 // the Compute's, if the worker has it: found without a lookup of Key
	NBytes   int64
	Duration int64 // nanoseconds
	Value    []byte
}

// TaskFailed: a worker's task returned an error or panicked.
type TaskFailed struct {
	Worker WorkerID
	Key    string
	Err    Error
}

// DataMissing: a worker could not get Dep (needed by Key) from Holders.
// An empty Key means the worker was acquiring Dep (Acquire), not running
// a task that needs it: the copy is then asked of another worker, and the
// holders are not presumed to have lost it.
type DataMissing struct {
	Worker  WorkerID
	Key     string
	Dep     string
	Holders []WorkerID
}

// ReplicasChanged: a worker gained copies (by fetching) or dropped values.
type ReplicasChanged struct {
	Worker  WorkerID
	Added   []string
	NBytes  []int64
	Dropped []string
}

// DataPlaced: a client put values on workers (scatter) and holds each once.
type DataPlaced struct {
	Client  ClientID
	Workers []WorkerID
	Keys    []string
	NBytes  []int64
}

// WorkerClosing: a worker's connection dropped. It gets no new tasks; its
// tasks and values are dealt with at WorkerLeft, which follows once its
// nanny had a moment to say why it died.
type WorkerClosing struct{ Worker WorkerID }

// WorkerDeath: a nanny explained how a worker died. It may arrive before or
// after WorkerLeft; the reason is used in errors about that worker.
type WorkerDeath struct {
	Worker WorkerID
	Reason string
}

// WorkerPaused: a worker paused (Paused) or resumed because of its memory
// use. A paused worker gets no new tasks; the values it holds stay usable.
type WorkerPaused struct {
	Worker WorkerID
	Paused bool
}

// RetireWorkers: a client asks to retire workers, each named by its
// address or its name. They get no new tasks, the tasks they have finish
// there, the values only they hold are copied to other workers (Acquire),
// and then they are told to close (CloseWorker). RetireDone answers once
// every named worker has left, been kept or died.
type RetireWorkers struct {
	Client  ClientID
	ReqID   uint64
	Workers []string
}

// StealResponse: a worker answered a Steal. Stolen: it dropped the task,
// which had not started there. Otherwise the task runs or ran there.
type StealResponse struct {
	Worker WorkerID
	Key    string
	Stolen bool
}

func (*ClientJoined) eventName() string    { return "client-joined" }
func (*ClientLeft) eventName() string      { return "client-left" }
func (*GraphUpdated) eventName() string    { return "graph-updated" }
func (*KeysReleased) eventName() string    { return "keys-released" }
func (*WorkerJoined) eventName() string    { return "worker-joined" }
func (*WorkerLeft) eventName() string      { return "worker-left" }
func (*TaskFinished) eventName() string    { return "task-finished" }
func (*TaskFailed) eventName() string      { return "task-failed" }
func (*DataMissing) eventName() string     { return "data-missing" }
func (*ReplicasChanged) eventName() string { return "replicas-changed" }
func (*DataPlaced) eventName() string      { return "data-placed" }
func (*WorkerDeath) eventName() string     { return "worker-death" }
func (*WorkerClosing) eventName() string   { return "worker-closing" }
func (*WorkerPaused) eventName() string    { return "worker-paused" }
func (*RetireWorkers) eventName() string   { return "retire-workers" }
func (*StealResponse) eventName() string   { return "steal-response" }

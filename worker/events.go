package worker

// Event is an input to the worker state machine.
type Event interface{ workerEvent() }

// Dep is an input of a task and the peers that hold it.
type Dep struct {
	Key     string
	NBytes  int64
	Holders []string
}

// ComputeRequested: the scheduler asks this worker to run a task.
type ComputeRequested struct {
	Key      string
	Priority int64
	Deps     []Dep
	// Run is the caller's own description of the task (what to run, with
	// which arguments). The state machine keeps it with the task and hands
	// it back in Execute and ReportDone, so that the caller needs no index
	// of its own; a later request for the same key replaces it.
	Run any
}

// AcquireRequested: the scheduler asks this worker to fetch copies of
// values from the holders named and keep them (to move them off a retiring
// worker). Each copy is reported with ReportReplicas when it arrives, or
// with a ReportMissing whose Key is empty if no holder gave it.
type AcquireRequested struct{ Keys []Dep }

// FreeRequested: the scheduler no longer needs these keys here.
type FreeRequested struct{ Keys []string }

// ExecuteDone: a task's function returned a value of NBytes. Task is the
// Execute's, if the caller kept it.
type ExecuteDone struct {
	Key      string
	NBytes   int64
	Duration int64
	Task     Handle
}

// ExecuteFailed: a task's function returned an error or panicked.
type ExecuteFailed struct {
	Key  string
	Err  error
	Task Handle
}

// FetchDone: values arrived from a peer and are stored.
type FetchDone struct {
	From   string
	Keys   []string
	NBytes []int64
}

// FetchFailed: a peer could not be reached or did not have the keys.
type FetchFailed struct {
	From string
	Keys []string
}

// DataPut: a client stored a value here (scatter).
type DataPut struct {
	Key    string
	NBytes int64
}

// ValueLost: a value held here can no longer be read (its copy on disk
// failed to read back). It is forgotten here and reported dropped; tasks
// here waiting to use it are reported missing.
type ValueLost struct{ Key string }

// InputLost: an execution could not start because its input Dep, held
// here, could not be read. The task is reported missing, as when an input
// cannot be fetched, and the scheduler runs it again.
type InputLost struct {
	Key  string
	Dep  string
	Task Handle // the Execute's, if the caller kept it
}

// StealRequested: the scheduler would rather run Key on another worker. A
// task that has not started here (waiting for its inputs, or ready) is
// dropped, as a Free would drop it, and reported stolen; one executing or
// done stays and is reported as usual. Either way ReportSteal answers.
type StealRequested struct{ Key string }

// Pause stops new executions and fetches; Resume restarts them.
type Pause struct{}

// Resume undoes Pause.
type Resume struct{}

func (*ComputeRequested) workerEvent() {}
func (*FreeRequested) workerEvent()    {}
func (*AcquireRequested) workerEvent() {}
func (*ExecuteDone) workerEvent()      {}
func (*ExecuteFailed) workerEvent()    {}
func (*FetchDone) workerEvent()        {}
func (*FetchFailed) workerEvent()      {}
func (*DataPut) workerEvent()          {}
func (*ValueLost) workerEvent()        {}
func (*InputLost) workerEvent()        {}
func (*StealRequested) workerEvent()   {}
func (*Pause) workerEvent()            {}
func (*Resume) workerEvent()           {}

// Command is an output of the worker state machine.
type Command interface{ workerCommand() }

// Execute: run the task (its inputs are all in memory here). Run is the
// ComputeRequested's. Task names the task for the event that reports
// the run's end.
type Execute struct {
	Key  string
	Run  any
	Task Handle
}

// A Handle names a task of the state machine, from the Execute that runs
// it to the ExecuteDone, ExecuteFailed or InputLost that ends the run, so
// that ending a run needs no lookup of its key (a cache miss in a worker
// holding many values). A zero Handle, or one of a task the state machine
// has let go of, names nothing: the key is looked up as before.
type Handle struct{ t *task }

// CancelExecution: the running task is no longer wanted.
type CancelExecution struct{ Key string }

// FetchKeys: get these keys from a peer, then report FetchDone or FetchFailed.
// NBytes are their sizes as the scheduler last knew them, one per key.
type FetchKeys struct {
	From   string
	Keys   []string
	NBytes []int64
}

// Discard: drop the key's value from the store.
type Discard struct{ Key string }

// ReportDone: tell the scheduler a task finished. Run is the latest
// ComputeRequested's; the task no longer keeps it.
type ReportDone struct {
	Key      string
	NBytes   int64
	Duration int64
	Run      any
}

// ReportErred: tell the scheduler a task failed.
type ReportErred struct {
	Key string
	Err error
}

// ReportMissing: tell the scheduler an input of Key could not be fetched.
// An empty Key means Dep was to be acquired (AcquireRequested).
type ReportMissing struct {
	Key     string
	Dep     string
	Holders []string
}

// ReportReplicas: tell the scheduler this worker now holds copies.
type ReportReplicas struct {
	Added  []string
	NBytes []int64
}

// ReportLost: tell the scheduler this worker no longer holds Key.
type ReportLost struct{ Key string }

// ReportSteal: answer the scheduler's StealRequested. Stolen means the task
// was dropped here and the scheduler may run it elsewhere; otherwise it
// runs, ran or is unknown here, and the scheduler leaves it where it is.
type ReportSteal struct {
	Key    string
	Stolen bool
}

func (*Execute) workerCommand()         {}
func (*CancelExecution) workerCommand() {}
func (*FetchKeys) workerCommand()       {}
func (*Discard) workerCommand()         {}
func (*ReportDone) workerCommand()      {}
func (*ReportErred) workerCommand()     {}
func (*ReportMissing) workerCommand()   {}
func (*ReportReplicas) workerCommand()  {}
func (*ReportLost) workerCommand()      {}
func (*ReportSteal) workerCommand()     {}

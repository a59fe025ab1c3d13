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
	Func      string
	Args      []byte
	Deps      []DepLoc
	Priority  int64 // lower runs first on the worker
	Resources []Resource
}

// Free: the worker should drop the key's value, or stop its work.
type Free struct {
	Worker WorkerID
	Key    string
}

// NotifyDone: a key the client holds is in memory.
type NotifyDone struct {
	Client  ClientID
	Key     string
	NBytes  int64
	Holders []WorkerID
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

func (*Compute) commandName() string         { return "compute" }
func (*Free) commandName() string            { return "free" }
func (*NotifyDone) commandName() string      { return "notify-done" }
func (*NotifyErred) commandName() string     { return "notify-erred" }
func (*NotifyCancelled) commandName() string { return "notify-cancelled" }

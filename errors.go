package gask

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gask-dev/gask/wire"
)

// Errors for errors.Is.
var (
	ErrCancelled     = errors.New("gask: cancelled")
	ErrClientClosed  = errors.New("gask: client closed")
	ErrSchedulerLost = errors.New("gask: lost the connection to the scheduler")
	ErrNoWorker      = errors.New("gask: no worker can run the function")
	ErrKilledWorker  = errors.New("gask: task was running on too many workers that died")
	// ErrReleased: the value was asked for (Result, Gather) after every
	// future of its key was released, so the cluster no longer keeps it.
	// A value already fetched into a future stays there.
	ErrReleased = errors.New("gask: future released")
)

// TaskError is a task's failure, as reported by the worker that ran it:
// the remote message and stack. errors.Is(err, ErrNoWorker) and
// errors.Is(err, ErrKilledWorker) tell those failures apart.
type TaskError struct {
	Key     string // the task that failed first (a dependency of yours, maybe)
	Kind    string // "task", "panic", "command", "killed-worker", "no-worker", ...
	Message string
	Stack   string // the remote goroutine's stack, for panics
	cause   error  // the error rebuilt, for kinds that carry their fields (a *CommandError)
}

// Unwrap returns the task's own error where it could be rebuilt: for a
// command task, errors.As(err, &cmdErr) with a *CommandError gets its exit
// code and standard error.
func (e *TaskError) Unwrap() error { return e.cause }

func (e *TaskError) Error() string {
	return fmt.Sprintf("gask: task %s failed: %s", e.Key, e.Message)
}

// Is matches the sentinel errors of the kinds that have one.
func (e *TaskError) Is(target error) bool {
	switch target {
	case ErrNoWorker:
		return e.Kind == wire.KindNoWorker
	case ErrKilledWorker:
		return e.Kind == wire.KindKilledWorker
	case ErrCancelled:
		return e.Kind == wire.KindCancelled
	}
	return false
}

func taskError(e *wire.RemoteError) error {
	te := &TaskError{Key: e.Key, Kind: e.Kind, Message: e.Message, Stack: e.Stack}
	if e.Kind == wire.KindCommand && len(e.Detail) > 0 {
		var ce CommandError
		if json.Unmarshal(e.Detail, &ce) == nil {
			te.cause = &ce
		}
	}
	return te
}

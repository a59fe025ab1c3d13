package wire

import "fmt"

// Error kinds. A RemoteError's Kind says which layer produced it.
const (
	KindTask         = "task"          // the task's function returned an error
	KindPanic        = "panic"         // the task's function panicked
	KindCommand      = "command"       // a command task exited non-zero or could not start
	KindKilledWorker = "killed-worker" // the task was running on too many workers that died
	KindNoWorker     = "no-worker"     // no connected worker can run the task's function
	KindCancelled    = "cancelled"     // the task was cancelled
	KindDependency   = "dependency"    // a dependency of the task failed
	KindDecode       = "decode"        // an argument or result could not be decoded
	KindUnknownFunc  = "unknown-function"
	KindProtocol     = "protocol"     // a peer sent something malformed or unexpected
	KindMissingData  = "missing-data" // a value could not be found on any holder
	KindInternal     = "internal"
)

// RemoteError is an error that crossed a process boundary: a kind, the
// message, the key of the task it concerns (if any) and the remote stack.
type RemoteError struct {
	Kind    string
	Key     string
	Message string
	Stack   string
	// Detail is the error's own fields, encoded by the kind that made it
	// (a command's exit code and standard error, as JSON), for the other
	// side to rebuild it; wire does not read it.
	Detail []byte
}

func (e *RemoteError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("%s (task %s, %s)", e.Message, e.Key, e.Kind)
	}
	return fmt.Sprintf("%s (%s)", e.Message, e.Kind)
}

func (e *RemoteError) append(b []byte) []byte {
	b = appendString(b, e.Kind)
	b = appendString(b, e.Key)
	b = appendString(b, e.Message)
	b = appendString(b, e.Stack)
	return appendBytes(b, e.Detail)
}

func (e *RemoteError) decode(d *decoder) {
	e.Kind = d.str()
	e.Key = d.str()
	e.Message = d.text()
	e.Stack = d.text()
	if b := d.raw(maxText); len(b) > 0 {
		e.Detail = append([]byte(nil), b...) // small: not worth keeping the frame for
	}
}

// appendOptError encodes a possibly-nil error.
func appendOptError(b []byte, e *RemoteError) []byte {
	if e == nil {
		return append(b, 0)
	}
	return e.append(append(b, 1))
}

func decodeOptError(d *decoder) *RemoteError {
	if d.byte() == 0 {
		return nil
	}
	e := new(RemoteError)
	e.decode(d)
	return e
}

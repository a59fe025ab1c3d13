package workerd

import (
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"slices"
	"time"

	"github.com/gask-dev/gask/codec"
	"github.com/gask-dev/gask/internal/registry"
	"github.com/gask-dev/gask/wire"
	"github.com/gask-dev/gask/worker"
)

// job is one task execution: made by the loop from the task's Compute when
// it arrives (the state machine carries it as the task's Run), prepared when
// the task is to execute, and run by an executor.
type job struct {
	key    string
	spec   *wire.Compute
	fn     *registry.Func
	args   []byte
	deps   []string
	ctx    taskContext   // cancelled by Free and when the worker stops
	inline bool          // a client holds the result: encode it now if it is small
	task   worker.Handle // the Execute's, handed back with the result
	// Set by the executor once it has run (the loop reads them when the
	// job comes back to it): ran, the value encoded to go inline if it
	// does, and the result.
	ran bool
	enc []byte
	res result
}

// result reports a finished job back to the loop.
type result struct {
	key      string
	nbytes   int64
	duration time.Duration
	err      *wire.RemoteError
	lostDep  string // the input that could not be read: the task did not run
}

// inputLostError is decodeArgs's error for an input that is not readable
// here (lost in a failed read-back from disk).
type inputLostError struct {
	dep string
	err error
}

func (e *inputLostError) Error() string { return fmt.Sprintf("input %s: %v", e.dep, e.err) }
func (e *inputLostError) Unwrap() error { return e.err }

// run executes j and stores its value. Panics become errors. args is the
// executor's scratch for the arguments (nil: allocate).
func (w *Worker) run(j *job, args *[]any) (res result) {
	res.key = j.key
	start := time.Now()
	defer func() {
		res.duration = time.Since(start)
		if r := recover(); r != nil {
			res.err = &wire.RemoteError{Kind: wire.KindPanic, Key: j.key,
				Message: fmt.Sprintf("task %s panicked: %v", j.key, r), Stack: string(debug.Stack())}
		}
	}()
	argv, err := w.decodeArgs(j, args)
	var lost *inputLostError
	if errors.As(err, &lost) {
		w.log.Warn("task input lost; reporting it missing", "key", j.key, "err", err)
		return result{key: j.key, lostDep: lost.dep}
	}
	if err != nil {
		return result{key: j.key, err: &wire.RemoteError{Kind: wire.KindDecode, Key: j.key, Message: err.Error()}}
	}
	v, err := j.fn.Call(&j.ctx, argv)
	clear(argv) // the scratch keeps no value alive
	if err != nil {
		return result{key: j.key, err: taskError(j.key, err)}
	}
	res.nbytes, j.enc = w.store.putValue(j.key, v, j.fn.Result, j.inline)
	j.ran = true
	w.storedValue()
	return res
}

// taskError turns a task function's error into a wire error, keeping the
// kind of errors that already crossed a process (a command's exit status).
func taskError(key string, err error) *wire.RemoteError {
	var re *wire.RemoteError
	if errors.As(err, &re) {
		c := *re
		if c.Key == "" {
			c.Key = key
		}
		return &c
	}
	var k interface{ ErrorKind() string }
	re = &wire.RemoteError{Kind: wire.KindTask, Key: key, Message: err.Error()}
	if errors.As(err, &k) {
		re.Kind = k.ErrorKind()
	}
	var d interface{ ErrorDetail() []byte }
	if errors.As(err, &d) {
		re.Detail = d.ErrorDetail()
	}
	return re
}

func (w *Worker) decodeArgs(j *job, scratch *[]any) ([]any, error) {
	var rawBuf [4]registry.Arg
	raw, err := registry.AppendDecodedArgs(rawBuf[:0], j.args, len(j.deps))
	if err != nil {
		return nil, err
	}
	if len(raw) != len(j.fn.Args) {
		return nil, fmt.Errorf("function %s takes %d arguments, task has %d", j.fn.Name, len(j.fn.Args), len(raw))
	}
	var args []any
	if scratch != nil {
		*scratch = slices.Grow((*scratch)[:0], len(raw))[:len(raw)]
		args = *scratch
	} else {
		args = make([]any, len(raw))
	}
	for i, a := range raw {
		c := j.fn.Args[i]
		if a.List != nil {
			if args[i], err = w.listArg(j, a.List, c); err != nil {
				var lost *inputLostError
				if errors.As(err, &lost) {
					return nil, err
				}
				return nil, fmt.Errorf("argument %d of %s: %w", i+1, j.fn.Name, err)
			}
			continue
		}
		if a.Dep >= 0 {
			dep := j.deps[a.Dep]
			args[i], err = w.store.value(dep, c)
			var lost *lostError
			if errors.Is(err, errNotHere) || errors.As(err, &lost) {
				return nil, &inputLostError{dep: dep, err: err}
			}
		} else {
			args[i], err = c.Decode(a.Value)
		}
		if err != nil {
			return nil, fmt.Errorf("argument %d of %s: %w", i+1, j.fn.Name, err)
		}
	}
	if len(j.deps) > 0 {
		w.storedValue() // inputs read back from disk count again
	}
	return args, nil
}

// listArg builds a list argument (gask.All): the values of the listed
// dependencies, decoded with the codec of the slice's element type, in a
// slice of the argument's type. The worker knows the element codec when
// one of its functions returns (or takes) that type.
func (w *Worker) listArg(j *job, list []int, c *codec.Codec) (any, error) {
	st := c.Type()
	if st.Kind() != reflect.Slice {
		return nil, fmt.Errorf("a list of values for a parameter of type %v, which is not a slice", st)
	}
	ec := codec.Lookup(st.Elem())
	if ec == nil {
		return nil, fmt.Errorf("no codec for %v in this worker: register a function that returns it", st.Elem())
	}
	out := reflect.MakeSlice(st, len(list), len(list))
	for i, d := range list {
		dep := j.deps[d]
		v, err := w.store.value(dep, ec)
		var lost *lostError
		if errors.Is(err, errNotHere) || errors.As(err, &lost) {
			return nil, &inputLostError{dep: dep, err: err}
		}
		if err != nil {
			return nil, fmt.Errorf("element %d (%s): %w", i, dep, err)
		}
		if v != nil {
			out.Index(i).Set(reflect.ValueOf(v))
		}
	}
	return out.Interface(), nil
}

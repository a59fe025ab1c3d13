package gask

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gask-dev/gask/codec"
)

// Status is where a future's task is, as the client knows it.
type Status uint8

// Future statuses.
const (
	Pending   Status = iota // submitted, not finished
	Finished                // the value is on the cluster
	Failed                  // the task failed; Result returns its error
	Cancelled               // cancelled, or its value was lost for good
)

func (s Status) String() string {
	return [...]string{"pending", "finished", "error", "cancelled"}[s]
}

// futureState is shared by all futures of one key in one client. The
// client's mutex guards it.
type futureState struct {
	key     string
	status  Status
	err     error
	holders []string
	nbytes  int64
	inline  []byte                // the encoded value, when it came with the task's completion
	gen     uint64                // counts completions: a fetch that missed knows whether a newer one came
	done    chan struct{}         // made when first waited for, closed when it is no longer pending
	refs    int                   // live Future values holding the key on the scheduler
	indexed bool                  // in the client's index (c.futures): some future still holds the key
	notify  []chan<- *futureState // AsCompleted / Wait listeners
}

// closedChan is the channel of every future that is no longer pending.
var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// doneChan returns a channel closed when st is no longer pending; the
// client's mu is held. Most futures are never waited on one by one (a
// map's are gathered), so their channel is made only when asked for.
func (st *futureState) doneChan() chan struct{} {
	if st.status != Pending {
		return closedChan
	}
	if st.done == nil {
		st.done = make(chan struct{})
	}
	return st.done
}

// Future is the eventual result of a task: a value of type T on the
// cluster. Futures are cheap handles; the value stays on the cluster until
// every future of its key is released (Release, or garbage collection).
type Future[T any] struct {
	c        *Client
	st       *futureState
	released atomic.Bool
	cleanup  runtime.Cleanup

	mu   sync.Mutex
	have bool
	val  T
}

type cleanupArg struct {
	c  *Client
	st *futureState
}

func newFuture[T any](c *Client, st *futureState) *Future[T] {
	f := &Future[T]{c: c, st: st}
	f.cleanup = runtime.AddCleanup(f, func(a cleanupArg) { a.c.release(a.st, false) }, cleanupArg{c, st})
	return f
}

// Key is the task's key: the same function with the same arguments has the
// same key.
func (f *Future[T]) Key() string { return f.st.key }

// Status is the task's status as the client knows it now.
func (f *Future[T]) Status() Status {
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	return f.st.status
}

// Done is closed when the task has finished, failed or been cancelled.
// Keep the future while you wait on the channel: a future that becomes
// garbage releases its task.
func (f *Future[T]) Done() <-chan struct{} {
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	return f.st.doneChan()
}

// Err waits for the task and returns its error, or nil if it succeeded.
func (f *Future[T]) Err(ctx context.Context) error {
	// f must outlive the wait: collected meanwhile, its cleanup would
	// release the key, and the completion would find no one to tell.
	defer runtime.KeepAlive(f)
	return f.c.wait(ctx, f.st)
}

// Result waits for the task and returns its value, fetched from the worker
// that holds it. The value is fetched once and then cached in the future;
// other futures of the same key get values of their own (a []byte result
// changed through one is not changed in another).
func (f *Future[T]) Result(ctx context.Context) (T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.have {
		return f.val, nil
	}
	var zero T
	for {
		if err := f.c.wait(ctx, f.st); err != nil {
			return zero, err
		}
		f.c.mu.Lock()
		b, lost := f.st.inline, f.c.lost
		released := !f.st.indexed
		f.c.mu.Unlock()
		if released {
			// Every future of the key let go of it: the cluster may still
			// hold the value for a moment, but a fetch must not depend on
			// how fast the workers drop it.
			return zero, ErrReleased
		}
		var err error
		inline := b != nil
		switch {
		case b != nil && lost != nil:
			return zero, lost // as if fetched: the value is the cluster's
		case b == nil:
			b, err = f.c.fetchOne(ctx, f.st)
		}
		if err == errRetry {
			continue
		}
		if err != nil {
			return zero, err
		}
		var v T
		if inline {
			v, err = decodeShared[T](b, codec.For[T]().Retains())
		} else {
			v, err = codec.Unmarshal[T](b) // fetched: this future's own bytes
		}
		if err != nil {
			return zero, err
		}
		f.val, f.have = v, true
		return v, nil
	}
}

// decodeShared decodes b, which other futures of its key decode too (a
// value that came inline with its task's completion): a type whose value
// would be b itself ([]byte) decodes a copy, so that changing one
// future's value changes no other's.
// retains is codec.For[T]().Retains(), which a caller decoding many
// values looks up once.
func decodeShared[T any](b []byte, retains bool) (T, error) {
	if retains {
		b = bytes.Clone(b)
	}
	return codec.Unmarshal[T](b)
}

// Release drops this future's hold on the value; once no future holds it,
// the cluster frees it. Release is idempotent; a released future must not
// be passed to new tasks.
func (f *Future[T]) Release() {
	if f.released.Swap(true) {
		return
	}
	f.cleanup.Stop()
	f.c.release(f.st, true)
}

// Cancel stops the task if no other client needs it and marks every future
// of its key in this client cancelled.
func (f *Future[T]) Cancel() {
	f.c.cancel(f.st)
}

func (f *Future[T]) argument() (*futureState, []byte, error) { return f.st, nil, nil }
func (f *Future[T]) state() *futureState                     { return f.st }
func (f *Future[T]) client() *Client                         { return f.c }

// AnyFuture is any *Future[T], for functions that accept futures of
// different types (Wait, After).
type AnyFuture interface {
	Key() string
	Done() <-chan struct{}
	state() *futureState
	client() *Client
}

package workerd

import (
	"context"
	"sync"
)

// taskContext is a running task's context. It is cancelled when the task is
// freed while it runs, and when the worker stops (Run cancels every running
// task). It lives in the task's job and costs no allocation of its own,
// where context.WithCancel would also register with the worker's context
// for every task.
type taskContext struct {
	context.Context // the worker's: values and deadline come from it

	mu   sync.Mutex
	done chan struct{} // made on first use
	err  error
}

func (c *taskContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err != nil {
			close(c.done)
		}
	}
	return c.done
}

func (c *taskContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *taskContext) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = context.Canceled
	if c.done != nil {
		close(c.done)
	}
}

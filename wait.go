package gask

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"

	"github.com/gask-dev/gask/codec"
)

// Gather waits for all futures and returns their values in order. Values
// are fetched in one request per worker that holds them. The first task
// error is returned (after every future finished or failed).
func Gather[T any](ctx context.Context, futs []*Future[T]) ([]T, error) {
	out := make([]T, len(futs))
	if len(futs) == 0 {
		return out, nil
	}
	c := futs[0].c
	for _, f := range futs {
		if err := c.wait(ctx, f.st); err != nil {
			return nil, err
		}
	}
	missing, err := gatherOnce(ctx, c, futs, out)
	if err != nil {
		return nil, err
	}
	// Values that moved or were lost are fetched one by one, which waits
	// for the scheduler to recompute them.
	for _, i := range missing {
		v, err := futs[i].Result(ctx)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func gatherOnce[T any](ctx context.Context, c *Client, futs []*Future[T], out []T) (missing []int, err error) {
	byHolder := map[string][]int{}
	retains := codec.For[T]().Retains()
	c.mu.Lock()
	for i, f := range futs {
		f.mu.Lock()
		have := f.have
		if have {
			out[i] = f.val
		}
		f.mu.Unlock()
		if have {
			continue
		}
		if !f.st.indexed {
			c.mu.Unlock()
			return nil, fmt.Errorf("gask: gather %s: %w", f.st.key, ErrReleased)
		}
		if b := f.st.inline; b != nil && c.lost == nil {
			x, err := decodeShared[T](b, retains)
			if err != nil {
				c.mu.Unlock()
				return nil, fmt.Errorf("gask: decode %s: %w", f.st.key, err)
			}
			out[i] = x
			continue
		}
		if len(f.st.holders) == 0 {
			missing = append(missing, i)
			continue
		}
		h := f.st.holders[0]
		byHolder[h] = append(byHolder[h], i)
	}
	c.mu.Unlock()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for h, idx := range byHolder {
		wg.Go(func() {
			keys := make([]string, 0, len(idx))
			seen := map[string][]int{}
			for _, i := range idx {
				k := futs[i].st.key
				if _, dup := seen[k]; !dup {
					keys = append(keys, k)
				}
				seen[k] = append(seen[k], i)
			}
			vals, err := c.peers.Get(ctx, h, keys)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				missing = append(missing, idx...)
				return
			}
			for _, v := range vals {
				if v.Missing {
					missing = append(missing, seen[v.Key]...)
					continue
				}
				x, err := codec.Unmarshal[T](v.Bytes)
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("gask: decode %s: %w", v.Key, err)
				}
				for j, i := range seen[v.Key] {
					if j > 0 && retains && err == nil {
						x, _ = decodeShared[T](v.Bytes, true) // a slot of its own: see decodeShared
					}
					out[i] = x
				}
			}
		})
	}
	wg.Wait()
	slices.Sort(missing)
	return missing, firstErr
}

// AsCompleted yields futures as they finish, in the order they finish,
// each with its error (nil if it succeeded). If ctx ends first, it yields
// (nil, ctx.Err()) and stops.
//
//	for f, err := range gask.AsCompleted(ctx, futs) { v, _ := f.Result(ctx) ... }
func AsCompleted[T any](ctx context.Context, futs []*Future[T]) iter.Seq2[*Future[T], error] {
	return func(yield func(*Future[T], error) bool) {
		if len(futs) == 0 {
			return
		}
		c := futs[0].c
		byState := map[*futureState][]*Future[T]{}
		for _, f := range futs {
			byState[f.st] = append(byState[f.st], f)
		}
		ch := make(chan *futureState, len(byState))
		states := make([]*futureState, 0, len(byState))
		for _, f := range futs {
			if len(byState[f.st]) > 0 && !slices.Contains(states, f.st) {
				states = append(states, f.st)
			}
		}
		c.listen(ch, states)
		defer c.unlisten(ch, states)
		for range len(byState) {
			select {
			case st := <-ch:
				c.mu.Lock()
				err := st.err
				c.mu.Unlock()
				for _, f := range byState[st] {
					if !yield(f, err) {
						return
					}
				}
			case <-ctx.Done():
				yield(nil, ctx.Err())
				return
			}
		}
	}
}

// listen registers ch to hear when each state stops being pending (at
// once for those that have). ch must have room for all of them.
func (c *Client) listen(ch chan<- *futureState, states []*futureState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range states {
		if st.status != Pending {
			ch <- st
		} else {
			st.notify = append(st.notify, ch)
		}
	}
}

// unlisten removes ch from the states that have not finished.
func (c *Client) unlisten(ch chan<- *futureState, states []*futureState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range states {
		st.notify = slices.DeleteFunc(st.notify, func(x chan<- *futureState) bool { return x == ch })
	}
}

// WaitMode says when Wait returns.
type WaitMode int

// Wait modes.
const (
	AllCompleted   WaitMode = iota // when every future finished or failed
	FirstCompleted                 // when any future finished or failed
	FirstException                 // when any future failed, or all finished
)

// Wait waits for futures, of any types, as mode says, and splits them into
// those done (finished, failed or cancelled) and those not. A timeout is a
// context deadline: Wait then returns what it has with ctx.Err().
func Wait[F AnyFuture](ctx context.Context, futs []F, mode WaitMode) (done, notDone []F, err error) {
	if len(futs) == 0 {
		return nil, nil, nil
	}
	c := clientOf(futs[0])
	states := make([]*futureState, 0, len(futs))
	seen := map[*futureState]bool{}
	for _, f := range futs {
		if st := f.state(); !seen[st] {
			seen[st] = true
			states = append(states, st)
		}
	}
	ch := make(chan *futureState, len(states))
	c.listen(ch, states)
	defer c.unlisten(ch, states)
	for remaining := len(states); remaining > 0; remaining-- {
		select {
		case st := <-ch:
			if mode == FirstCompleted {
				remaining = 1
			}
			if mode == FirstException {
				c.mu.Lock()
				failed := st.status == Failed
				c.mu.Unlock()
				if failed {
					remaining = 1
				}
			}
		case <-ctx.Done():
			err = ctx.Err()
			remaining = 1
		}
	}
	c.mu.Lock()
	for _, f := range futs {
		if f.state().status != Pending {
			done = append(done, f)
		} else {
			notDone = append(notDone, f)
		}
	}
	c.mu.Unlock()
	return done, notDone, err
}

func clientOf(f AnyFuture) *Client { return f.client() }

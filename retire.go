package gask

import (
	"context"
	"fmt"
	"strings"

	"github.com/gask-dev/gask/wire"
)

// RetireWorkers retires workers, each named by its name or its address
// (WorkerInfo.Name or Addr), as Dask's retire_workers does: they get no new
// tasks, finish the ones they have, and every value that only they hold is
// copied to the other workers — so nothing is recomputed — before they are
// told to close. It returns nil once every named worker is gone with its
// values moved.
//
// A worker whose values cannot all be moved (no other worker, or none with
// room under its memory limit) is kept at work, and RetireWorkers returns
// a *RetireError that names it and the values; stopping it anyway loses
// them, and they are recomputed as after any worker's death. The error
// also names workers that died before they could retire and names that
// match no worker.
func (c *Client) RetireWorkers(ctx context.Context, workers ...string) error {
	if len(workers) == 0 {
		return nil
	}
	ch := make(chan *wire.WorkersRetired, 1)
	c.mu.Lock()
	if c.lost != nil {
		c.mu.Unlock()
		return c.lost
	}
	c.nextReq++
	id := c.nextReq
	c.retires[id] = ch
	c.mu.Unlock()
	if err := c.conn.Send(&wire.RetireWorkers{ReqID: id, Workers: workers}); err != nil {
		return err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.lost
		}
		if len(m.Kept)+len(m.Lost)+len(m.Unknown) == 0 {
			return nil
		}
		return &RetireError{Kept: m.Kept, Unmoved: m.Unmoved, Lost: m.Lost, Unknown: m.Unknown}
	case <-ctx.Done():
		// The retirement goes on in the scheduler; only the wait ends.
		c.mu.Lock()
		delete(c.retires, id)
		c.mu.Unlock()
		return ctx.Err()
	}
}

// RetireError reports a RetireWorkers that did not retire every worker it
// named.
type RetireError struct {
	// Kept are the workers still at work: some values only they hold
	// could not be moved to another worker. Unmoved are those values' keys.
	Kept    []string
	Unmoved []string
	// Lost are the workers that died before they retired: the values only
	// they held are recomputed, as after any death.
	Lost []string
	// Unknown are the names that matched no worker.
	Unknown []string
}

func (e *RetireError) Error() string {
	var parts []string
	if len(e.Kept) > 0 {
		parts = append(parts, fmt.Sprintf("kept %s: %d values only they hold could not be moved to another worker "+
			"(none is left, or none has room under its memory limit): %s", strings.Join(e.Kept, ", "), len(e.Unmoved), abbreviate(e.Unmoved, 5)))
	}
	if len(e.Lost) > 0 {
		parts = append(parts, fmt.Sprintf("%s died before retiring (their values are recomputed)", strings.Join(e.Lost, ", ")))
	}
	if len(e.Unknown) > 0 {
		parts = append(parts, fmt.Sprintf("no worker is named %s", strings.Join(e.Unknown, ", ")))
	}
	return "gask: retire workers: " + strings.Join(parts, "; ")
}

// abbreviate lists the first n of ss, and how many more there are.
func abbreviate(ss []string, n int) string {
	if len(ss) <= n {
		return strings.Join(ss, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ss[:n], ", "), len(ss)-n)
}

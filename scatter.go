package gask

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gask-dev/gask/codec"
	"github.com/gask-dev/gask/internal/registry"
	"github.com/gask-dev/gask/wire"
)

// ScatterOption configures Scatter.
type ScatterOption func(*scatterOptions)

type scatterOptions struct {
	broadcast bool
	workers   []string
}

// Broadcast puts every value on every worker.
func Broadcast() ScatterOption { return func(o *scatterOptions) { o.broadcast = true } }

// ToWorkers scatters only to workers with these names or addresses.
func ToWorkers(names ...string) ScatterOption {
	return func(o *scatterOptions) { o.workers = names }
}

// Scatter sends values from this program straight to workers and returns
// futures for them, to pass to tasks instead of sending large values with
// every task. Values are spread round-robin over the workers, or copied to
// all with Broadcast. The same value scattered twice has the same key.
// Bytes, strings and numeric slices are sent from their own memory: do not
// change them before Scatter returns.
func Scatter[T any](ctx context.Context, c *Client, values []T, opts ...ScatterOption) ([]*Future[T], error) {
	var o scatterOptions
	for _, opt := range opts {
		opt(&o)
	}
	workers, err := c.Workers(ctx)
	if err != nil {
		return nil, err
	}
	var addrs []string
	for _, w := range workers {
		if w.Retiring {
			continue // its values would have to move again before it leaves
		}
		if len(o.workers) == 0 || contains(o.workers, w.Name) || contains(o.workers, w.Addr) {
			addrs = append(addrs, w.Addr)
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%w: no workers to scatter to", ErrNoWorker)
	}
	type placed struct {
		workers []string
		keys    []string
		nbytes  []int64
	}
	plan := make([][]string, len(values)) // workers for each value
	keys := make([]string, len(values))
	encoded := make([][]byte, len(values))
	for i, v := range values {
		// Bytes, strings and numeric slices go from their own memory, not
		// a copy: Scatter returns only once the workers hold them.
		b, ok := codec.View(v)
		if !ok {
			if b, err = codec.Marshal(v); err != nil {
				return nil, fmt.Errorf("gask: scatter value %d: %w", i, err)
			}
		}
		h := contentHash(b)
		keys[i] = "scatter-" + hex.EncodeToString(h[:12])
		encoded[i] = b
		if o.broadcast {
			plan[i] = addrs
		} else {
			plan[i] = []string{addrs[i%len(addrs)]}
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex // guards errs and sizes: with Broadcast, one value goes to many workers at once
	errs := make([]error, len(values))
	sizes := make([]int64, len(values))
	sem := make(chan struct{}, 16)
	for i := range values {
		for _, a := range plan[i] {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				n, err := c.peers.Put(ctx, a, keys[i], encoded[i])
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs[i] = errors.Join(errs[i], fmt.Errorf("gask: scatter to %s: %w", a, err))
				}
				sizes[i] = n
			})
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// One DataPlaced per set of workers; every key is held once.
	groups := map[string]*placed{}
	futs := make([]*Future[T], len(values))
	c.mu.Lock()
	for i := range values {
		st, _ := c.stateFor(keys[i])
		futs[i] = newFuture[T](c, st)
		g := fmt.Sprint(plan[i])
		p := groups[g]
		if p == nil {
			p = &placed{workers: plan[i]}
			groups[g] = p
		}
		p.keys = append(p.keys, keys[i])
		p.nbytes = append(p.nbytes, sizes[i])
	}
	c.mu.Unlock()
	for _, p := range groups {
		if err := c.conn.Send(&wire.DataPlaced{Workers: p.workers, Keys: p.keys, NBytes: p.nbytes}); err != nil {
			return nil, err
		}
	}
	return futs, nil
}

// hashPiece is the size of the pieces a big value is hashed in, in parallel.
const hashPiece = 4 << 20

// contentHash names a scattered value by its bytes: SHA-256, of the value
// itself up to 2 pieces, and beyond that of the SHA-256 digests of its
// 4 MiB pieces, which are computed on all CPUs at once (a 256 MiB value
// takes ~180 ms on one core here).
func contentHash(b []byte) [sha256.Size]byte {
	if len(b) <= 2*hashPiece {
		return sha256.Sum256(b)
	}
	n := (len(b) + hashPiece - 1) / hashPiece
	sums := make([]byte, n*sha256.Size)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				sum := sha256.Sum256(b[i*hashPiece : min(len(b), (i+1)*hashPiece)])
				copy(sums[i*sha256.Size:], sum[:])
			}
		})
	}
	wg.Wait()
	return sha256.Sum256(sums)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Run calls fn on every worker, outside the task graph, and returns each
// worker's result by worker name. It fails with the first worker's error.
func Run[R any](ctx context.Context, c *Client, fn *Fn0[R]) (map[string]R, error) {
	workers, err := c.Workers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]R, len(workers))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	args := registry.AppendArgs(nil, nil)
	for _, w := range workers {
		wg.Go(func() {
			b, err := c.peers.Call(ctx, w.Addr, fn.f.ID, args)
			var v R
			if err == nil {
				v, err = codec.Unmarshal[R](b)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				var re *wire.RemoteError
				if errors.As(err, &re) {
					err = taskError(re)
				}
				errs = append(errs, fmt.Errorf("gask: run %s on %s: %w", fn.f.Name, w.Name, err))
				return
			}
			out[w.Name] = v
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return out, errors.Join(errs...)
	}
	return out, nil
}

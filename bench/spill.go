package main

import (
	"context"
	"fmt"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
)

// runSpill holds results totalling three times the cluster's memory: n
// pieces (default 96) of mib MiB (default 32) made on 2 worker processes ×
// 1 thread with limit-mib MiB each (default 512), all held by futures, so
// the workers must spill to disk to keep them. Each piece is then
// checksummed where it is, which reads the spilled ones back. seconds is
// the whole: making, holding and checksumming. spilled_bytes is what the
// workers had on disk once every piece was made; workers_killed counts
// worker processes that were restarted (a worker past 95 % of its limit is
// killed by its nanny) — the workload's point is that it stays 0.
func runSpill(ctx context.Context, p params) (figures, error) {
	n := orDefault(p.n, 96)
	size := orDefault(p.mib, 32) << 20
	limit := int64(orDefault(p.limitMiB, 512)) << 20
	cl, err := local.New(ctx, local.Processes(), local.Workers(2), local.Threads(1), local.MemoryLimit(limit))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	c := cl.Client()
	before, err := workerAddrs(ctx, c)
	if err != nil {
		return nil, err
	}

	t0 := time.Now()
	is, sizes := make([]gask.Arg[int], n), make([]gask.Arg[int], n)
	for i := range n {
		is[i], sizes[i] = gask.V(i), gask.V(size)
	}
	pieces := Piece.MapArgs(c, is, sizes)
	if _, _, err := gask.Wait(ctx, pieces, gask.AllCompleted); err != nil {
		return nil, err
	}
	for _, f := range pieces {
		if err := f.Err(ctx); err != nil {
			return nil, err
		}
	}
	spilled, err := spilledBytes(ctx, c, int64(n)*int64(size))
	if err != nil {
		return nil, err
	}
	sums, err := gask.Gather(ctx, Checksum.MapArgs(c, argsOf(pieces)))
	secs := time.Since(t0).Seconds()
	if err != nil {
		return nil, err
	}
	for i, s := range sums {
		if want := pieceChecksum(i, size); s != want {
			return nil, fmt.Errorf("piece %d: checksum %x, want %x", i, s, want)
		}
	}
	after, err := workerAddrs(ctx, c)
	if err != nil {
		return nil, err
	}
	killed := 0
	for a := range before {
		if !after[a] {
			killed++ // its process was replaced: a restarted worker listens elsewhere
		}
	}
	return figures{"n": n, "seconds": secs, "correct": true, "spilled_bytes": spilled,
		"workers_killed": killed, "total_bytes": int64(n) * int64(size), "limit_bytes": 2 * limit}, nil
}

// spilledBytes is the bytes the workers have on disk, once their reports
// (heartbeats, sent early when much moves to disk) account for all the
// held bytes.
func spilledBytes(ctx context.Context, c *gask.Client, held int64) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		infos, err := c.Workers(ctx)
		if err != nil {
			return 0, fmt.Errorf("workers' memory reports never reached the %d bytes held: %w", held, err)
		}
		var spilled, managed int64
		for _, w := range infos {
			spilled += w.SpilledBytes
			managed += w.ManagedInMemory
		}
		if spilled+managed >= held {
			return spilled, nil
		}
		time.Sleep(10 * time.Millisecond) // poll: reports arrive at most 1 s apart
	}
}

// pieceChecksum is checksum(fillPiece(i, size)) without making the piece:
// the wrapping sum of base+j for j < size/8.
func pieceChecksum(i, size int) uint64 {
	m := uint64(size / 8)
	base := uint64(i+1) * 0x9E3779B97F4A7C15
	tri := m / 2 * (m - 1) // m(m-1)/2, halving the even factor first
	if m%2 == 1 {
		tri = m * ((m - 1) / 2)
	}
	return m*base + tri
}

// workerAddrs is the set of the cluster's workers' addresses.
func workerAddrs(ctx context.Context, c *gask.Client) (map[string]bool, error) {
	infos, err := c.Workers(ctx)
	if err != nil {
		return nil, err
	}
	addrs := map[string]bool{}
	for _, w := range infos {
		addrs[w.Addr] = true
	}
	return addrs, nil
}

package main

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"time"

	"github.com/gask-dev/gask"
)

// The functions the workloads run. Package-level, so that the worker
// processes (this binary, re-executed) register the same ones.
var (
	Inc  = gask.Func("bench.inc", func(ctx context.Context, x int) (int, error) { return x + 1, nil })
	Noop = gask.Func("bench.noop", func(ctx context.Context, x int) (int, error) { return x, nil })
	Add  = gask.Func2("bench.add", func(ctx context.Context, a, b int) (int, error) { return a + b, nil })

	// Sleep sleeps ms milliseconds and returns i; i makes the keys distinct.
	Sleep = gask.Func2("bench.sleep", func(ctx context.Context, i, ms int) (int, error) {
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
			return i, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})

	// Hits counts the points of a seeded sample inside the unit circle.
	Hits = gask.Func2("bench.hits", func(ctx context.Context, seed uint64, points int) (int64, error) {
		// Two uniform doubles per point, each with 53 random bits, as numpy's
		// rng.random gives the Dask twin; drawn from the concrete PCG rather
		// than through rand.Rand's interface.
		r := rand.NewPCG(seed, 0x9e3779b97f4a7c15)
		var in int64
		for range points {
			x := float64(r.Uint64()>>11) * 0x1p-53
			y := float64(r.Uint64()>>11) * 0x1p-53
			if x*x+y*y <= 1 {
				in++
			}
		}
		return in, nil
	})

	// Piece makes piece i of the transfer workload: n bytes, see fillPiece.
	Piece = gask.Func2("bench.piece", func(ctx context.Context, i, n int) ([]byte, error) {
		return fillPiece(i, n), nil
	})

	// Checksum is checksum as a task.
	Checksum = gask.Func("bench.checksum", func(ctx context.Context, b []byte) (uint64, error) {
		return checksum(b), nil
	})

	// Touch does nothing: it runs once its dependencies (gask.After) are
	// on its worker, so its duration is their transfer.
	Touch = gask.Func0("bench.touch", func(ctx context.Context) (int, error) { return 1, nil })
)

// fillPiece returns n bytes (n a multiple of 8) whose little-endian uint64
// word j is (i+1)·0x9E3779B97F4A7C15 + j, wrapping; bench/dask does the same.
func fillPiece(i, n int) []byte {
	b := make([]byte, n)
	base := uint64(i+1) * 0x9E3779B97F4A7C15
	for j := 0; j+8 <= n; j += 8 {
		binary.LittleEndian.PutUint64(b[j:], base+uint64(j/8))
	}
	return b
}

// checksum is the wrapping sum of b's little-endian uint64 words.
func checksum(b []byte) uint64 {
	var s uint64
	for j := 0; j+8 <= len(b); j += 8 {
		s += binary.LittleEndian.Uint64(b[j:])
	}
	return s
}

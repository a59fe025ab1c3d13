package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"time"

	"github.com/gask-dev/gask"
)

// runTransfer measures bandwidth, in MB/s of 10⁶ bytes:
//
//   - w2w: pieces × mib MiB made on worker local-1, then one task on
//     local-2 that depends on all of them (gask.After), so it starts when
//     they have all been copied; the copies are then checksummed on local-2;
//   - scatter and gather of one scatter-mib MiB []byte between this process
//     and a worker, checked byte for byte;
//   - raw: the same bytes as w2w copied over one loopback TCP connection by
//     plain Go code in this process, for reference: into one reused buffer
//     (raw), and into a new buffer per piece, all kept (raw_fresh), as a
//     worker that stores what it fetched must; the difference is the cost
//     of faulting in fresh memory.
func runTransfer(ctx context.Context, p params) (figures, error) {
	mib := orDefault(p.mib, 64)
	pieces := orDefault(p.pieces, 16)
	scatterMiB := orDefault(p.scatter, 256)
	size := mib << 20
	cl, err := newCluster(ctx, 2, 1)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	c := cl.Client()

	// Worker to worker.
	futs := make([]*gask.Future[[]byte], pieces)
	deps := make([]gask.AnyFuture, pieces)
	for i := range futs {
		futs[i] = Piece.Submit(c, gask.V(i), gask.V(size), gask.Workers("local-1"))
		deps[i] = futs[i]
	}
	if _, _, err := gask.Wait(ctx, futs, gask.AllCompleted); err != nil {
		return nil, err
	}
	for _, f := range futs {
		if err := f.Err(ctx); err != nil {
			return nil, err
		}
	}
	t0 := time.Now()
	if _, err := Touch.Submit(c, gask.Workers("local-2"), gask.After(deps...)).Result(ctx); err != nil {
		return nil, err
	}
	w2w := time.Since(t0).Seconds()
	total := float64(pieces) * float64(size)
	sums, err := gask.Gather(ctx, Checksum.MapArgs(c, argsOf(futs), gask.Workers("local-2")))
	if err != nil {
		return nil, err
	}
	for i, s := range sums {
		if want := checksum(fillPiece(i, size)); s != want {
			return nil, fmt.Errorf("piece %d: checksum on local-2 = %x, want %x", i, s, want)
		}
	}
	for _, f := range futs {
		f.Release()
	}

	// Scatter and gather.
	data := fillPiece(1000, scatterMiB<<20)
	t0 = time.Now()
	sc, err := gask.Scatter(ctx, c, [][]byte{data})
	if err != nil {
		return nil, err
	}
	scatterSecs := time.Since(t0).Seconds()
	t0 = time.Now()
	back, err := sc[0].Result(ctx)
	gatherSecs := time.Since(t0).Seconds()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(back, data) {
		return nil, fmt.Errorf("gathered %d bytes differ from the %d scattered", len(back), len(data))
	}
	sc[0].Release()
	back = nil

	// Raw loopback TCP: the w2w bytes, one connection.
	raw, err := rawTCP(pieces, size, false)
	if err != nil {
		return nil, err
	}
	rawFresh, err := rawTCP(pieces, size, true)
	if err != nil {
		return nil, err
	}
	mb := func(n, secs float64) float64 { return n / secs / 1e6 }
	sbytes := float64(len(data))
	return figures{
		"seconds":              w2w + scatterSecs + gatherSecs,
		"bytes_w2w":            total,
		"bytes_scatter":        sbytes,
		"w2w_mb_per_sec":       mb(total, w2w),
		"scatter_mb_per_sec":   mb(sbytes, scatterSecs),
		"gather_mb_per_sec":    mb(sbytes, gatherSecs),
		"raw_mb_per_sec":       mb(total, raw),
		"raw_fresh_mb_per_sec": mb(total, rawFresh),
	}, nil
}

func argsOf[T any](futs []*gask.Future[T]) []gask.Arg[T] {
	out := make([]gask.Arg[T], len(futs))
	for i, f := range futs {
		out[i] = f
	}
	return out
}

// rawTCP copies pieces × size bytes over a loopback TCP connection and
// returns the seconds from dial to the last byte read. The reader fills one
// size-byte buffer again and again, or with fresh a new one per piece,
// keeping them all.
func rawTCP(pieces, size int, fresh bool) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		buf := make([]byte, size)
		var kept [][]byte
		for range pieces {
			if fresh {
				buf = make([]byte, size)
				kept = append(kept, buf)
			}
			if _, err := io.ReadFull(conn, buf); err != nil {
				done <- err
				return
			}
		}
		done <- nil
		runtime.KeepAlive(kept)
	}()
	src := fillPiece(0, size)
	t0 := time.Now()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	for range pieces {
		if _, err := conn.Write(src); err != nil {
			return 0, err
		}
	}
	if err := <-done; err != nil {
		return 0, err
	}
	return time.Since(t0).Seconds(), nil
}

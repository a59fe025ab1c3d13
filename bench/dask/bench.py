"""Dask twins of gask's benchmark workloads (bench/*.go).

    /usr/bin/python3 bench/dask/bench.py <workload> [flags] -json

Each workload runs on LocalCluster(n_workers=2, threads_per_worker=1,
processes=True) unless it says otherwise, with the same sizes and the same
flags as `go run ./bench`, checks its own result (a wrong result exits
non-zero) and prints one JSON line with the same figure names. peak_rss_bytes
is the peak summed RSS of this process and its descendants, sampled every
20 ms with psutil.
"""

import time

START = time.time()  # before importing dask: the startup workload measures from here

import argparse
import json
import math
import os
import socket
import sys
import threading

import dask
import numpy as np
import psutil
from dask.distributed import Client, LocalCluster, wait

GOLDEN = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1


def new_cluster(workers=2, threads=1):
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=threads,
        processes=True,
        dashboard_address="127.0.0.1:0",
    )
    return cluster, Client(cluster)


def inc(x):
    return x + 1


def noop(x):
    return x


def add(a, b):
    return a + b


def sleep(i, ms):
    time.sleep(ms / 1000)
    return i


def hits(seed, points):
    rng = np.random.default_rng(seed)
    inside = 0
    chunk = 1_000_000
    left = points
    while left > 0:
        m = min(chunk, left)
        x = rng.random(m)
        y = rng.random(m)
        inside += int(np.count_nonzero(x * x + y * y <= 1))
        left -= m
    return inside


def fill_piece(i, n):
    """n bytes whose little-endian uint64 word j is (i+1)*GOLDEN + j, wrapping."""
    base = np.uint64(((i + 1) * GOLDEN) & MASK)
    with np.errstate(over="ignore"):
        return (np.arange(n // 8, dtype=np.uint64) + base).view(np.uint8)


def checksum(b):
    with np.errstate(over="ignore"):
        return int(np.asarray(b).view(np.uint64).sum(dtype=np.uint64))


def touch(*pieces):
    return len(pieces)


def throughput(p):
    n = p.n or 20_000
    cluster, client = new_cluster()
    with cluster, client:
        t0 = time.perf_counter()
        futs = client.map(inc, range(n))
        submit = time.perf_counter() - t0
        ys = client.gather(futs)
        secs = time.perf_counter() - t0
    if ys != [i + 1 for i in range(n)]:
        raise RuntimeError("wrong increments")
    return dict(n=n, seconds=secs, submit_seconds=submit, tasks_per_sec=n / secs)


def latency(p):
    n = p.n or 2_000
    cluster, client = new_cluster()
    lat = []
    with cluster, client:
        t0 = time.perf_counter()
        for i in range(n):
            t = time.perf_counter()
            v = client.submit(inc, i, pure=False).result()
            lat.append(time.perf_counter() - t)
            if v != i + 1:
                raise RuntimeError(f"inc({i}) = {v}")
        secs = time.perf_counter() - t0
    lat.sort()

    def q(x):
        return lat[max(0, min(math.ceil(x * n) - 1, n - 1))] * 1e6

    return dict(n=n, seconds=secs, median_us=q(0.5), p99_us=q(0.99))


def tree(p):
    leaves = p.n or 8_192
    cluster, client = new_cluster()
    with cluster, client:
        # Built lazily with dask.delayed and computed at once, as the gask
        # side builds it with Delay and TreeReduce.
        t0 = time.perf_counter()
        level = [dask.delayed(inc, pure=True)(i) for i in range(leaves)]
        while len(level) > 1:
            nxt = [dask.delayed(add, pure=True)(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2 == 1:
                nxt.append(level[-1])
            level = nxt
        (got,) = dask.compute(level[0])
        secs = time.perf_counter() - t0
    if got != leaves * (leaves + 1) // 2:
        raise RuntimeError(f"tree sum = {got}")
    tasks = 2 * leaves - 1
    return dict(leaves=leaves, tasks=tasks, seconds=secs, tasks_per_sec=tasks / secs)


def sleep_balance(p):
    scale = 10 if p.short else 1

    def makespan(workers, threads, ms):
        cluster, client = new_cluster(workers, threads)
        with cluster, client:
            idx = list(range(len(ms)))
            t0 = time.perf_counter()
            got = client.gather(client.map(sleep, idx, ms))
            secs = time.perf_counter() - t0
        if got != idx:
            raise RuntimeError("sleep results wrong")
        return secs

    a = [ms // scale for ms in range(800, 0, -100)]
    b = [1 if p.short else 10] * 1000
    sa = makespan(3, 1, a)
    sb = makespan(2, 4, b)
    return dict(seconds=sa + sb, a_makespan_seconds=sa, b_makespan_seconds=sb,
                a_ideal_seconds=1.2 / scale, b_ideal_seconds=len(b) * b[0] / 1000 / 8)


def pi(p):
    n = p.n or 200
    points = p.points or 1_000_000
    cluster, client = new_cluster()
    with cluster, client:
        t0 = time.perf_counter()
        hs = client.gather(client.map(hits, range(n), [points] * n))
        secs = time.perf_counter() - t0
    total = n * points
    est = 4 * sum(hs) / total
    err = abs(est - math.pi)
    tol = 6 * 4 * math.sqrt(math.pi / 4 * (1 - math.pi / 4) / total)
    if err > tol:
        raise RuntimeError(f"pi estimate {est} off by {err} > {tol}")
    return dict(tasks=n, points=points, seconds=secs, estimate=est, abs_error=err)


def raw_tcp(pieces, size, fresh=False):
    """Copies pieces*size bytes over one loopback TCP connection in Python.

    With fresh, the reader receives each piece into a new buffer and keeps
    them all, as a worker that stores what it fetched must.
    """
    ln = socket.socket()
    ln.bind(("127.0.0.1", 0))
    ln.listen(1)
    errors = []

    def reader():
        try:
            conn, _ = ln.accept()
            buf = bytearray(size)
            view = memoryview(buf)
            kept = []
            with conn:
                for _ in range(pieces):
                    if fresh:
                        buf = bytearray(size)
                        kept.append(buf)
                        view = memoryview(buf)
                    got = 0
                    while got < size:
                        k = conn.recv_into(view[got:])
                        if k == 0:
                            raise EOFError("short read")
                        got += k
        except Exception as e:  # reported by the caller
            errors.append(e)

    th = threading.Thread(target=reader)
    th.start()
    src = fill_piece(0, size).tobytes()
    t0 = time.perf_counter()
    with socket.create_connection(ln.getsockname()) as conn:
        for _ in range(pieces):
            conn.sendall(src)
        th.join()
    secs = time.perf_counter() - t0
    ln.close()
    if errors:
        raise errors[0]
    return secs


def transfer(p):
    size = (p.mib or 64) << 20
    pieces = p.pieces or 16
    scatter_bytes = (p.scatter_mib or 256) << 20
    cluster, client = new_cluster()
    with cluster, client:
        a, b = sorted(client.scheduler_info()["workers"])
        futs = [client.submit(fill_piece, i, size, workers=[a], pure=False) for i in range(pieces)]
        wait(futs)
        for f in futs:
            f.result  # noqa: B018 - errors surface below
            if f.status != "finished":
                raise RuntimeError(f"piece: {f.status}")
        t0 = time.perf_counter()
        client.submit(touch, *futs, workers=[b], pure=False).result()
        w2w = time.perf_counter() - t0
        sums = client.gather(client.map(checksum, futs, workers=[b], pure=False))
        for i, s in enumerate(sums):
            if s != checksum(fill_piece(i, size)):
                raise RuntimeError(f"piece {i}: wrong checksum on {b}")
        del futs

        data = fill_piece(1000, scatter_bytes)
        t0 = time.perf_counter()
        [sc] = client.scatter([data])
        scatter_secs = time.perf_counter() - t0
        t0 = time.perf_counter()
        back = sc.result()
        gather_secs = time.perf_counter() - t0
        if not np.array_equal(back, data):
            raise RuntimeError("gathered bytes differ")
        del sc, back
    raw = raw_tcp(pieces, size)
    raw_fresh = raw_tcp(pieces, size, fresh=True)
    total = pieces * size

    def mb(n, s):
        return n / s / 1e6

    return dict(seconds=w2w + scatter_secs + gather_secs, bytes_w2w=total, bytes_scatter=scatter_bytes,
                w2w_mb_per_sec=mb(total, w2w), scatter_mb_per_sec=mb(scatter_bytes, scatter_secs),
                gather_mb_per_sec=mb(scatter_bytes, gather_secs), raw_mb_per_sec=mb(total, raw),
                raw_fresh_mb_per_sec=mb(total, raw_fresh))


def startup(p):
    cluster, client = new_cluster()
    with cluster, client:
        ready = time.time() - START
        v = client.submit(inc, 41).result()
        secs = time.time() - START
    if v != 42:
        raise RuntimeError(f"inc(41) = {v}")
    return dict(seconds=secs, cluster_ready_seconds=ready)


def scale(p):
    n = p.n or 1_000_000
    cluster, client = new_cluster()
    with cluster, client:
        t0 = time.perf_counter()
        futs = client.map(noop, range(n))
        submit = time.perf_counter() - t0
        ys = client.gather(futs)
        secs = time.perf_counter() - t0
    if ys != list(range(n)):
        raise RuntimeError("wrong no-op results")
    # b (the scheduler alone with simulated workers) has no Dask twin here.
    return dict(n=n, seconds=secs, submit_seconds=submit, tasks_per_sec=n / secs)


def array(p):
    """(sin(x) + cos(x.T)).sum() for x uniform on [0, 1), n×n in 100 blocks."""
    import dask.array as da

    n = p.n or 20_000
    c = max(n // 10, 1)
    cluster, client = new_cluster()
    with cluster, client:
        t0 = time.perf_counter()
        x = da.random.random((n, n), chunks=(c, c))
        total = float((da.sin(x) + da.cos(x.T)).sum().compute())
        secs = time.perf_counter() - t0
    expect = n * n * ((1 - math.cos(1)) + math.sin(1))
    if not abs(total - expect) / expect < 1e-3:
        raise RuntimeError(f"sum {total}, expected about {expect}")
    return dict(n=n, chunk=c, seconds=secs, result=total)


def piece_checksum(i, size):
    """checksum(fill_piece(i, size)) without making the piece."""
    m = size // 8
    base = ((i + 1) * GOLDEN) & MASK
    return (m * base + m * (m - 1) // 2) & MASK


def spill(p):
    n = p.n or 96
    size = (p.mib or 32) << 20
    limit = (p.limit_mib or 512) << 20
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit=limit,
        dashboard_address="127.0.0.1:0",
    )
    client = Client(cluster)
    with cluster, client:
        before = set(client.scheduler_info()["workers"])
        t0 = time.perf_counter()
        pieces = client.map(fill_piece, range(n), [size] * n)
        wait(pieces)
        for f in pieces:
            if f.status != "finished":
                raise RuntimeError(f"piece: {f.status}: {f.exception()!r}")
        spilled = sum(client.run(lambda dask_worker: dask_worker.data.spilled_total.memory).values())
        sums = client.gather(client.map(checksum, pieces))
        secs = time.perf_counter() - t0
        after = set(client.scheduler_info()["workers"])
    for i, s in enumerate(sums):
        if s != piece_checksum(i, size):
            raise RuntimeError(f"piece {i}: wrong checksum")
    return dict(n=n, seconds=secs, correct=True, spilled_bytes=spilled, workers_killed=len(before - after),
                total_bytes=n * size, limit_bytes=2 * limit)


WORKLOADS = {
    "throughput": throughput,
    "latency": latency,
    "tree": tree,
    "sleep-balance": sleep_balance,
    "pi": pi,
    "transfer": transfer,
    "startup": startup,
    "scale": scale,
    "array": array,
    "spill": spill,
}


class RSSSampler:
    """Peak summed RSS of this process and its descendants, every 20 ms.

    As on the gask side, the process tree is walked every 10th sample only;
    in between, the known processes' memory is read.
    """

    RESCAN_EVERY = 10

    def __init__(self, every=0.02):
        self.peak = 0
        self.every = every
        self.stopped = threading.Event()
        self.me = psutil.Process()
        self.procs = self.tree()
        self.sample()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def tree(self):
        try:
            return [self.me] + self.me.children(recursive=True)
        except psutil.Error:
            return [self.me]

    def sample(self):
        total = 0
        for proc in self.procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        self.peak = max(self.peak, total)

    def loop(self):
        n = 0
        while not self.stopped.wait(self.every):
            n += 1
            if n % self.RESCAN_EVERY == 0:
                self.procs = self.tree()
            self.sample()

    def stop(self):
        self.stopped.set()
        self.thread.join()
        self.procs = self.tree()
        self.sample()
        return self.peak


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=sorted(WORKLOADS))
    ap.add_argument("-json", action="store_true")
    ap.add_argument("-n", type=int, default=0)
    ap.add_argument("-points", type=int, default=0)
    ap.add_argument("-mib", type=int, default=0)
    ap.add_argument("-pieces", type=int, default=0)
    ap.add_argument("-scatter-mib", dest="scatter_mib", type=int, default=0)
    ap.add_argument("-sim-n", dest="sim_n", type=int, default=0)
    ap.add_argument("-limit-mib", dest="limit_mib", type=int, default=0)
    ap.add_argument("-short", action="store_true")
    p = ap.parse_args(argv)
    rss = RSSSampler()
    try:
        figs = WORKLOADS[p.workload](p)
    except Exception as e:
        print(f"bench {p.workload}: {e!r}", file=sys.stderr)
        return 1
    finally:
        peak = rss.stop()
    figs["workload"] = p.workload
    figs["peak_rss_bytes"] = peak
    if p.json:
        print(json.dumps(figs))
    else:
        for k in sorted(figs):
            print(f"{k:26} {figs[k]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

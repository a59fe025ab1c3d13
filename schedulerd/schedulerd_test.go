package schedulerd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve starts a scheduler server for cfg on inproc://scheduler until the
// test ends, and returns the transport to reach it.
func serve(t *testing.T, ctx context.Context, cfg Config) transport.Config {
	t.Helper()
	tc := transport.Config{Inproc: transport.NewInproc()}
	ln, err := transport.Listen("inproc://scheduler", tc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := New(cfg)
	served := make(chan error, 1)
	sctx, stop := context.WithCancel(ctx)
	go func() { served <- srv.Serve(sctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	return tc
}

// join connects to the scheduler at inproc://scheduler with hello, and
// closes the connection when the test ends.
func join(t *testing.T, ctx context.Context, tc transport.Config, hello *wire.Hello) *wire.Conn {
	t.Helper()
	nc, err := transport.Dial(ctx, "inproc://scheduler", tc)
	if err != nil {
		t.Fatal(err)
	}
	c := wire.NewConn(nc, wire.Limits{})
	t.Cleanup(func() { c.Close() })
	if _, err := wire.Handshake(ctx, c, hello); err != nil {
		t.Fatal(err)
	}
	return c
}

// fakeWorker joins the scheduler as a one-thread worker called name.
func fakeWorker(t *testing.T, ctx context.Context, tc transport.Config, name string, funcs ...string) *wire.Conn {
	t.Helper()
	return join(t, ctx, tc, &wire.Hello{Role: wire.RoleWorker, Name: name, Addr: "inproc://" + name, NThreads: 1, Funcs: funcs})
}

func TestSilentWorkerIsDropped(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tc := serve(t, ctx, Config{WorkerTimeout: 300 * time.Millisecond})
	silent := fakeWorker(t, ctx, tc, "silent")
	alive := fakeWorker(t, ctx, tc, "alive")
	beat := time.NewTicker(50 * time.Millisecond)
	defer beat.Stop()
	closed := make(chan error, 1)
	go func() {
		_, err := silent.Recv()
		closed <- err
	}()
	aliveClosed := make(chan error, 1)
	go func() {
		_, err := alive.Recv()
		aliveClosed <- err
	}()
	// Keep "alive" heartbeating until "silent" is dropped.
	for {
		select {
		case err := <-closed:
			if err == nil {
				t.Fatal("silent worker got a message, want its connection closed")
			}
			select {
			case err := <-aliveClosed:
				t.Fatalf("heartbeating worker was dropped too: %v", err)
			default:
			}
			return
		case err := <-aliveClosed:
			t.Fatalf("heartbeating worker was dropped: %v", err)
		case <-beat.C:
			alive.Send(&wire.Heartbeat{})
		case <-ctx.Done():
			t.Fatal("silent worker was never dropped")
		}
	}
}

// recv reads c's messages until one of type T arrives, or fails the test
// when ctx ends first.
func recv[T wire.Msg](t *testing.T, ctx context.Context, c *wire.Conn) T {
	t.Helper()
	type got struct {
		m   wire.Msg
		err error
	}
	for {
		ch := make(chan got, 1)
		go func() {
			m, err := c.Recv()
			ch <- got{m, err}
		}()
		select {
		case g := <-ch:
			if g.err != nil {
				var zero T
				t.Fatalf("waiting for %T: %v", zero, g.err)
			}
			if m, ok := g.m.(T); ok {
				return m
			}
		case <-ctx.Done():
			var zero T
			t.Fatalf("waiting for %T: %v", zero, ctx.Err())
		}
	}
}

// TestRetireOverTheWire walks a retirement through the daemon: the value
// only the retiring worker holds is acquired by the other, the holding
// client learns where it is now, the retiring worker is told to close,
// and the client's answer comes as soon as it has gone — with no wait for
// a nanny's explanation, which a retired worker does not need.
func TestRetireOverTheWire(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tc := serve(t, ctx, Config{DeathGrace: time.Hour})
	w1 := fakeWorker(t, ctx, tc, "w1", "f@1")
	client := join(t, ctx, tc, &wire.Hello{Role: wire.RoleClient, Funcs: []string{"f@1"}})
	client.Send(&wire.UpdateGraph{Tasks: []wire.TaskSpec{{Key: "a", Func: "f@1"}}, Wants: []string{"a"}})
	if c := recv[*wire.Compute](t, ctx, w1); c.Key != "a" {
		t.Fatalf("w1 got Compute %s, want a", c.Key)
	}
	w1.Send(&wire.TaskDone{Key: "a", NBytes: 4096})
	recv[*wire.KeyDone](t, ctx, client)
	w2 := fakeWorker(t, ctx, tc, "w2", "f@1")

	client.Send(&wire.RetireWorkers{ReqID: 5, Workers: []string{"w1"}})
	acq := recv[*wire.AcquireKeys](t, ctx, w2)
	if len(acq.Keys) != 1 || acq.Keys[0].Key != "a" || len(acq.Keys[0].Holders) != 1 || acq.Keys[0].Holders[0] != "inproc://w1" {
		t.Fatalf("w2 got AcquireKeys%+v, want a from inproc://w1", acq.Keys)
	}
	w2.Send(&wire.Replicas{Added: []string{"a"}, NBytes: []int64{4096}})
	if kd := recv[*wire.KeyDone](t, ctx, client); len(kd.Holders) != 1 || kd.Holders[0] != "inproc://w2" {
		t.Fatalf("after the move, KeyDone holders = %v, want [inproc://w2]", kd.Holders)
	}
	if r := recv[*wire.WorkersRetired](t, ctx, w1); len(r.Retired) != 1 || r.Retired[0] != "inproc://w1" {
		t.Fatalf("w1 got WorkersRetired%+v, want itself retired", r)
	}
	w1.Close()
	r := recv[*wire.WorkersRetired](t, ctx, client)
	if r.ReqID != 5 || len(r.Retired) != 1 || r.Retired[0] != "inproc://w1" || len(r.Kept)+len(r.Lost)+len(r.Unmoved) != 0 {
		t.Fatalf("client got WorkersRetired%+v, want request 5 with inproc://w1 retired", r)
	}
}

// TestFreesGoTogether: the keys a turn frees on a worker reach it as one
// Free, and a Free is never overtaken by a later message to the worker (a
// key released and submitted again is freed before it is computed anew).
func TestFreesGoTogether(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tc := serve(t, ctx, Config{})
	w := fakeWorker(t, ctx, tc, "w", "f@1")
	client := join(t, ctx, tc, &wire.Hello{Role: wire.RoleClient, Funcs: []string{"f@1"}})
	keys := []string{"a", "b", "c"}
	tasks := make([]wire.TaskSpec, len(keys))
	for i, k := range keys {
		tasks[i] = wire.TaskSpec{Key: k, Func: "f@1"}
	}
	client.Send(&wire.UpdateGraph{Tasks: tasks, Wants: keys})
	for range keys {
		c := recv[*wire.Compute](t, ctx, w)
		w.Send(&wire.TaskDone{Key: c.Key, NBytes: 8})
		recv[*wire.KeyDone](t, ctx, client)
	}

	client.Send(&wire.Release{Keys: keys})
	if f := recv[*wire.Free](t, ctx, w); !slices.Equal(f.Keys, keys) {
		t.Fatalf("worker got Free%v, want one Free of %v", f.Keys, keys)
	}

	// Released and wanted again in one write: the Free comes first.
	client.SendLater(&wire.UpdateGraph{Tasks: tasks[:1], Wants: keys[:1]})
	client.SendLater(&wire.Release{Keys: keys[:1]})
	client.SendLater(&wire.UpdateGraph{Tasks: tasks[:1], Wants: keys[:1]})
	client.Kick()
	var seen []string
	for len(seen) < 3 {
		m, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		switch m := m.(type) {
		case *wire.Compute:
			seen = append(seen, "compute "+m.Key)
			w.Send(&wire.TaskDone{Key: m.Key, NBytes: 8})
		case *wire.Free:
			seen = append(seen, fmt.Sprint("free ", m.Keys))
		}
	}
	if want := []string{"compute a", "free [a]", "compute a"}; !slices.Equal(seen, want) {
		t.Fatalf("worker saw %q, want %q", seen, want)
	}
}

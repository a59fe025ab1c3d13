package schedulerd

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeWorker joins the scheduler at addr as a worker and returns its connection.
func fakeWorker(t *testing.T, ctx context.Context, addr, name string, cfg transport.Config) *wire.Conn {
	t.Helper()
	nc, err := transport.Dial(ctx, addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := wire.NewConn(nc, wire.Limits{})
	t.Cleanup(func() { c.Close() })
	if _, err := wire.Handshake(ctx, c, &wire.Hello{Role: wire.RoleWorker, Name: name, Addr: "inproc://" + name, NThreads: 1}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSilentWorkerIsDropped(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cfg := transport.Config{Inproc: transport.NewInproc()}
	ln, err := transport.Listen("inproc://scheduler", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{WorkerTimeout: 300 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	served := make(chan error, 1)
	sctx, stop := context.WithCancel(ctx)
	go func() { served <- srv.Serve(sctx, ln) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()

	silent := fakeWorker(t, ctx, "inproc://scheduler", "silent", cfg)
	alive := fakeWorker(t, ctx, "inproc://scheduler", "alive", cfg)
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
	cfg := transport.Config{Inproc: transport.NewInproc()}
	ln, err := transport.Listen("inproc://scheduler", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{DeathGrace: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	served := make(chan error, 1)
	sctx, stop := context.WithCancel(ctx)
	go func() { served <- srv.Serve(sctx, ln) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	join := func(name string) *wire.Conn {
		nc, err := transport.Dial(ctx, "inproc://scheduler", cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := wire.NewConn(nc, wire.Limits{})
		t.Cleanup(func() { c.Close() })
		if _, err := wire.Handshake(ctx, c, &wire.Hello{Role: wire.RoleWorker, Name: name, Addr: "inproc://" + name,
			NThreads: 1, Funcs: []string{"f@1"}}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	w1 := join("w1")
	nc, err := transport.Dial(ctx, "inproc://scheduler", cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := wire.NewConn(nc, wire.Limits{})
	defer client.Close()
	if _, err := wire.Handshake(ctx, client, &wire.Hello{Role: wire.RoleClient, Funcs: []string{"f@1"}}); err != nil {
		t.Fatal(err)
	}
	client.Send(&wire.UpdateGraph{Tasks: []wire.TaskSpec{{Key: "a", Func: "f@1"}}, Wants: []string{"a"}})
	if c := recv[*wire.Compute](t, ctx, w1); c.Key != "a" {
		t.Fatalf("w1 got Compute %s, want a", c.Key)
	}
	w1.Send(&wire.TaskDone{Key: "a", NBytes: 4096})
	recv[*wire.KeyDone](t, ctx, client)
	w2 := join("w2")

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

package gask_test

import (
	"context"
	"testing"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/codec"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

// fakePeer accepts one connection on addr in cfg's in-process network,
// welcomes it as id, and passes every later message to handle, until the
// test ends.
func fakePeer(t *testing.T, cfg transport.Config, addr, id string, handle func(c *wire.Conn, m wire.Msg)) {
	t.Helper()
	ln, err := transport.Listen(addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-served
	})
	go func() {
		defer close(served)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		c := wire.NewConn(nc, wire.Limits{})
		defer c.Close()
		if _, err := wire.ReadHello(c); err != nil {
			return
		}
		c.Send(&wire.Welcome{ID: id, Build: gask.BuildID()})
		for {
			m, err := c.Recv()
			if err != nil {
				return
			}
			handle(c, m)
		}
	}()
}

// fakeScheduler answers every task of every UpdateGraph with done(spec),
// if not nil. It returns the client's transport and the scheduler address.
func fakeScheduler(t *testing.T, done func(wire.TaskSpec) *wire.KeyDone) (transport.Config, string) {
	t.Helper()
	cfg := transport.Config{Inproc: transport.NewInproc()}
	fakePeer(t, cfg, "inproc://fake", "client-1", func(c *wire.Conn, m wire.Msg) {
		if g, ok := m.(*wire.UpdateGraph); ok {
			for _, spec := range g.Tasks {
				if kd := done(spec); kd != nil {
					c.Send(kd)
				}
			}
		}
	})
	return cfg, "inproc://fake"
}

// unreachable is a worker address nothing listens on: a client that tries
// to fetch from it gets an error.
const unreachable = "inproc://no-such-worker"

// TestInlineResult checks that a value sent inline with a task's completion
// is what Result and Gather return, without a fetch from its holder.
func TestInlineResult(t *testing.T) {
	// Ignoring the inline value would wait for the scheduler forever (the
	// holder is unreachable): the deadline turns that into a failure.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, addr := fakeScheduler(t, func(spec wire.TaskSpec) *wire.KeyDone {
		raw, err := codec.Marshal(len(spec.Key)) // any value the client can check
		if err != nil {
			panic(err)
		}
		return &wire.KeyDone{Key: spec.Key, NBytes: 8, Holders: []string{unreachable}, Value: raw}
	})
	c, err := gask.Connect(ctx, addr, gask.WithTransport(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	f := Inc.Submit(c, gask.V(1))
	got, err := f.Result(ctx)
	if err != nil || got != len(f.Key()) {
		t.Errorf("Result() = %v, %v; want the inline value %d, nil", got, err, len(f.Key()))
	}
	futs := Inc.Map(c, []int{10, 20, 30})
	vs, err := gask.Gather(ctx, futs)
	if err != nil {
		t.Fatalf("Gather() error = %v, want the inline values", err)
	}
	for i, v := range vs {
		if want := len(futs[i].Key()); v != want {
			t.Errorf("Gather()[%d] = %d, want %d", i, v, want)
		}
	}
	c.Close()
	if _, err := Inc.Submit(c, gask.V(2)).Result(ctx); err == nil {
		t.Errorf("Result() after Close succeeded")
	}
}

// A []byte that came inline is decoded by every future of its key, which
// must not share it: changing the slice one Result or Gather returned
// leaves the others' alone.
func TestInlineBytesNotShared(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, addr := fakeScheduler(t, func(spec wire.TaskSpec) *wire.KeyDone {
		raw, err := codec.Marshal([]byte{1, 2, 3})
		if err != nil {
			panic(err)
		}
		return &wire.KeyDone{Key: spec.Key, NBytes: 3, Holders: []string{unreachable}, Value: raw}
	})
	c, err := gask.Connect(ctx, addr, gask.WithTransport(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, b := Bytes.Submit(c, gask.V(3)), Bytes.Submit(c, gask.V(3)) // one key
	first, err := a.Result(ctx)
	if err != nil || string(first) != "\x01\x02\x03" {
		t.Fatalf("Result() = %v, %v", first, err)
	}
	first[0] = 99
	if second, err := b.Result(ctx); err != nil || second[0] != 1 {
		t.Errorf("the other future's Result() = %v, %v after the first's was changed; want [1 2 3]", second, err)
	}
	gathered, err := gask.Gather(ctx, []*gask.Future[[]byte]{Bytes.Submit(c, gask.V(3))})
	if err != nil || gathered[0][0] != 1 {
		t.Errorf("Gather() = %v, %v after a Result was changed; want [[1 2 3]]", gathered, err)
	}
	gathered[0][1] = 99
	if third, err := Bytes.Submit(c, gask.V(3)).Result(ctx); err != nil || third[1] != 2 {
		t.Errorf("Result() = %v, %v after a Gather's was changed; want [1 2 3]", third, err)
	}
}

// TestNotInlineFetches checks the other path: without an inline value the
// client fetches the value from its holder.
func TestNotInlineFetches(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, addr := fakeScheduler(t, func(spec wire.TaskSpec) *wire.KeyDone {
		return &wire.KeyDone{Key: spec.Key, NBytes: 8, Holders: []string{"inproc://fake-worker"}}
	})
	// A worker that holds every key, with the value 777.
	raw, err := codec.Marshal(777)
	if err != nil {
		t.Fatal(err)
	}
	fakePeer(t, cfg, "inproc://fake-worker", "fake-worker", func(c *wire.Conn, m wire.Msg) {
		if g, ok := m.(*wire.GetData); ok {
			for _, k := range g.Keys {
				c.Send(&wire.Data{ReqID: g.ReqID, Key: k, Value: raw})
			}
		}
	})
	c, err := gask.Connect(ctx, addr, gask.WithTransport(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, err := Inc.Submit(c, gask.V(1)).Result(ctx); err != nil || got != 777 {
		t.Errorf("Result() = %v, %v; want 777 fetched from the holder", got, err)
	}
}

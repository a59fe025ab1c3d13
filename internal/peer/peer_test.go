package peer

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeWorker answers GetData from a map and PutData into it, on one
// connection.
func fakeWorker(t *testing.T, values map[string][]byte) (string, transport.Config) {
	return fakeWorkerN(t, values, 1, nil)
}

// fakeWorkerN is fakeWorker accepting n connections. A GetData for a key
// in hold waits until hold's channel is closed before it is answered.
func fakeWorkerN(t *testing.T, values map[string][]byte, n int, hold map[string]chan struct{}) (string, transport.Config) {
	t.Helper()
	return fakeWorkerWrapped(t, values, n, hold, nil)
}

// fakeWorkerWrapped is fakeWorkerN serving over wrap(conn) if wrap is set.
func fakeWorkerWrapped(t *testing.T, values map[string][]byte, n int, hold map[string]chan struct{}, wrap func(net.Conn) net.Conn) (string, transport.Config) {
	t.Helper()
	cfg := transport.Config{Inproc: transport.NewInproc()}
	ln, err := transport.Listen("inproc://w", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	serve := func(nc net.Conn) {
		if wrap != nil {
			nc = wrap(nc)
		}
		c := wire.NewConn(nc, wire.Limits{})
		defer c.Close()
		if _, err := wire.ReadHello(c); err != nil {
			return
		}
		c.Send(&wire.Welcome{ID: "w"})
		for {
			m, err := c.Recv()
			if err != nil {
				return
			}
			switch m := m.(type) {
			case *wire.GetData:
				for _, k := range m.Keys {
					if ch := hold[k]; ch != nil {
						<-ch
					}
					mu.Lock()
					v, ok := values[k]
					mu.Unlock()
					c.Send(&wire.Data{ReqID: m.ReqID, Key: k, Missing: !ok, Value: v})
				}
			case *wire.PutData:
				mu.Lock()
				values[m.Key] = m.Value
				mu.Unlock()
				c.Send(&wire.Ack{ReqID: m.ReqID, NBytes: int64(len(m.Value))})
			}
		}
	}
	wg.Go(func() {
		for range n {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { serve(nc) })
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return "inproc://w", cfg
}

// TestBusyConnectionGetsACompanion: a Get while another is under way goes
// over a second connection, so a slow answer holds up no other; with
// Streams connections busy, requests share them.
func TestBusyConnectionGetsACompanion(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	slow := make(chan struct{})
	addr, cfg := fakeWorkerN(t, map[string][]byte{"slow": []byte("S"), "fast": []byte("F")}, Streams,
		map[string]chan struct{}{"slow": slow})
	p := NewPool(cfg, wire.Hello{Name: "test"}, 0)
	defer p.Close()
	slowDone := make(chan error, 1)
	go func() {
		_, err := p.Get(ctx, addr, []string{"slow"})
		slowDone <- err
	}()
	// Wait until the slow Get holds its connection.
	for {
		p.mu.Lock()
		busy := len(p.conns[addr]) == 1 && p.conns[addr][0].active == 1
		p.mu.Unlock()
		if busy {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the slow Get never took a connection")
		case <-time.After(time.Millisecond):
		}
	}
	vals, err := p.Get(ctx, addr, []string{"fast"})
	if err != nil || len(vals) != 1 || string(vals[0].Bytes) != "F" {
		t.Fatalf("Get(fast) while Get(slow) is under way = %v, %v", vals, err)
	}
	p.mu.Lock()
	n := len(p.conns[addr])
	p.mu.Unlock()
	if n != 2 {
		t.Errorf("%d connections to the worker, want 2", n)
	}
	close(slow)
	if err := <-slowDone; err != nil {
		t.Errorf("Get(slow) = %v", err)
	}
}

func TestGetPutAndMissing(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	addr, cfg := fakeWorker(t, map[string][]byte{"a": []byte("A")})
	p := NewPool(cfg, wire.Hello{Name: "test"}, 0)
	defer p.Close()
	if n, err := p.Put(ctx, addr, "b", []byte("BB")); err != nil || n != 2 {
		t.Fatalf("Put = %d, %v; want 2, nil", n, err)
	}
	vals, err := p.Get(ctx, addr, []string{"a", "b", "zz"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range vals {
		if v.Missing {
			got[v.Key] = "missing"
		} else {
			got[v.Key] = string(v.Bytes)
		}
	}
	if got["a"] != "A" || got["b"] != "BB" || got["zz"] != "missing" || len(got) != 3 {
		t.Errorf("Get = %v, want a=A b=BB zz=missing", got)
	}
	if vals, err := p.Get(ctx, addr, nil); err != nil || vals != nil {
		t.Errorf("Get of no keys = %v, %v; want nothing at once", vals, err)
	}
}

func TestUnreachableWorker(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	p := NewPool(transport.Config{Inproc: transport.NewInproc()}, wire.Hello{}, 0)
	defer p.Close()
	if _, err := p.Get(ctx, "inproc://nobody", []string{"a"}); err == nil {
		t.Fatal("Get from a worker nobody runs succeeded")
	}
	p.Close()
	if _, err := p.Get(ctx, "inproc://nobody", []string{"a"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
}

// A worker that takes a request and sends nothing back (hung with its
// socket open) fails the Get after the stall timeout, with an error that
// says so, and its connection is dropped: the next Get dials anew.
func TestStalledWorkerIsDropped(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	hung := make(chan struct{})
	addr, cfg := fakeWorkerN(t, map[string][]byte{"hung": []byte("H"), "fine": []byte("F")}, 2,
		map[string]chan struct{}{"hung": hung})
	t.Cleanup(func() { close(hung) }) // before the fake worker's own cleanup
	p := NewPool(cfg, wire.Hello{Name: "test"}, 100*time.Millisecond)
	defer p.Close()
	_, err := p.Get(ctx, addr, []string{"hung"})
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "nothing moved") {
		t.Fatalf("Get from a hung worker = %v (context: %v), want the stall reported", err, ctx.Err())
	}
	vals, err := p.Get(ctx, addr, []string{"fine"})
	if err != nil || len(vals) != 1 || string(vals[0].Bytes) != "F" {
		t.Fatalf("Get on a new connection after the stall = %v, %v", vals, err)
	}
}

// slowConn writes in pieces of 1 KiB, one every 10 ms: a slow link.
type slowConn struct{ net.Conn }

func (c slowConn) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := c.Conn.Write(b[n:min(len(b), n+1024)])
		n += k
		if err != nil {
			return n, err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return n, nil
}

// A value that comes slowly but steadily is not taken for a stall: the
// timeout counts from the last byte, not from the request.
func TestSlowWorkerIsNotDropped(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	big := make([]byte, 40<<10) // 40 pieces: 0.4 s, four stall timeouts
	for i := range big {
		big[i] = byte(i)
	}
	addr, cfg := fakeWorkerWrapped(t, map[string][]byte{"big": big}, 1, nil,
		func(nc net.Conn) net.Conn { return slowConn{nc} })
	p := NewPool(cfg, wire.Hello{Name: "test"}, 100*time.Millisecond)
	defer p.Close()
	vals, err := p.Get(ctx, addr, []string{"big"})
	if err != nil || len(vals) != 1 || !bytes.Equal(vals[0].Bytes, big) {
		t.Fatalf("Get of a value sent slowly = %d values, %v", len(vals), err)
	}
}

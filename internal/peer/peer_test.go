package peer

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeWorker answers GetData from a map and PutData into it.
func fakeWorker(t *testing.T, values map[string][]byte) (string, transport.Config) {
	t.Helper()
	cfg := transport.Config{Inproc: transport.NewInproc()}
	ln, err := transport.Listen("inproc://w", cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
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
					v, ok := values[k]
					c.Send(&wire.Data{ReqID: m.ReqID, Key: k, Missing: !ok, Value: v})
				}
			case *wire.PutData:
				values[m.Key] = m.Value
				c.Send(&wire.Ack{ReqID: m.ReqID, NBytes: int64(len(m.Value))})
			}
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return "inproc://w", cfg
}

func TestGetPutAndMissing(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	addr, cfg := fakeWorker(t, map[string][]byte{"a": []byte("A")})
	p := NewPool(cfg, wire.Hello{Name: "test"})
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
	p := NewPool(transport.Config{Inproc: transport.NewInproc()}, wire.Hello{})
	defer p.Close()
	if _, err := p.Get(ctx, "inproc://nobody", []string{"a"}); err == nil {
		t.Fatal("Get from a worker nobody runs succeeded")
	}
	p.Close()
	if _, err := p.Get(ctx, "inproc://nobody", []string{"a"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
}

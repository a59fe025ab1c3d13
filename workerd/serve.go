package workerd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/gask-dev/gask/internal/registry"
	"github.com/gask-dev/gask/wire"
)

// serve answers peers and clients: values (GetData), scatter (PutData) and
// function calls (Call).
func (w *Worker) serve(ctx context.Context, ln net.Listener) {
	var conns sync.WaitGroup
	var mu sync.Mutex
	open := map[*wire.Conn]struct{}{}
	defer func() {
		mu.Lock()
		for c := range open {
			c.Abort()
		}
		mu.Unlock()
		conns.Wait()
	}()
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		c := wire.NewConn(nc, wire.Limits{})
		mu.Lock()
		open[c] = struct{}{}
		mu.Unlock()
		conns.Go(func() {
			w.servePeer(ctx, c)
			mu.Lock()
			delete(open, c)
			mu.Unlock()
			c.Close()
		})
	}
}

func (w *Worker) servePeer(ctx context.Context, c *wire.Conn) {
	h, err := wire.ReadHello(c)
	if err != nil {
		return
	}
	if err := c.Send(&wire.Welcome{ID: h.Name, Build: w.cfg.Build}); err != nil {
		return
	}
	var calls sync.WaitGroup
	defer calls.Wait()
	for {
		m, err := c.Recv()
		if err != nil {
			if !wire.IsClosedErr(err) {
				w.log.Warn("bad message from peer; closing its connection", "peer", h.Name, "err", err)
			}
			return
		}
		switch m := m.(type) {
		case *wire.GetData:
			for _, k := range m.Keys {
				b, ok, err := w.store.encoded(k)
				w.storedValue() // a value read back from disk counts again
				var lost *lostError
				if errors.As(err, &lost) {
					// Tell the loop, which tells the scheduler; the peer
					// tries another holder or reports it missing.
					w.log.Error("value lost", "key", k, "err", err)
					select {
					case w.events <- valueLost{key: k}:
					case <-ctx.Done():
						return
					}
					ok = false
				} else if err != nil {
					w.log.Error("cannot encode value", "key", k, "err", err)
					ok = false
				}
				c.Send(&wire.Data{ReqID: m.ReqID, Key: k, Missing: !ok, Value: b})
			}
		case *wire.PutData:
			n := w.store.putEncoded(m.Key, m.Value)
			w.storedValue()
			select {
			case w.events <- peerPut{key: m.Key, nbytes: n}:
			case <-ctx.Done():
				return
			}
			c.Send(&wire.Ack{ReqID: m.ReqID, NBytes: n})
		case *wire.Call:
			calls.Go(func() { c.Send(w.call(ctx, m)) })
		default:
			w.log.Warn("unexpected message from peer; closing its connection", "peer", h.Name, "op", m.Op())
			return
		}
	}
}

// call runs a registered function outside the graph (Client Run).
func (w *Worker) call(ctx context.Context, m *wire.Call) *wire.CallResult {
	fn := registry.Lookup(m.Func)
	if fn == nil {
		return &wire.CallResult{ReqID: m.ReqID, Err: &wire.RemoteError{Kind: wire.KindUnknownFunc,
			Message: "function " + m.Func + " is not registered in this worker's program"}}
	}
	j := &job{key: "run-" + fn.Name, fn: fn, args: m.Args}
	args, err := w.decodeArgs(j, nil)
	if err != nil {
		return &wire.CallResult{ReqID: m.ReqID, Err: &wire.RemoteError{Kind: wire.KindDecode, Message: err.Error()}}
	}
	var v any
	var re *wire.RemoteError
	func() {
		defer func() {
			if r := recover(); r != nil {
				re = &wire.RemoteError{Kind: wire.KindPanic, Message: fmt.Sprint("panic: ", r)}
			}
		}()
		v, err = fn.Call(ctx, args)
	}()
	if re != nil {
		return &wire.CallResult{ReqID: m.ReqID, Err: re}
	}
	if err != nil {
		return &wire.CallResult{ReqID: m.ReqID, Err: taskError("", err)}
	}
	b, err := fn.Result.Encode(v)
	if err != nil {
		return &wire.CallResult{ReqID: m.ReqID, Err: &wire.RemoteError{Kind: wire.KindDecode, Message: err.Error()}}
	}
	return &wire.CallResult{ReqID: m.ReqID, Value: b}
}

// Package peer is the data path to workers: a pool of connections on which
// clients and workers ask a worker for values (GetData), store values on it
// (PutData, for scatter) and call functions on it (Call). Values travel
// straight from the worker that holds them; the scheduler never relays them.
//
// A Pool dials lazily and multiplexes requests on its connections by
// request id. It keeps up to Streams connections per worker, dialling
// another only when every one it has is busy: two large values then come
// over two sockets at once, and a receiver on a machine where fresh memory
// is slow to fault in (the copy out of the socket touches it first) uses
// two cores for it. Close closes every connection and waits for their
// reader goroutines.
//
// A worker can hang with its sockets open (stopped, deadlocked, its
// machine swapping): the kernel still accepts what is sent, and nothing
// comes back. A Get or Put on a connection where no byte has moved either
// way for the pool's stall timeout drops that connection, failing its
// requests, so that the caller asks elsewhere instead of waiting for ever
// with its fetch budget held. Call, which runs a function of any length,
// has only its context.
package peer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

// Value is one value received from a worker.
type Value struct {
	Key     string
	Missing bool
	Bytes   []byte
}

// ErrClosed is returned after Close.
var ErrClosed = errors.New("gask: peer pool closed")

// Streams is how many connections a Pool keeps to one worker at most.
const Streams = 2

// DefaultStallTimeout is how long a Get or Put waits with nothing moving
// on its connection before it drops the connection as hung: Dask's
// default for distributed.comm.timeouts.tcp.
const DefaultStallTimeout = 30 * time.Second

// Pool is a set of connections to workers.
type Pool struct {
	cfg   transport.Config
	hello wire.Hello
	stall time.Duration
	epoch time.Time // moved times count from it

	mu     sync.Mutex
	conns  map[string][]*conn
	closed bool
	wg     sync.WaitGroup
}

// NewPool returns a pool that dials with cfg and introduces itself with
// hello, and drops a connection on which a Get or Put saw nothing move for
// stall (0: DefaultStallTimeout).
func NewPool(cfg transport.Config, hello wire.Hello, stall time.Duration) *Pool {
	hello.Role = wire.RolePeer
	if stall <= 0 {
		stall = DefaultStallTimeout
	}
	return &Pool{cfg: cfg, hello: hello, stall: stall, epoch: time.Now(), conns: map[string][]*conn{}}
}

type conn struct {
	pool    *Pool
	addr    string
	c       *wire.Conn
	moved   atomic.Int64 // when a byte last moved either way, as time since the pool's epoch
	stalled atomic.Bool  // dropped because nothing moved
	active  int          // requests using it; guarded by the Pool's mu
	mu      sync.Mutex
	next    uint64
	pending map[uint64]*request
	err     error
	ready   chan struct{} // closed once dialled (or failed)
}

type request struct {
	want   int // messages still expected
	values []Value
	msg    wire.Msg
	done   chan error
}

// get returns a connection to addr for one request, which the caller
// gives back with done: the least busy one, or a new one while every
// connection is busy and there are fewer than Streams.
func (p *Pool) get(ctx context.Context, addr string) (*conn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	var c *conn
	for _, x := range p.conns[addr] {
		if c == nil || x.active < c.active {
			c = x
		}
	}
	if c == nil || c.active > 0 && len(p.conns[addr]) < Streams {
		c = &conn{pool: p, addr: addr, pending: map[uint64]*request{}, ready: make(chan struct{})}
		p.conns[addr] = append(p.conns[addr], c)
		p.wg.Add(1)
		go p.dial(c)
	}
	c.active++
	p.mu.Unlock()
	select {
	case <-c.ready:
	case <-ctx.Done():
		p.done(c)
		return nil, ctx.Err()
	}
	if c.err != nil {
		p.done(c)
		return nil, c.err
	}
	return c, nil
}

// done gives back a connection get returned.
func (p *Pool) done(c *conn) {
	p.mu.Lock()
	c.active--
	p.mu.Unlock()
}

// dial connects c and then reads its responses until it breaks.
func (p *Pool) dial(c *conn) {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	nc, err := transport.Dial(ctx, c.addr, p.cfg)
	if err == nil {
		c.c = wire.NewConn(&watched{Conn: nc, c: c}, wire.Limits{})
		hello := p.hello
		_, err = wire.Handshake(ctx, c.c, &hello)
		if err != nil {
			c.c.Close()
		}
	}
	cancel()
	if err != nil {
		c.err = fmt.Errorf("gask: connect to worker %s: %w", c.addr, err)
		p.drop(c)
		close(c.ready)
		return
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		c.c.Close()
		c.err = ErrClosed
		close(c.ready)
		return
	}
	close(c.ready)
	p.read(c)
}

func (p *Pool) drop(c *conn) {
	p.mu.Lock()
	cs := slices.DeleteFunc(p.conns[c.addr], func(x *conn) bool { return x == c })
	if len(cs) == 0 {
		delete(p.conns, c.addr)
	} else {
		p.conns[c.addr] = cs
	}
	p.mu.Unlock()
}

func (p *Pool) read(c *conn) {
	var err error
	for {
		var m wire.Msg
		m, err = c.c.Recv()
		if err != nil {
			break
		}
		var id uint64
		switch m := m.(type) {
		case *wire.Data:
			id = m.ReqID
		case *wire.Ack:
			id = m.ReqID
		case *wire.CallResult:
			id = m.ReqID
		default:
			err = fmt.Errorf("%w: worker sent %v on a data connection", wire.ErrMalformed, m.Op())
		}
		if err != nil {
			break
		}
		c.mu.Lock()
		r := c.pending[id]
		if r != nil {
			if d, ok := m.(*wire.Data); ok {
				r.values = append(r.values, Value{Key: d.Key, Missing: d.Missing, Bytes: d.Value})
			} else {
				r.msg = m
			}
			r.want--
			if r.want <= 0 {
				delete(c.pending, id)
				r.done <- nil
			}
		}
		c.mu.Unlock()
	}
	p.drop(c)
	c.c.Close()
	c.mu.Lock()
	c.err = fmt.Errorf("gask: connection to worker %s lost: %w", c.addr, err)
	if c.stalled.Load() {
		c.err = fmt.Errorf("gask: connection to worker %s dropped: nothing moved on it for %v (the worker is hung or unreachable)", c.addr, p.stall)
	}
	for id, r := range c.pending {
		delete(c.pending, id)
		r.done <- c.err
	}
	c.mu.Unlock()
}

// do sends the request build makes and waits for its want answers. If
// watch, it drops the connection once nothing has moved on it for the
// pool's stall timeout since the request went out.
func (c *conn) do(ctx context.Context, want int, watch bool, build func(id uint64) wire.Msg) (*request, error) {
	r := &request{want: want, done: make(chan error, 1)}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	c.next++
	id := c.next
	c.pending[id] = r
	c.mu.Unlock()
	stall, epoch := c.pool.stall, c.pool.epoch
	sent := time.Since(epoch)
	if err := c.c.Send(build(id)); err != nil {
		return c.abandon(id, fmt.Errorf("gask: send to worker %s: %w", c.addr, err))
	}
	var t *time.Timer
	var check <-chan time.Time // nil, never ready, unless watch
	if watch {
		t = time.NewTimer(stall)
		defer t.Stop()
		check = t.C
	}
	for {
		select {
		case err := <-r.done:
			return r, err
		case <-ctx.Done():
			return c.abandon(id, ctx.Err())
		case <-check:
		}
		if idle := time.Since(epoch) - max(sent, time.Duration(c.moved.Load())); idle < stall {
			t.Reset(stall - idle)
			continue
		}
		c.stalled.Store(true)
		c.c.Abort() // the reader fails every request on it, this one too
		check = nil
	}
}

// abandon forgets request id, which its caller gave up on.
func (c *conn) abandon(id uint64, err error) (*request, error) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
	return nil, err
}

// watched notes on its conn when bytes move, for the stall timeout. Writes
// go in pieces of writePiece, so that a big value sent to a slow reader
// shows progress as it goes.
type watched struct {
	net.Conn
	c *conn
}

const writePiece = 1 << 20

func (w *watched) Read(b []byte) (int, error) {
	n, err := w.Conn.Read(b)
	if n > 0 {
		w.c.moved.Store(int64(time.Since(w.c.pool.epoch)))
	}
	return n, err
}

func (w *watched) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := w.Conn.Write(b[n:min(len(b), n+writePiece)])
		n += k
		if k > 0 {
			w.c.moved.Store(int64(time.Since(w.c.pool.epoch)))
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Get fetches keys from the worker at addr. Keys it does not hold come back
// with Missing set.
func (p *Pool) Get(ctx context.Context, addr string, keys []string) ([]Value, error) {
	if len(keys) == 0 {
		return nil, nil // no answer would come
	}
	c, err := p.get(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer p.done(c)
	r, err := c.do(ctx, len(keys), true, func(id uint64) wire.Msg { return &wire.GetData{ReqID: id, Keys: keys} })
	if err != nil {
		return nil, err
	}
	return r.values, nil
}

// Put stores an encoded value on the worker at addr and returns its size there.
func (p *Pool) Put(ctx context.Context, addr, key string, value []byte) (int64, error) {
	c, err := p.get(ctx, addr)
	if err != nil {
		return 0, err
	}
	defer p.done(c)
	r, err := c.do(ctx, 1, true, func(id uint64) wire.Msg { return &wire.PutData{ReqID: id, Key: key, Value: value} })
	if err != nil {
		return 0, err
	}
	ack := r.msg.(*wire.Ack)
	if ack.Err != nil {
		return 0, ack.Err
	}
	return ack.NBytes, nil
}

// Call runs a registered function on the worker at addr.
func (p *Pool) Call(ctx context.Context, addr, fn string, args []byte) ([]byte, error) {
	c, err := p.get(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer p.done(c)
	r, err := c.do(ctx, 1, false, func(id uint64) wire.Msg { return &wire.Call{ReqID: id, Func: fn, Args: args} })
	if err != nil {
		return nil, err
	}
	res, ok := r.msg.(*wire.CallResult)
	if !ok {
		return nil, fmt.Errorf("%w: Call answered with %v", wire.ErrMalformed, r.msg.Op())
	}
	if res.Err != nil {
		return nil, res.Err
	}
	return res.Value, nil
}

// Close closes every connection and waits for their goroutines.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	var conns []*conn
	for _, cs := range p.conns {
		conns = append(conns, cs...)
	}
	p.mu.Unlock()
	for _, c := range conns {
		<-c.ready
		if c.c != nil {
			c.c.Abort()
		}
	}
	p.wg.Wait()
}

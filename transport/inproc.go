package transport

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// inprocBacklog is how many dialed connections wait for Accept before
// Dial blocks, as a TCP listen backlog does.
const inprocBacklog = 128

// Inproc is an in-process network: Listen on "inproc://name" registers
// name on it and Dial connects to that name, with no sockets involved.
// Each local cluster makes its own with NewInproc; nothing is global. The
// connections are buffered, support deadlines and behave as TCP ones do, so
// a test over inproc says something about a run over tcp.
type Inproc struct {
	mu        sync.Mutex
	listeners map[string]*inprocListener
	seq       uint64 // numbers picked names and dialers' addresses
}

// NewInproc returns an empty in-process network.
func NewInproc() *Inproc {
	return &Inproc{listeners: make(map[string]*inprocListener)}
}

// inprocAddr is the net.Addr of an inproc endpoint.
type inprocAddr string

func (a inprocAddr) Network() string { return SchemeInproc }
func (a inprocAddr) String() string  { return string(a) }

// listen registers name, or a fresh name if it is empty.
func (n *Inproc) listen(name string) (net.Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for name == "" {
		n.seq++
		name = fmt.Sprintf("auto-%d", n.seq)
		if _, used := n.listeners[name]; used {
			name = ""
		}
	}
	if _, used := n.listeners[name]; used {
		return nil, &net.OpError{Op: "listen", Net: SchemeInproc, Addr: inprocAddr(name),
			Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	}
	l := &inprocListener{
		net:     n,
		name:    name,
		backlog: make(chan *inprocConn, inprocBacklog),
		done:    make(chan struct{}),
	}
	n.listeners[name] = l
	return l, nil
}

// dial connects to the listener registered as name. As over TCP, it
// succeeds once the connection is in the listener's backlog, before Accept.
func (n *Inproc) dial(ctx context.Context, name string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: SchemeInproc, Addr: inprocAddr(name), Err: err}
	}
	n.mu.Lock()
	l := n.listeners[name]
	n.seq++
	local := inprocAddr(fmt.Sprintf("dial-%d", n.seq))
	n.mu.Unlock()
	if l == nil {
		return nil, refused(name)
	}
	client, server := newInprocPair(local, inprocAddr(name))
	if err := l.enqueue(ctx, server); err != nil {
		return nil, err
	}
	return client, nil
}

func refused(name string) error {
	return &net.OpError{Op: "dial", Net: SchemeInproc, Addr: inprocAddr(name),
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// inprocListener is a name registered on an Inproc.
type inprocListener struct {
	net     *Inproc
	name    string
	backlog chan *inprocConn // dialed, not yet accepted
	done    chan struct{}    // closed by Close

	closeOnce sync.Once

	// mu is held shared by dials putting a connection in the backlog and
	// taken exclusively by Close after closing done, so that once Close
	// drains the backlog no dial can add to it.
	mu sync.RWMutex
}

func (l *inprocListener) enqueue(ctx context.Context, c *inprocConn) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	select {
	case <-l.done:
		return refused(l.name)
	default:
	}
	select {
	case l.backlog <- c:
		return nil
	case <-l.done:
		return refused(l.name)
	case <-ctx.Done():
		return &net.OpError{Op: "dial", Net: SchemeInproc, Addr: inprocAddr(l.name), Err: ctx.Err()}
	}
}

// Accept waits for the next dialed connection or Close.
func (l *inprocListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.backlog:
		return c, nil
	case <-l.done:
		return nil, &net.OpError{Op: "accept", Net: SchemeInproc, Addr: l.Addr(), Err: net.ErrClosed}
	}
}

// Close unregisters the name, wakes Accept and closes the connections
// still in the backlog; their dialers read io.EOF.
func (l *inprocListener) Close() error {
	first := false
	l.closeOnce.Do(func() {
		first = true
		close(l.done)
	})
	if !first {
		return &net.OpError{Op: "close", Net: SchemeInproc, Addr: l.Addr(), Err: net.ErrClosed}
	}
	l.net.mu.Lock()
	if l.net.listeners[l.name] == l {
		delete(l.net.listeners, l.name)
	}
	l.net.mu.Unlock()

	// Wait out the dials already past their check of done, then close
	// what they left in the backlog.
	l.mu.Lock()
	l.mu.Unlock()
	for {
		select {
		case c := <-l.backlog:
			c.Close()
		default:
			return nil
		}
	}
}

// Addr returns the listener's name.
func (l *inprocListener) Addr() net.Addr { return inprocAddr(l.name) }

// inprocConn is one end of an inproc connection: it reads rx and writes tx;
// the other end reads tx and writes rx.
type inprocConn struct {
	rx, tx        *pipe
	local, remote inprocAddr
	closed        atomic.Bool
}

func newInprocPair(a, b inprocAddr) (*inprocConn, *inprocConn) {
	ab, ba := newPipe(), newPipe()
	return &inprocConn{rx: ba, tx: ab, local: a, remote: b},
		&inprocConn{rx: ab, tx: ba, local: b, remote: a}
}

func (c *inprocConn) Read(b []byte) (int, error) {
	n, err := c.rx.read(b)
	if err != nil && err != io.EOF {
		err = c.opError("read", err)
	}
	return n, err
}

func (c *inprocConn) Write(b []byte) (int, error) {
	n, err := c.tx.write(b)
	if err != nil {
		err = c.opError("write", err)
	}
	return n, err
}

// Close ends both directions: the peer reads what was already written and
// then io.EOF; the peer's writes fail; pending local calls return at once.
func (c *inprocConn) Close() error {
	if c.closed.Swap(true) {
		return c.opError("close", net.ErrClosed)
	}
	c.tx.closeWriter()
	c.rx.closeReader()
	return nil
}

// CloseWrite shuts down the writing direction only, as *net.TCPConn's
// does: the peer reads io.EOF after the buffered data and can still write.
func (c *inprocConn) CloseWrite() error {
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	c.tx.closeWriter()
	return nil
}

// OfferValues tells the peer that this end can pass values beside the
// byte stream, and PeerOffersValues whether the peer told us so. Two ends
// that both offer may agree, in their own protocol, to switch from bytes
// to values: wire.Conn does, for a client's connection to its scheduler,
// once the handshake is done. An end that only copies bytes never offers,
// so a relay between an inproc end and another stream keeps to bytes.
func (c *inprocConn) OfferValues()           { c.tx.offer.Store(true) }
func (c *inprocConn) PeerOffersValues() bool { return c.rx.offer.Load() }

// SendValues passes vs to the peer's RecvValue as they are, in order,
// beside the byte stream (see OfferValues). It does not block.
func (c *inprocConn) SendValues(vs []any) error {
	if err := c.tx.sendValues(vs); err != nil {
		return c.opError("write", err)
	}
	return nil
}

// RecvValue returns the next value the peer passed with SendValues,
// waiting for one; io.EOF once the peer closed and every value was read.
func (c *inprocConn) RecvValue() (any, error) {
	v, err := c.rx.readValue()
	if err != nil && err != io.EOF {
		err = c.opError("read", err)
	}
	return v, err
}

func (c *inprocConn) LocalAddr() net.Addr  { return c.local }
func (c *inprocConn) RemoteAddr() net.Addr { return c.remote }

func (c *inprocConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

func (c *inprocConn) SetReadDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.rx.setDeadline(&c.rx.rdl, &c.rx.readable, t)
	return nil
}

func (c *inprocConn) SetWriteDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.tx.setDeadline(&c.tx.wdl, &c.tx.writable, t)
	return nil
}

func (c *inprocConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: SchemeInproc, Source: c.local, Addr: c.remote, Err: err}
}

package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// ErrConnClosed is returned by Send after the connection closed.
var ErrConnClosed = errors.New("wire: connection closed")

// Conn is a message connection over a byte stream. Send queues a message
// and returns at once; one writer goroutine, owned by the Conn, writes the
// queue in batches. Recv is for one reading goroutine at a time.
//
// A client's connection to a scheduler in the same process (an inproc
// stream that can also pass values) goes direct once the handshake is
// done: messages then pass to the peer's Recv as they are, unencoded, as
// Dask's inproc transport passes objects. A sent message belongs to the
// receiver from then on, which is Send's rule already.
type Conn struct {
	rwc    io.ReadWriteCloser
	r      *bufio.Reader
	limits Limits
	hdr    [4]byte
	dec    decoder // the reader's
	// trusted is set by the reader once the handshake succeeded: frames are
	// then read into buffers of their announced size (see readFrame).
	trusted bool
	// vc is rwc when it can pass values; recvDirect is set by the reader
	// when the peer's messages come as values from then on.
	vc         valueConn
	recvDirect bool

	mu      sync.Mutex
	cond    sync.Cond
	queue   []Msg
	sent    uint64 // messages queued so far
	done    uint64 // messages written so far
	closed  bool
	werr    error
	written chan struct{} // closed when the writer goroutine has exited
	// Direct sending: once sendDirect, messages go to vc (SendLater's
	// wait in direct until Kick). directOnWelcome: a successful Welcome
	// sent turns sendDirect on (the accepting side of a client).
	sendDirect      bool
	directOnWelcome bool
	direct          []Msg
}

// valueConn is a stream that also passes values to its peer, in order:
// transport's inproc connections.
type valueConn interface {
	OfferValues()
	PeerOffersValues() bool
	SendValues([]any) error
	RecvValue() (any, error)
}

// goesDirect reports whether connections of a Hello's role pass messages
// unencoded when they can: a client's, to the scheduler. Workers' and
// peers' stay encoded, so that a value a worker holds is never memory
// another party also holds.
func (r Role) goesDirect() bool { return r == RoleClient }

// NewConn starts a Conn on rwc. Close stops it.
func NewConn(rwc io.ReadWriteCloser, limits Limits) *Conn {
	c := &Conn{
		rwc:     rwc,
		r:       bufio.NewReaderSize(rwc, 64<<10),
		limits:  limits,
		written: make(chan struct{}),
	}
	c.cond.L = &c.mu
	c.vc, _ = rwc.(valueConn)
	go c.writeLoop()
	return c
}

// Send queues m for writing. It fails only when the connection is closed or
// broken. m must not be modified after Send.
func (c *Conn) Send(m Msg) error {
	c.mu.Lock()
	if c.closed || c.werr != nil {
		err := c.werr
		c.mu.Unlock()
		if err == nil {
			err = ErrConnClosed
		}
		return err
	}
	if c.sendDirect {
		c.direct = append(c.direct, m)
		err := c.pushDirect()
		c.mu.Unlock()
		return err
	}
	c.queue = append(c.queue, m)
	c.sent++
	if len(c.queue) == 1 {
		c.cond.Broadcast() // not Signal: a Flush may wait on c.cond too
	}
	if w, ok := m.(*Welcome); ok && c.directOnWelcome && w.Err == nil {
		// The peer reads this Welcome from the stream, then values.
		c.sendDirect, c.directOnWelcome = true, false
	}
	c.mu.Unlock()
	return nil
}

// pushDirect passes the messages waiting in direct to the peer; c.mu is
// held, so that concurrent senders keep their order. A message with a bulk
// payload goes as a copy, encoded and decoded, so that the receiver never
// shares the sender's bytes.
func (c *Conn) pushDirect() error {
	if len(c.direct) == 0 {
		return nil
	}
	vs := make([]any, len(c.direct))
	for i, m := range c.direct {
		if len(m.bulkPayload()) > 0 {
			b := Marshal(m)
			cp, err := Decode(b[4:])
			if err != nil { // a message of ours that does not decode: a bug
				c.werr = fmt.Errorf("wire: copy %v for a direct connection: %w", m.Op(), err)
				return c.werr
			}
			m = cp
		}
		vs[i] = m
	}
	clear(c.direct)
	c.direct = c.direct[:0]
	if err := c.vc.SendValues(vs); err != nil {
		c.werr = err
		return err
	}
	return nil
}

// goDirect switches both directions to values, on the dialing side once
// its handshake succeeded, if the peer offered to: the peer sent its
// Welcome and then only values.
func (c *Conn) goDirect() error {
	if !c.vc.PeerOffersValues() {
		return nil
	}
	if c.r.Buffered() > 0 {
		return fmt.Errorf("%w: bytes after the Welcome of a direct connection", ErrMalformed)
	}
	c.recvDirect = true
	c.mu.Lock()
	c.sendDirect = true
	c.mu.Unlock()
	return nil
}

// SendLater queues m like Send but does not wake the writer: a loop that
// sends many messages in one turn calls Kick once at the end, so they go
// out in one write.
func (c *Conn) SendLater(m Msg) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.werr != nil {
		if c.werr != nil {
			return c.werr
		}
		return ErrConnClosed
	}
	if c.sendDirect {
		c.direct = append(c.direct, m)
		return nil
	}
	c.queue = append(c.queue, m)
	c.sent++
	return nil
}

// Kick wakes the writer to write what SendLater queued.
func (c *Conn) Kick() {
	c.mu.Lock()
	if c.sendDirect && !c.closed && c.werr == nil {
		c.pushDirect()
	}
	if len(c.queue) > 0 {
		c.cond.Broadcast() // not Signal: a Flush may wait on c.cond too
	}
	c.mu.Unlock()
}

// Recv reads the next message.
func (c *Conn) Recv() (Msg, error) {
	if c.recvDirect {
		v, err := c.vc.RecvValue()
		if err != nil {
			return nil, err
		}
		return v.(Msg), nil
	}
	body, err := readFrame(c.r, c.hdr[:], c.limits.maxFrame(), c.trusted)
	var m Msg
	if err == nil {
		m, err = decodeWith(&c.dec, body)
	}
	if errors.Is(err, ErrMalformed) {
		c.goodbye(err)
		return nil, err
	}
	if g, ok := m.(*Goodbye); ok {
		return nil, &GoodbyeError{Reason: g.Reason}
	}
	return m, err
}

// GoodbyeError is what Recv returns when the peer closed the connection
// with a Goodbye: it found fault with what this side sent.
type GoodbyeError struct{ Reason string }

func (e *GoodbyeError) Error() string { return "wire: the peer closed the connection: " + e.Reason }

// goodbyeWait bounds how long Recv waits for a Goodbye to be written: the
// peer that sent a bad frame may not be reading.
const goodbyeWait = time.Second

// goodbye tells the peer why Recv failed, before the caller closes the
// connection (which drops what is queued): it sends a Goodbye and waits
// up to goodbyeWait for it to be written.
func (c *Conn) goodbye(err error) {
	if c.Send(&Goodbye{Reason: "received " + err.Error()}) != nil {
		return
	}
	flushed := make(chan struct{})
	go func() {
		c.Flush() // returns once written, or when the connection closes
		close(flushed)
	}()
	t := time.NewTimer(goodbyeWait)
	defer t.Stop()
	select {
	case <-flushed:
	case <-t.C:
	}
}

// Flush waits until everything sent so far has been written, or the
// connection failed.
func (c *Conn) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sendDirect && !c.closed && c.werr == nil {
		c.pushDirect()
	}
	if len(c.queue) > 0 {
		c.cond.Broadcast() // what SendLater queued without a Kick goes too
	}
	target := c.sent
	for c.done < target && c.werr == nil && !c.closed {
		c.cond.Wait()
	}
	return c.werr
}

// Close closes the stream and waits for the writer goroutine. Messages still
// queued may be lost: call Flush first to deliver them.
func (c *Conn) Close() error {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	var err error
	if !already {
		err = c.rwc.Close()
	}
	<-c.written
	return err
}

// Abort is Close without the wait, for use from callbacks.
func (c *Conn) Abort() { c.rwc.Close() }

func (c *Conn) writeLoop() {
	defer close(c.written)
	w := bufio.NewWriterSize(c.rwc, 64<<10)
	var batch []Msg
	var head []byte
	for {
		c.mu.Lock()
		for len(c.queue) == 0 && !c.closed {
			c.cond.Wait()
		}
		if c.closed {
			c.mu.Unlock()
			return
		}
		if len(c.queue) < 64 {
			// Let the goroutines that woke us run first: what they queue
			// meanwhile goes out in the same write. When nothing else is
			// runnable this returns at once, so an idle link is not slowed.
			c.mu.Unlock()
			runtime.Gosched()
			c.mu.Lock()
		}
		batch, c.queue = c.queue, batch[:0]
		c.mu.Unlock()

		var err error
		for i, m := range batch {
			head = appendFrameHead(head[:0], m)
			if _, err = w.Write(head); err != nil {
				break
			}
			if bulk := m.bulkPayload(); len(bulk) > 0 {
				if _, err = w.Write(bulk); err != nil {
					break
				}
			}
			batch[i] = nil
		}
		if err == nil {
			err = w.Flush()
		}
		c.mu.Lock()
		c.done += uint64(len(batch))
		c.cond.Broadcast() // wake Flush
		if err != nil {
			c.werr = err
			c.queue = nil
			c.mu.Unlock()
			c.rwc.Close() // unblock the reader too
			return
		}
		c.mu.Unlock()
	}
}

// IsClosedErr reports whether err just means the peer or we closed the
// connection, as opposed to a protocol error worth logging.
func IsClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, ErrConnClosed) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

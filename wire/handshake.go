package wire

import (
	"context"
	"fmt"
	"time"
)

// Handshake sends hello on a fresh connection and waits for the Welcome.
// A refusal comes back as the *RemoteError the peer sent. ctx bounds the
// wait: when it ends, the connection is aborted.
func Handshake(ctx context.Context, c *Conn, hello *Hello) (*Welcome, error) {
	hello.Proto = Version
	if c.vc != nil && hello.Role.goesDirect() {
		c.vc.OfferValues()
	}
	if err := c.Send(hello); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, c.Abort)
	defer stop()
	m, err := c.Recv()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("wire: handshake: %w", ctx.Err())
		}
		return nil, fmt.Errorf("wire: handshake: %w", err)
	}
	w, ok := m.(*Welcome)
	if !ok {
		return nil, fmt.Errorf("%w: handshake answered with %v", ErrMalformed, m.Op())
	}
	if w.Err != nil {
		return w, w.Err
	}
	c.trusted = true
	if c.vc != nil && hello.Role.goesDirect() {
		if err := c.goDirect(); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// HelloTimeout bounds how long an accepted connection may take to say Hello.
const HelloTimeout = 10 * time.Second

// maxHello bounds the first frame of a connection, before we know who it is.
const maxHello = 1 << 20

// ReadHello reads the first message of an accepted connection, which must be
// a Hello of this protocol version, within HelloTimeout and maxHello bytes.
// On a version mismatch it answers with a refusal before returning the error.
func ReadHello(c *Conn) (*Hello, error) {
	t := time.AfterFunc(HelloTimeout, c.Abort)
	limits := c.limits
	c.limits.MaxFrame = maxHello
	m, err := c.Recv()
	c.limits = limits
	if !t.Stop() {
		return nil, fmt.Errorf("%w: no Hello within %v", ErrMalformed, HelloTimeout)
	}
	if err != nil {
		return nil, err
	}
	h, ok := m.(*Hello)
	if !ok {
		return nil, fmt.Errorf("%w: connection opened with %v, want Hello", ErrMalformed, m.Op())
	}
	if h.Proto != Version {
		err := &RemoteError{Kind: KindProtocol, Message: fmt.Sprintf(
			"protocol version %d is not supported (this side speaks %d): run the same gask version everywhere", h.Proto, Version)}
		c.Send(&Welcome{Err: err})
		c.Flush()
		return nil, err
	}
	c.trusted = true
	if c.vc != nil && h.Role.goesDirect() && c.vc.PeerOffersValues() {
		// The peer sends nothing more until our Welcome, and values after
		// it; ours go direct once a Welcome that accepts it is sent.
		c.vc.OfferValues()
		c.recvDirect = true
		c.mu.Lock()
		c.directOnWelcome = true
		c.mu.Unlock()
	}
	return h, nil
}

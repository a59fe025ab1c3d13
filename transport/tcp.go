package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// keepAlive is the TCP keepalive period: a peer that vanishes without a
// FIN or RST (a powered-off node, a cut cable) is noticed within a minute
// or two instead of the kernel's default two hours.
const keepAlive = 15 * time.Second

// Go enables TCP_NODELAY on every TCP connection, dialed or accepted, so
// small control messages are not held back by Nagle's algorithm; dialTCP
// sets it again only to say so.

func listenTCP(hostport string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: keepAlive}
	return lc.Listen(context.Background(), "tcp", hostport)
}

func dialTCP(ctx context.Context, hostport string) (net.Conn, error) {
	d := net.Dialer{KeepAlive: keepAlive}
	c, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	return c, nil
}

// tlsListener is a TLS listener that Address can tell from a TCP one.
// Its connections do the handshake on their first Read or Write, so a
// silent client never blocks Accept; the caller's deadlines bound it.
type tlsListener struct {
	net.Listener
}

func listenTLS(hostport string, cfg *tls.Config) (net.Listener, error) {
	ln, err := listenTCP(hostport)
	if err != nil {
		return nil, err
	}
	return &tlsListener{tls.NewListener(ln, cfg)}, nil
}

func dialTLS(ctx context.Context, hostport string, cfg *tls.Config) (net.Conn, error) {
	d := tls.Dialer{NetDialer: &net.Dialer{KeepAlive: keepAlive}, Config: cfg}
	c, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		if _, ok := err.(*net.OpError); !ok {
			err = fmt.Errorf("transport: tls handshake with %s: %w", hostport, err)
		}
		return nil, err
	}
	return c, nil
}

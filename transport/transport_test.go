package transport

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// A scheme is one transport under test: where to listen and the configs
// of both sides.
type scheme struct {
	name           string
	listen         string
	server, client Config
	// stall returns an address where Dial blocks until its context ends.
	stall func(t *testing.T) string
}

func schemes(t testing.TB) []scheme {
	t.Helper()
	creds, err := NewCredentials()
	if err != nil {
		t.Fatalf("NewCredentials() error: %v", err)
	}
	in := NewInproc()
	sock, err := os.MkdirTemp("", "gt") // short: a socket address holds ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sock) })
	sock += "/server.sock"
	return []scheme{
		{name: "tcp", listen: "tcp://127.0.0.1:0"},
		{
			name:   "tls",
			listen: "tls://127.0.0.1:0",
			server: Config{TLS: creds.ServerConfig()},
			client: Config{TLS: creds.ClientConfig()},
			stall: func(t *testing.T) string {
				// The kernel completes the TCP connect; the handshake
				// then waits for a server that never speaks.
				ln := listen(t, "tcp://127.0.0.1:0", Config{})
				return "tls://" + ln.Addr().String()
			},
		},
		{
			name:   "inproc",
			listen: "inproc://server",
			server: Config{Inproc: in},
			client: Config{Inproc: in},
			stall: func(t *testing.T) string {
				// Fill the backlog of a listener that never accepts.
				ln := listen(t, "inproc://stalled", Config{Inproc: in})
				for range inprocBacklog {
					c, err := Dial(t.Context(), Address(ln), Config{Inproc: in})
					if err != nil {
						t.Fatalf("Dial() error filling the backlog: %v", err)
					}
					t.Cleanup(func() { c.Close() })
				}
				return Address(ln)
			},
		},
		{
			name:   "unix",
			listen: "unix://" + sock,
			stall: func(t *testing.T) string {
				addr, _ := fullBacklog(t) // Dial retries until its context ends
				return addr
			},
		},
	}
}

func listen(t testing.TB, addr string, cfg Config) net.Listener {
	t.Helper()
	ln, err := Listen(addr, cfg)
	if err != nil {
		t.Fatalf("Listen(%q) error: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// accept accepts one connection in a goroutine, completing a TLS
// handshake, and returns a channel that yields it.
func accept(t testing.TB, ln net.Listener) <-chan net.Conn {
	ch := make(chan net.Conn, 1)
	go func() {
		defer close(ch)
		c, err := ln.Accept()
		if err != nil {
			t.Errorf("Accept() error: %v", err)
			return
		}
		if tc, ok := c.(*tls.Conn); ok {
			if err := tc.Handshake(); err != nil {
				t.Errorf("server Handshake() error: %v", err)
				c.Close()
				return
			}
		}
		ch <- c
	}()
	return ch
}

// pair connects a client to a fresh listener of s and returns both ends;
// all three are closed at cleanup.
func (s scheme) pair(t testing.TB) (client, server net.Conn, ln net.Listener) {
	t.Helper()
	ln = listen(t, s.listen, s.server)
	accepted := accept(t, ln)
	client, err := Dial(context.Background(), Address(ln), s.client)
	if err != nil {
		t.Fatalf("Dial(%q) error: %v", Address(ln), err)
	}
	t.Cleanup(func() { client.Close() })
	server = <-accepted
	if server == nil {
		t.FailNow()
	}
	t.Cleanup(func() { server.Close() })
	return client, server, ln
}

func TestDialConfigMissing(t *testing.T) {
	ctx := context.Background()
	for _, addr := range []string{"inproc://x", "tls://127.0.0.1:1", "udp://x:1", "inproc://"} {
		if c, err := Dial(ctx, addr, Config{Inproc: nilIfNotEmpty(addr)}); err == nil {
			c.Close()
			t.Errorf("Dial(%q, Config{}) error = nil, want one", addr)
		}
	}
	for _, addr := range []string{"inproc://x", "tls://127.0.0.1:0"} {
		if ln, err := Listen(addr, Config{}); err == nil {
			ln.Close()
			t.Errorf("Listen(%q, Config{}) error = nil, want one", addr)
		}
	}
	if ln, err := Listen("tls://127.0.0.1:0", Config{TLS: &tls.Config{}}); err == nil {
		ln.Close()
		t.Errorf("Listen(tls, config without certificate) error = nil, want one")
	}
}

// nilIfNotEmpty gives "inproc://" a network, to reach the missing-name check.
func nilIfNotEmpty(addr string) *Inproc {
	if addr == "inproc://" {
		return NewInproc()
	}
	return nil
}

package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

// makePipe returns a nettest.MakePipe over the transport of s.
func makePipe(t *testing.T, s scheme) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := Listen(s.listen, s.server)
		if err != nil {
			return nil, nil, nil, err
		}
		c1, err = Dial(context.Background(), Address(ln), s.client)
		if err != nil {
			ln.Close()
			return nil, nil, nil, err
		}
		c2, err = ln.Accept()
		if err != nil {
			c1.Close()
			ln.Close()
			return nil, nil, nil, err
		}
		stop = func() {
			c1.Close()
			c2.Close()
			ln.Close()
		}
		return c1, c2, stop, nil
	}
}

func TestNettest(t *testing.T) {
	for _, s := range schemes(t) {
		if s.name == SchemeTLS {
			continue // a tls.Conn is broken for good by a write timeout
		}
		t.Run(s.name, func(t *testing.T) { nettest.TestConn(t, makePipe(t, s)) })
	}
}

func inprocPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	in := NewInproc()
	client, server, _ = scheme{name: "inproc", listen: "inproc://p", server: Config{Inproc: in}, client: Config{Inproc: in}}.pair(t)
	return client, server
}

func TestInprocWriteIsBuffered(t *testing.T) {
	client, server := inprocPair(t)
	msg := bytes.Repeat([]byte("0123456789abcdef"), (inprocBuffer+1024)/16)
	// Nobody reads: a buffer's worth of writing returns (the deadline
	// only turns a hang into a failure)...
	client.SetWriteDeadline(time.Now().Add(time.Minute))
	if n, err := client.Write(msg[:inprocBuffer]); n != inprocBuffer || err != nil {
		t.Fatalf("Write(%d bytes) with no reader = %d, %v, want %[1]d, nil", inprocBuffer, n, err)
	}
	// ... and then a write blocks.
	client.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	if n, err := client.Write(msg[inprocBuffer:]); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write() to a full buffer = %d, %v, want 0, deadline exceeded", n, err)
	}
	client.SetWriteDeadline(time.Time{})
	sent := make(chan error, 1)
	go func() {
		_, err := client.Write(msg[inprocBuffer:])
		sent <- err
	}()
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(server, got); err != nil {
		t.Fatalf("ReadFull() error: %v", err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("Write() after the reader caught up error: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Errorf("data differs after a blocked write")
	}
}

func TestInprocWritesDoNotInterleave(t *testing.T) {
	client, server := inprocPair(t)
	const size = 3 * inprocBuffer / 2
	var wg sync.WaitGroup
	for _, b := range []byte("ab") {
		wg.Go(func() {
			if _, err := client.Write(bytes.Repeat([]byte{b}, size)); err != nil {
				t.Errorf("Write() error: %v", err)
			}
		})
	}
	got := make([]byte, 2*size)
	_, err := io.ReadFull(server, got)
	wg.Wait()
	if err != nil {
		t.Fatalf("ReadFull() error: %v", err)
	}
	first, second := got[:size], got[size:]
	if !bytes.Equal(first, bytes.Repeat(first[:1], size)) || !bytes.Equal(second, bytes.Repeat(second[:1], size)) {
		t.Errorf("concurrent writes interleaved")
	}
}

func TestInprocBrokenPipe(t *testing.T) {
	client, server := inprocPair(t)
	server.Close()
	if _, err := client.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Write() to closed peer error = %v, want EPIPE", err)
	}
}

func TestInprocAddrInUse(t *testing.T) {
	in := NewInproc()
	cfg := Config{Inproc: in}
	ln := listen(t, "inproc://w1", cfg)
	if ln2, err := Listen("inproc://w1", cfg); !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "w1") {
		if err == nil {
			ln2.Close()
		}
		t.Errorf("second Listen(inproc://w1) error = %v, want EADDRINUSE naming w1", err)
	}
	ln.Close()
	listen(t, "inproc://w1", cfg)
}

func TestInprocPicksName(t *testing.T) {
	in := NewInproc()
	cfg := Config{Inproc: in}
	listen(t, "inproc://auto-1", cfg)
	a, b := listen(t, "inproc://", cfg), listen(t, "inproc://", cfg)
	if Address(a) == Address(b) || Address(a) == "inproc://" || Address(a) == "inproc://auto-1" {
		t.Fatalf("Address() of listeners on inproc:// = %q, %q, want two new names", Address(a), Address(b))
	}
	accepted := accept(t, a)
	c, err := Dial(context.Background(), Address(a), cfg)
	if err != nil {
		t.Fatalf("Dial(%q) error: %v", Address(a), err)
	}
	c.Close()
	(<-accepted).Close()
}

func TestInprocNetworksAreSeparate(t *testing.T) {
	ln := listen(t, "inproc://w1", Config{Inproc: NewInproc()})
	c, err := Dial(context.Background(), Address(ln), Config{Inproc: NewInproc()})
	if err == nil {
		c.Close()
		t.Fatal("Dial() on another Inproc error = nil, want connection refused")
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Dial() on another Inproc error = %v, want ECONNREFUSED", err)
	}
}

func TestInprocListenerCloseDropsBacklog(t *testing.T) {
	in := NewInproc()
	ln, err := Listen("inproc://w1", Config{Inproc: in})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dial(context.Background(), Address(ln), Config{Inproc: in})
	if err != nil {
		t.Fatalf("Dial() error: %v", err)
	}
	defer c.Close()
	ln.Close()
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("Read() of a dial never accepted = %d, %v, want 0, io.EOF", n, err)
	}
}

// Values pass beside the bytes, in order, without blocking; the reader
// gets io.EOF once the writer closed and every value was read; offers are
// seen by the other end only.
func TestInprocValues(t *testing.T) {
	a, b := newInprocPair(inprocAddr("a"), inprocAddr("b"))
	if a.PeerOffersValues() || b.PeerOffersValues() {
		t.Fatal("an offer before anyone made one")
	}
	a.OfferValues()
	if !b.PeerOffersValues() || a.PeerOffersValues() {
		t.Fatalf("after a offered: b sees %v, a sees %v; want true, false", b.PeerOffersValues(), a.PeerOffersValues())
	}
	// Far more than the byte buffer would hold: values never block.
	const n = 100_000
	for i := range n {
		if err := a.SendValues([]any{i}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Write([]byte("bytes")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(b, buf); err != nil || string(buf) != "bytes" {
		t.Fatalf("bytes beside the values: %q, %v", buf, err)
	}
	for i := range n {
		v, err := b.RecvValue()
		if err != nil || v != i {
			t.Fatalf("RecvValue %d = %v, %v", i, v, err)
		}
	}
	a.SendValues([]any{"last"})
	a.Close()
	if v, err := b.RecvValue(); err != nil || v != "last" {
		t.Fatalf("RecvValue after the writer closed = %v, %v; want the value sent before", v, err)
	}
	if v, err := b.RecvValue(); err != io.EOF {
		t.Fatalf("RecvValue after the last = %v, %v; want io.EOF", v, err)
	}
	if err := b.SendValues([]any{1}); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("SendValues to a closed peer = %v, want EPIPE", err)
	}
	b.Close()
	if _, err := b.RecvValue(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("RecvValue after Close = %v, want net.ErrClosed", err)
	}
}

// A RecvValue waiting for a value returns when the peer sends one.
func TestInprocRecvValueWaits(t *testing.T) {
	a, b := newInprocPair(inprocAddr("a"), inprocAddr("b"))
	defer a.Close()
	defer b.Close()
	got := make(chan any, 1)
	go func() {
		v, _ := b.RecvValue()
		got <- v
	}()
	a.SendValues([]any{"x", "y"})
	if v := <-got; v != "x" {
		t.Fatalf("RecvValue = %v, want x", v)
	}
	if v, err := b.RecvValue(); v != "y" || err != nil {
		t.Fatalf("second RecvValue = %v, %v, want y", v, err)
	}
}

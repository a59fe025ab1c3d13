package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestConformance runs the same checks over every transport.
func TestConformance(t *testing.T) {
	for _, s := range schemes(t) {
		t.Run(s.name, func(t *testing.T) {
			t.Run("Address", func(t *testing.T) { testAddress(t, s) })
			t.Run("Echo", func(t *testing.T) { testEcho(t, s) })
			t.Run("LargeTransfer", func(t *testing.T) { testLargeTransfer(t, s) })
			t.Run("Close", func(t *testing.T) { testClose(t, s) })
			t.Run("PeerClose", func(t *testing.T) { testPeerClose(t, s) })
			t.Run("CloseWrite", func(t *testing.T) { testCloseWrite(t, s) })
			t.Run("ListenerClose", func(t *testing.T) { testListenerClose(t, s) })
			t.Run("DialCanceled", func(t *testing.T) { testDialCanceled(t, s) })
			t.Run("DialStalled", func(t *testing.T) { testDialStalled(t, s) })
			t.Run("DialRefused", func(t *testing.T) { testDialRefused(t, s) })
		})
	}
}

func testAddress(t *testing.T, s scheme) {
	client, _, ln := s.pair(t)
	addr := Address(ln)
	scheme, hostport, err := Parse(addr)
	if err != nil || scheme != s.name {
		t.Fatalf("Parse(Address(ln)) = %q, _, %v, want %q, _, nil", scheme, err, s.name)
	}
	if s.name != SchemeInproc {
		if _, port, _ := net.SplitHostPort(hostport); port == "0" {
			t.Errorf("Address(ln) = %q, want the picked port", addr)
		}
	}
	if got := client.RemoteAddr().String(); got != ln.Addr().String() {
		t.Errorf("client.RemoteAddr() = %q, want %q", got, ln.Addr())
	}
}

func testEcho(t *testing.T, s scheme) {
	client, server, _ := s.pair(t)
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(server, server)
		done <- err
	}()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{1, 5, 100, 4096, 70000, 1 << 20} {
		msg := make([]byte, size)
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		// Write while reading: how much a connection buffers differs
		// (a Unix socket holds a few hundred KiB, less than the largest
		// message), and a writer that waits for the echo to fit would wait
		// forever.
		wrote := make(chan error, 1)
		go func() {
			_, err := client.Write(msg)
			wrote <- err
		}()
		got := make([]byte, size)
		if _, err := io.ReadFull(client, got); err != nil {
			t.Fatalf("ReadFull(%d bytes) error: %v", size, err)
		}
		if err := <-wrote; err != nil {
			t.Fatalf("Write(%d bytes) error: %v", size, err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes differs", size)
		}
	}
	client.Close()
	if err := <-done; err != nil {
		t.Errorf("server io.Copy() error: %v", err)
	}
}

func testLargeTransfer(t *testing.T, s scheme) {
	const total = 64 << 20
	// A pattern whose period is no power of two, so a lost or repeated
	// block shows.
	pattern := make([]byte, 1<<20+7)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range pattern {
		pattern[i] = byte(rng.Uint32())
	}
	client, server, _ := s.pair(t)

	sent := make(chan error, 1)
	go func() {
		rng := rand.New(rand.NewPCG(5, 6))
		off := 0
		for off < total {
			n := min(1+rng.IntN(256<<10), total-off)
			chunk := make([]byte, n)
			for i := 0; i < n; {
				i += copy(chunk[i:], pattern[(off+i)%len(pattern):])
			}
			if _, err := client.Write(chunk); err != nil {
				sent <- err
				return
			}
			off += n
		}
		sent <- client.Close()
	}()

	buf := make([]byte, 100_003)
	got := 0
	for {
		n, err := server.Read(buf)
		for i := 0; i < n; {
			p := pattern[(got+i)%len(pattern):]
			k := min(len(p), n-i)
			if !bytes.Equal(buf[i:i+k], p[:k]) {
				t.Fatalf("data differs in bytes [%d, %d)", got+i, got+i+k)
			}
			i += k
		}
		got += n
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Read() after %d bytes error: %v", got, err)
		}
	}
	if err := <-sent; err != nil {
		t.Fatalf("writer error: %v", err)
	}
	if got != total {
		t.Errorf("received %d bytes, want %d", got, total)
	}
}

// testClose checks a connection's own Close: pending and later calls fail
// with net.ErrClosed.
func testClose(t *testing.T, s scheme) {
	client, _, _ := s.pair(t)
	pending := make(chan error, 1)
	go func() {
		_, err := client.Read(make([]byte, 10))
		pending <- err
	}()
	if err := client.Close(); err != nil {
		t.Fatalf("Close() error: %v", err)
	}
	if err := <-pending; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read() pending during Close error = %v, want net.ErrClosed", err)
	}
	if _, err := client.Read(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read() after Close error = %v, want net.ErrClosed", err)
	}
	if _, err := client.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write() after Close error = %v, want net.ErrClosed", err)
	}
	if err := client.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close() error = %v, want net.ErrClosed", err)
	}
}

// testPeerClose checks the other end of a Close: buffered data, then
// io.EOF; writes fail soon.
func testPeerClose(t *testing.T, s scheme) {
	client, server, _ := s.pair(t)
	if _, err := client.Write([]byte("bye")); err != nil {
		t.Fatalf("Write() error: %v", err)
	}
	client.Close()
	got, err := io.ReadAll(server)
	if err != nil || string(got) != "bye" {
		t.Fatalf("ReadAll(server) = %q, %v, want \"bye\", nil", got, err)
	}
	if n, err := server.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("Read() after EOF = %d, %v, want 0, io.EOF", n, err)
	}
	// TCP reports a closed peer on a later write, once its reset is back.
	server.SetWriteDeadline(time.Now().Add(10 * time.Second))
	for {
		_, err := server.Write(make([]byte, 1024))
		if err == nil {
			continue
		}
		if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Write() to closed peer error = %v, want a broken connection", err)
		}
		break
	}
}

// testCloseWrite checks a half-close, which every transport's connections
// offer as TCP's do.
func testCloseWrite(t *testing.T, s scheme) {
	client, server, _ := s.pair(t)
	cw, ok := client.(interface{ CloseWrite() error })
	if !ok {
		t.Fatalf("%T has no CloseWrite method", client)
	}
	if _, err := client.Write([]byte("request")); err != nil {
		t.Fatalf("Write() error: %v", err)
	}
	if err := cw.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite() error: %v", err)
	}
	if _, err := client.Write([]byte("x")); err == nil {
		t.Errorf("Write() after CloseWrite error = nil, want one")
	}
	got, err := io.ReadAll(server)
	if err != nil || string(got) != "request" {
		t.Fatalf("server ReadAll() = %q, %v, want \"request\", nil", got, err)
	}
	if _, err := server.Write([]byte("reply")); err != nil {
		t.Fatalf("server Write() after the client's CloseWrite error: %v", err)
	}
	server.Close()
	got, err = io.ReadAll(client)
	if err != nil || string(got) != "reply" {
		t.Errorf("client ReadAll() = %q, %v, want \"reply\", nil", got, err)
	}
}

func testListenerClose(t *testing.T, s scheme) {
	ln, err := Listen(s.listen, s.server)
	if err != nil {
		t.Fatalf("Listen(%q) error: %v", s.listen, err)
	}
	pending := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		pending <- err
	}()
	if err := ln.Close(); err != nil {
		t.Fatalf("Close() error: %v", err)
	}
	if err := <-pending; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept() pending during Close error = %v, want net.ErrClosed", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept() after Close error = %v, want net.ErrClosed", err)
	}
	if err := ln.Close(); err == nil {
		t.Error("second Close() error = nil, want one")
	}
	// The address is free again.
	if s.name == SchemeInproc {
		listen(t, Address(ln), s.server)
	}
}

func testDialCanceled(t *testing.T, s scheme) {
	ln := listen(t, s.listen, s.server)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := Dial(ctx, Address(ln), s.client)
	if err == nil {
		c.Close()
		t.Fatalf("Dial(canceled) error = nil, want context.Canceled")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Dial(canceled) error = %v, want context.Canceled", err)
	}
}

func testDialStalled(t *testing.T, s scheme) {
	if s.stall == nil {
		t.Skip("no portable way to stall a TCP connect")
	}
	addr := s.stall(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	c, err := Dial(ctx, addr, s.client)
	if err == nil {
		c.Close()
		t.Fatalf("Dial(%q) error = nil, want context.DeadlineExceeded", addr)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Dial(%q) error = %v, want context.DeadlineExceeded", addr, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Dial(%q) returned %v after its deadline", addr, d)
	}
}

func testDialRefused(t *testing.T, s scheme) {
	ln := listen(t, s.listen, s.server)
	addr := Address(ln)
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, s.client)
	if err == nil {
		c.Close()
		t.Fatalf("Dial(%q) to a closed listener error = nil", addr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Dial(%q) error = %v, want syscall.ECONNREFUSED", addr, err)
	}
	_, hostport, _ := Parse(addr)
	if !strings.Contains(err.Error(), hostport) {
		t.Errorf("Dial(%q) error = %q, want it to name %q", addr, err, hostport)
	}
}

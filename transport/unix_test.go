package transport

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// socketDir is a new directory for socket files, with a short path (a
// socket address holds ~100 bytes, and t.TempDir's paths can be long).
func socketDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "gt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// A path that exists is refused and left as it is: a socket file left by
// a listener that was never closed (its process was killed), and a file
// that is not a socket. Closing a listener removes its socket file.
func TestUnixListenLeavesExistingFiles(t *testing.T) {
	dir := socketDir(t)
	stale := dir + "/stale.sock"
	old, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	old.(*net.UnixListener).SetUnlinkOnClose(false) // as if killed: the file stays
	old.Close()
	data := dir + "/data"
	if err := os.WriteFile(data, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{stale, data} {
		ln, err := Listen("unix://"+path, Config{})
		if err == nil {
			ln.Close()
			t.Fatalf("Listen on the existing %s succeeded", path)
		}
		if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "remove the file") {
			t.Errorf("Listen on the existing %s: error %q, want EADDRINUSE saying what to do", path, err)
		}
		if _, err := os.Lstat(path); err != nil {
			t.Errorf("Listen removed %s: %v", path, err)
		}
	}

	path := dir + "/w.sock"
	ln := listen(t, "unix://"+path, Config{})
	if got, want := Address(ln), "unix://"+path; got != want {
		t.Errorf("Address = %q, want %q", got, want)
	}
	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Close the socket file is still there (Lstat error %v)", err)
	}
}

// A path too long for a socket address gets an error that says so.
func TestUnixListenLongPath(t *testing.T) {
	path := socketDir(t) + "/" + strings.Repeat("x", 120) + ".sock"
	ln, err := Listen("unix://"+path, Config{})
	if err == nil {
		ln.Close()
		t.Fatal("Listen on a 130-byte path succeeded")
	}
	if !strings.Contains(err.Error(), "longer than") {
		t.Errorf("error %q does not say the path is too long", err)
	}
}

// Dialing a path with no socket file reports both causes.
func TestUnixDialMissingFile(t *testing.T) {
	_, err := Dial(t.Context(), "unix://"+socketDir(t)+"/none.sock", Config{})
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Dial error = %v, want ECONNREFUSED and ErrNotExist", err)
	}
	if err != nil && !strings.Contains(err.Error(), "connect") {
		t.Errorf("Dial error %q does not name the connect", err)
	}
}

// fullBacklog returns the address of a Unix listener whose backlog is
// full: a connect to it fails at once with EAGAIN (Linux), until accept
// takes one of the waiting connections.
func fullBacklog(t *testing.T) (addr string, ln net.Listener) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("a full Unix backlog refuses connections on this OS")
	}
	path := socketDir(t) + "/full.sock"
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), path)
	ln, err = net.FileListener(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	for range 64 {
		c, err := net.Dial("unix", path)
		if errors.Is(err, syscall.EAGAIN) {
			return "unix://" + path, ln
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Fatal("the backlog never filled")
	return "", nil
}

// A dial to a listener with a full backlog waits, as over TCP, and gets
// through once the listener accepts.
func TestUnixDialWaitsForBacklog(t *testing.T) {
	addr, ln := fullBacklog(t)
	dialed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := Dial(ctx, addr, Config{})
		if err == nil {
			c.Close()
		}
		dialed <- err
	}()
	select {
	case err := <-dialed:
		t.Fatalf("Dial to a full backlog returned at once: %v", err)
	case <-time.After(20 * time.Millisecond): // a wait that passes if Dial is slow to fail, too
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := <-dialed; err != nil {
		t.Errorf("Dial once the listener accepted: %v", err)
	}
}

// On Linux, "unix://@name" is an abstract socket: no file, the name free
// again after Close.
func TestUnixAbstractSocket(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("abstract sockets are Linux's")
	}
	addr := "unix://@gask-test-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + time.Now().Format("150405.000000")
	for range 2 {
		ln := listen(t, addr, Config{})
		accepted := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			if err == nil {
				c.Close()
			}
			accepted <- err
		}()
		c, err := Dial(t.Context(), Address(ln), Config{})
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		if err := <-accepted; err != nil {
			t.Fatal(err)
		}
		ln.Close()
	}
}

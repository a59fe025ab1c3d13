package transport

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
)

// A socket file left by a listener that was never closed (its process
// was killed) is replaced; a live listener's is not.
func TestUnixListenReplacesStaleSocket(t *testing.T) {
	path := t.TempDir() + "/w.sock"
	old, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	old.(*net.UnixListener).SetUnlinkOnClose(false) // as if killed: the file stays
	old.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("the stale socket file is gone before the test: %v", err)
	}

	ln := listen(t, "unix://"+path, Config{})
	if got, want := Address(ln), "unix://"+path; got != want {
		t.Errorf("Address = %q, want %q", got, want)
	}
	if _, err := Listen("unix://"+path, Config{}); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Listen on a live listener's socket: error %v, want EADDRINUSE", err)
	}
	c, err := Dial(t.Context(), Address(ln), Config{})
	if err != nil {
		t.Fatalf("Dial the replacing listener: %v", err)
	}
	c.Close()

	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close the socket file is still there (Lstat error %v)", err)
	}
}

// A file that is not a socket is never removed to make room.
func TestUnixListenKeepsOtherFiles(t *testing.T) {
	path := t.TempDir() + "/data"
	if err := os.WriteFile(path, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ln, err := Listen("unix://"+path, Config{}); err == nil {
		ln.Close()
		t.Fatal("Listen over a regular file succeeded")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "keep" {
		t.Errorf("the file was changed: %q, %v", b, err)
	}
}

// Dialing a path with no socket file reports both causes.
func TestUnixDialMissingFile(t *testing.T) {
	_, err := Dial(t.Context(), "unix://"+t.TempDir()+"/none.sock", Config{})
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Dial error = %v, want ECONNREFUSED and ENOENT", err)
	}
}

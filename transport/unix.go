package transport

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
	"time"
)

// Unix-domain sockets, for the links of one machine (gask scheduler
// --listen unix://...). A message costs the kernel less than over loopback
// TCP, which runs the whole TCP/IP stack, acknowledgements included, for
// each one: a task's round trip was ~13 % faster (docs/benchmarks.md). Bulk
// transfers measured faster on TCP, whose loopback buffers grow larger.
//
// A listener's socket file is its own: Listen fails with EADDRINUSE when
// the path exists, even if what is there is a socket file left by a killed
// process. Whether anyone still listens on a socket file cannot be told
// reliably (on macOS a live listener with a full backlog refuses
// connections as a dead one does, and two processes starting at once race),
// so the file is left for the caller, or its operator, to remove.

// maxSocketPath is the longest path a socket address holds (107 bytes on
// Linux, 103 on macOS: sun_path and its terminating zero).
var maxSocketPath = len(syscall.RawSockaddrUnix{}.Path) - 1

func listenUnix(path string) (net.Listener, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("transport: listen unix %s: path of %d bytes, longer than the %d a socket address holds", path, len(path), maxSocketPath)
	}
	ln, err := net.Listen("unix", path)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%w (if no process listens there, remove the file)", err)
	}
	return ln, err
}

// dialUnix dials the socket at path. With no socket file there (its
// listener closed and removed it, or never started) the error is
// ECONNREFUSED, as for the other schemes, and still says why. A listener
// whose backlog is full makes a Unix connect fail at once (EAGAIN) where a
// TCP one waits; dialUnix waits too, retrying, until ctx ends.
func dialUnix(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		c, err := d.DialContext(ctx, "unix", path)
		var oe *net.OpError
		switch {
		case err == nil:
			return c, nil
		case errors.Is(err, syscall.EAGAIN):
			t := time.NewTimer(wait)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
				return nil, &net.OpError{Op: "dial", Net: "unix", Addr: &net.UnixAddr{Name: path, Net: "unix"}, Err: ctx.Err()}
			}
		case errors.As(err, &oe) && errors.Is(err, fs.ErrNotExist):
			oe.Err = os.NewSyscallError("connect", fmt.Errorf("%w (%w)", syscall.ECONNREFUSED, fs.ErrNotExist))
		}
		return nil, err
	}
}

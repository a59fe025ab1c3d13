package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// Unix-domain sockets: for the links of one machine (a local cluster's
// workers to its scheduler). A message costs the kernel less than over
// loopback TCP, which runs the whole TCP/IP stack, acknowledgements
// included, for each one: a task's round trip through a local cluster is
// about a tenth faster (docs/benchmarks.md). Bulk transfers stay on TCP,
// whose loopback buffers grow larger.

func listenUnix(path string) (net.Listener, error) {
	ln, err := net.Listen("unix", path)
	if err != nil && errors.Is(err, syscall.EADDRINUSE) && stale(path) {
		// A socket file left by a process that died without closing its
		// listener (a killed worker the nanny restarts): nobody answers
		// on it, so it is ours to replace.
		if rerr := os.Remove(path); rerr == nil {
			ln, err = net.Listen("unix", path)
		}
	}
	return ln, err
}

// stale reports whether path is a socket file nobody listens on.
func stale(path string) bool {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode().Type() != os.ModeSocket {
		return false
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// dialUnix dials the socket at path. With no socket file there (the
// listener closed and removed it, or never started) the error is
// ECONNREFUSED, as for the other schemes, and still says ENOENT.
func dialUnix(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	var oe *net.OpError
	if errors.As(err, &oe) && errors.Is(err, syscall.ENOENT) {
		oe.Err = fmt.Errorf("%w (%w)", syscall.ECONNREFUSED, syscall.ENOENT)
	}
	return c, err
}

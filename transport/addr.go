package transport

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// Address schemes.
const (
	SchemeTCP    = "tcp"
	SchemeTLS    = "tls"
	SchemeInproc = "inproc"
	SchemeUnix   = "unix"
)

// Parse splits an address URL into its scheme and the rest: host:port for
// tcp and tls, the name for inproc, the socket's path for unix
// ("unix:///run/gask/scheduler.sock"; on Linux "unix://@name" is an
// abstract socket, which has no file). A bare "host:port" means tcp. Parse
// rejects unknown schemes and tcp or tls addresses without a numeric port.
// An empty inproc name is allowed: Listen then picks one, as port 0 does.
func Parse(addr string) (scheme, hostport string, err error) {
	scheme, rest, ok := strings.Cut(addr, "://")
	if !ok {
		scheme, rest = SchemeTCP, addr
	}
	switch scheme {
	case SchemeTCP, SchemeTLS:
		if err := checkHostPort(addr, rest); err != nil {
			return "", "", err
		}
		return scheme, rest, nil
	case SchemeInproc:
		return scheme, rest, nil
	case SchemeUnix:
		if rest == "" {
			return "", "", fmt.Errorf("transport: missing socket path in %q", addr)
		}
		return scheme, rest, nil
	}
	return "", "", fmt.Errorf("transport: unknown scheme %q in %q", scheme, addr)
}

// checkHostPort checks the host:port part of addr.
func checkHostPort(addr, hostport string) error {
	_, port, err := net.SplitHostPort(hostport)
	var ae *net.AddrError
	switch {
	case errors.As(err, &ae) && ae.Err == "missing port in address", err == nil && port == "":
		return fmt.Errorf("transport: missing port in %q", addr)
	case ae != nil:
		return fmt.Errorf("transport: bad address %q: %s", addr, ae.Err)
	case err != nil:
		return fmt.Errorf("transport: bad address %q: %v", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("transport: bad port %q in %q", port, addr)
	}
	return nil
}

// Address returns the URL a peer dials to reach ln: "tcp://127.0.0.1:40123",
// "tls://[::1]:7000", "inproc://w1", "unix:///tmp/gask1/scheduler.sock". For listeners this package did not
// make, it uses the network of ln.Addr as the scheme.
func Address(ln net.Listener) string {
	switch ln := ln.(type) {
	case *tlsListener:
		return SchemeTLS + "://" + ln.Addr().String()
	case *inprocListener:
		return SchemeInproc + "://" + ln.name
	}
	a := ln.Addr()
	return a.Network() + "://" + a.String()
}

// Advertise turns the address of a listener on every interface
// ("tcp://[::]:8786", "tls://0.0.0.0:8786"), which no peer can dial, into
// one that other machines can: this host's name in place of the
// unspecified address. Other addresses come back unchanged, and so does
// addr when the host's name is unknown.
func Advertise(addr string) string {
	scheme, hostport, err := Parse(addr)
	if err != nil || (scheme != SchemeTCP && scheme != SchemeTLS) {
		return addr
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return addr
	}
	name, err := os.Hostname()
	if err != nil {
		return addr
	}
	return scheme + "://" + net.JoinHostPort(name, port)
}

// OnInterface is addr (a tcp:// or tls:// address) with its host replaced
// by the address of the network interface named name ("ib0", "eth1"): its
// first IPv4 address, or else its first IPv6 one. The port stays.
func OnInterface(addr, name string) (string, error) {
	scheme, hostport, err := Parse(addr)
	if err != nil {
		return "", err
	}
	if scheme != SchemeTCP && scheme != SchemeTLS {
		return "", fmt.Errorf("transport: interface %q: %q is not a tcp:// or tls:// address", name, addr)
	}
	_, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", err
	}
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return "", fmt.Errorf("transport: interface %q: %w", name, err)
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return "", fmt.Errorf("transport: interface %q: %w", name, err)
	}
	var ip net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && (ip == nil || ip.To4() == nil && n.IP.To4() != nil) {
			ip = n.IP
		}
	}
	if ip == nil {
		return "", fmt.Errorf("transport: interface %q has no IP address", name)
	}
	return scheme + "://" + net.JoinHostPort(ip.String(), port), nil
}

package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
)

// ErrClosed is the error of operations on a closed listener or connection.
// It is net.ErrClosed, so errors.Is(err, net.ErrClosed) holds for every
// transport alike.
var ErrClosed = net.ErrClosed

// Config says how to listen and dial. The zero value is plain TCP only.
type Config struct {
	// TLS is used for tls:// addresses. A server's config needs
	// Certificates and, for mutual TLS, ClientCAs and ClientAuth; a
	// client's needs RootCAs and, for mutual TLS, Certificates.
	// Credentials.ServerConfig and ClientConfig make both.
	TLS *tls.Config
	// Inproc is the in-process network inproc:// addresses live on.
	Inproc *Inproc
}

// Listen listens on addr. "tcp://127.0.0.1:0" and "inproc://" pick a free
// port or name; Address reports what was picked. A unix listener removes
// its socket file when closed; a path that exists already, a socket file
// left by a killed process included, is refused (EADDRINUSE).
func Listen(addr string, cfg Config) (net.Listener, error) {
	scheme, hostport, err := Parse(addr)
	if err != nil {
		return nil, err
	}
	switch scheme {
	case SchemeTCP:
		return listenTCP(hostport)
	case SchemeTLS:
		if cfg.TLS == nil {
			return nil, fmt.Errorf("transport: listen %q: Config.TLS is nil", addr)
		}
		if len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil && cfg.TLS.GetConfigForClient == nil {
			return nil, fmt.Errorf("transport: listen %q: Config.TLS has no certificate", addr)
		}
		return listenTLS(hostport, cfg.TLS)
	case SchemeUnix:
		return listenUnix(hostport)
	default: // SchemeInproc
		if cfg.Inproc == nil {
			return nil, fmt.Errorf("transport: listen %q: Config.Inproc is nil", addr)
		}
		return cfg.Inproc.listen(hostport)
	}
}

// Dial connects to addr. It returns when the connection is established
// (for tls, after the handshake) or ctx is done.
func Dial(ctx context.Context, addr string, cfg Config) (net.Conn, error) {
	scheme, hostport, err := Parse(addr)
	if err != nil {
		return nil, err
	}
	switch scheme {
	case SchemeTCP:
		return dialTCP(ctx, hostport)
	case SchemeTLS:
		if cfg.TLS == nil {
			return nil, fmt.Errorf("transport: dial %q: Config.TLS is nil", addr)
		}
		return dialTLS(ctx, hostport, cfg.TLS)
	case SchemeUnix:
		return dialUnix(ctx, hostport)
	default: // SchemeInproc
		if cfg.Inproc == nil {
			return nil, fmt.Errorf("transport: dial %q: Config.Inproc is nil", addr)
		}
		if hostport == "" {
			return nil, fmt.Errorf("transport: dial %q: missing name", addr)
		}
		return cfg.Inproc.dial(ctx, hostport)
	}
}

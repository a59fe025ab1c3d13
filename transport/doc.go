// Package transport makes the connections every link of gask runs over —
// client to scheduler, scheduler to worker, worker to worker — from address
// URLs:
//
//	tcp://host:port     plain TCP (a bare host:port means this)
//	tls://host:port     TCP with TLS, normally mutual
//	inproc://name       an in-process network, for local clusters and tests
//	unix:///path        a Unix-domain socket, for the links of one machine
//
// Whatever the scheme, a listener is a net.Listener and a connection a
// net.Conn (with CloseWrite, as TCP's), so the layers above (package wire)
// never know which they have.
//
// A minimal use:
//
//	ln, err := transport.Listen("tcp://127.0.0.1:0", transport.Config{})
//	...
//	addr := transport.Address(ln) // "tcp://127.0.0.1:40123": tell peers
//	go serve(ln)                  // for { c, err := ln.Accept(); ... }
//	c, err := transport.Dial(ctx, addr, transport.Config{})
//
// For mutual TLS, NewCredentials makes a throwaway CA and certificate;
// every process of the cluster uses the same Credentials (ServerConfig to
// listen, ClientConfig to dial), or LoadTLS reads them from PEM files.
// For inproc, NewInproc makes a network; every Config of one local cluster
// carries the same *Inproc, and separate clusters use separate ones.
//
// Inproc connections are not net.Pipe: writes are buffered (up to 4 MiB
// each way) and return without waiting for the reader, deadlines work, and
// Close, io.EOF and errors behave as over TCP, so code tested over inproc
// behaves the same over tcp. The tests run one conformance suite over every
// scheme, and the in-process one through nettest.TestConn. Beside
// the bytes, an inproc connection can pass values to its peer unencoded
// (OfferValues, SendValues, RecvValue), which wire.Conn uses between a
// client and its scheduler in one process.
//
// The caller's duties:
//
//   - Close every listener and connection it gets. Closing a listener does
//     not close the connections it accepted.
//   - Bound waiting with deadlines: a peer that stops reading blocks Write,
//     and an accepted tls connection does its handshake in its first Read or
//     Write, not in Accept.
//   - Handle errors by errors.Is: a closed connection or listener gives
//     net.ErrClosed (ErrClosed), the peer's close gives io.EOF, an expired
//     deadline os.ErrDeadlineExceeded, and dialing an address nobody listens
//     on syscall.ECONNREFUSED, for every scheme.
//   - Dial with a context that ends; Dial returns when it does.
package transport

// Package wire is gask's protocol: the closed set of typed messages that
// clients, the scheduler, workers and nannies exchange, their binary
// encoding, framing, the handshake and the error value that crosses
// processes.
//
// Every link carries frames:
//
//	[u32 little-endian body length][u8 op][fields ...][bulk ...]
//
// Fields are varints, length-prefixed strings and byte strings, decoded with
// explicit size limits; a frame's trailing bulk (a task result, a scattered
// value) is the rest of the frame and is never copied into a control message.
// A Conn batches: messages sent while the previous batch is being written go
// out together in one write, so a burst of small messages costs one system
// call. The exception to framing: a client's connection to a scheduler in
// the same process (an inproc stream whose ends both offer it) passes
// messages as they are once the handshake is done, unencoded (see Conn).
//
// A minimal exchange:
//
//	c := wire.NewConn(netConn, wire.Limits{})
//	defer c.Close()
//	c.Send(&wire.Hello{Proto: wire.Version, Role: wire.RoleClient})
//	m, err := c.Recv()
//
// Callers own the io.ReadWriteCloser they hand to NewConn: Close closes it.
// Recv must be called from one goroutine at a time; Send from any. Nothing
// decoded here is trusted: Decode returns an error for any malformed frame
// and never panics, and the fuzz targets in this package check that.
package wire

// Package schedulerd is the gask scheduler process: it accepts clients,
// workers and nannies, and runs the scheduler state machine (package
// scheduler) on one goroutine, the loop.
//
// Each connection has a reader goroutine that decodes messages and hands
// them to the loop; the loop turns them into scheduler events, calls Handle,
// and sends the resulting commands as wire messages. Connection writers
// batch, so a burst of commands to one worker goes out in one write. A
// malformed frame closes only the connection that sent it.
//
//	srv := schedulerd.New(schedulerd.Config{})
//	ln, _ := transport.Listen("tcp://127.0.0.1:8786", transport.Config{})
//	err := srv.Serve(ctx, ln) // until ctx ends
package schedulerd

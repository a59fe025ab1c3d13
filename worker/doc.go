// Package worker is a gask worker's decisions as a pure state machine:
// which tasks run next, which inputs to fetch from which peers, and what to
// tell the scheduler. Like package scheduler it has no goroutines, sockets,
// files or clock; the daemon (package workerd) owns a State, feeds it
// Events (requests from the scheduler, finished executions and transfers)
// and carries out the Commands it returns (execute, fetch, report).
//
//	s := worker.New(worker.Config{Self: "tcp://127.0.0.1:4001", NThreads: 2})
//	cmds := s.Handle(&worker.ComputeRequested{Key: "b", Deps: []worker.Dep{{Key: "a", Holders: []string{peer}}}})
//	// cmds: Fetch{From: peer, Keys: ["a"]}; later FetchDone → Execute{Key: "b"}
//
// A task moves through
//
//	fetch → flight → memory                       (an input held elsewhere)
//	waiting → ready → executing → memory | erred  (a task to run here)
//
// At most NThreads tasks execute at once, in priority order; transfers are
// batched per peer, at most MaxFetchPeers peers and MaxIncomingBytes at
// once. AcquireRequested
// fetches copies the same way with no task waiting for them (to move values
// off a retiring worker), and keeps them. Pause stops new executions and
// fetches (memory pressure) until Resume. A steal request takes back a task
// that has not started, so the scheduler can run it on an idle worker.
//
// The daemon's own values travel with the tasks: ComputeRequested's Run
// comes back in Execute and ReportDone, and Execute's Task (a Handle) goes
// back in the ExecuteDone, ExecuteFailed or InputLost that ends the run,
// so that neither side looks a running task up by key.
package worker

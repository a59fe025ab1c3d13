// Package scheduler is gask's scheduler as a pure state machine: it decides
// where every task runs and when every value may be freed, and does nothing
// else. It has no goroutines, sockets, files, clock or randomness; the
// daemon (package schedulerd) owns a State, turns wire messages into Events,
// calls Handle, and turns the returned Commands into wire messages.
//
//	s := scheduler.New(scheduler.Config{})
//	cmds := s.Handle(&scheduler.WorkerJoined{Worker: "tcp://127.0.0.1:4000", NThreads: 2, Funcs: funcs})
//	cmds = s.Handle(&scheduler.GraphUpdated{Client: "c1", Tasks: specs, Wants: keys})
//	for _, c := range cmds { ... } // *Compute, *Free, *NotifyDone, ...
//
// A task moves through these states:
//
//	released → waiting → queued | no-worker → processing → memory | erred → forgotten
//
// A task is needed while some client holds it or some active dependent waits
// for it; a value nobody needs is freed, and a task nobody needs and nothing
// depends on is forgotten. Dependents keep their inputs' specs alive so lost
// values can be recomputed from their lineage when a worker dies.
//
// Placement follows Dask: root tasks (no dependencies) wait in a priority
// queue on the scheduler and go to workers as they have room, so a huge map
// does not flood one worker; other tasks go at once to the worker that
// minimises bytes to move plus expected queue time. How much room a worker
// has depends on how long tasks take: short tasks are sent ahead in larger
// batches to hide the round trip. Work stealing corrects placements that
// turn out badly: a worker with an idle thread takes tasks that wait behind
// another's busy threads (or on a paused worker), through a Steal command
// that the victim answers (StealResponse).
//
// RetireWorkers retires workers without losing their values (Dask's
// retire_workers): they get no new tasks, the values only they hold are
// copied elsewhere (Acquire), and they are told to close (CloseWorker);
// RetireDone answers. See retire.go.
//
// The caller's duties: call Handle from one goroutine; treat the returned
// slice as valid only until the next call; never modify Events after passing
// them. State.Check verifies every invariant and is meant for tests.
package scheduler

// Package workerd is the gask worker process: it connects to the
// scheduler, runs tasks on a pool of NThreads goroutines, keeps their values
// in memory, serves them to peers and clients, and fetches inputs from other
// workers directly.
//
// One goroutine, the loop, owns the worker state machine (package worker):
// messages from the scheduler, finished executions and finished transfers
// all arrive there as events, and the loop carries out the commands the
// state machine returns. Executors and transfers report back to the loop;
// the value store is shared and has its own lock.
//
//	w := workerd.New(workerd.Config{Scheduler: "tcp://127.0.0.1:8786", NThreads: 4})
//	err := w.Run(ctx) // until ctx ends, the scheduler retires it, or the scheduler goes away
//
// The functions a worker can run are the ones registered in its program
// (package gask's Func); it tells the scheduler their identities when it
// connects, and is only ever sent tasks it can run.
package workerd

// Package gask is distributed computing for Go, after Dask distributed: a
// scheduler hands tasks to workers, on one machine or many, and your
// program holds typed futures for their results.
//
// # Functions
//
// Go cannot send closures to other processes, so a task names a registered
// function. Register each one once, in a package-level variable, so that
// every process started from the same binary (the client and every worker)
// registers the same functions under the same names:
//
//	var Inc = gask.Func("inc", func(ctx context.Context, x int) (int, error) { return x + 1, nil })
//	var Add = gask.Func2("add", func(ctx context.Context, a, b int) (int, error) { return a + b, nil })
//
// Func0 to Func3 take functions of zero to three arguments after the
// context; a function returns its value and an error. Registering two
// functions under one name panics when the program starts.
//
// # Futures
//
// Submit runs a function on the cluster and returns a *Future[T] at once.
// An argument is either a plain value, wrapped with V, or a future of the
// same type, which makes the new task depend on it; the compiler checks
// the types:
//
//	func main() {
//		gask.Main() // serve as a worker when started as one; otherwise returns
//		ctx := context.Background()
//		cluster, err := local.New(ctx)
//		if err != nil { ... }
//		defer cluster.Close()
//		c := cluster.Client()
//
//		a := Inc.Submit(c, gask.V(1))     // *gask.Future[int]
//		b := Add.Submit(c, a, gask.V(10)) // runs when a is done
//		v, err := b.Result(ctx)           // 12
//
//		vs, err := gask.Gather(ctx, Inc.Map(c, []int{1, 2, 3})) // [2 3 4]
//		for f, err := range gask.AsCompleted(ctx, Inc.Map(c, []int{4, 5})) { ... }
//	}
//
// Result waits for the task and fetches its value straight from the worker
// that holds it (a small value, up to 1 KiB, comes with the news that the
// task finished); Gather does the same for many futures, with one request
// per worker. Wait waits for futures of any types; AsCompleted yields them
// as they finish; Progress waits drawing a progress bar (on standard error,
// redrawn in place on a terminal). Every wait takes a context. All passes a list of futures
// as one slice argument:
//
//	total := Sum.Submit(c, gask.All(parts...)) // Sum takes a []int
//
// A value stays on the cluster while a future holds it: Release drops the
// hold (and so does the garbage collector, for a future no longer
// referenced); Scatter puts your program's values on the workers.
//
// Keys are pure: the same function with the same arguments has the same
// key, and is computed once while some future holds it. Impure opts out;
// Key names a task yourself. Retries, Priority, Resources, Workers and After
// are the other per-task options.
//
// # Lazy graphs
//
// Delay is Submit made lazy (Dask's delayed): it returns a *Delayed[T] at
// once and runs nothing. A lazy value is an argument of other Delay calls,
// as are plain values and futures, so a whole graph is built in your
// program, typed, before any of it runs:
//
//	a := Inc.Delay(gask.V(1))         // *gask.Delayed[int]
//	b := Add.Delay(a, gask.V(10))     // depends on a
//	v, err := gask.Compute(ctx, c, b) // 12
//	f := gask.Persist(c, b)           // or keep it on the cluster: a *Future[int]
//
// Compute sends the graph to the scheduler in one message and returns the
// value; ComputeAll takes many values of one type, ComputeMany values of
// different types (each Into a typed variable), PersistAll many futures.
// On the way the graph is culled to what the outputs need, linear chains
// are fused into one task each (NoFusion turns that off), and tasks are
// ordered depth-first, so that a reduction holds few intermediate results
// at once; intermediate results are freed as soon as their dependents are
// done. Keys are those Submit would give the same tasks, so a graph whose
// results are held is not computed again. TreeReduce combines many lazy
// values in a tree of tasks with a chosen fan-in. Summary (or a lazy
// value's String) describes a graph in one line; Visualize writes it for
// Graphviz and VisualizeFile draws it; GraphOf and Optimize hand it to
// package graph's tools.
//
// Submit and Map take futures, not lazy values: Persist a lazy value to
// pass it to them.
//
// # Releasing results
//
// A value stays on the cluster while a future holds its key. Release a
// future when you no longer need its value; futures that become garbage
// are released too, as a safety net. Cancel stops a task that nobody else
// needs. Close the Client (a local cluster's Close does it) to release
// everything.
//
// # Errors
//
// A failed task's future returns a *TaskError: the remote message, the key
// of the task that failed first (a dependency, maybe), a Kind ("task",
// "panic", "command", ...) and, for panics, the remote stack. A panic in a
// task fails the task, never the worker. Tasks that depend on a failed task
// fail with its error. errors.Is tells the sentinel errors apart:
// ErrNoWorker (no connected worker can run the function: its program does
// not register it), ErrKilledWorker (workers kept dying while running it),
// ErrCancelled, ErrSchedulerLost and ErrClientClosed.
//
// # Commands
//
// Exec is a built-in task that runs a command (a Cmd: arguments, extra
// environment, a working directory) and returns a CmdResult with its exit
// status and output. Its second argument is the command's standard input,
// so a []byte future can feed it, and a Go task taking a CmdResult can
// consume its output. A non-zero exit fails the task with a "command" error.
//
// # Workers and Main
//
// Workers run the functions of their own program. Call Main first thing in
// main: when the program is started as `prog worker <scheduler-address>`
// (by a local cluster with local.Processes, by a batch job, or by hand) it
// serves as a worker and never returns; otherwise it returns at once. The
// `gask worker` command is a generic worker that runs only the built-in
// command tasks. When workers are connected but none of them registers a
// task's function, the task fails at once with ErrNoWorker and a message
// that says what to start; with no workers at all, tasks wait for one.
//
// Package cluster/local runs a scheduler and workers in this process or as
// child processes. Connect reaches a scheduler started with `gask scheduler`.
// Client.RetireWorkers removes workers without losing their results: the
// values only they hold move to the other workers first (a local cluster's
// Scale retires the workers it removes).
//
// The caller's duties: register functions in package-level variables; call
// Main at the start of main; pass contexts that end; Close what you start
// (clusters, clients) and Release futures whose values you are done with.
package gask

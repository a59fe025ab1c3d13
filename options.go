package gask

// Option sets a per-task option for Submit and Map.
type Option func(*taskOptions)

type taskOptions struct {
	key       string
	impure    bool
	retries   int
	priority  int64
	resources map[string]float64
	workers   []string
	loose     bool
	after     []AnyFuture
}

func collect(opts []Option) taskOptions {
	if len(opts) == 0 {
		return taskOptions{} // o below escapes to the options: no allocation without them
	}
	o := new(taskOptions)
	for _, opt := range opts {
		opt(o)
	}
	return *o
}

// Key gives the task an explicit key instead of one derived from its
// function and arguments. With Map, the i-th task gets key-i.
func Key(key string) Option { return func(o *taskOptions) { o.key = key } }

// Impure marks the task as one that must run again even with the same
// function and arguments (random numbers, the time, side effects). By
// default tasks are pure: the same function with the same arguments has the
// same key and is computed once while its result is held.
func Impure() Option { return func(o *taskOptions) { o.impure = true } }

// Retries lets a failing task run again up to n more times.
func Retries(n int) Option { return func(o *taskOptions) { o.retries = n } }

// Priority orders ready tasks: higher runs first (default 0).
func Priority(p int) Option { return func(o *taskOptions) { o.priority = int64(p) } }

// Resources says what the task consumes while it runs, e.g.
// Resources(map[string]float64{"GPU": 1}); it runs only on workers started
// with at least that much of each, and no more of them run on a worker at
// once than its amounts allow.
func Resources(r map[string]float64) Option { return func(o *taskOptions) { o.resources = r } }

// Workers restricts the task to workers with these names or addresses.
func Workers(names ...string) Option { return func(o *taskOptions) { o.workers = names } }

// AllowOtherWorkers makes Workers a preference instead of a restriction.
func AllowOtherWorkers() Option { return func(o *taskOptions) { o.loose = true } }

// After makes the task wait for these futures without taking their values.
func After(futs ...AnyFuture) Option {
	return func(o *taskOptions) { o.after = append(o.after, futs...) }
}

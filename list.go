package gask

import "fmt"

// All makes a list of futures one argument: the task receives their values
// as a []T, in order, as Dask's submit takes a list of futures:
//
//	total := Sum.Submit(c, gask.All(parts...)) // Sum takes a []int
//
// The task waits for all of them; the worker fetches the values it does not
// hold. The futures must belong to the client the task is submitted to. All
// is for Submit and Map; in a lazy graph, combine values with TreeReduce.
func All[T any](futs ...*Future[T]) Arg[[]T] {
	sts := make([]*futureState, len(futs))
	for i, f := range futs {
		sts[i] = f.st
	}
	return futureList[T]{sts}
}

// futureList is All's argument.
type futureList[T any] struct{ sts []*futureState }

// listArg is an argument that is a list of dependencies.
type listArg interface{ states() []*futureState }

func (l futureList[T]) states() []*futureState { return l.sts }

// argument is reached only through Delay, which cannot take a list yet.
func (l futureList[T]) argument() (*futureState, []byte, error) {
	return nil, nil, fmt.Errorf("gask.All is an argument for Submit and Map, not for Delay: combine lazy values with TreeReduce")
}

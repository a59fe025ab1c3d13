package gask

import (
	"context"
	"fmt"
	"reflect"

	"github.com/gask-dev/gask/codec"
	"github.com/gask-dev/gask/internal/registry"
)

// Arg is an argument of type T to a task: either a plain value, made with
// V, or a *Future[T] whose result becomes the argument. The compiler checks
// that a future's type matches the parameter it is passed to.
type Arg[T any] interface {
	argument() (dep *futureState, value []byte, err error)
}

type value[T any] struct{ v T }

// V makes a plain value an argument.
func V[T any](v T) Arg[T] { return value[T]{v} }

func (v value[T]) argument() (*futureState, []byte, error) {
	b, err := codec.Marshal(v.v)
	return nil, b, err
}

// Vs makes each element of a slice an argument.
func Vs[T any](vs []T) []Arg[T] {
	out := make([]Arg[T], len(vs))
	for i, v := range vs {
		out[i] = value[T]{v}
	}
	return out
}

func register(name string, fn any, args []*codec.Codec, result *codec.Codec, call func(context.Context, []any) (any, error)) *registry.Func {
	f := &registry.Func{Name: name, Signature: reflect.TypeOf(fn).String(), Args: args, Result: result, Call: call}
	if err := registry.Register(f); err != nil {
		// Two functions under one name is a bug in the program, found when
		// it starts: the package-level variables are initialised.
		panic(err)
	}
	return f
}

// Fn0 is a registered function of no arguments, returning R.
type Fn0[R any] struct {
	f  *registry.Func
	fn func(context.Context) (R, error)
}

// Fn1 is a registered function of one argument, returning R.
type Fn1[A, R any] struct {
	f  *registry.Func
	fn func(context.Context, A) (R, error)
}

// Fn2 is a registered function of two arguments, returning R.
type Fn2[A, B, R any] struct {
	f  *registry.Func
	fn func(context.Context, A, B) (R, error)
}

// Fn3 is a registered function of three arguments, returning R.
type Fn3[A, B, C, R any] struct {
	f  *registry.Func
	fn func(context.Context, A, B, C) (R, error)
}

// Func0 registers fn under name. Call it in a package-level variable
// declaration so that every process of the program registers the same
// functions:
//
//	var Hostname = gask.Func0("hostname", func(ctx context.Context) (string, error) { return os.Hostname() })
func Func0[R any](name string, fn func(context.Context) (R, error)) *Fn0[R] {
	f := register(name, fn, nil, codec.For[R](), func(ctx context.Context, _ []any) (any, error) {
		return fn(ctx)
	})
	return &Fn0[R]{f, fn}
}

// Func registers a function of one argument under name. Call it in a
// package-level variable declaration:
//
//	var Inc = gask.Func("inc", func(ctx context.Context, x int) (int, error) { return x + 1, nil })
//
// Names must be unique in a program; registering one twice panics when the
// program starts.
func Func[A, R any](name string, fn func(context.Context, A) (R, error)) *Fn1[A, R] {
	f := register(name, fn, []*codec.Codec{codec.For[A]()}, codec.For[R](), func(ctx context.Context, a []any) (any, error) {
		return fn(ctx, a[0].(A))
	})
	return &Fn1[A, R]{f, fn}
}

// Func2 registers a function of two arguments under name.
func Func2[A, B, R any](name string, fn func(context.Context, A, B) (R, error)) *Fn2[A, B, R] {
	f := register(name, fn, []*codec.Codec{codec.For[A](), codec.For[B]()}, codec.For[R](), func(ctx context.Context, a []any) (any, error) {
		return fn(ctx, a[0].(A), a[1].(B))
	})
	return &Fn2[A, B, R]{f, fn}
}

// Func3 registers a function of three arguments under name.
func Func3[A, B, C, R any](name string, fn func(context.Context, A, B, C) (R, error)) *Fn3[A, B, C, R] {
	f := register(name, fn, []*codec.Codec{codec.For[A](), codec.For[B](), codec.For[C]()}, codec.For[R](), func(ctx context.Context, a []any) (any, error) {
		return fn(ctx, a[0].(A), a[1].(B), a[2].(C))
	})
	return &Fn3[A, B, C, R]{f, fn}
}

// Name is the name the function was registered under.
func (f *Fn0[R]) Name() string { return f.f.Name }

// Name is the name the function was registered under.
func (f *Fn1[A, R]) Name() string { return f.f.Name }

// Name is the name the function was registered under.
func (f *Fn2[A, B, R]) Name() string { return f.f.Name }

// Name is the name the function was registered under.
func (f *Fn3[A, B, C, R]) Name() string { return f.f.Name }

// Call runs the function here, in this process, as a worker would.
func (f *Fn1[A, R]) Call(ctx context.Context, a A) (R, error) { return f.fn(ctx, a) }

// Call runs the function here, in this process, as a worker would.
func (f *Fn2[A, B, R]) Call(ctx context.Context, a A, b B) (R, error) { return f.fn(ctx, a, b) }

// Submit runs the function on the cluster.
func (f *Fn0[R]) Submit(c *Client, opts ...Option) *Future[R] {
	return submitTyped[R](c, f.f, nil, opts)
}

// Submit runs the function on the cluster with argument a: a value (V(x))
// or a future.
func (f *Fn1[A, R]) Submit(c *Client, a Arg[A], opts ...Option) *Future[R] {
	return submitTyped[R](c, f.f, []argument{a}, opts)
}

// Submit runs the function on the cluster.
func (f *Fn2[A, B, R]) Submit(c *Client, a Arg[A], b Arg[B], opts ...Option) *Future[R] {
	return submitTyped[R](c, f.f, []argument{a, b}, opts)
}

// Submit runs the function on the cluster.
func (f *Fn3[A, B, C, R]) Submit(c *Client, a Arg[A], b Arg[B], cc Arg[C], opts ...Option) *Future[R] {
	return submitTyped[R](c, f.f, []argument{a, b, cc}, opts)
}

// Map submits one task per element of as, in one message to the scheduler.
func (f *Fn1[A, R]) Map(c *Client, as []A, opts ...Option) []*Future[R] {
	return f.MapArgs(c, Vs(as), opts...)
}

// MapArgs is Map over arguments that may be futures.
func (f *Fn1[A, R]) MapArgs(c *Client, as []Arg[A], opts ...Option) []*Future[R] {
	args := make([][]argument, len(as))
	flat := make([]argument, len(as)) // one allocation for all the argument lists
	for i, a := range as {
		flat[i] = a
		args[i] = flat[i : i+1 : i+1]
	}
	return mapTyped[R](c, f.f, args, opts, true)
}

// Map submits one task per pair as[i], bs[i]; the slices must have the same
// length (the futures of a mismatched Map fail with an error saying so).
func (f *Fn2[A, B, R]) Map(c *Client, as []A, bs []B, opts ...Option) []*Future[R] {
	return f.MapArgs(c, Vs(as), Vs(bs), opts...)
}

// MapArgs is Map over arguments that may be futures.
func (f *Fn2[A, B, R]) MapArgs(c *Client, as []Arg[A], bs []Arg[B], opts ...Option) []*Future[R] {
	if len(as) != len(bs) {
		return failedFutures[R](c, f.f.Name, max(len(as), len(bs)), fmt.Errorf("gask: %s.Map: %d first arguments but %d second ones", f.f.Name, len(as), len(bs)))
	}
	args := make([][]argument, len(as))
	for i := range as {
		args[i] = []argument{as[i], bs[i]}
	}
	return mapTyped[R](c, f.f, args, opts, true)
}

// Map submits one task per triple as[i], bs[i], cs[i]; the slices must
// have the same length.
func (f *Fn3[A, B, C, R]) Map(c *Client, as []A, bs []B, cs []C, opts ...Option) []*Future[R] {
	return f.MapArgs(c, Vs(as), Vs(bs), Vs(cs), opts...)
}

// MapArgs is Map over arguments that may be futures.
func (f *Fn3[A, B, C, R]) MapArgs(c *Client, as []Arg[A], bs []Arg[B], cs []Arg[C], opts ...Option) []*Future[R] {
	if len(as) != len(bs) || len(as) != len(cs) {
		return failedFutures[R](c, f.f.Name, max(len(as), len(bs), len(cs)), fmt.Errorf("gask: %s.Map: argument lists of lengths %d, %d, %d", f.f.Name, len(as), len(bs), len(cs)))
	}
	args := make([][]argument, len(as))
	for i := range as {
		args[i] = []argument{as[i], bs[i], cs[i]}
	}
	return mapTyped[R](c, f.f, args, opts, true)
}

// argument is any Arg[T].
type argument interface {
	argument() (*futureState, []byte, error)
}

package gask

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/gask-dev/gask/codec"
	"github.com/gask-dev/gask/internal/registry"
	"github.com/gask-dev/gask/wire"
)

// A fused task runs a chain of registered functions as one task, on one
// worker, in one goroutine: the linear chains that Compute fuses, and the
// nodes of a TreeReduce with a fan-in above 2. It is an ordinary task of a
// built-in function, gask.fused.N, registered in every program like
// gask.exec, so workers and the wire need nothing new.
//
// gask.fused.N takes N+1 arguments: the chain (below), inline, and the
// values of its N dependencies. It declares every argument a []byte, so a
// worker hands it the dependencies' values encoded, and each step decodes
// the ones it takes with its own function's codecs. Its result is the last
// step's value encoded with that function's codec, which is exactly what a
// dependent task or a client decodes, so a fused task's value is
// interchangeable with the unfused one's. (The cost: a dependent on the
// same worker decodes it, where an unfused result would be handed over.)
//
// The chain, as appendChain writes it:
//
//	version  byte (1)
//	nsteps   uvarint (≥ 1)
//	per step:
//	  function identity  uvarint length + bytes
//	  key                uvarint length + bytes (for error messages; may be empty)
//	  nargs              uvarint
//	  per argument: one tag byte, then
//	    0 inline value   uvarint length + bytes
//	    1 step result    uvarint index of an earlier step
//	    2 dependency     uvarint index among the task's dependencies
//
// Every step's result but the last is dropped after its last use, so a
// long chain holds no more than an unfused one would.

// maxFusedDeps is the most dependencies a fused task may have: one
// gask.fused.N is registered for each N up to it.
const maxFusedDeps = 16

const chainVersion = 1

// Argument sources in a chain step.
const (
	argInline = 0
	argStep   = 1
	argDep    = 2
)

// errBadChain is wrapped by every chain-decoding error.
var errBadChain = errors.New("gask: malformed fused chain")

type chainStep struct {
	fn   string // function identity
	key  string // the task this step was, if it was one
	args []stepArg
}

type stepArg struct {
	kind  byte
	index int    // argStep: the step; argDep: the dependency
	value []byte // argInline
}

// fusedFuncs[n] is gask.fused.n.
var fusedFuncs = registerFused()

func registerFused() []*registry.Func {
	bytesCodec := codec.For[[]byte]()
	fs := make([]*registry.Func, maxFusedDeps+1)
	for n := range fs {
		args := make([]*codec.Codec, n+1)
		for i := range args {
			args[i] = bytesCodec
		}
		f := &registry.Func{
			Name:      fmt.Sprintf("gask.fused.%d", n),
			Signature: fmt.Sprintf("func(context.Context, chain []byte, deps [%d][]byte) ([]byte, error)", n),
			Args:      args,
			Result:    bytesCodec,
			Call:      runFused,
		}
		if err := registry.Register(f); err != nil {
			panic(err) // a program error found at start, as in register
		}
		fs[n] = f
	}
	return fs
}

// isFusedID reports whether id is one of the gask.fused functions.
func isFusedID(id string) bool {
	if !strings.HasPrefix(id, "gask.fused.") {
		return false
	}
	for _, f := range fusedFuncs {
		if f.ID == id {
			return true
		}
	}
	return false
}

func appendChain(b []byte, steps []chainStep) []byte {
	b = append(b, chainVersion)
	b = binary.AppendUvarint(b, uint64(len(steps)))
	for _, s := range steps {
		b = appendBytes(b, []byte(s.fn))
		b = appendBytes(b, []byte(s.key))
		b = binary.AppendUvarint(b, uint64(len(s.args)))
		for _, a := range s.args {
			b = append(b, a.kind)
			if a.kind == argInline {
				b = appendBytes(b, a.value)
			} else {
				b = binary.AppendUvarint(b, uint64(a.index))
			}
		}
	}
	return b
}

func appendBytes(b, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

// chainDecoder reads a chain; the first error sticks.
type chainDecoder struct {
	b   []byte
	err error
}

func (d *chainDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{errBadChain}, args...)...)
	}
}

func (d *chainDecoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint for %s", what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *chainDecoder) bytes(what string) []byte {
	n := d.uvarint(what)
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("%s of %d bytes, %d left", what, n, len(d.b))
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *chainDecoder) byte(what string) byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("truncated at %s", what)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// decodeChain decodes what appendChain wrote, for a task with nDeps
// dependencies. It checks every index; it never panics. Inline values
// alias b.
func decodeChain(b []byte, nDeps int) ([]chainStep, error) {
	d := &chainDecoder{b: b}
	if v := d.byte("version"); d.err == nil && v != chainVersion {
		d.fail("version %d, want %d", v, chainVersion)
	}
	n := d.uvarint("step count")
	if d.err == nil && (n == 0 || n > uint64(len(d.b))) {
		d.fail("%d steps in %d bytes", n, len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	steps := make([]chainStep, n)
	for i := range steps {
		s := &steps[i]
		s.fn = string(d.bytes("function"))
		s.key = string(d.bytes("key"))
		nargs := d.uvarint("argument count")
		if d.err == nil && nargs > uint64(len(d.b)) {
			d.fail("step %d: %d arguments in %d bytes", i+1, nargs, len(d.b))
		}
		if d.err != nil {
			return nil, d.err
		}
		if s.fn == "" {
			d.fail("step %d has no function", i+1)
		}
		s.args = make([]stepArg, nargs)
		for j := range s.args {
			a := &s.args[j]
			a.kind = d.byte("argument")
			switch a.kind {
			case argInline:
				a.value = d.bytes("inline value")
			case argStep:
				v := d.uvarint("step index")
				if d.err == nil && v >= uint64(i) {
					d.fail("step %d argument %d takes step %d's result", i+1, j+1, v+1)
				}
				a.index = int(v)
			case argDep:
				v := d.uvarint("dependency index")
				if d.err == nil && v >= uint64(nDeps) {
					d.fail("step %d argument %d takes dependency %d of %d", i+1, j+1, v+1, nDeps)
				}
				a.index = int(v)
			default:
				d.fail("step %d argument %d has tag %d", i+1, j+1, a.kind)
			}
			if d.err != nil {
				return nil, d.err
			}
		}
	}
	if len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	return steps, nil
}

// runFused is gask.fused.N's body.
func runFused(ctx context.Context, args []any) (any, error) {
	chain, ok := args[0].([]byte)
	if !ok {
		return nil, fmt.Errorf("%w: chain is a %T", errBadChain, args[0])
	}
	deps := make([][]byte, len(args)-1)
	for i, a := range args[1:] {
		if deps[i], ok = a.([]byte); !ok {
			return nil, fmt.Errorf("%w: dependency %d is a %T", errBadChain, i+1, a)
		}
	}
	steps, err := decodeChain(chain, len(deps))
	if err != nil {
		return nil, err
	}
	return runChain(ctx, steps, deps)
}

// runChain runs steps in order, in this goroutine, and returns the last
// one's result encoded.
func runChain(ctx context.Context, steps []chainStep, deps [][]byte) ([]byte, error) {
	fns := make([]*registry.Func, len(steps))
	lastUse := make([]int, len(steps))
	for i, s := range steps {
		f := registry.Lookup(s.fn)
		if f == nil {
			return nil, &wire.RemoteError{Kind: wire.KindUnknownFunc, Message: fmt.Sprintf(
				"%s: function %s is not registered in this worker's program: start workers from the program that registers it, or compute with gask.NoFusion()",
				stepName(steps, i, s.fn), s.fn)}
		}
		if len(s.args) != len(f.Args) {
			return nil, fmt.Errorf("%w: %s takes %d arguments, the step has %d", errBadChain, stepName(steps, i, f.Name), len(f.Args), len(s.args))
		}
		for j, a := range s.args {
			if a.kind != argStep {
				continue
			}
			lastUse[a.index] = i
			if got, want := fns[a.index].Result.Type(), f.Args[j].Type(); got != want {
				return nil, fmt.Errorf("%w: %s argument %d is a %v, step %d returns %v", errBadChain, stepName(steps, i, f.Name), j+1, want, a.index+1, got)
			}
		}
		fns[i] = f
	}
	results := make([]any, len(steps))
	for i, s := range steps {
		f := fns[i]
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		in := make([]any, len(s.args))
		for j, a := range s.args {
			var err error
			switch a.kind {
			case argInline:
				in[j], err = f.Args[j].Decode(a.value)
			case argStep:
				in[j] = results[a.index]
			case argDep:
				in[j], err = f.Args[j].Decode(deps[a.index])
			}
			if err != nil {
				return nil, fmt.Errorf("%s: argument %d: %w", stepName(steps, i, f.Name), j+1, err)
			}
		}
		v, err := callStep(ctx, f, in)
		if err != nil {
			return nil, stepError(stepName(steps, i, f.Name), err)
		}
		results[i] = v
		for j := range i {
			if lastUse[j] == i {
				results[j] = nil
			}
		}
	}
	last := len(steps) - 1
	b, err := fns[last].Result.Encode(results[last])
	if err != nil {
		return nil, fmt.Errorf("%s: encode result: %w", stepName(steps, last, fns[last].Name), err)
	}
	return b, nil
}

// stepName names step i for error messages: its function, its place in
// the chain and, if it was a task of its own, its key.
func stepName(steps []chainStep, i int, fn string) string {
	if steps[i].key != "" {
		return fmt.Sprintf("%s (step %d of %d of a fused task, key %s)", fn, i+1, len(steps), steps[i].key)
	}
	return fmt.Sprintf("%s (step %d of %d of a fused task)", fn, i+1, len(steps))
}

// callStep calls f, turning a panic into an error like the worker does.
func callStep(ctx context.Context, f *registry.Func, in []any) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &wire.RemoteError{Kind: wire.KindPanic, Message: fmt.Sprintf("panicked: %v", r), Stack: string(debug.Stack())}
		}
	}()
	return f.Call(ctx, in)
}

// stepError prefixes a step's error with its name, keeping its kind: the
// kind of an error that crossed a process (or a panic) is in its
// RemoteError; an ErrorKind method survives the wrapping.
func stepError(name string, err error) error {
	var re *wire.RemoteError
	if errors.As(err, &re) {
		return &wire.RemoteError{Kind: re.Kind, Key: re.Key, Message: name + ": " + re.Message, Stack: re.Stack}
	}
	return fmt.Errorf("%s: %w", name, err)
}

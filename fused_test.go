package gask

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/gask-dev/gask/codec"
	"github.com/gask-dev/gask/wire"
)

// Functions for the in-package tests of fused chains, run here without a
// cluster. Names are unique in the test binary, which links gask_test too.
var (
	chainDouble = Func("gask-internal.double", func(ctx context.Context, x int) (int, error) { return 2 * x, nil })
	chainSub    = Func2("gask-internal.sub", func(ctx context.Context, a, b int) (int, error) { return a - b, nil })
	chainShow   = Func("gask-internal.show", func(ctx context.Context, x int) (string, error) { return fmt.Sprint(x), nil })
	chainFail   = Func("gask-internal.fail", func(ctx context.Context, x int) (int, error) { return 0, fmt.Errorf("no %d", x) })
	chainPanic  = Func("gask-internal.panic", func(ctx context.Context, x int) (int, error) { panic("boom") })
	chainCmd    = Func("gask-internal.cmd", func(ctx context.Context, x int) (int, error) {
		return 0, &CommandError{Args: []string{"false"}, ExitCode: 1}
	})
)

func inline[T any](t *testing.T, v T) stepArg {
	t.Helper()
	b, err := codec.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return stepArg{kind: argInline, value: b}
}

func encoded[T any](t *testing.T, v T) []byte {
	t.Helper()
	b, err := codec.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestChainRoundTrip(t *testing.T) {
	steps := []chainStep{
		{fn: chainSub.f.ID, key: "sub-1", args: []stepArg{{kind: argDep, index: 1}, inline(t, 5)}},
		{fn: chainDouble.f.ID, args: []stepArg{{kind: argStep, index: 0}}},
		{fn: chainSub.f.ID, key: "sub-3", args: []stepArg{{kind: argStep, index: 1}, {kind: argStep, index: 0}}},
	}
	b := appendChain(nil, steps)
	got, err := decodeChain(b, 2)
	if err != nil {
		t.Fatalf("decodeChain(appendChain(steps)) = %v", err)
	}
	if !reflect.DeepEqual(got, steps) {
		t.Errorf("decodeChain(appendChain(steps)) = %+v, want %+v", got, steps)
	}
	if _, err := decodeChain(b, 1); !errors.Is(err, errBadChain) {
		t.Errorf("decodeChain with 1 dependency, the chain takes the second: err = %v, want errBadChain", err)
	}
}

func TestDecodeChainRejects(t *testing.T) {
	good := appendChain(nil, []chainStep{{fn: "f@1", args: []stepArg{{kind: argDep}}}})
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"wrong version", append([]byte{9}, good[1:]...)},
		{"no steps", []byte{chainVersion, 0}},
		{"huge step count", []byte{chainVersion, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"truncated", good[:len(good)-1]},
		{"trailing bytes", append(append([]byte(nil), good...), 0)},
		{"no function", appendChain(nil, []chainStep{{fn: ""}})},
		{"a step taking itself", appendChain(nil, []chainStep{{fn: "f@1", args: []stepArg{{kind: argStep, index: 0}}}})},
		{"a step taking a later one", appendChain(nil, []chainStep{
			{fn: "f@1", args: []stepArg{{kind: argStep, index: 1}}}, {fn: "f@1"}})},
		{"an unknown tag", appendChain(nil, []chainStep{{fn: "f@1", args: []stepArg{{kind: 7}}}})},
		{"a dependency out of range", appendChain(nil, []chainStep{{fn: "f@1", args: []stepArg{{kind: argDep, index: 1}}}})},
		{"a huge argument count", []byte{chainVersion, 1, 3, 'f', '@', '1', 0, 0xff, 0xff, 0x03}},
		{"an inline value past the end", []byte{chainVersion, 1, 3, 'f', '@', '1', 0, 1, argInline, 9, 1}},
	} {
		if steps, err := decodeChain(tc.b, 1); !errors.Is(err, errBadChain) {
			t.Errorf("%s: decodeChain = %+v, %v; want errBadChain", tc.name, steps, err)
		}
	}
}

func FuzzDecodeChain(f *testing.F) {
	f.Add(appendChain(nil, []chainStep{
		{fn: "inc@1", key: "inc-1", args: []stepArg{{kind: argDep, index: 0}, {kind: argInline, value: []byte("xy")}}},
		{fn: "add@2", args: []stepArg{{kind: argStep, index: 0}, {kind: argDep, index: 1}}},
	}), 2)
	f.Add([]byte{chainVersion, 1, 1, 'f', 0, 0}, 0)
	f.Fuzz(func(t *testing.T, b []byte, nDeps int) {
		if nDeps < 0 || nDeps > maxFusedDeps {
			return
		}
		steps, err := decodeChain(b, nDeps)
		if err != nil {
			if !errors.Is(err, errBadChain) {
				t.Fatalf("error %v is not errBadChain", err)
			}
			return
		}
		again, err := decodeChain(appendChain(nil, steps), nDeps)
		if err != nil || !reflect.DeepEqual(again, steps) {
			t.Fatalf("re-decode = %+v, %v; want %+v", again, err, steps)
		}
	})
}

func TestRunChain(t *testing.T) {
	ctx := context.Background()
	// show(sub(double(dep0), dep1)): (2·10 - 3) = "17".
	steps := []chainStep{
		{fn: chainDouble.f.ID, args: []stepArg{{kind: argDep, index: 0}}},
		{fn: chainSub.f.ID, args: []stepArg{{kind: argStep, index: 0}, {kind: argDep, index: 1}}},
		{fn: chainShow.f.ID, args: []stepArg{{kind: argStep, index: 1}}},
	}
	b, err := runChain(ctx, steps, [][]byte{encoded(t, 10), encoded(t, 3)})
	if err != nil {
		t.Fatalf("runChain = %v", err)
	}
	if got, err := codec.Unmarshal[string](b); err != nil || got != "17" {
		t.Errorf("runChain result = %q, %v; want \"17\" encoded as a string", got, err)
	}
	// Through the registered function, as a worker calls it.
	v, err := fusedFuncs[2].Call(ctx, []any{appendChain(nil, steps), encoded(t, 1), encoded(t, 5)})
	if err != nil {
		t.Fatalf("gask.fused.2 = %v", err)
	}
	if got, _ := codec.Unmarshal[string](v.([]byte)); got != "-3" {
		t.Errorf("gask.fused.2(show(sub(double(1), 5))) = %q, want \"-3\"", got)
	}
	if _, err := fusedFuncs[0].Call(ctx, []any{[]byte("junk")}); !errors.Is(err, errBadChain) {
		t.Errorf("gask.fused.0(junk) = %v, want errBadChain", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := runChain(cancelled, steps, [][]byte{encoded(t, 1), encoded(t, 1)}); !errors.Is(err, context.Canceled) {
		t.Errorf("runChain with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestRunChainErrors(t *testing.T) {
	ctx := context.Background()
	one := [][]byte{encoded(t, 1)}
	for _, tc := range []struct {
		name  string
		steps []chainStep
		check func(t *testing.T, err error)
	}{
		{"a step's error names its function and key", []chainStep{
			{fn: chainDouble.f.ID, key: "double-1", args: []stepArg{{kind: argDep}}},
			{fn: chainFail.f.ID, key: "fail-2", args: []stepArg{{kind: argStep}}},
			{fn: chainDouble.f.ID, args: []stepArg{{kind: argStep, index: 1}}},
		}, func(t *testing.T, err error) {
			for _, want := range []string{"gask-internal.fail", "step 2 of 3", "fail-2", "no 2"} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v does not contain %q", err, want)
				}
			}
		}},
		{"a panic keeps its kind and stack", []chainStep{
			{fn: chainPanic.f.ID, args: []stepArg{{kind: argDep}}},
		}, func(t *testing.T, err error) {
			var re *wire.RemoteError
			if !errors.As(err, &re) || re.Kind != wire.KindPanic || !strings.Contains(re.Message, "gask-internal.panic") ||
				!strings.Contains(re.Message, "boom") || re.Stack == "" {
				t.Errorf("error = %#v, want a panic naming gask-internal.panic with a stack", err)
			}
		}},
		{"an error kind survives", []chainStep{
			{fn: chainCmd.f.ID, args: []stepArg{{kind: argDep}}},
		}, func(t *testing.T, err error) {
			var k interface{ ErrorKind() string }
			if !errors.As(err, &k) || k.ErrorKind() != wire.KindCommand || !strings.Contains(err.Error(), "gask-internal.cmd") {
				t.Errorf("error = %v, want a command error naming gask-internal.cmd", err)
			}
		}},
		{"an unknown function", []chainStep{
			{fn: "nowhere@123", args: []stepArg{{kind: argDep}}},
		}, func(t *testing.T, err error) {
			var re *wire.RemoteError
			if !errors.As(err, &re) || re.Kind != wire.KindUnknownFunc || !strings.Contains(re.Message, "nowhere@123") {
				t.Errorf("error = %v, want unknown-function naming nowhere@123", err)
			}
		}},
		{"a wrong argument count", []chainStep{
			{fn: chainSub.f.ID, args: []stepArg{{kind: argDep}}},
		}, func(t *testing.T, err error) {
			if !errors.Is(err, errBadChain) || !strings.Contains(err.Error(), "takes 2 arguments") {
				t.Errorf("error = %v, want errBadChain about the argument count", err)
			}
		}},
		{"a step result of the wrong type", []chainStep{
			{fn: chainShow.f.ID, args: []stepArg{{kind: argDep}}},
			{fn: chainDouble.f.ID, args: []stepArg{{kind: argStep}}},
		}, func(t *testing.T, err error) {
			if !errors.Is(err, errBadChain) || !strings.Contains(err.Error(), "string") {
				t.Errorf("error = %v, want errBadChain about the types", err)
			}
		}},
		{"an undecodable value", []chainStep{
			{fn: chainDouble.f.ID, args: []stepArg{{kind: argInline, value: []byte{1, 2, 3}}}},
		}, func(t *testing.T, err error) {
			if !errors.Is(err, codec.ErrDecode) || !strings.Contains(err.Error(), "gask-internal.double") {
				t.Errorf("error = %v, want a decode error naming the function", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runChain(ctx, tc.steps, one)
			tc.check(t, err)
		})
	}
}

func TestFusedName(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"inc"}, "inc"},
		{[]string{"inc", "inc", "inc"}, "inc×3"},
		{[]string{"load", "inc", "inc", "add"}, "load+inc×2+add"},
	} {
		if got := fusedName(tc.in); got != tc.want {
			t.Errorf("fusedName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

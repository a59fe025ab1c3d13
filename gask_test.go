package gask_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask"
)

// raceEnabled is set when the tests run under the race detector.
var raceEnabled bool

func pattern(i, mib int) []byte {
	b := make([]byte, mib<<20)
	for j := range b {
		b[j] = byte(i + j/4096)
	}
	return b
}

func byteSum(b []byte) int {
	n := 0
	for _, x := range b {
		n += int(x)
	}
	return n
}

// TestMain lets the test binary serve as a worker: local.Processes
// re-executes it as `gask.test worker <addr> ...`, and gask.Main must run
// before the testing package parses flags.
func TestMain(m *testing.M) {
	gask.Main()
	goleak.VerifyTestMain(m)
}

// Functions the tests run on the cluster. They are package-level so that
// every process of the test binary registers the same ones.
var (
	Inc = gask.Func("test.inc", func(ctx context.Context, x int) (int, error) { return x + 1, nil })
	Add = gask.Func2("test.add", func(ctx context.Context, a, b int) (int, error) { return a + b, nil })
	// Hog touches mib MiB of fresh memory and holds it until ctx ends.
	Hog = gask.Func("test.hog", func(ctx context.Context, mib int) (int, error) {
		b := make([]byte, mib<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		<-ctx.Done()
		return len(b), nil
	})
	Fma = gask.Func3("test.fma", func(ctx context.Context, a, b, c float64) (float64, error) { return a*b + c, nil })
	Sum = gask.Func("test.sum", func(ctx context.Context, xs []int) (int, error) {
		n := 0
		for _, x := range xs {
			n += x
		}
		return n, nil
	})
	Nothing = gask.Func0("test.nothing", func(ctx context.Context) (int, error) { return 42, nil })
	// Pattern makes mib MiB whose byte j is byte(i + j/4096).
	Pattern = gask.Func2("test.pattern", func(ctx context.Context, i, mib int) ([]byte, error) {
		return pattern(i, mib), nil
	})
	// ByteSum adds up the bytes of b.
	ByteSum = gask.Func("test.bytesum", func(ctx context.Context, b []byte) (int, error) { return byteSum(b), nil })
	Pid     = gask.Func0("test.pid", func(ctx context.Context) (int, error) { return os.Getpid(), nil })
	// GCPercent is the worker process's GOGC, as its memory monitor set it.
	GCPercent = gask.Func0("test.gcpercent", func(ctx context.Context) (int, error) {
		pct := debug.SetGCPercent(100)
		debug.SetGCPercent(pct)
		return pct, nil
	})

	// Block runs until its context ends or it has run for d.
	Block = gask.Func("test.block", func(ctx context.Context, d time.Duration) (string, error) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			blockCancelled.Add(1)
			return "", ctx.Err()
		case <-t.C:
			return "done", nil
		}
	})

	Fail = gask.Func("test.fail", func(ctx context.Context, msg string) (int, error) {
		return 0, fmt.Errorf("failing on purpose: %s", msg)
	})
	Panic = gask.Func("test.panic", func(ctx context.Context, msg string) (int, error) {
		panic("panicking on purpose: " + msg)
	})

	// Flaky fails the first two times it runs with a given counter file.
	Flaky = gask.Func("test.flaky", func(ctx context.Context, path string) (int, error) {
		b, _ := os.ReadFile(path)
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		n++
		if err := os.WriteFile(path, []byte(strconv.Itoa(n)), 0o644); err != nil {
			return 0, err
		}
		if n <= 2 {
			return 0, fmt.Errorf("flaky failure %d", n)
		}
		return n, nil
	})

	// Suicide kills its own process.
	Suicide = gask.Func("test.suicide", func(ctx context.Context, s string) (int, error) {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		<-ctx.Done()
		return 0, ctx.Err()
	})

	// Lines makes n lines, counting down, as a command's input.
	Lines = gask.Func("test.lines", func(ctx context.Context, n int) ([]byte, error) {
		var b strings.Builder
		for i := n; i > 0; i-- {
			fmt.Fprintf(&b, "line%03d\n", i)
		}
		return []byte(b.String()), nil
	})
	// Stdout consumes a command's result.
	Stdout = gask.Func("test.stdout", func(ctx context.Context, r gask.CmdResult) (string, error) {
		return fmt.Sprintf("exit=%d lines=%d first=%s", r.ExitCode, strings.Count(string(r.Stdout), "\n"),
			strings.SplitN(string(r.Stdout), "\n", 2)[0]), nil
	})

	// TakesPanicky takes an argument whose encoding may panic.
	TakesPanicky = gask.Func("test.takespanicky", func(ctx context.Context, p panicky) (int, error) { return 1, nil })

	// SlowInc is Inc that takes a while, for graphs that must still be
	// running when a worker is killed.
	SlowInc = gask.Func("test.slowinc", func(ctx context.Context, x int) (int, error) {
		t := time.NewTimer(20 * time.Millisecond)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-t.C:
			return x + 1, nil
		}
	})
)

// In-process only: these count or order calls in the test process, so the
// tests that use them run on goroutine workers.
var (
	blockCancelled atomic.Int64

	counted = map[string]*atomic.Int64{}
	countMu sync.Mutex
	// Counted counts its calls per tag.
	Counted = gask.Func("test.counted", func(ctx context.Context, tag string) (string, error) {
		countMu.Lock()
		n := counted[tag]
		if n == nil {
			n = new(atomic.Int64)
			counted[tag] = n
		}
		countMu.Unlock()
		n.Add(1)
		return "ran " + tag, nil
	})

	orderMu sync.Mutex
	order   []string
	gate    = make(chan struct{}) // replaced by each test that uses it; orderMu guards it
	// Gate blocks until the gate channel is closed.
	Gate = gask.Func("test.gate", func(ctx context.Context, s string) (string, error) {
		orderMu.Lock()
		gate := gate
		orderMu.Unlock()
		select {
		case <-gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		return s, nil
	})
	// Record appends its argument to order.
	Record = gask.Func("test.record", func(ctx context.Context, s string) (string, error) {
		orderMu.Lock()
		order = append(order, s)
		orderMu.Unlock()
		return s, nil
	})
)

func calls(tag string) int64 {
	countMu.Lock()
	defer countMu.Unlock()
	if n := counted[tag]; n != nil {
		return n.Load()
	}
	return 0
}

var errNotYet = errors.New("not yet")

// panicky is an argument type whose encoding panics when bad, as a
// user's MarshalBinary with a bug does.
type panicky struct{ bad bool }

func (p panicky) MarshalBinary() ([]byte, error) {
	if p.bad {
		panic("panicky: MarshalBinary")
	}
	return []byte{0}, nil
}

func (p *panicky) UnmarshalBinary(b []byte) error { p.bad = false; return nil }

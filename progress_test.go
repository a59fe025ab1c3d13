package gask_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gask-dev/gask"
)

// lines is a writer whose lines a test reads as they are written.
type lines struct {
	mu  sync.Mutex
	buf strings.Builder
	ch  chan string
}

func newLines() *lines { return &lines{ch: make(chan string, 1000)} }

func (l *lines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(b)
	for {
		s := l.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		l.ch <- s[:i]
		l.buf.Reset()
		l.buf.WriteString(s[i+1:])
	}
	return len(b), nil
}

// until reads lines until one contains want, and returns it.
func (l *lines) until(t *testing.T, ctx context.Context, want string) string {
	t.Helper()
	for {
		select {
		case line := <-l.ch:
			if strings.Contains(line, want) {
				return line
			}
		case <-ctx.Done():
			t.Fatalf("no progress line with %q", want)
		}
	}
}

// TestProgress draws the bar of futures as they finish: three of four
// done (one of them failed) while the last waits at a gate, then all.
func TestProgress(t *testing.T) {
	_, c := startCluster(t, 1)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	orderMu.Lock()
	gate = make(chan struct{})
	open := gate
	orderMu.Unlock()

	futs := []gask.AnyFuture{Inc.Submit(c, gask.V(1)), Inc.Submit(c, gask.V(2)), Fail.Submit(c, gask.V("no")), Gate.Submit(c, gask.V("x"))}
	out := newLines()
	done := make(chan error, 1)
	go func() {
		done <- gask.Progress(ctx, futs, gask.ProgressTo(out), gask.ProgressInterval(5*time.Millisecond))
	}()
	line := out.until(t, ctx, " 3/4 ")
	if !strings.Contains(line, " 75% ") || !strings.Contains(line, " 1 failed ") || !strings.Contains(line, "left") {
		t.Errorf("with three of four done, one failed: %q", line)
	}
	close(open)
	if err := <-done; err != nil {
		t.Fatalf("Progress = %v", err)
	}
	close(out.ch)
	var last string
	for l := range out.ch {
		last = l
	}
	if !strings.HasPrefix(last, "[██████████████████████████████] 100%  4/4  1 failed  ") || strings.Contains(last, "left") {
		t.Errorf("last line %q, want a full bar, 4/4 and 1 failed", last)
	}
}

func TestProgressEnds(t *testing.T) {
	_, c := startCluster(t, 1)
	orderMu.Lock()
	gate = make(chan struct{})
	open := gate
	orderMu.Unlock()
	defer close(open)

	ctx, cancel := context.WithCancel(t.Context())
	out := newLines()
	done := make(chan error, 1)
	futs := Gate.Map(c, []string{"a", "b"})
	go func() { done <- gask.Progress(ctx, futs, gask.ProgressTo(out)) }()
	out.until(t, t.Context(), " 0/2 ")
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Progress after its context ended = %v, want context.Canceled", err)
	}
	if line := out.until(t, t.Context(), " 0/2 "); !strings.Contains(line, "  0% ") {
		t.Errorf("last line %q", line)
	}

	empty := newLines()
	if err := gask.Progress(t.Context(), []*gask.Future[int]{}, gask.ProgressTo(empty)); err != nil {
		t.Fatal(err)
	}
	if line := empty.until(t, t.Context(), "0/0"); !strings.Contains(line, "100%") {
		t.Errorf("no futures: %q", line)
	}
}

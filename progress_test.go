package gask_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gask-dev/gask"
)

// lines is a writer whose lines a test reads as they are written. Writes
// never block: Progress redraws every few milliseconds whether the test
// reads or not.
type lines struct {
	mu      sync.Mutex
	partial strings.Builder
	all     []string
	read    int           // lines until has looked at
	more    chan struct{} // a token when lines are added
}

func newLines() *lines { return &lines{more: make(chan struct{}, 1)} }

func (l *lines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial.Write(b)
	s := l.partial.String()
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		l.all = append(l.all, s[:i])
		s = s[i+1:]
	}
	l.partial.Reset()
	l.partial.WriteString(s)
	select {
	case l.more <- struct{}{}:
	default:
	}
	return len(b), nil
}

// until reads lines not read yet until one contains want, and returns it.
func (l *lines) until(t *testing.T, ctx context.Context, want string) string {
	t.Helper()
	for {
		l.mu.Lock()
		for ; l.read < len(l.all); l.read++ {
			if strings.Contains(l.all[l.read], want) {
				line := l.all[l.read]
				l.read++
				l.mu.Unlock()
				return line
			}
		}
		l.mu.Unlock()
		select {
		case <-l.more:
		case <-ctx.Done():
			t.Fatalf("no progress line with %q", want)
		}
	}
}

// last is the last line written.
func (l *lines) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.all) == 0 {
		return ""
	}
	return l.all[len(l.all)-1]
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
	last := out.last()
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
	if line := out.last(); !strings.Contains(line, "  0% ") || !strings.Contains(line, " 0/2 ") {
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

package gask

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// ProgressOption configures Progress.
type ProgressOption func(*progressConfig)

type progressConfig struct {
	w        io.Writer
	interval time.Duration
	width    int
}

// ProgressTo draws the bar on w instead of standard error.
func ProgressTo(w io.Writer) ProgressOption { return func(c *progressConfig) { c.w = w } }

// ProgressInterval sets how often the bar is drawn: default 100 ms on a
// terminal, where it is redrawn in place, and 10 s elsewhere (a log
// file), where each drawing is a line.
func ProgressInterval(d time.Duration) ProgressOption {
	return func(c *progressConfig) { c.interval = d }
}

// Progress waits for futures, of any types, drawing a progress bar as
// they finish (Dask's progress), and returns when all are done —
// finished, failed or cancelled — or ctx ends (its error then):
//
//	futs := Simulate.Map(c, inputs)
//	gask.Progress(ctx, futs)
//	// [██████████████████████████████] 100%  1000/1000  0 failed  12.3s
//
// Failures are counted, not returned: Gather or Result gives them.
func Progress[F AnyFuture](ctx context.Context, futs []F, opts ...ProgressOption) error {
	cfg := progressConfig{w: os.Stderr, width: 30}
	for _, o := range opts {
		o(&cfg)
	}
	tty := isTerminal(cfg.w)
	if cfg.interval <= 0 {
		cfg.interval = 10 * time.Second
		if tty {
			cfg.interval = 100 * time.Millisecond
		}
	}
	p := &progressBar{cfg: cfg, tty: tty, start: time.Now(), total: len(futs)}
	if len(futs) == 0 {
		p.draw(true)
		return nil
	}
	c := clientOf(futs[0])
	// Futures of one key share a state: count each future once it is done.
	per := map[*futureState]int{}
	var states []*futureState
	for _, f := range futs {
		st := f.state()
		if per[st] == 0 {
			states = append(states, st)
		}
		per[st]++
	}
	ch := make(chan *futureState, len(states))
	c.listen(ch, states)
	defer c.unlisten(ch, states)
	tick := time.NewTicker(cfg.interval)
	defer tick.Stop()
	p.draw(false)
	for remaining := len(states); remaining > 0; {
		select {
		case st := <-ch:
			remaining--
			c.mu.Lock()
			failed := st.status == Failed || st.status == Cancelled
			c.mu.Unlock()
			p.done += per[st]
			if failed {
				p.failed += per[st]
			}
		case <-tick.C:
			p.draw(false)
		case <-ctx.Done():
			p.draw(true)
			return ctx.Err()
		}
	}
	p.draw(true)
	return nil
}

type progressBar struct {
	cfg                 progressConfig
	tty                 bool
	start               time.Time
	total, done, failed int
	lastLen             int
}

// draw writes the bar: in place on a terminal, a line elsewhere; last ends
// the line.
func (p *progressBar) draw(last bool) {
	frac := 1.0
	if p.total > 0 {
		frac = float64(p.done) / float64(p.total)
	}
	filled := int(frac * float64(p.cfg.width))
	elapsed := time.Since(p.start)
	var b strings.Builder
	fmt.Fprintf(&b, "[%s%s] %3.0f%%  %d/%d  %d failed  %s", strings.Repeat("█", filled),
		strings.Repeat("·", p.cfg.width-filled), 100*frac, p.done, p.total, p.failed, round(elapsed))
	if p.done > 0 && p.done < p.total {
		left := time.Duration(float64(elapsed) / float64(p.done) * float64(p.total-p.done))
		fmt.Fprintf(&b, ", ~%s left", round(left))
	}
	line := b.String()
	switch {
	case p.tty:
		// Redraw in place, blanking what a longer line before left.
		pad := max(0, p.lastLen-len([]rune(line)))
		fmt.Fprintf(p.cfg.w, "\r%s%s", line, strings.Repeat(" ", pad))
		p.lastLen = len([]rune(line))
		if last {
			fmt.Fprintln(p.cfg.w)
		}
	default:
		fmt.Fprintln(p.cfg.w, line)
	}
}

func round(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

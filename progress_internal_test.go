package gask

import (
	"strings"
	"testing"
	"time"
)

// On a terminal the bar is redrawn in place, a shorter line blanking the
// end of a longer one, and the last drawing ends the line.
func TestProgressOnATerminal(t *testing.T) {
	var b strings.Builder
	p := &progressBar{cfg: progressConfig{w: &b, width: 10}, tty: true, start: time.Now(), total: 4}
	p.draw(false)
	p.done = 2
	p.draw(false)
	p.done, p.failed = 4, 1
	p.draw(true)
	got := b.String()
	parts := strings.Split(got, "\r")
	if len(parts) != 4 || parts[0] != "" || !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") != 1 {
		t.Fatalf("terminal output %q: want three drawings in place, one newline at the end", got)
	}
	if !strings.HasPrefix(parts[1], "[··········]   0%  0/4  0 failed  ") ||
		!strings.HasPrefix(parts[2], "[█████·····]  50%  2/4  0 failed  ") || !strings.Contains(parts[2], "left") ||
		!strings.HasPrefix(parts[3], "[██████████] 100%  4/4  1 failed  ") {
		t.Errorf("drawings %q", parts[1:])
	}
	// The second line is longer ("~... left"): the third blanks its end.
	if len([]rune(strings.TrimSuffix(parts[3], "\n"))) < len([]rune(parts[2])) {
		t.Errorf("the last drawing %q does not cover %q", parts[3], parts[2])
	}
}

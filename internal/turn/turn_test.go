package turn

import (
	"testing"
	"time"
)

// A turn goes on while its time lasts, whatever the number of events, and
// ends within a few events of its time running out.
func TestTurnEndsOnTime(t *testing.T) {
	var clock time.Time
	tu := New(func() time.Time { return clock })
	tu.Begin()
	for i := range 10_000 {
		if !tu.Next() {
			t.Fatalf("turn ended after %d events with no time gone", i+1)
		}
	}
	clock = clock.Add(Max)
	n := 1
	for tu.Next() {
		n++
	}
	if n > checkEvery {
		t.Fatalf("%d events handled after the turn's time ran out", n)
	}
	tu.Begin()
	if !tu.Next() {
		t.Fatal("a new turn ended at once")
	}
}

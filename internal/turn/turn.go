// Package turn bounds a turn of a daemon's event loop.
//
// The scheduler's and the workers' loops handle every event already waiting
// before they write what those events caused, so that a burst costs one
// write per connection instead of one per message. A turn must still end
// while events keep coming: the news it holds back (a finished task, a task
// to run) is what the other side waits for. A tree reduction on two workers
// starved both of them for milliseconds at a time while each loop's turns
// ran to 4,096 events.
package turn

import "time"

// Max is how long a turn may last. A write costs a few microseconds, so
// ending a busy loop's turn every 100 µs keeps writing to a few percent of
// its time. The clock is read every checkEvery events, so a turn ends
// within that many events of Max (later if one event alone takes long).
const Max = 100 * time.Microsecond

// checkEvery is how many events pass between looks at the clock.
const checkEvery = 16

// A Turn counts the events of one turn and says when it is over. Make
// one with New; Begin starts each turn.
type Turn struct {
	now   func() time.Time
	start time.Time
	n     int
}

// New returns a Turn that reads the time from now (time.Now if nil).
func New(now func() time.Time) *Turn {
	if now == nil {
		now = time.Now
	}
	return &Turn{now: now}
}

// Begin starts a turn.
func (t *Turn) Begin() {
	t.start, t.n = t.now(), 0
}

// Next counts one more event handled and reports whether the turn may go
// on to another. It looks at the clock every few events only.
func (t *Turn) Next() bool {
	t.n++
	return t.n%checkEvery != 0 || t.now().Sub(t.start) < Max
}

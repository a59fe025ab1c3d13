package scheduler

import "fmt"

type transition struct {
	key      string
	from, to TaskState
	stimulus uint64
}

// note is what else happened at the transition in one place of the story,
// on one lap of it (State.storyLap). Notes are rare: they live beside the
// story rather than in it, so that transitions and setState stay as small
// as they are. A note whose lap is over is stale, and the next note at its
// place replaces it.
type note struct {
	lap  uint64
	text string
}

// Transition is one step of a task's story.
type Transition struct {
	Key      string
	From, To TaskState
	Stimulus uint64 // the number of the event that caused it (1 = first Handle)
	Note     string // what else happened, if anything: "steal asked of w1 for w2", "moving to w2 from retiring w1"
}

func (t Transition) String() string {
	if t.Note != "" {
		return fmt.Sprintf("%s: %v → %v (event %d: %s)", t.Key, t.From, t.To, t.Stimulus, t.Note)
	}
	return fmt.Sprintf("%s: %v → %v (event %d)", t.Key, t.From, t.To, t.Stimulus)
}

// storyBlock is the places of the story allocated at once. A story that
// grew by append copied itself each time it doubled, with a write barrier
// per key while the collector ran: a tenth of the scheduler's time in a
// 16,000-task graph on a fresh cluster.
const storyBlock = 4096

// at is place i of the story.
func (s *State) at(i int) *transition { return &s.story[i/storyBlock][i%storyBlock] }

func (s *State) setState(t *task, to TaskState) {
	if len(s.moves) > 0 && t.state == Memory && to != Memory {
		// Its value is gone: a move of it has nothing left to move.
		if m := s.moves[t]; m != nil {
			s.endMove(t, m)
		}
	}
	if s.storyN < s.cfg.StoryLen {
		if s.storyN%storyBlock == 0 {
			s.story = append(s.story, make([]transition, min(storyBlock, s.cfg.StoryLen-s.storyN)))
		}
		*s.at(s.storyN) = transition{t.key, t.state, to, s.stimulus}
		s.storyN++
	} else {
		*s.at(s.storyPos) = transition{t.key, t.state, to, s.stimulus}
		if s.storyPos++; s.storyPos == s.storyN {
			s.storyPos = 0
			s.storyLap++
		}
	}
	if t.state != to {
		s.count(t, to)
	}
	t.state = to
}

// record is setState with a note for the story: what else happened. A
// note with the same state marks a step that is not a transition (a steal
// asked).
func (s *State) record(t *task, to TaskState, text string) {
	i, lap := s.storyN, uint64(0)
	if i >= s.cfg.StoryLen {
		i, lap = s.storyPos, s.storyLap+1
	}
	s.setState(t, to)
	if s.notes == nil {
		s.notes = make(map[int]note)
	}
	s.notes[i] = note{lap, text}
}

// note records a step of t's story that leaves its state as it is, as when
// a value is copied off a retiring worker.
func (s *State) note(t *task, text string) { s.record(t, t.state, text) }

// lapOf is the lap on which the transition at place i of the story was
// written: 0 while the story fills up, then 1, 2, ... as it wraps around.
func (s *State) lapOf(i int) uint64 {
	if s.storyN < s.cfg.StoryLen || i >= s.storyPos {
		return s.storyLap // the places still to overwrite on this lap
	}
	return s.storyLap + 1
}

// Story returns the remembered transitions of the given keys, oldest first:
// why each task moved, and on which event.
func (s *State) Story(keys ...string) []Transition {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	var out []Transition
	n := s.storyN
	for i := 0; i < n; i++ {
		j := (s.storyPos + i) % n
		if tr := s.at(j); want[tr.key] {
			t := Transition{Key: tr.key, From: tr.from, To: tr.to, Stimulus: tr.stimulus}
			if n, ok := s.notes[j]; ok && n.lap == s.lapOf(j) {
				t.Note = n.text
			}
			out = append(out, t)
		}
	}
	return out
}

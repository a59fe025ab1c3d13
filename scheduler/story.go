package scheduler

import "fmt"

type transition struct {
	key      string
	from, to TaskState
	note     uint32 // a key of State.notes; 0 for none. (Fits in padding: a transition stays 32 bytes.)
	stimulus uint64
}

// Transition is one step of a task's story.
type Transition struct {
	Key      string
	From, To TaskState
	Stimulus uint64 // the number of the event that caused it (1 = first Handle)
	// Note describes a step that does not change the state, as when a
	// value is copied off a retiring worker ("moving to w2 from w1").
	Note string
}

func (t Transition) String() string {
	s := fmt.Sprintf("%s: %v → %v (event %d)", t.Key, t.From, t.To, t.Stimulus)
	if t.Note != "" {
		s += ": " + t.Note
	}
	return s
}

func (s *State) setState(t *task, to TaskState) {
	if len(s.moves) > 0 && t.state == Memory && to != Memory {
		// Its value is gone: a move of it has nothing left to move.
		if m := s.moves[t]; m != nil {
			s.endMove(t, m)
		}
	}
	s.record(transition{t.key, t.state, to, 0, s.stimulus})
	t.state = to
}

// note records a step of t's story that leaves its state as it is.
func (s *State) note(t *task, note string) {
	s.noteSeq++
	if s.noteSeq == 0 {
		s.noteSeq++
	}
	if s.notes == nil {
		s.notes = map[uint32]string{}
	}
	s.notes[s.noteSeq] = note
	s.record(transition{t.key, t.state, t.state, s.noteSeq, s.stimulus})
}

func (s *State) record(tr transition) {
	if len(s.story) < s.cfg.StoryLen {
		s.story = append(s.story, tr)
		return
	}
	if old := s.story[s.storyPos].note; old != 0 {
		delete(s.notes, old)
	}
	s.story[s.storyPos] = tr
	s.storyPos = (s.storyPos + 1) % len(s.story)
}

// Story returns the remembered transitions of the given keys, oldest first:
// why each task moved, and on which event.
func (s *State) Story(keys ...string) []Transition {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	var out []Transition
	n := len(s.story)
	for i := 0; i < n; i++ {
		tr := s.story[(s.storyPos+i)%n]
		if want[tr.key] {
			out = append(out, Transition{tr.key, tr.from, tr.to, tr.stimulus, s.notes[tr.note]})
		}
	}
	return out
}

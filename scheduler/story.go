package scheduler

import "fmt"

type transition struct {
	key      string
	from, to TaskState
	stimulus uint64
}

// Transition is one step of a task's story.
type Transition struct {
	Key      string
	From, To TaskState
	Stimulus uint64 // the number of the event that caused it (1 = first Handle)
}

func (t Transition) String() string {
	return fmt.Sprintf("%s: %v → %v (event %d)", t.Key, t.From, t.To, t.Stimulus)
}

func (s *State) setState(t *task, to TaskState) {
	if len(s.story) < s.cfg.StoryLen {
		s.story = append(s.story, transition{t.key, t.state, to, s.stimulus})
	} else {
		s.story[s.storyPos] = transition{t.key, t.state, to, s.stimulus}
		s.storyPos = (s.storyPos + 1) % len(s.story)
	}
	t.state = to
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
			out = append(out, Transition{tr.key, tr.from, tr.to, tr.stimulus})
		}
	}
	return out
}

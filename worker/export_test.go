package worker

// Check exposes the invariant check to the external tests.
func (s *State) Check() error { return s.check() }

// KeyStates returns every key this worker knows and its state.
func (s *State) KeyStates() map[string]TaskState {
	m := make(map[string]TaskState, s.tasks.Len())
	for k, t := range s.tasks.All() {
		m[k] = t.state
	}
	return m
}

package scheduler

// A task's ref names it on the wire: Compute carries it and the worker's
// TaskFinished brings it back, so that finishing a task needs no lookup of
// its key in the index of every task (a cache miss on a big graph). A ref
// is a slot in State.slots and that slot's generation, which changes each
// time the slot is let go: a late ref of a forgotten task names nothing,
// and its key is looked up as before. Refs are 1-based so that 0 means none.

// addSlot gives t a slot.
func (s *State) addSlot(t *task) {
	var i uint32
	if n := len(s.freeSlots); n > 0 {
		i = s.freeSlots[n-1]
		s.freeSlots = s.freeSlots[:n-1]
	} else {
		i = uint32(len(s.slots))
		s.slots = append(s.slots, nil)
		s.gens = append(s.gens, 0)
	}
	s.slots[i] = t
	t.slot = i
}

// freeSlot lets go of forgotten t's slot.
func (s *State) freeSlot(t *task) {
	i := t.slot
	s.slots[i] = nil
	s.gens[i]++
	s.freeSlots = append(s.freeSlots, i)
}

// ref is t's ref.
func (s *State) ref(t *task) uint64 { return uint64(s.gens[t.slot])<<32 | uint64(t.slot+1) }

// byRef returns the task of key that ref names, or (a stale or missing
// ref) the task of key in the index; nil if there is none. The slot's
// generation tells a live ref from a stale one: the keys' bytes are not
// compared (that would cost the cache miss the ref saves), only their
// lengths, against a ref that a worker got wrong.
func (s *State) byRef(ref uint64, key string) *task {
	if lo := uint32(ref); lo != 0 {
		i := lo - 1
		if int(i) < len(s.slots) && s.gens[i] == uint32(ref>>32) {
			if t := s.slots[i]; t != nil && len(t.key) == len(key) {
				return t
			}
		}
	}
	return s.lookup(key)
}

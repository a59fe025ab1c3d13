package scheduler

import (
	"cmp"
	"fmt"
	"slices"
)

func (s *State) clientFor(id ClientID) *client {
	c := s.clients[id]
	if c == nil {
		c = &client{id: id}
		s.clients[id] = c
	}
	return c
}

func (s *State) clientLeft(id ClientID) {
	c := s.clients[id]
	if c == nil {
		return
	}
	delete(s.clients, id)
	// Holds live on the tasks; a client leaving is rare enough to scan.
	// In submission order: map order would make the commands random.
	var held []*task
	for t := range s.allTasks() {
		if holdsOf(t, c) > 0 {
			held = append(held, t)
		}
	}
	slices.SortFunc(held, func(a, b *task) int { return cmp.Compare(a.seq, b.seq) })
	for _, t := range held {
		s.dropHold(t, c, holdsOf(t, c))
	}
}

// updateGraph adds a client's tasks (new keys only: a known key is the same
// computation) and its holds, then sets wanted tasks in motion.
func (s *State) updateGraph(e *GraphUpdated) {
	c := s.clientFor(e.Client)
	if n := len(e.Tasks); n > 4096 {
		// A big graph: make room at once rather than grow step by step.
		s.index.Reserve(n)
		if more := n - len(s.freeSlots); more > 0 {
			s.slots = slices.Grow(s.slots, more)
			s.gens = slices.Grow(s.gens, more)
		}
	}
	seq0 := s.seq // tasks after it are this graph's own
	// The task of each spec, so that Wants, which mostly name the specs'
	// keys in the same order, need no second lookup.
	bySpec := make([]*task, len(e.Tasks))
	var hs [warmBatch]uint64
	for lo := 0; lo < len(e.Tasks); lo += warmBatch {
		batch := e.Tasks[lo:min(lo+warmBatch, len(e.Tasks))]
		for j := range batch {
			hs[j] = s.index.hash(batch[j].Key)
			s.index.Warm(hs[j])
		}
		for j := range batch {
			t := s.index.find(s.slots, batch[j].Key, hs[j])
			if t == nil {
				t = s.addTask(&batch[j], hs[j])
			}
			bySpec[lo+j] = t
		}
	}
	// Holders are told here of tasks already finished or failed; tasks
	// that finish or fail from now on tell all their holders themselves.
	wanted := make([]*task, 0, len(e.Wants))
	for i, k := range e.Wants {
		var t *task
		if i < len(bySpec) && bySpec[i] != nil && bySpec[i].key == k && bySpec[i].state != Forgotten {
			t = bySpec[i]
		} else if t = s.lookup(k); t == nil {
			continue
		}
		wanted = append(wanted, t)
		s.addHold(t, c)
		s.tellHolder(t, c)
	}
	for _, t := range wanted {
		if t.state != Forgotten {
			s.want(t)
		}
	}
	// Tasks submitted without a hold (fire and forget) that nothing needs
	// are dropped at once.
	for _, t := range bySpec {
		if t.seq > seq0 && (t.state == Released || t.state == Erred) {
			s.maybeRelease(t)
		}
	}
}

// addTask adds the task of spec, whose key (of hash h) is new.
func (s *State) addTask(spec *TaskSpec, h uint64) *task {
	s.seq++
	t := s.newTaskOf(spec.Key, s.seq)
	t.fnIdx, t.args, t.userPrio = s.intern(spec.Func), spec.Args, spec.Priority
	if len(spec.Resources) > 0 || len(spec.Workers) > 0 || spec.Retries > 0 {
		x := t.extra()
		x.resources, x.restrict, x.loose, x.retries = spec.Resources, spec.Workers, spec.Loose, spec.Retries
	}
	var missing string
	if len(spec.Deps) > 0 {
		t.deps = make([]*task, 0, len(spec.Deps))
		for _, dk := range spec.Deps {
			d := s.lookup(dk)
			if d == nil {
				missing = dk
				continue
			}
			t.deps = append(t.deps, d)
			d.dependents = append(d.dependents, t)
			d.liveDeps++
		}
	}
	s.addSlot(t)
	s.index.add(t, h)
	s.born(t)
	s.setState(t, Released)
	if missing != "" {
		// Erred directly, not through toErred: that would forget the
		// task before the client's hold below is taken and reported.
		t.extra().err = &Error{Kind: "internal", Key: t.key,
			Message: fmt.Sprintf("dependency %s is unknown to the scheduler (released before this task was submitted?)", missing)}
		s.setState(t, Erred)
	}
	return t
}

func (s *State) addHold(t *task, c *client) {
	hs := t.holders.all()
	for i := range hs {
		if hs[i].c == c {
			hs[i].n++
			return
		}
	}
	t.holders.add(hold{c, 1})
}

// tellHolder reports a finished or failed task to a client that just took a hold.
func (s *State) tellHolder(t *task, c *client) {
	switch t.state {
	case Memory:
		s.notifyDone(c, t, nil)
	case Erred:
		s.emit(&NotifyErred{Client: c.id, Key: t.key, Err: *t.failure()})
	}
}

func (s *State) releaseKeys(id ClientID, keys []string) {
	c := s.clients[id]
	if c == nil {
		return
	}
	s.lookupAll(keys, func(_ int, t *task) {
		if t != nil && holdsOf(t, c) > 0 {
			s.dropHold(t, c, 1)
		}
	})
}

func (s *State) dropHold(t *task, c *client, n int32) {
	hs := t.holders.all()
	for i := range hs {
		if hs[i].c == c {
			hs[i].n -= n
			if hs[i].n <= 0 {
				t.holders.deleteFunc(func(h hold) bool { return h.c == c })
			}
			break
		}
	}
	s.maybeRelease(t)
}

// want sets a released task (and, recursively, its released inputs) in motion.
func (s *State) want(t *task) {
	if t.state != Released {
		return
	}
	if s.fnNames[t.fnIdx] == "" { // scattered data that was lost: it cannot be recomputed
		s.toErred(t, &Error{Kind: "missing-data", Key: t.key, Message: "scattered value " + t.key + " was lost with its worker and cannot be recomputed"})
		return
	}
	for _, d := range t.deps {
		if d.state == Erred {
			s.toErred(t, d.failure())
			return
		}
	}
	if len(t.deps) > 0 && len(s.workers) > 0 && !s.someoneRuns(t) {
		// Fail now rather than after computing its inputs for nothing.
		s.toErred(t, s.noWorkerError(t))
		return
	}
	// Count every input before wanting any: wanting one can fail t (when
	// that input cannot run), and then t must let go of all its inputs and
	// set no more of them in motion.
	s.setState(t, Waiting)
	t.waitingOn = 0
	for _, d := range t.deps {
		d.waiters++
		if d.state != Memory {
			t.waitingOn++
		}
	}
	for _, d := range t.deps {
		s.want(d)
		if t.state != Waiting {
			return
		}
	}
	if t.waitingOn == 0 {
		s.ready(t)
	}
}

// leaveActive is called when t stops needing its inputs (it finished,
// failed or was released). Inputs nobody needs any more are freed.
func (s *State) leaveActive(t *task) {
	for _, d := range t.deps {
		d.waiters--
	}
	for _, d := range t.deps {
		s.maybeRelease(d)
	}
}

// maybeRelease frees a task nobody needs, and forgets it if nothing depends on it.
func (s *State) maybeRelease(t *task) {
	if t.needed() || t.state == Forgotten {
		return
	}
	switch t.state {
	case Memory:
		s.freeValue(t)
		s.setState(t, Released)
	case Processing:
		w := t.processing
		s.unassign(t)
		s.free(w, t.key)
		s.setState(t, Released)
		s.leaveActive(t)
		s.fill(w)
	case Queued:
		s.queue.remove(t)
		s.setState(t, Released)
		s.leaveActive(t)
	case NoWorker:
		delete(s.noWork, t)
		s.setState(t, Released)
		s.leaveActive(t)
	case Waiting:
		s.setState(t, Released)
		s.leaveActive(t)
	}
	if t.liveDeps == 0 && !t.held() {
		s.forget(t)
	}
}

func (s *State) forget(t *task) {
	if t.state == Memory {
		s.freeValue(t)
	}
	s.setState(t, Forgotten)
	s.index.remove(t, s.index.hash(t.key))
	s.freeSlot(t)
	t.args = nil
	for _, d := range t.deps {
		d.liveDeps--
		// Compact d's dependents once most entries are forgotten, into a
		// new array: a caller may be ranging over the old one.
		if n := len(d.dependents); n >= 16 && int(d.liveDeps) < n/2 {
			live := make([]*task, 0, d.liveDeps)
			for _, x := range d.dependents {
				if x.state != Forgotten {
					live = append(live, x)
				}
			}
			d.dependents = live
		}
		if d.liveDeps == 0 && !d.needed() && d.state != Forgotten {
			if d.state == Released || d.state == Erred || d.state == Memory {
				s.forget(d)
			}
		}
	}
	// Nothing reads a forgotten task's edges. Dropping them matters: a task
	// shares its allocation with its chunk's neighbours (newTaskOf), and a
	// live neighbour would otherwise keep this task's inputs alive, and
	// theirs, through it.
	t.deps, t.dependents = nil, nil
}

func (s *State) freeValue(t *task) {
	for _, w := range t.whoHas.all() {
		w.nkeys--
		w.nbytes -= t.nbytes
		s.free(w, t.key)
	}
	t.whoHas.reset()
}

// notifyDone tells c that t is in memory, and where, with the value if the
// worker sent it inline.
func (s *State) notifyDone(c *client, t *task, value []byte) {
	n := next(&s.arena.dones)
	*n = NotifyDone{Client: c.id, Key: t.key, NBytes: t.nbytes, Holders: s.arena.workerIDs(t.whoHas.all()), Value: value}
	s.emit(n)
}

func (s *State) emitFree(w *worker, key string) {
	f := next(&s.arena.frees)
	*f = Free{Worker: w.id, Key: key}
	s.emit(f)
}

// free tells w to drop key, unless w is being removed (a task failing as
// its worker dies can release inputs and siblings on that worker).
func (s *State) free(w *worker, key string) {
	if s.workers[w.id] == w {
		s.emitFree(w, key)
	}
}

func (s *State) toErred(t *task, err *Error) {
	if t.state == Erred || t.state == Forgotten {
		return
	}
	switch t.state {
	case Processing:
		w := t.processing
		s.unassign(t)
		s.fill(w)
	case Queued:
		s.queue.remove(t)
	case NoWorker:
		delete(s.noWork, t)
	case Memory:
		s.freeValue(t)
	}
	wasActive := t.active()
	s.setState(t, Erred)
	t.extra().err = err
	for _, h := range t.holders.all() {
		if s.fnNames[t.fnIdx] == "" {
			// Scattered data fails only by being lost: its holders are
			// told it is cancelled (and not, as well, that it erred).
			s.emit(&NotifyCancelled{Client: h.c.id, Key: t.key, Reason: err.Message})
			continue
		}
		s.emit(&NotifyErred{Client: h.c.id, Key: t.key, Err: *err})
	}
	for _, d := range t.dependents {
		if d.active() || (d.state == Released && d.needed()) {
			s.toErred(d, err)
		}
	}
	if wasActive {
		s.leaveActive(t)
	}
	s.maybeRelease(t)
}

func (s *State) taskFinished(e *TaskFinished) {
	w := s.workers[e.Worker]
	if w == nil {
		return
	}
	t := s.byRef(e.Ref, e.Key)
	if t == nil || (t.state != Processing && t.state != Memory) {
		// Released or cancelled while running: the worker must drop it.
		s.emitFree(w, e.Key)
		return
	}
	if t.state == Memory {
		// A late result from a worker the task was taken from, which was
		// told to drop it: it is not a copy to count on. Make sure it is
		// dropped, unless the worker holds a copy it fetched since.
		if !slices.Contains(t.whoHas.all(), w) {
			s.emitFree(w, e.Key)
		}
		return
	}
	if t.processing != w {
		s.emitFree(w, e.Key)
		return
	}
	if e.Duration > 0 {
		if s.avgDur == 0 {
			s.avgDur = float64(e.Duration)
		} else {
			s.avgDur = 0.9*s.avgDur + 0.1*float64(e.Duration)
		}
	}
	s.unassign(t)
	t.nbytes = e.NBytes
	s.setState(t, Memory)
	s.addReplica(t, w)
	for _, h := range t.holders.all() {
		s.notifyDone(h.c, t, e.Value)
	}
	for _, d := range t.dependents {
		if d.state == Waiting {
			d.waitingOn--
			if d.waitingOn == 0 {
				s.ready(d)
			}
		}
	}
	s.leaveActive(t)
	s.maybeRelease(t)
	if w.retire != nil && t.state == Memory {
		// A result on a retiring worker moves off it at once.
		s.startMove(t, nil)
	}
	s.fill(w)
}

func (s *State) addReplica(t *task, w *worker) {
	for _, h := range t.whoHas.all() {
		if h == w {
			return
		}
	}
	t.whoHas.add(w)
	w.nkeys++
	w.nbytes += t.nbytes
	switch {
	case w.retire != nil && !w.closing:
		s.retiringHolds(t)
	case len(s.moves) > 0 && w.safe():
		if m := s.moves[t]; m != nil {
			s.moved(t, m, w)
		}
	}
}

func (s *State) taskFailed(e *TaskFailed) {
	w := s.workers[e.Worker]
	t := s.lookup(e.Key)
	if w == nil || t == nil || t.state != Processing || t.processing != w {
		return
	}
	if t.x != nil && t.x.retries > 0 {
		t.x.retries--
		s.unassign(t)
		s.setState(t, Waiting)
		s.ready(t)
		s.fill(w)
		return
	}
	err := e.Err
	if err.Key == "" {
		err.Key = t.key
	}
	s.toErred(t, &err)
}

func (s *State) dataPlaced(e *DataPlaced) {
	var ws []*worker
	for _, id := range e.Workers {
		if w := s.workers[id]; w != nil {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return
	}
	c := s.clientFor(e.Client)
	for i, k := range e.Keys {
		t := s.lookup(k)
		if t == nil {
			s.seq++
			t = newTask(k, s.seq)
			t.fnIdx = s.intern("")
			s.addSlot(t)
			s.index.add(t, s.index.hash(k))
			s.born(t)
			s.setState(t, Released)
		}
		switch t.state {
		case Released:
			if i < len(e.NBytes) {
				t.nbytes = e.NBytes[i]
			}
			s.setState(t, Memory)
			for _, w := range ws {
				s.addReplica(t, w)
			}
			for _, d := range t.dependents {
				if d.state == Waiting {
					d.waitingOn--
					if d.waitingOn == 0 {
						s.ready(d)
					}
				}
			}
		case Memory:
			for _, w := range ws {
				s.addReplica(t, w)
			}
		default:
			// Being computed, or failed: the scheduler's view wins and the
			// scattered copies are dropped.
			for _, w := range ws {
				s.emitFree(w, k)
			}
		}
		s.addHold(t, c)
		s.tellHolder(t, c)
	}
}

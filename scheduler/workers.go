package scheduler

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

func (s *State) workerJoined(e *WorkerJoined) {
	if old := s.workers[e.Worker]; old != nil {
		s.workerLeft(e.Worker, "replaced by a new worker at the same address")
	}
	w := &worker{
		id: e.Worker, name: e.Name, nthreads: max(e.NThreads, 1), memoryLimit: e.MemoryLimit,
		funcs: e.Funcs, resources: map[string]float64{}, available: map[string]float64{},
		idleAt: -1, victimAt: -1,
	}
	w.procHead.prev, w.procHead.next = &w.procHead, &w.procHead
	for _, r := range e.Resources {
		w.resources[r.Name] += r.Amount
		w.available[r.Name] += r.Amount
	}
	s.workers[w.id] = w
	s.order = append(s.order, w)
	clear(s.runnable)
	s.limits(w)
	// Tasks that had nowhere to go may have somewhere now.
	s.reviveUnrunnable()
	s.fill(w)
}

// recordDeath keeps a nanny's explanation of a worker's death until the
// worker's departure is handled. An explanation for a worker already gone
// is too late to attach to anything and is dropped.
func (s *State) recordDeath(id WorkerID, reason string) {
	if s.workers[id] != nil {
		s.deaths[id] = reason
	}
}

// workerLeft handles the loss of a worker: values only it held are
// recomputed from their inputs, and the tasks it was running go elsewhere,
// unless they have now seen AllowedFailures workers die.
func (s *State) workerLeft(id WorkerID, reason string) {
	w := s.workers[id]
	if w == nil {
		return
	}
	death := string(id)
	if r := s.deaths[id]; r != "" {
		death += ": " + r
	} else if reason != "" {
		death += ": " + reason
	}
	// A worker restarted at the same address must not inherit this reason.
	delete(s.deaths, id)
	delete(s.workers, id)
	w.gone = true
	w.asked = nil // no answers will come
	s.limits(w)
	clear(s.runnable)
	s.order = slices.DeleteFunc(s.order, func(x *worker) bool { return x == w })
	if len(s.order) > 0 {
		s.rr %= len(s.order)
	} else {
		s.rr = 0
	}

	// Running tasks first, so that lost inputs below see them as waiting.
	var running []*task
	for t := w.procHead.next; t != &w.procHead; t = t.next {
		running = append(running, t)
	}
	for _, t := range running {
		if t.processing != w {
			continue // released when an earlier one failed
		}
		s.unassign(t)
		s.setState(t, Waiting)
		t.waitingOn = 0
		x := t.extra()
		x.suspicious++
		x.killedOn = append(x.killedOn, death)
		if int(x.suspicious) >= s.cfg.AllowedFailures {
			s.toErred(t, &Error{Kind: "killed-worker", Key: t.key, Message: s.killedMessage(t)})
		}
	}

	// Workers do not index the values they hold (that would cost a map
	// entry per value on the hot path); a worker's loss is rare enough to
	// scan for them.
	lost := make([]*task, 0, w.nkeys)
	if w.nkeys > 0 {
		for t := range s.allTasks() {
			if slices.Contains(t.whoHas.all(), w) {
				lost = append(lost, t)
			}
		}
	}
	slices.SortFunc(lost, func(a, b *task) int { return cmp.Compare(a.seq, b.seq) })
	w.nkeys, w.nbytes = 0, 0
	// Forget every copy on w before reacting to any loss: a loss can place
	// tasks, and their computes must not name w as a holder of an input.
	for _, t := range lost {
		t.whoHas.deleteFunc(func(x *worker) bool { return x == w })
	}
	for _, t := range lost {
		if t.whoHas.len() == 0 {
			s.valueLost(t)
		} else {
			s.tellHoldersMoved(t)
		}
	}

	for _, t := range running {
		if t.state == Waiting && t.waitingOn == 0 {
			s.ready(t)
		}
	}
	s.reviveUnrunnable()
	s.retiringWorkerLeft(w)
}

// killedMessage explains a killed-worker failure with what is known of each death.
func (s *State) killedMessage(t *task) string {
	var b strings.Builder
	fmt.Fprintf(&b, "task %s was running on %d workers that died; it is likely the cause (e.g. it crashes or runs out of memory): ", t.key, len(t.x.killedOn))
	for i, d := range t.x.killedOn {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(d)
	}
	return b.String()
}

// valueLost handles a task in memory whose last copy is gone: its active
// dependents wait for it again, and it is recomputed if anyone needs it.
func (s *State) valueLost(t *task) {
	if t.state != Memory {
		return
	}
	s.setState(t, Released)
	for _, d := range t.dependents {
		switch d.state {
		case Waiting:
			d.waitingOn++
		case Queued:
			s.queue.remove(d)
			s.setState(d, Waiting)
			d.waitingOn = 1
		case NoWorker:
			delete(s.noWork, d)
			s.setState(d, Waiting)
			d.waitingOn = 1
		case Processing:
			w := d.processing
			s.unassign(d)
			s.emitFree(w, d.key)
			s.setState(d, Waiting)
			d.waitingOn = 1
			s.fill(w)
		}
	}
	if !t.needed() {
		s.maybeRelease(t)
		return
	}
	// want fails lost scattered data, which cannot be recomputed, and
	// toErred tells its holders it is cancelled.
	s.want(t)
}

// reviveUnrunnable re-places no-worker tasks after the set of workers changed.
func (s *State) reviveUnrunnable() {
	if len(s.noWork) == 0 || len(s.workers) == 0 {
		return
	}
	waiting := make([]*task, 0, len(s.noWork))
	for t := range s.noWork {
		waiting = append(waiting, t)
	}
	slices.SortFunc(waiting, func(a, b *task) int { return int(a.seq - b.seq) })
	for _, t := range waiting {
		if t.state != NoWorker {
			continue // released or failed while an earlier one was placed
		}
		delete(s.noWork, t)
		s.setState(t, Waiting)
		s.ready(t)
	}
}

func (s *State) dataMissing(e *DataMissing) {
	if e.Key == "" {
		s.acquireFailed(e.Worker, e.Dep)
		return
	}
	w := s.workers[e.Worker]
	t := s.lookup(e.Key)
	d := s.lookup(e.Dep)
	if w == nil || t == nil || d == nil {
		return
	}
	for _, hid := range e.Holders {
		if h := s.workers[hid]; h != nil && slices.Contains(d.whoHas.all(), h) {
			d.whoHas.deleteFunc(func(x *worker) bool { return x == h })
			h.nkeys--
			h.nbytes -= d.nbytes
			s.emitFree(h, d.key)
		}
	}
	if d.whoHas.len() == 0 {
		s.valueLost(d) // moves t back to waiting
		return
	}
	if t.state == Processing && t.processing == w {
		// Other copies exist: run it again with the fresh locations.
		s.unassign(t)
		s.emitFree(w, t.key)
		s.setState(t, Waiting)
		s.ready(t)
		s.fill(w)
	}
}

func (s *State) replicasChanged(e *ReplicasChanged) {
	w := s.workers[e.Worker]
	if w == nil {
		return
	}
	for i, k := range e.Added {
		t := s.lookup(k)
		if t == nil || t.state != Memory {
			s.emitFree(w, k)
			continue
		}
		if i < len(e.NBytes) && t.nbytes == 0 {
			// The holders' totals count t.nbytes: keep them in step.
			for _, h := range t.whoHas.all() {
				h.nbytes += e.NBytes[i]
			}
			t.nbytes = e.NBytes[i]
		}
		s.addReplica(t, w)
	}
	for _, k := range e.Dropped {
		t := s.lookup(k)
		if t == nil || !slices.Contains(t.whoHas.all(), w) {
			continue
		}
		t.whoHas.deleteFunc(func(x *worker) bool { return x == w })
		w.nkeys--
		w.nbytes -= t.nbytes
		if t.whoHas.len() == 0 {
			s.valueLost(t)
		} else {
			s.tellHoldersMoved(t)
		}
	}
}

// tellHoldersMoved tells the clients holding t, a value in memory that
// lost a copy but has others, where it is now: a client that knew only the
// lost copy would otherwise find no value where it looked, and wait for
// news that never comes.
func (s *State) tellHoldersMoved(t *task) {
	if t.state != Memory {
		return
	}
	for _, h := range t.holders.all() {
		s.notifyDone(h.c, t, nil)
	}
}

// workerPaused marks a worker short of memory, or no longer. Its tasks
// stay assigned to it (it still finishes what it runs), but those it has
// not started are offered to workers with room (stealing.go); on resuming
// it takes queued work again.
func (s *State) workerPaused(e *WorkerPaused) {
	w := s.workers[e.Worker]
	if w == nil || w.paused == e.Paused {
		return
	}
	w.paused = e.Paused
	s.limits(w)
	if !w.paused {
		s.fill(w)
	} else {
		// A paused worker fetches nothing: values moving to it go elsewhere.
		s.redirectMoves(w, "it paused")
	}
}

// workerClosing marks a worker whose connection dropped: it gets no new
// tasks, and values moving to it go elsewhere.
func (s *State) workerClosing(id WorkerID) {
	w := s.workers[id]
	if w == nil {
		return
	}
	w.closing = true
	s.limits(w)
	s.redirectMoves(w, "it is closing")
	if w.retire != nil {
		s.retireDirty = true
	}
}

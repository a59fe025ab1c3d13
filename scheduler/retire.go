package scheduler

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Retirement, as Dask's retire_workers: a retiring worker takes no new
// tasks, finishes the ones it has (queued there or running), and every
// value that only retiring workers hold is copied to another worker — a
// move — before the worker is told to close. Nothing is recomputed.
//
// A move asks one target (Acquire) to fetch the value from its retiring
// holders; the copy arrives as a replica (ReplicasChanged), which ends the
// move. The target is the worker, neither retiring, closing nor paused,
// that holds the fewest bytes counting the moves already on their way to
// it, and has room under its memory limit if it has one: values spread
// over the remaining workers. A move whose target fails it (it reports the
// fetch failed, pauses, closes, starts retiring or dies) goes to the next
// target; when no worker is left to try, the value cannot be moved, and its
// holders are kept: as in Dask, a worker is not closed while it holds the
// only copy of a value. Released values need no move.
//
// A worker is done retiring when it runs nothing and no move of its values
// is under way: the scheduler then looks once more for values that became
// unique to retiring workers meanwhile (a copy elsewhere dropped or lost),
// and either moves them, keeps the worker (some could not be moved) or
// emits CloseWorker. The RetireDone answer waits until every named worker
// has left, been kept or died: a worker that dies while retiring is a
// loss like any other.

// retireState is a retiring worker's part in its retirement.
type retireState struct {
	moving  int                // moves under way of values it holds
	unmoved map[*task]struct{} // values no other worker could take
	closed  bool               // told to close; it is gone at WorkerLeft
}

// retireRequest is a RetireWorkers not yet answered.
type retireRequest struct {
	pending []*worker // named workers not yet retired, kept or lost
	done    RetireDone
}

// move is a value being copied off retiring workers.
type move struct {
	to     *worker   // the worker asked to acquire it
	from   []*worker // its retiring holders, which count it in retire.moving
	nbytes int64     // counted in to.incoming
	tried  []*worker // targets that failed it
}

// safe reports whether a copy on w outlives a retirement: w is neither
// retiring nor going away.
func (w *worker) safe() bool { return w.retire == nil && !w.closing }

// safelyHeld reports whether t's value has a copy on a safe worker.
func safelyHeld(t *task) bool {
	for _, h := range t.whoHas.all() {
		if h.safe() {
			return true
		}
	}
	return false
}

// workerNamed finds a worker by address, then by name.
func (s *State) workerNamed(name string) *worker {
	if w := s.workers[WorkerID(name)]; w != nil {
		return w
	}
	for _, w := range s.order {
		if w.name != "" && w.name == name {
			return w
		}
	}
	return nil
}

func (s *State) retireWorkers(e *RetireWorkers) {
	r := &retireRequest{done: RetireDone{Client: e.Client, ReqID: e.ReqID}}
	var fresh []*worker
	for _, name := range e.Workers {
		w := s.workerNamed(name)
		if w == nil {
			r.done.Unknown = append(r.done.Unknown, name)
			continue
		}
		if slices.Contains(r.pending, w) {
			continue // named twice, by address and by name
		}
		r.pending = append(r.pending, w)
		if w.retire == nil {
			w.retire = &retireState{unmoved: map[*task]struct{}{}}
			s.limits(w) // no thief now; its tasks not started may be stolen
			s.stealEpoch++
			fresh = append(fresh, w)
		}
	}
	if len(r.pending) == 0 {
		s.emit(&r.done)
		return
	}
	s.requests = append(s.requests, r)
	s.retireDirty = true
	if len(fresh) == 0 {
		return
	}
	for _, w := range fresh {
		// Values on their way to a worker that now retires go elsewhere.
		s.redirectMoves(w, "it is retiring")
	}
	s.planMoves(fresh)
}

// planMoves deals, in submission order, with every value held by one of ws
// that only retiring workers hold: it starts a move, or counts ws's copies
// in the move under way or among the values that cannot move. It scans
// every task: it runs when a retirement starts and once more when a worker
// is about to close.
func (s *State) planMoves(ws []*worker) {
	holds := false
	for _, w := range ws {
		holds = holds || w.nkeys > 0
	}
	if !holds {
		return
	}
	var todo []*task
	for t := range s.allTasks() {
		if t.state != Memory || safelyHeld(t) {
			continue
		}
		for _, h := range t.whoHas.all() {
			if slices.Contains(ws, h) {
				todo = append(todo, t)
				break
			}
		}
	}
	slices.SortFunc(todo, func(a, b *task) int { return cmp.Compare(a.seq, b.seq) })
	for _, t := range todo {
		s.retiringHolds(t)
		s.startMove(t, nil)
	}
}

// retiringHolds counts every retiring holder of t, which no safe worker
// holds, in what is being done about t: the move under way, which each
// must wait for before it closes, or the values that cannot move, which
// keep each. A worker is told to close only when every value it holds has
// a safe copy.
func (s *State) retiringHolds(t *task) {
	m := s.moves[t]
	unmovable := m == nil && s.unmovable(t)
	for _, h := range t.whoHas.all() {
		switch {
		case h.retire == nil || h.closing:
		case m != nil && !slices.Contains(m.from, h):
			m.from = append(m.from, h)
			h.retire.moving++
		case unmovable:
			h.retire.unmoved[t] = struct{}{}
		}
	}
}

// unmovable reports whether t was found to have nowhere to go.
func (s *State) unmovable(t *task) bool {
	for _, h := range t.whoHas.all() {
		if h.retire != nil {
			if _, ok := h.retire.unmoved[t]; ok {
				return true
			}
		}
	}
	return false
}

// startMove moves t off its retiring holders to a worker not in tried, or
// records that it cannot be moved. A value already moving, known not to
// move, or with a safe copy, needs nothing.
func (s *State) startMove(t *task, tried []*worker) {
	if t.state != Memory || s.moves[t] != nil || safelyHeld(t) || tried == nil && s.unmovable(t) {
		return
	}
	var from []*worker
	for _, h := range t.whoHas.all() {
		if h.retire != nil && !h.closing {
			from = append(from, h)
		}
	}
	if len(from) == 0 {
		return // only on workers that are going away: lost with them
	}
	to := s.moveTarget(t, tried)
	if to == nil {
		for _, h := range from {
			h.retire.unmoved[t] = struct{}{}
		}
		s.note(t, "cannot move off retiring "+workerList(from)+": no other worker can take it")
		s.retireDirty = true
		return
	}
	m := &move{to: to, from: from, nbytes: t.nbytes, tried: tried}
	s.moves[t] = m
	to.incoming += m.nbytes
	for _, h := range from {
		h.retire.moving++
	}
	s.acquires = append(s.acquires, t)
	s.note(t, fmt.Sprintf("moving to %s from retiring %s", to.id, workerList(from)))
}

// moveTarget picks where t goes: the safe, unpaused worker not in tried
// with the fewest bytes held or on their way to it, that has room for t
// under its memory limit. Ties go to the first to join.
func (s *State) moveTarget(t *task, tried []*worker) *worker {
	var best *worker
	var bestLoad int64
	for _, w := range s.order {
		if !w.safe() || w.paused || slices.Contains(t.whoHas.all(), w) || slices.Contains(tried, w) {
			continue
		}
		load := w.nbytes + w.incoming
		if w.memoryLimit > 0 && load+t.nbytes > w.memoryLimit {
			continue
		}
		if best == nil || load < bestLoad {
			best, bestLoad = w, load
		}
	}
	return best
}

// endMove forgets a move that succeeded, failed or became pointless.
func (s *State) endMove(t *task, m *move) {
	delete(s.moves, t)
	m.to.incoming -= m.nbytes
	for _, h := range m.from {
		if h.retire != nil {
			h.retire.moving--
		}
	}
	s.retireDirty = true
}

// moved ends a move once a safe worker holds a copy, and tells the
// clients holding t where it is now.
func (s *State) moved(t *task, m *move, w *worker) {
	s.endMove(t, m)
	s.note(t, "moved to "+string(w.id))
	var safe []*worker
	for _, h := range t.whoHas.all() {
		if h.safe() {
			safe = append(safe, h)
		}
	}
	for _, h := range t.holders.all() {
		n := next(&s.arena.dones)
		*n = NotifyDone{Client: h.c.id, Key: t.key, NBytes: t.nbytes, Holders: s.arena.workerIDs(safe)}
		s.emit(n)
	}
}

// moveFailed sends t to another target after its target failed it.
func (s *State) moveFailed(t *task, m *move, why string) {
	tried := append(slices.Clip(m.tried), m.to)
	s.endMove(t, m)
	s.note(t, fmt.Sprintf("move to %s failed: %s", m.to.id, why))
	s.startMove(t, tried)
}

// acquireFailed: worker id could not fetch key for an Acquire.
func (s *State) acquireFailed(id WorkerID, key string) {
	t := s.lookup(key)
	if t == nil {
		return
	}
	if m := s.moves[t]; m != nil && m.to.id == id && s.workers[id] == m.to {
		s.moveFailed(t, m, "it could not fetch the value")
	}
}

// redirectMoves sends the values moving to w elsewhere.
func (s *State) redirectMoves(w *worker, why string) {
	if len(s.moves) == 0 {
		return
	}
	var ts []*task
	for t, m := range s.moves {
		if m.to == w {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b *task) int { return cmp.Compare(a.seq, b.seq) })
	for _, t := range ts {
		if m := s.moves[t]; m != nil && m.to == w {
			s.moveFailed(t, m, why)
		}
	}
}

// retiringWorkerLeft handles, after the rest of a worker's departure, the
// moves it was to receive and the retirement it was part of.
func (s *State) retiringWorkerLeft(w *worker) {
	s.redirectMoves(w, "it left")
	if w.retire == nil {
		return
	}
	if w.retire.closed {
		s.resolve(w, func(d *RetireDone) { d.Retired = append(d.Retired, w.id) })
	} else {
		s.resolve(w, func(d *RetireDone) { d.Lost = append(d.Lost, w.id) })
	}
}

// resolve records w's outcome in every request that named it, and answers
// the requests that have nothing left to wait for.
func (s *State) resolve(w *worker, record func(*RetireDone)) {
	s.requests = slices.DeleteFunc(s.requests, func(r *retireRequest) bool {
		i := slices.Index(r.pending, w)
		if i < 0 {
			return false
		}
		r.pending = slices.Delete(r.pending, i, i+1)
		record(&r.done)
		if len(r.pending) > 0 {
			return false
		}
		s.emit(&r.done)
		return true
	})
}

// advanceRetirements finishes the retirements that wait for nothing more,
// then sends the moves started during this Handle, one Acquire per target.
func (s *State) advanceRetirements() {
	for s.retireDirty {
		s.retireDirty = false
		var ready []*worker
		for _, w := range s.order {
			if r := w.retire; r != nil && !r.closed && !w.closing && r.moving == 0 && w.nprocessing == 0 {
				ready = append(ready, w)
			}
		}
		if len(ready) == 0 {
			break
		}
		// A last look for values that became unique to retiring workers
		// since their retirement began.
		s.planMoves(ready)
		for _, w := range ready {
			if w.retire.moving == 0 {
				s.finishRetiring(w)
			}
		}
	}
	s.flushAcquires()
}

// finishRetiring closes a retiring worker that runs nothing and has no
// move under way, or keeps it if it holds values that could not be moved.
func (s *State) finishRetiring(w *worker) {
	var unmoved []*task
	for t := range w.retire.unmoved {
		if t.state == Memory && slices.Contains(t.whoHas.all(), w) && !safelyHeld(t) {
			unmoved = append(unmoved, t)
		}
	}
	if len(unmoved) > 0 {
		slices.SortFunc(unmoved, func(a, b *task) int { return cmp.Compare(a.seq, b.seq) })
		keys := make([]string, len(unmoved))
		for i, t := range unmoved {
			keys[i] = t.key
		}
		w.retire = nil
		s.limits(w)
		s.resolve(w, func(d *RetireDone) {
			d.Kept = append(d.Kept, w.id)
			d.Unmoved = append(d.Unmoved, keys...)
		})
		// Back at work: tasks that only it may run can go there again.
		s.reviveUnrunnable()
		s.fill(w)
		return
	}
	w.retire.closed = true
	w.closing = true
	s.emit(&CloseWorker{Worker: w.id})
}

// flushAcquires emits one Acquire per target for the moves started since
// the last call that are still on their way to it.
func (s *State) flushAcquires() {
	if len(s.acquires) == 0 {
		return
	}
	var order []*worker
	byTarget := map[*worker][]DepLoc{}
	for _, t := range s.acquires {
		m := s.moves[t]
		if m == nil || slices.ContainsFunc(byTarget[m.to], func(d DepLoc) bool { return d.Key == t.key }) {
			continue
		}
		var from []*worker
		for _, h := range m.from {
			if s.workers[h.id] == h && slices.Contains(t.whoHas.all(), h) {
				from = append(from, h)
			}
		}
		if _, ok := byTarget[m.to]; !ok {
			order = append(order, m.to)
		}
		byTarget[m.to] = append(byTarget[m.to], DepLoc{Key: t.key, NBytes: t.nbytes, Holders: s.arena.workerIDs(from)})
	}
	clear(s.acquires)
	s.acquires = s.acquires[:0]
	for _, w := range order {
		s.emit(&Acquire{Worker: w.id, Keys: byTarget[w]})
	}
}

func workerList(ws []*worker) string {
	ids := make([]string, len(ws))
	for i, w := range ws {
		ids[i] = string(w.id)
	}
	return strings.Join(ids, ",")
}

package scheduler

import (
	"fmt"
	"slices"
)

// Check verifies every invariant of the state and returns the first
// violation. It walks all tasks and workers: use it in tests, after every
// Handle.
func (s *State) Check() error {
	var counts [numStates]int
	groups := make([][numStates]int, len(s.groups))
	for t := range s.allTasks() {
		if err := s.checkTask(t); err != nil {
			return fmt.Errorf("task %s (%v): %w", t.key, t.state, err)
		}
		counts[t.state]++
		groups[t.fnIdx][t.state]++
	}
	if counts[Forgotten] != 0 {
		return fmt.Errorf("%d forgotten tasks still listed", counts[Forgotten])
	}
	counts[Forgotten] = s.counts[Forgotten] // the only count not of tasks listed
	if counts != s.counts {
		return fmt.Errorf("tasks by state %v, counted %v", counts, s.counts)
	}
	for i, g := range s.groups {
		groups[i][Forgotten] = g.n[Forgotten]
		if groups[i] != g.n {
			return fmt.Errorf("tasks of %q by state %v, counted %v", s.fnNames[i], groups[i], g.n)
		}
		total := 0
		for _, n := range g.n {
			total += n
		}
		if total != g.created {
			return fmt.Errorf("tasks of %q: %d by state, %d created", s.fnNames[i], total, g.created)
		}
	}
	for id, w := range s.workers {
		n := 0
		used := map[string]float64{}
		for t := w.procHead.next; t != &w.procHead; t = t.next {
			n++
			if t.processing != w || t.state != Processing {
				return fmt.Errorf("worker %s lists %s (%v) as processing", id, t.key, t.state)
			}
			for _, r := range t.resources() {
				used[r.Name] += r.Amount
			}
		}
		if n != w.nprocessing {
			return fmt.Errorf("worker %s: nprocessing %d, list has %d", id, w.nprocessing, n)
		}
		if err := s.checkStealing(w); err != nil {
			return fmt.Errorf("worker %s: %w", id, err)
		}
		for name, total := range w.resources {
			if got := w.available[name] + used[name]; got != total {
				return fmt.Errorf("worker %s: resource %s available+used = %v, total %v", id, name, got, total)
			}
		}
		var nbytes int64
		nkeys := 0
		for t := range s.allTasks() {
			if slices.Contains(t.whoHas.all(), w) {
				nkeys++
				nbytes += t.nbytes
			}
		}
		if nkeys != w.nkeys || nbytes != w.nbytes {
			return fmt.Errorf("worker %s: %d keys of %d bytes, tasks list %d of %d", id, w.nkeys, w.nbytes, nkeys, nbytes)
		}
	}
	if len(s.order) != len(s.workers) {
		return fmt.Errorf("%d workers in order, %d in map", len(s.order), len(s.workers))
	}
	if err := s.checkSlots(); err != nil {
		return err
	}
	queued := 0
	for t := range s.queue.all {
		queued++
		if t.state != Queued || t.qlevel == nil || t.qlevel.prio != t.userPrio {
			return fmt.Errorf("queue holds %s (%v)", t.key, t.state)
		}
		if !t.qlate && t.qlevel.fifo[t.qpos-t.qlevel.base] != t || t.qlate && t.qlevel.late[t.qpos] != t {
			return fmt.Errorf("queue position of %s is stale", t.key)
		}
	}
	if queued != s.queue.Len() {
		return fmt.Errorf("queue length %d, holds %d", s.queue.Len(), queued)
	}
	for t := range s.noWork {
		if t.state != NoWorker {
			return fmt.Errorf("no-worker set holds %s (%v)", t.key, t.state)
		}
	}
	for name, list := range map[string][]*worker{"idle": s.idle, "victims": s.victims} {
		for i, w := range list {
			at := w.idleAt
			if name == "victims" {
				at = w.victimAt
			}
			if s.workers[w.id] != w || at != i {
				return fmt.Errorf("%s list holds %s at %d (departed, or its index is %d)", name, w.id, i, at)
			}
		}
	}
	if len(s.scratch.refill) > 0 {
		return fmt.Errorf("%d thieves left to refill after the event", len(s.scratch.refill))
	}
	return s.checkRetirement()
}

// checkRetirement verifies the bookkeeping of retiring workers and of the
// values moving off them.
func (s *State) checkRetirement() error {
	if len(s.acquires) != 0 {
		return fmt.Errorf("%d moves started but not sent", len(s.acquires))
	}
	incoming := map[*worker]int64{}
	moving := map[*worker]int{}
	for t, m := range s.moves {
		if s.lookup(t.key) != t || t.state != Memory {
			return fmt.Errorf("moving %s (%v), which is not a value in memory", t.key, t.state)
		}
		if safelyHeld(t) {
			return fmt.Errorf("moving %s, which a worker that is not retiring holds", t.key)
		}
		if s.workers[m.to.id] != m.to || !m.to.safe() || m.to.paused {
			return fmt.Errorf("moving %s to %s, which is gone, retiring, closing or paused", t.key, m.to.id)
		}
		if slices.Contains(t.whoHas.all(), m.to) {
			return fmt.Errorf("moving %s to %s, which holds it", t.key, m.to.id)
		}
		if len(m.from) == 0 {
			return fmt.Errorf("moving %s from nowhere", t.key)
		}
		incoming[m.to] += m.nbytes
		for _, h := range m.from {
			if h.retire == nil && s.workers[h.id] == h {
				return fmt.Errorf("moving %s from %s, which is not retiring", t.key, h.id)
			}
			moving[h]++
		}
	}
	pending := map[*worker]bool{}
	for _, r := range s.requests {
		if len(r.pending) == 0 {
			return fmt.Errorf("retirement request %d of %s waits for nothing", r.done.ReqID, r.done.Client)
		}
		for _, w := range r.pending {
			if s.workers[w.id] != w || w.retire == nil {
				return fmt.Errorf("retirement request %d waits for %s, which is gone or not retiring", r.done.ReqID, w.id)
			}
			pending[w] = true
		}
	}
	for id, w := range s.workers {
		if w.incoming != incoming[w] {
			return fmt.Errorf("worker %s: %d bytes incoming, moves to it have %d", id, w.incoming, incoming[w])
		}
		r := w.retire
		if r == nil {
			continue
		}
		if !pending[w] {
			return fmt.Errorf("worker %s is retiring for no request", id)
		}
		if r.moving != moving[w] {
			return fmt.Errorf("worker %s: %d moves of its values, %d under way", id, r.moving, moving[w])
		}
		if r.closed && (!w.closing || w.nprocessing != 0) {
			return fmt.Errorf("worker %s was told to close, but is not closing or processes %d tasks", id, w.nprocessing)
		}
		if !r.closed && !w.closing && r.moving == 0 && w.nprocessing == 0 {
			return fmt.Errorf("worker %s is done retiring but neither closed nor kept", id)
		}
	}
	return nil
}

// checkStealing verifies w's steal counts, the steals asked of it, and
// that it is filed among thieves and victims as its load says.
func (s *State) checkStealing(w *worker) error {
	out, refused, in := 0, 0, 0
	for t := w.procHead.next; t != &w.procHead; t = t.next {
		if t.stealOf() != nil {
			out++
		}
		if t.noSteal {
			refused++
		}
	}
	for t := range s.allTasks() {
		if st := t.stealOf(); st != nil && st.thief == w {
			in++
		}
	}
	if out != w.stealsOut || refused != w.nrefused || in != w.stealsIn {
		return fmt.Errorf("steals out %d, refused %d, in %d; counted %d, %d, %d", w.stealsOut, w.nrefused, w.stealsIn, out, refused, in)
	}
	for _, st := range w.asked {
		if st.victim != w {
			return fmt.Errorf("asked for %s, a steal of %s", st.task.key, st.victim.id)
		}
		if st.active && st.task.stealOf() != st {
			return fmt.Errorf("active steal of %s is not the task's", st.task.key)
		}
	}
	if w.load != w.nprocessing-w.stealsOut+w.stealsIn {
		return fmt.Errorf("load %d, but %d processing, %d being stolen from it, %d for it", w.load, w.nprocessing, w.stealsOut, w.stealsIn)
	}
	if w.nprocessing < w.steadyLo || w.nprocessing > w.steadyHi {
		return fmt.Errorf("%d processing, outside its steady range %d..%d", w.nprocessing, w.steadyLo, w.steadyHi)
	}
	if !s.stealing {
		if w.idleAt >= 0 || w.victimAt >= 0 || len(w.asked) > 0 || out+refused+in > 0 {
			return fmt.Errorf("work stealing is off, yet it steals")
		}
		return nil
	}
	mine := w.nprocessing - w.stealsOut
	idle := !w.closing && !w.paused && w.retire == nil && mine+w.stealsIn < w.nthreads
	victim := !w.closing && mine > w.nrefused && (mine > w.nthreads || w.paused || w.retire != nil)
	if (w.idleAt >= 0) != idle || (w.victimAt >= 0) != victim {
		return fmt.Errorf("filed as idle %v and victim %v, should be %v and %v (load %d of %d threads)",
			w.idleAt >= 0, w.victimAt >= 0, idle, victim, w.load, w.nthreads)
	}
	return nil
}

func holdsOf(t *task, c *client) int32 {
	for _, h := range t.holders.all() {
		if h.c == c {
			return h.n
		}
	}
	return 0
}

func (s *State) checkTask(t *task) error {
	var waiters, live, notInMemory int32
	for _, d := range t.dependents {
		if d.state == Forgotten {
			continue
		}
		live++
		if d.active() {
			waiters++
		}
	}
	if live != t.liveDeps {
		return fmt.Errorf("liveDeps %d, counted %d", t.liveDeps, live)
	}
	if waiters != t.waiters {
		return fmt.Errorf("waiters %d, counted %d", t.waiters, waiters)
	}
	for _, d := range t.deps {
		if d.state == Forgotten {
			return fmt.Errorf("depends on forgotten %s", d.key)
		}
		if d.state != Memory {
			notInMemory++
		}
		if t.active() && d.state == Erred {
			return fmt.Errorf("active but dependency %s erred", d.key)
		}
	}
	for _, h := range t.holders.all() {
		if h.n <= 0 {
			return fmt.Errorf("holder %s holds it %d times", h.c.id, h.n)
		}
		if s.clients[h.c.id] != h.c {
			return fmt.Errorf("held by departed client %s", h.c.id)
		}
	}
	if !t.needed() && t.state != Released && t.state != Erred && t.state != Memory {
		return fmt.Errorf("not needed but %v", t.state)
	}
	if !t.needed() && t.state == Memory {
		return fmt.Errorf("value held though nobody needs it")
	}
	if !t.held() && t.liveDeps == 0 && (t.state == Released || t.state == Erred) {
		return fmt.Errorf("should have been forgotten")
	}
	if (t.state == Queued) != (t.qlevel != nil) {
		return fmt.Errorf("queued is %v", t.qlevel != nil)
	}
	if (t.state == Processing) != (t.processing != nil) {
		return fmt.Errorf("processing on %v", t.processing)
	}
	if (t.state == Memory) != (t.whoHas.len() > 0) {
		return fmt.Errorf("%d holders of its value", t.whoHas.len())
	}
	for _, w := range t.whoHas.all() {
		if s.workers[w.id] != w {
			return fmt.Errorf("value on departed worker %s", w.id)
		}
	}
	switch t.state {
	case Waiting:
		if t.waitingOn != notInMemory || t.waitingOn == 0 {
			return fmt.Errorf("waitingOn %d, %d inputs not in memory", t.waitingOn, notInMemory)
		}
	case Queued, NoWorker, Processing:
		if notInMemory != 0 {
			return fmt.Errorf("%d inputs not in memory", notInMemory)
		}
	case Erred:
		if t.failure() == nil {
			return fmt.Errorf("no error recorded")
		}
	}
	if t.state == Processing && s.workers[t.processing.id] != t.processing {
		return fmt.Errorf("processing on departed worker %s", t.processing.id)
	}
	if st := t.stealOf(); st != nil {
		// At most one steal per task, and only of the worker it processes on.
		switch {
		case !st.active || st.task != t:
			return fmt.Errorf("steal record is not this task's active steal")
		case t.state != Processing || t.processing != st.victim:
			return fmt.Errorf("steal asked of %s, but processing on %v", st.victim.id, t.processing)
		case st.thief == st.victim:
			return fmt.Errorf("stolen by its own worker %s", st.thief.id)
		case !slices.Contains(st.victim.asked, st):
			return fmt.Errorf("steal not among those asked of %s", st.victim.id)
		}
	}
	if t.noSteal && t.state != Processing {
		return fmt.Errorf("refused a steal, but not processing")
	}
	return nil
}

// checkSlots: every task has a slot of its own and is found by its key
// and its ref; every other slot is free; every entry of the index names a
// task, under its key's tag.
func (s *State) checkSlots() error {
	if len(s.slots) != len(s.gens) {
		return fmt.Errorf("%d slots, %d generations", len(s.slots), len(s.gens))
	}
	for i, t := range s.slots {
		if t == nil {
			continue
		}
		if t.slot != uint32(i) {
			return fmt.Errorf("task %s in slot %d says slot %d", t.key, i, t.slot)
		}
		if s.lookup(t.key) != t {
			return fmt.Errorf("task %s: its key names another task", t.key)
		}
		if s.byRef(s.ref(t), t.key) != t {
			return fmt.Errorf("task %s: its ref names another task", t.key)
		}
	}
	for _, i := range s.freeSlots {
		if s.slots[i] != nil {
			return fmt.Errorf("free slot %d holds %s", i, s.slots[i].key)
		}
	}
	used := len(s.slots) - len(s.freeSlots)
	if used != s.index.Len() {
		return fmt.Errorf("%d slots in use, %d tasks indexed", used, s.index.Len())
	}
	return s.index.Check(func(i uint32) (uint32, bool) {
		if int(i) >= len(s.slots) || s.slots[i] == nil {
			return 0, false
		}
		return uint32(s.index.hash(s.slots[i].key) >> 32), true
	})
}

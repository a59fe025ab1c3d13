package scheduler

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// ready places a task whose inputs are all in memory.
func (s *State) ready(t *task) {
	if len(s.workers) == 0 {
		s.toNoWorker(t)
		return
	}
	if !s.someoneRuns(t) {
		s.toErred(t, s.noWorkerError(t))
		return
	}
	satisfiable := false
	for _, w := range s.order {
		if s.runs(w, t) && s.fits(t, w, false) {
			satisfiable = true
			break
		}
	}
	if !satisfiable {
		s.toNoWorker(t)
		return
	}
	var w *worker
	if len(t.deps) == 0 {
		w = s.leastBusy(t)
	} else {
		w = s.bestWorker(t)
	}
	if w == nil {
		s.setState(t, Queued)
		s.queue.push(t)
		return
	}
	s.assign(t, w)
}

// someoneRuns reports whether a connected worker can run t's function.
// Answers are cached until the set of workers changes.
func (s *State) someoneRuns(t *task) bool {
	if int(t.fnIdx) < len(s.runnable) {
		switch s.runnable[t.fnIdx] {
		case 1:
			return true
		case 2:
			return false
		}
	}
	ok := false
	for _, w := range s.order {
		if s.runs(w, t) {
			ok = true
			break
		}
	}
	s.runnable = setKnown(s.runnable, t.fnIdx, ok)
	return ok
}

// runs reports whether w registers t's function.
func (s *State) runs(w *worker, t *task) bool {
	if int(t.fnIdx) < len(w.canRun) {
		switch w.canRun[t.fnIdx] {
		case 1:
			return true
		case 2:
			return false
		}
	}
	ok := w.funcs.Has(s.fnNames[t.fnIdx])
	w.canRun = setKnown(w.canRun, t.fnIdx, ok)
	return ok
}

// setKnown records a yes (1) or no (2) at i, growing known as needed.
func setKnown(known []int8, i int32, yes bool) []int8 {
	if int(i) >= len(known) {
		known = append(known, make([]int8, int(i)+1-len(known))...)
	}
	known[i] = 2
	if yes {
		known[i] = 1
	}
	return known
}

// intern returns the index of a function identity, for task.fnIdx.
func (s *State) intern(fn string) int32 {
	if s.lastIdx >= 0 && fn == s.lastFn {
		return s.lastIdx
	}
	i, ok := s.fnIndex[fn]
	if !ok {
		i = int32(len(s.fnNames))
		s.fnIndex[fn] = i
		s.fnNames = append(s.fnNames, fn)
		s.groups = append(s.groups, group{})
	}
	s.lastFn, s.lastIdx = fn, i
	return i
}

func (s *State) noWorkerError(t *task) *Error {
	return &Error{Kind: "no-worker", Key: t.key, Message: fmt.Sprintf(
		"no connected worker can run function %s: start workers from a program that registers it "+
			"(the same binary as the client, e.g. `./yourprogram worker <scheduler-address>`)", funcName(s.fnNames[t.fnIdx]))}
}

func funcName(fn string) string {
	if i := strings.LastIndexByte(fn, '@'); i >= 0 {
		return fn[:i]
	}
	return fn
}

func (s *State) toNoWorker(t *task) {
	s.setState(t, NoWorker)
	s.noWork[t] = struct{}{}
}

// fits reports whether w may run t: restrictions and total resources, and
// with now also the resources free at the moment.
func (s *State) fits(t *task, w *worker, now bool) bool {
	if w.closing || w.retire != nil {
		return false
	}
	if len(t.restrict()) > 0 && !t.loose() && !slices.Contains(t.restrict(), w.name) && !slices.Contains(t.restrict(), string(w.id)) {
		return false
	}
	for _, r := range t.resources() {
		have := w.resources[r.Name]
		if now {
			have = w.available[r.Name]
		}
		if have < r.Amount {
			return false
		}
	}
	return true
}

// capacity is how many tasks w should have in flight: one per thread plus,
// for short tasks, enough queued to cover TargetBatch of work per thread,
// and at least one per thread (see Config.ShortTask).
func (s *State) capacity(w *worker) int {
	ahead := 0
	if s.avgDur > 0 {
		ahead = int(math.Min(float64(s.cfg.MaxAhead), float64(s.cfg.TargetBatch)/s.avgDur))
		if s.avgDur < float64(s.cfg.ShortTask) {
			ahead = max(ahead, 1)
		}
	}
	return w.nthreads * (1 + ahead)
}

func (s *State) hasRoom(t *task, w *worker) bool {
	return !w.paused && s.runs(w, t) && w.load < s.capacity(w) && s.fits(t, w, true)
}

// leastBusy picks, for a root task, the valid worker with room and the
// fewest tasks per thread, preferring its restrictions when they are loose.
func (s *State) leastBusy(t *task) *worker {
	var best *worker
	var bestLoad float64
	n := len(s.order)
	for i := 0; i < n; i++ {
		w := s.order[(s.rr+i)%n]
		if !s.hasRoom(t, w) {
			continue
		}
		load := float64(w.load) / float64(w.nthreads)
		if !prefers(t, w) {
			load += 1e6
		}
		if best == nil || load < bestLoad {
			best, bestLoad = w, load
			if load == 0 {
				break
			}
		}
	}
	if best != nil {
		s.rr = (s.rr + 1) % n
	}
	return best
}

// bestWorker picks, for a task with inputs, the worker that minimises the
// time to move its missing inputs plus its expected queue time (Dask's
// worker objective). Candidates are the inputs' holders and, so that idle
// workers get work, a bounded round-robin sample of the others.
func (s *State) bestWorker(t *task) *worker {
	var best *worker
	bestCost := math.Inf(1)
	consider := func(w *worker) {
		if w.paused || !s.runs(w, t) || !s.fits(t, w, true) {
			return
		}
		// Seconds: moving t's inputs there, and the work queued ahead of t.
		cost := s.transferCost(t, w) + float64(w.load)*s.taskDur()/1e9/float64(w.nthreads)
		if !prefers(t, w) {
			cost += 1e6
		}
		if cost < bestCost {
			best, bestCost = w, cost
		}
	}
	if len(s.order) <= 16 {
		for _, w := range s.order {
			consider(w)
		}
		return best
	}
	for _, d := range t.deps[:min(len(t.deps), 8)] {
		for _, w := range d.whoHas.all() {
			consider(w)
		}
	}
	for i := 0; i < 8; i++ {
		s.rr = (s.rr + 1) % len(s.order)
		consider(s.order[s.rr])
	}
	if best == nil {
		// The sample missed every worker that may run t (restrictions,
		// resources, functions): look at all of them rather than queue t,
		// since nothing fills a worker that is idle.
		for _, w := range s.order {
			consider(w)
		}
	}
	return best
}

// transferCost is how long, in seconds, moving t's inputs to w takes: the
// bytes it lacks, and a round trip for each input it fetches.
func (s *State) transferCost(t *task, w *worker) float64 {
	var move int64
	fetches := 0
	for _, d := range t.deps {
		if !slices.Contains(d.whoHas.all(), w) {
			move += d.nbytes
			fetches++
		}
	}
	return float64(move)/s.cfg.Bandwidth + float64(fetches)*float64(s.cfg.TransferLatency)/1e9
}

// taskDur is the expected duration of a task, in nanoseconds: the average
// so far, or 1 ms before any task finished.
func (s *State) taskDur() float64 {
	if s.avgDur == 0 {
		return 1e6
	}
	return s.avgDur
}

// prefers reports whether w is not against t's loose restrictions.
func prefers(t *task, w *worker) bool {
	return !t.loose() || len(t.restrict()) == 0 || slices.Contains(t.restrict(), w.name) || slices.Contains(t.restrict(), string(w.id))
}

func (s *State) assign(t *task, w *worker) {
	s.setState(t, Processing)
	t.processing = w
	// Link into w's processing list.
	h := &w.procHead
	t.prev, t.next = h.prev, h
	h.prev.next = t
	h.prev = t
	w.nprocessing++
	w.load++
	for _, r := range t.resources() {
		w.available[r.Name] -= r.Amount
	}
	if w.nprocessing > w.steadyHi {
		s.refile(w)
	}
	c := next(&s.arena.computes)
	*c = Compute{Worker: w.id, Key: t.key, Ref: s.ref(t), Func: s.fnNames[t.fnIdx], Args: t.args, Priority: workerPriority(t), Resources: t.resources(), Held: t.held()}
	if len(t.deps) > 0 {
		c.Deps = take(&s.arena.deps, len(t.deps))
		for i, d := range t.deps {
			c.Deps[i] = DepLoc{Key: d.key, NBytes: d.nbytes, Holders: s.arena.workerIDs(d.whoHas.all())}
		}
	}
	s.emit(c)
}

// workerPriority orders tasks on a worker, lowest first: higher user
// priority first, then submission order.
func workerPriority(t *task) int64 {
	const userShift = 40 // 2^40 submissions before the orders overlap
	u := max(min(t.userPrio, 1<<21), -(1 << 21))
	return -u<<userShift + int64(t.seq&(1<<userShift-1))
}

// unassign takes a processing task off its worker; the caller sets its
// state. A steal asked of the worker for it is moot from now on.
func (s *State) unassign(t *task) {
	w := t.processing
	if w.retire != nil {
		s.retireDirty = true // it may have been the last task its retirement waited for
	}
	if t.stealOf() != nil || t.noSteal {
		s.unsteal(t)
	}
	t.prev.next = t.next
	t.next.prev = t.prev
	t.prev, t.next = nil, nil
	t.processing = nil
	w.nprocessing--
	w.load--
	for _, r := range t.resources() {
		w.available[r.Name] += r.Amount
	}
	if w.nprocessing < w.steadyLo {
		s.refile(w)
	}
}

// fill sends queued tasks to w while it has room.
func (s *State) fill(w *worker) {
	if w.gone || w.paused || w.closing || w.retire != nil {
		return
	}
	var skipped []*task
	limit := s.capacity(w) // hasRoom's, which stays as it is while fill runs
	for s.queue.Len() > 0 && w.load < limit {
		t := s.queue.peek()
		if !s.runs(w, t) || !s.fits(t, w, true) { // hasRoom, less what is checked above
			// Another worker's task: set it aside, look a little further.
			s.queue.remove(t)
			skipped = append(skipped, t)
			if len(skipped) >= 32 {
				break
			}
			continue
		}
		s.queue.remove(t)
		s.assign(t, w)
	}
	for _, t := range skipped {
		s.queue.push(t)
	}
	if len(skipped) >= 32 && w.load < s.capacity(w) {
		s.fillPastOthers(w)
	}
}

// fillPastOthers is fill's slow path, for when many tasks at the head of
// the queue are for other workers (restrictions, resources): it scans the
// whole queue for the most urgent tasks w can run, so w is never left idle
// behind them.
func (s *State) fillPastOthers(w *worker) {
	var fit []*task
	for t := range s.queue.all {
		if s.hasRoom(t, w) {
			fit = append(fit, t)
		}
	}
	slices.SortFunc(fit, func(a, b *task) int {
		if a.userPrio != b.userPrio {
			return cmp.Compare(b.userPrio, a.userPrio)
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for _, t := range fit {
		if w.load >= s.capacity(w) {
			break
		}
		if !s.hasRoom(t, w) { // resources taken by one just assigned
			continue
		}
		s.queue.remove(t)
		s.assign(t, w)
	}
}

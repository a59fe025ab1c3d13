package scheduler

import (
	"cmp"
	"math"
	"slices"
)

// Work stealing, after Dask's: placement decides once, with what it knows
// then (a task with inputs goes at once to the worker that minimises moving
// them plus queue time, with no cap), so a worker can end up with tasks
// waiting behind its busy threads while another has threads free — tasks
// turned out longer than the average said, a worker joined late, or one
// paused for memory. Stealing takes such tasks back and runs them on the
// idle worker, when moving them there is quicker than waiting:
//
//	thief:  bytes it lacks / Bandwidth + (inputs to fetch + 1) × TransferLatency + its own queue
//	victim: (tasks ahead of it − threads + 1) × average duration / threads   (forever if paused or retiring)
//
// The extra TransferLatency is the steal's round trip to the victim. The
// tasks looked at are the last ones sent to the victim, lowest priority
// first: those it would run last, and wait longest.
//
// It is event-driven and bounded. Workers with a free thread (thieves) and
// workers with tasks waiting behind busy threads or paused (victims) are
// kept in two lists as their loads change; when both are non-empty at the
// end of an event, balance serves up to stealThieves thieves from up to
// stealVictims victims each, looking at up to stealScan tasks per victim.
// A victim whose last task would not wait longer than a steal costs is
// passed over without looking at its tasks. When balance finds nothing to
// steal (the thieves run none of the victims' functions, say, or their
// inputs are too big to move), it runs again after 2, 4, 8, ... and then
// every 64 events, unless things change first: a worker becomes idle, a
// graph arrives, a worker joins, leaves or pauses, or the average task
// duration moves by a quarter. The lists cost one comparison per task
// placed or taken off a worker: a worker is refiled only when its count of
// processing tasks leaves the range (steady) over which its place cannot
// change. When no worker is idle while another has a queue, stealing costs
// that and two comparisons per event.
//
// The protocol: the scheduler sends the victim a Steal and the task stays
// processing there, marked (taskExtra.steal) and counted on the thief instead
// (worker.load), so that placement does not count it twice. The victim
// answers with a StealResponse, in the order asked (worker.asked): stolen
// if the task had not started there (it then forgot it), and the task is
// placed again — on the thief if it still has room, else where placement
// says; not stolen if it runs or ran there, and it is never asked again on
// that worker. Anything that ends the task's processing first (it finished
// or failed, was freed or rescheduled, its worker left) makes the steal
// moot: its answer, when it comes, is dropped.
const (
	stealThieves = 4  // thieves served per event
	stealVictims = 4  // victims looked at per thief
	stealScan    = 16 // tasks looked at per victim, from the last sent
	stealBackoff = 6  // balance, finding nothing time after time, runs every 1<<stealBackoff events
)

// steal is one steal asked of a worker.
type steal struct {
	task          *task
	victim, thief *worker
	active        bool // the task is processing on victim, counted on thief
}

// stealScratch is balance's working memory, reused across events.
type stealScratch struct {
	thieves, victims []*worker
	cands            []*task
	refill           []*worker // thieves that lost an incoming steal this event
}

// limits sets the loads at which w is a thief or a victim, after its state
// changed (joined, closing, left, paused or resumed, a steal refused or a
// refused task gone), and files it again. A thief has a free thread,
// counting the tasks on their way to it. A victim has tasks waiting behind
// its busy threads, or is paused with tasks it has not started, not
// counting those on their way elsewhere or that refused a steal.
func (s *State) limits(w *worker) {
	switch {
	case !s.stealing || w.gone || w.closing:
		w.idleBelow, w.victimAbove = -never, never
	case w.paused || w.retire != nil:
		// Never a thief; a victim of every task it has not started.
		w.idleBelow, w.victimAbove = -never, w.nrefused
	default:
		w.idleBelow, w.victimAbove = w.nthreads, max(w.nthreads, w.nrefused)
	}
	s.refile(w)
}

// never is a load no worker reaches.
const never = 1 << 40

// refile files w among the thieves and victims as its load and limits
// say, and sets the range of its processing count over which that holds.
func (s *State) refile(w *worker) {
	idle := w.load < w.idleBelow
	if idle != (w.idleAt >= 0) {
		if idle {
			s.stealMisses = 0 // a thief anew: worth a look at once
		}
		s.idle = file(s.idle, w, idle, idleAt)
	}
	victim := w.nprocessing-w.stealsOut > w.victimAbove
	if victim != (w.victimAt >= 0) {
		s.victims = file(s.victims, w, victim, victimAt)
	}
	// In terms of nprocessing: idle below a, a victim above b.
	a := w.idleBelow + w.stealsOut - w.stealsIn
	b := w.victimAbove + w.stealsOut
	w.steadyLo, w.steadyHi = -never, never
	if idle {
		w.steadyHi = a - 1
	} else {
		w.steadyLo = a
	}
	if victim {
		w.steadyLo = max(w.steadyLo, b+1)
	} else {
		w.steadyHi = min(w.steadyHi, b)
	}
}

func idleAt(w *worker) *int   { return &w.idleAt }
func victimAt(w *worker) *int { return &w.victimAt }

// file adds w to list or removes it, as in says; at is w's index there.
func file(list []*worker, w *worker, in bool, at func(*worker) *int) []*worker {
	i := at(w)
	switch {
	case in && *i < 0:
		*i = len(list)
		return append(list, w)
	case !in && *i >= 0:
		last := list[len(list)-1]
		list[*i] = last
		*at(last) = *i
		*i = -1
		list[len(list)-1] = nil
		return list[:len(list)-1]
	}
	return list
}

// afterEvent gives queued work to thieves whose incoming steals came to
// nothing, then balances unless it is backing off.
func (s *State) afterEvent() {
	if len(s.scratch.refill) > 0 {
		for _, w := range s.scratch.refill {
			s.fill(w)
		}
		clear(s.scratch.refill)
		s.scratch.refill = s.scratch.refill[:0]
	}
	if len(s.idle) > 0 && len(s.victims) > 0 && !s.backingOff() {
		s.balance()
	}
}

// balance asks steals for some of the thieves. Which ones rotates from one
// event to the next, so that a thief that can run nothing of the victims'
// does not keep the others waiting.
func (s *State) balance() {
	s.stealRR++
	thieves := s.scratch.thieves[:0]
	for i := 0; i < len(s.idle) && len(thieves) < stealThieves; i++ {
		thieves = append(thieves, s.idle[(s.stealRR+i)%len(s.idle)])
	}
	asked := 0
	for _, th := range thieves {
		if len(s.victims) == 0 {
			break
		}
		if th.idleAt >= 0 {
			asked += s.stealFor(th)
		}
	}
	clear(thieves)
	s.scratch.thieves = thieves[:0]
	if asked > 0 {
		s.stealMisses = 0
		return
	}
	s.stealMisses = min(s.stealMisses+1, stealBackoff)
	s.stealAfter = s.stimulus + 1<<s.stealMisses
	s.missEpoch, s.missDur = s.stealEpoch, s.avgDur
}

// backingOff reports whether balance found nothing to steal lately, and
// nothing has changed enough since to look again yet.
func (s *State) backingOff() bool {
	return s.stealMisses > 0 && s.stimulus < s.stealAfter && s.missEpoch == s.stealEpoch &&
		math.Abs(s.avgDur-s.missDur) <= s.missDur/4
}

// stealFor asks steals for th, up to its room, from the victims whose last
// task would wait longest, and returns how many it asked.
func (s *State) stealFor(th *worker) int {
	room := s.capacity(th) - th.load
	if room <= 0 {
		return 0
	}
	start := room
	dur := s.taskDur()
	vs := s.scratch.victims[:0]
	for i := 0; i < len(s.victims) && len(vs) < stealVictims; i++ {
		vs = append(vs, s.victims[(s.stealRR+i)%len(s.victims)])
	}
	slices.SortStableFunc(vs, func(a, b *worker) int {
		return cmp.Compare(s.lastWait(b, dur), s.lastWait(a, dur))
	})
	for _, v := range vs {
		if room <= 0 {
			break
		}
		if v.victimAt >= 0 {
			room = s.stealFrom(v, th, dur, room)
		}
	}
	clear(vs)
	s.scratch.victims = vs[:0]
	return start - room
}

// waitOn is how long, in seconds, a task with ahead tasks to run before it
// on w waits for a thread: forever on a paused worker, and on a retiring
// one (what it has not started only delays its leaving).
func (s *State) waitOn(w *worker, ahead int, dur float64) float64 {
	if w.paused || w.retire != nil {
		return math.Inf(1)
	}
	rounds := ahead - w.nthreads + 1
	if rounds <= 0 {
		return 0
	}
	return float64(rounds) * dur / 1e9 / float64(w.nthreads)
}

// lastWait is how long the task v would run last waits.
func (s *State) lastWait(v *worker, dur float64) float64 {
	return s.waitOn(v, v.nprocessing-v.stealsOut-1, dur)
}

// stealFrom asks steals of v for th, up to room, and returns the room left.
func (s *State) stealFrom(v, th *worker, dur float64, room int) int {
	latency := float64(s.cfg.TransferLatency) / 1e9
	if s.lastWait(v, dur) <= latency+s.waitOn(th, th.load, dur) {
		return room // nothing on v waits longer than the cheapest steal costs
	}
	cands := s.scratch.cands[:0]
	n := 0
	for t := v.procHead.prev; t != &v.procHead && n < stealScan; t = t.prev {
		n++
		if t.stealOf() == nil && !t.noSteal && s.runs(th, t) && prefers(t, th) && s.fits(t, th, true) {
			cands = append(cands, t)
		}
	}
	// What v would run last first.
	slices.SortStableFunc(cands, func(a, b *task) int { return cmp.Compare(workerPriority(b), workerPriority(a)) })
	mine := v.nprocessing - v.stealsOut
	for i, t := range cands {
		if room <= 0 {
			break
		}
		wait := s.waitOn(v, mine-1-i, dur)
		floor := latency + s.waitOn(th, th.load, dur)
		if wait <= floor {
			break // the rest run sooner on v still
		}
		if s.transferCost(t, th)+floor >= wait || !s.fits(t, th, true) {
			continue
		}
		s.startSteal(t, v, th)
		room--
	}
	clear(cands)
	s.scratch.cands = cands[:0]
	return room
}

func (s *State) startSteal(t *task, v, th *worker) {
	st := &steal{task: t, victim: v, thief: th, active: true}
	t.extra().steal = st
	v.asked = append(v.asked, st)
	v.stealsOut++
	v.load--
	th.stealsIn++
	th.load++
	s.refile(v)
	s.refile(th)
	s.record(t, t.state, "steal asked of "+string(v.id)+" for "+string(th.id))
	s.emit(&Steal{Worker: v.id, Key: t.key})
}

// unsteal forgets, as t leaves its worker, the steal asked for it or the
// steal it refused.
func (s *State) unsteal(t *task) {
	if t.stealOf() != nil {
		s.endSteal(t)
	}
	if t.noSteal {
		t.noSteal = false
		t.processing.nrefused--
		s.limits(t.processing)
	}
}

// endSteal makes t's steal moot: t counts on its worker again, and the
// thief, which will not get it, may take other work.
func (s *State) endSteal(t *task) {
	st := t.x.steal
	t.x.steal = nil
	st.active = false
	st.victim.stealsOut--
	st.victim.load++
	st.thief.stealsIn--
	st.thief.load--
	s.refile(st.victim)
	s.refile(st.thief)
	if !st.thief.gone {
		s.scratch.refill = append(s.scratch.refill, st.thief)
	}
}

// stealAnswered takes a victim's answer to the oldest steal asked of it.
func (s *State) stealAnswered(e *StealResponse) {
	w := s.workers[e.Worker]
	if w == nil || len(w.asked) == 0 || w.asked[0].task.key != e.Key {
		return // no steal of this key is waiting for w's answer
	}
	st := w.asked[0]
	w.asked[0] = nil
	w.asked = w.asked[1:]
	if len(w.asked) == 0 {
		w.asked = nil
	}
	if !st.active {
		return // moot: the task finished, failed, or was freed or moved meanwhile
	}
	t, th := st.task, st.thief
	if !e.Stolen {
		s.endSteal(t)
		t.noSteal = true
		w.nrefused++
		s.limits(w)
		s.record(t, t.state, "steal refused by "+string(w.id)+": it runs there")
		return
	}
	s.unassign(t)
	s.record(t, Waiting, "stolen from "+string(w.id)+" for "+string(th.id))
	if !th.gone && s.hasRoom(t, th) {
		s.assign(t, th)
	} else {
		s.ready(t) // the thief left, paused or filled up meanwhile
	}
	s.fill(w)
}

package worker

import (
	"fmt"
	"slices"
)

// check verifies the invariants of the state and returns the first
// violation. It walks every task: tests call it after every Handle.
func (s *State) check() error {
	if err := s.tasks.Check(); err != nil {
		return err
	}
	executing, ready := 0, 0
	for k, t := range s.tasks.All() {
		if t.key != k {
			return fmt.Errorf("task %q stored under %q", t.key, k)
		}
		if err := s.checkTask(t); err != nil {
			return fmt.Errorf("task %s (%v): %w", t.key, t.state, err)
		}
		switch t.state {
		case Executing, Cancelled:
			executing++
		case Ready:
			ready++
		}
	}
	if executing != s.executing {
		return fmt.Errorf("executing = %d, %d tasks executing or cancelled", s.executing, executing)
	}
	if s.executing > s.cfg.NThreads {
		return fmt.Errorf("executing = %d > NThreads = %d", s.executing, s.cfg.NThreads)
	}
	if ready != len(s.ready) {
		return fmt.Errorf("%d ready tasks, %d in the ready heap", ready, len(s.ready))
	}
	for i, t := range s.ready {
		if t.heapIndex != i {
			return fmt.Errorf("ready[%d] = %s has heapIndex %d", i, t.key, t.heapIndex)
		}
		if s.tasks.Get(t.key) != t || t.state != Ready {
			return fmt.Errorf("ready[%d] = %s (%v) is not a known ready task", i, t.key, t.state)
		}
		if p := (i - 1) / 2; i > 0 && s.ready.less(i, p) {
			return fmt.Errorf("ready heap order: %s at %d before its parent %s", t.key, i, s.ready[p].key)
		}
	}
	for t := range s.toFetch {
		if s.tasks.Get(t.key) != t || t.state != Fetch {
			return fmt.Errorf("toFetch holds %s (%v), not a known task to fetch", t.key, t.state)
		}
		if s.paused || len(s.inFlight) >= s.cfg.MaxFetchPeers || (s.cfg.MaxIncomingBytes > 0 && len(s.inFlight) > 0) {
			continue // (with fetches under way, the incoming cap may hold it back)
		}
		// schedule ran: it left t only because every holder is busy.
		for _, h := range t.holders {
			if _, busy := s.inFlight[h]; !busy {
				return fmt.Errorf("%s waits to be fetched, and its holder %s is free (fetchable %v)", t.key, h, s.fetchable)
			}
		}
	}
	flight, outstanding := 0, 0
	for _, t := range s.tasks.All() {
		if t.state == Flight {
			flight++
		}
	}
	for p, f := range s.inFlight {
		if f.keys <= 0 {
			return fmt.Errorf("peer %s in flight with %d keys outstanding", p, f.keys)
		}
		outstanding += f.keys
	}
	if flight > outstanding {
		return fmt.Errorf("%d keys in flight, %d keys asked of peers not yet answered", flight, outstanding)
	}
	if in := s.incoming(); s.cfg.MaxIncomingBytes > 0 && in > s.cfg.MaxIncomingBytes && len(s.inFlight) > 1 {
		return fmt.Errorf("%d bytes incoming from %d peers > MaxIncomingBytes = %d", in, len(s.inFlight), s.cfg.MaxIncomingBytes)
	}
	if len(s.inFlight) > s.cfg.MaxFetchPeers {
		return fmt.Errorf("%d peers in flight > MaxFetchPeers = %d", len(s.inFlight), s.cfg.MaxFetchPeers)
	}
	if !s.paused && s.executing < s.cfg.NThreads && len(s.ready) > 0 {
		return fmt.Errorf("a thread is free and %d tasks are ready, yet none runs", len(s.ready))
	}
	return nil
}

func (s *State) checkTask(t *task) error {
	if (t.state == Ready) != (t.heapIndex >= 0) {
		return fmt.Errorf("heapIndex %d", t.heapIndex)
	}
	if t.state == Flight && t.flightFrom == "" {
		return fmt.Errorf("in flight from no peer")
	}
	if t.flightFrom != "" && s.inFlight[t.flightFrom].keys <= 0 {
		return fmt.Errorf("waits for an answer from %s, which owes none", t.flightFrom)
	}
	if t.run != nil && (t.state == Memory || t.state == Fetch || t.state == Flight) {
		return fmt.Errorf("keeps the run of a task that is not to run")
	}
	if t.acquire && t.state != Fetch && t.state != Flight && t.state != Cancelled {
		return fmt.Errorf("acquiring a key that is not being fetched or computed")
	}
	for _, d := range t.dependents {
		if s.tasks.Get(d.key) != d {
			return fmt.Errorf("dependent %s is not a known task", d.key)
		}
		if d.state != Waiting {
			return fmt.Errorf("dependent %s is %v, not waiting", d.key, d.state)
		}
		if !slices.Contains(d.deps, t) {
			return fmt.Errorf("dependent %s does not list it as an input", d.key)
		}
	}
	switch t.state {
	case Fetch:
		if len(t.dependents) == 0 && !t.acquire {
			return fmt.Errorf("fetching for no dependent")
		}
		if len(t.holders) == 0 {
			return fmt.Errorf("no holder to fetch from")
		}
		if _, ok := s.toFetch[t]; !ok {
			return fmt.Errorf("not in toFetch")
		}
		if slices.Contains(t.holders, s.cfg.Self) {
			return fmt.Errorf("fetching from ourselves")
		}
	case Flight:
		if len(s.inFlight) == 0 {
			return fmt.Errorf("in flight, but no peer is")
		}
	case Waiting:
		n := 0
		for _, d := range t.deps {
			if s.tasks.Get(d.key) != d {
				return fmt.Errorf("input %s is not a known task", d.key)
			}
			if d.state == Memory {
				continue
			}
			n++
			if !slices.Contains(d.dependents, t) {
				return fmt.Errorf("input %s (%v) does not list it as a dependent", d.key, d.state)
			}
		}
		if n != t.waitingFor {
			return fmt.Errorf("waitingFor = %d, %d inputs not in memory", t.waitingFor, n)
		}
		if n == 0 {
			return fmt.Errorf("waiting for nothing")
		}
	case Ready:
		// (Not checked for executing tasks: a run that was cancelled and
		// then asked for again may have lost its inputs since it started.)
		for _, d := range t.deps {
			if d.state != Memory || s.tasks.Get(d.key) != d {
				return fmt.Errorf("input %s is %v, not in memory", d.key, d.state)
			}
		}
	case Memory:
		if len(t.dependents) > 0 {
			return fmt.Errorf("in memory with %d dependents still waiting on it", len(t.dependents))
		}
	}
	return nil
}

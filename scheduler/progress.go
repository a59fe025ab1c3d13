package scheduler

// A group is the tasks of one function: how many are in each state now,
// and how many the scheduler has seen, finished and seen fail — Dask's
// task groups, which its progress bars show.
type group struct {
	n                    [numStates]int
	created, done, erred int
}

// born counts a new task, in state Released; setState counts its moves.
func (s *State) born(t *task) {
	s.counts[Released]++
	g := &s.groups[t.fnIdx]
	g.n[Released]++
	g.created++
}

// count moves t's counts from its state to to.
func (s *State) count(t *task, to TaskState) {
	s.counts[t.state]--
	s.counts[to]++
	g := &s.groups[t.fnIdx]
	g.n[t.state]--
	g.n[to]++
	switch {
	case to == Memory && t.state == Processing:
		g.done++
	case to == Erred:
		g.erred++
	}
}

// Group is the progress of the tasks of one function (Dask's task group):
// how many there have been, how many are in each state now, and how many
// finished or failed (a task computed again counts again).
type Group struct {
	Name    string // the function's name; "" for values scattered by clients
	Created int
	Done    int // finished: went from processing to memory
	Erred   int
	ByState map[TaskState]int // now, Forgotten left out
}

// Groups returns the progress of each function's tasks, in the order the
// functions were first seen; functions of one name (their signatures
// differ) are one group. It costs O(functions).
func (s *State) Groups() []Group {
	var out []Group
	at := map[string]int{}
	for i, g := range s.groups {
		if g.created == 0 {
			continue
		}
		name := funcName(s.fnNames[i])
		j, ok := at[name]
		if !ok {
			j = len(out)
			at[name] = j
			out = append(out, Group{Name: name, ByState: map[TaskState]int{}})
		}
		o := &out[j]
		o.Created += g.created
		o.Done += g.done
		o.Erred += g.erred
		for st, n := range g.n[:Forgotten] {
			if n > 0 {
				o.ByState[TaskState(st)] += n
			}
		}
	}
	return out
}

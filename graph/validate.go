package graph

import (
	"fmt"
	"slices"
	"strings"
)

// MissingError is a key that a graph needs but neither computes nor takes
// as an input.
type MissingError struct {
	Task Key // the task that depends on Key; empty when Key is an output
	Key  Key
}

func (e *MissingError) Error() string {
	if e.Task == "" {
		return fmt.Sprintf("graph: output %s is not a task or an input of the graph", e.Key)
	}
	return fmt.Sprintf("graph: task %s depends on %s, which is not a task or an input of the graph", e.Task, e.Key)
}

// CycleError is a cycle of dependencies: each key depends on the next,
// and the last on the first.
type CycleError struct {
	Cycle []Key
}

func (e *CycleError) Error() string {
	parts := make([]string, len(e.Cycle)+1)
	for i, k := range e.Cycle {
		parts[i] = string(k)
	}
	parts[len(e.Cycle)] = string(e.Cycle[0])
	return "graph: dependency cycle: " + strings.Join(parts, " → ")
}

// KeyError is a task stored under a key other than its own.
type KeyError struct {
	Stored Key // the map key
	Task   Key // the task's Key
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("graph: task %s is stored under key %s", e.Task, e.Stored)
}

// Validate checks that every task is stored under its own key, that every
// dependency and output is a task or an input of g, and that there are no
// cycles. It returns a *KeyError, *MissingError or *CycleError, reporting
// the problem with the smallest keys first so that the same graph always
// gives the same error. It costs O(V + E) on a valid graph.
func Validate(g *Graph) error {
	for k, t := range g.Tasks {
		if t.Key != k {
			return firstProblem(g)
		}
	}
	d := index(g)
	if d.missing {
		return firstProblem(g)
	}
	for _, k := range g.Outputs {
		if !g.has(k) {
			return &MissingError{Key: k}
		}
	}
	if _, ok := d.topo(); ok {
		return nil
	}
	keys := make([]Key, 0, len(g.Tasks))
	for k := range g.Tasks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return &CycleError{Cycle: d.cycle(keys)}
}

// firstProblem is Validate's slow path, for a graph known to have a
// misfiled task or a missing dependency: it finds the one with the
// smallest key.
func firstProblem(g *Graph) error {
	keys := make([]Key, 0, len(g.Tasks))
	for k := range g.Tasks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if t := g.Tasks[k]; t.Key != k {
			return &KeyError{Stored: k, Task: t.Key}
		}
	}
	for _, k := range keys {
		for _, dep := range g.Tasks[k].Deps {
			if !g.has(dep) {
				return &MissingError{Task: k, Key: dep}
			}
		}
	}
	return nil
}

// cycle finds a cycle, starting the search from the smallest key that is
// on or behind one. Called only when topo found that there is one.
func (d *dag) cycle(sorted []Key) []Key {
	const (
		unseen = iota
		active
		finished
	)
	state := make([]uint8, len(d.tasks))
	type frame struct {
		v    int32
		next int
	}
	for _, k := range sorted {
		root := d.lookup(k)
		if root < 0 || state[root] != unseen {
			continue
		}
		path := []frame{{v: root}}
		state[root] = active
		for len(path) > 0 {
			top := &path[len(path)-1]
			ds := d.deps(top.v)
			if top.next == len(ds) {
				state[top.v] = finished
				path = path[:len(path)-1]
				continue
			}
			w := ds[top.next]
			top.next++
			switch state[w] {
			case unseen:
				state[w] = active
				path = append(path, frame{v: w})
			case active:
				// path from w to top is the cycle: each depends on the next.
				var cyc []Key
				on := false
				for _, f := range path {
					if f.v == w {
						on = true
					}
					if on {
						cyc = append(cyc, d.tasks[f.v].Key)
					}
				}
				return cyc
			}
		}
	}
	return nil
}

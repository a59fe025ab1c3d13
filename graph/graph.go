package graph

import (
	"maps"
	"slices"
	"strings"
)

// Key names a task's result. Keys are unique in a graph, and on a cluster:
// the same key is the same value.
type Key string

// Task is one node of a graph: a function applied to arguments, some of
// which are the results of other tasks (its dependencies).
//
// The functions of this package never modify a Task; graphs they return
// share the caller's tasks.
type Task struct {
	Key Key
	// Func is the identity of the function the task runs, such as
	// "inc@1f0c8b2a4d6e": its name, "@", a hash of its signature.
	Func string
	// Name is the function's name for people (summaries, drawings); empty
	// means the part of Func before "@".
	Name string
	// Args are the encoded arguments, opaque to this package.
	Args []byte
	// Deps are the keys whose results the task needs, in argument order.
	// A key may appear more than once (f(x, x)).
	Deps []Key

	// Options honoured by the scheduler. Fuse joins only tasks whose
	// options are equal.
	Priority          int64              // higher runs first; order breaks ties
	Retries           int                // reruns allowed after a failure
	Resources         map[string]float64 // consumed while running ("GPU": 1)
	Workers           []string           // only these workers (names or addresses)
	AllowOtherWorkers bool               // Workers is a preference, not a restriction
}

// FuncName is the task's function name: Name, or Func up to its "@".
func (t *Task) FuncName() string {
	if t.Name != "" {
		return t.Name
	}
	name, _, _ := strings.Cut(t.Func, "@")
	return name
}

// sameOptions reports whether t and u may run as one task.
func (t *Task) sameOptions(u *Task) bool {
	return t.Priority == u.Priority && t.Retries == u.Retries &&
		maps.Equal(t.Resources, u.Resources) && slices.Equal(t.Workers, u.Workers) &&
		t.AllowOtherWorkers == u.AllowOtherWorkers
}

// Graph is a set of tasks, the keys it takes from outside, and the keys
// wanted from it.
type Graph struct {
	Tasks map[Key]*Task
	// Inputs are keys that tasks may depend on but that the graph does not
	// compute: values already on the cluster, such as futures' results.
	Inputs map[Key]bool
	// Outputs are the keys the caller wants, in the caller's order.
	Outputs []Key
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{Tasks: map[Key]*Task{}, Inputs: map[Key]bool{}}
}

// Add adds t to g, replacing any task of the same key.
func (g *Graph) Add(t *Task) {
	if g.Tasks == nil {
		g.Tasks = map[Key]*Task{}
	}
	g.Tasks[t.Key] = t
}

// has reports whether k is a task or an input of g.
func (g *Graph) has(k Key) bool {
	_, ok := g.Tasks[k]
	return ok || g.Inputs[k]
}

// uniqueDeps returns t's dependencies without repeats, in first-use order.
// It returns t.Deps itself when it has no repeats (the common case).
func uniqueDeps(t *Task) []Key {
	if len(t.Deps) > 16 {
		seen := make(map[Key]bool, len(t.Deps))
		for _, d := range t.Deps {
			if seen[d] {
				return dedupe(t.Deps)
			}
			seen[d] = true
		}
		return t.Deps
	}
	for i := 1; i < len(t.Deps); i++ {
		if slices.Contains(t.Deps[:i], t.Deps[i]) {
			return dedupe(t.Deps)
		}
	}
	return t.Deps
}

func dedupe(keys []Key) []Key {
	seen := make(map[Key]bool, len(keys))
	out := make([]Key, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

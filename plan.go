package gask

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/gask-dev/gask/graph"
	"github.com/gask-dev/gask/internal/registry"
)

// plan is a lazy graph ready to submit, its tasks numbered as the graph
// package's algorithms want them (graph.Numbered), so that ordering,
// fusing and writing the specs look no key up: the walk that collects the
// tasks numbers them (one map, from key to number, merges the nodes of one
// key), in the order package graph numbers the same graph given as a
// graph.Graph (a test checks that they agree).
type plan struct {
	graph.Numbered
	id      map[graph.Key]int32 // a task's number; -1-i for input i
	inputs  []graph.Key         // the futures' keys the graph takes, and
	futures []AnyFuture         // the futures (nil: replaced by a task of the key)
	outKeys []graph.Key         // the outputs, tasks or inputs
}

// newPlan collects the graph behind outs: only what they need (the graph
// is culled as it is built). It reports the first task that failed to
// build and a key that names two different tasks.
//
// The graph is valid by construction (graph.Validate would pass): every
// dependency is a node's key, and nodes are immutable and built after
// their dependencies, so a cycle would need two nodes of one key with
// different dependencies, which is the conflict reported here.
func newPlan(outs []*node) (*plan, error) {
	p := &plan{id: map[graph.Key]int32{}, outKeys: make([]graph.Key, len(outs))}
	// A node to resolve: its number fills slot of its dependent's
	// dependencies in DepIDs.
	type edge struct {
		n    *node
		slot int32 // -1 for an output
	}
	stack := make([]edge, 0, len(outs))
	for i := len(outs) - 1; i >= 0; i-- {
		if outs[i] == nil {
			return nil, fmt.Errorf("gask: lazy value %d of %d is nil", i+1, len(outs))
		}
		stack = append(stack, edge{outs[i], -1})
	}
	for i, n := range outs {
		p.outKeys[i] = n.key()
	}
	replaced := false
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := e.n
		if n.err != nil {
			return nil, n.err
		}
		k := n.key()
		id, seen := p.id[k]
		switch {
		case n.task == nil:
			if !seen {
				id = int32(-1 - len(p.inputs))
				p.id[k] = id
				p.inputs = append(p.inputs, k)
				p.futures = append(p.futures, n.fut)
			}
		case seen && id >= 0:
			if old := p.Tasks[id]; old != n.task && !sameTask(old, n.task) {
				return nil, fmt.Errorf("gask: key %s names two different tasks (%s and %s): give gask.Key a different key for each",
					k, old.FuncName(), n.task.FuncName())
			}
		default:
			if seen {
				// A future of the task's own key: the same computation.
				// The slots filled with the input's number are fixed below.
				p.futures[-1-id] = nil
				replaced = true
			}
			id = int32(len(p.Tasks))
			p.id[k] = id
			p.Tasks = append(p.Tasks, n.task)
			off := int32(len(p.DepIDs))
			p.DepOff = append(p.DepOff, off)
			p.DepIDs = slices.Grow(p.DepIDs, len(n.deps))[:int(off)+len(n.deps)]
			for j := len(n.deps) - 1; j >= 0; j-- {
				stack = append(stack, edge{n.deps[j], off + int32(j)})
			}
		}
		if e.slot >= 0 {
			p.DepIDs[e.slot] = id
		}
	}
	p.DepOff = append(p.DepOff, int32(len(p.DepIDs)))
	p.dedupe(replaced)
	for _, k := range p.outKeys {
		if id := p.id[k]; id >= 0 {
			p.Outputs = append(p.Outputs, id)
		}
	}
	return p, nil
}

// dedupe leaves each task's dependencies once each, in first-use order
// (f(x, x) depends on x once), as graph.Numbered wants; if replaced, an
// input replaced by a task of its key is first renumbered as the task.
func (p *plan) dedupe(replaced bool) {
	w := int32(0)
	var seen map[int32]bool // for a task of many dependencies
	for i := range p.Tasks {
		start, end := p.DepOff[i], p.DepOff[i+1]
		p.DepOff[i] = w
		many := end-start > 16
		if many {
			clear(seen)
			if seen == nil {
				seen = map[int32]bool{}
			}
		}
		for _, id := range p.DepIDs[start:end] {
			if replaced && id < 0 && p.futures[-1-id] == nil {
				id = p.id[p.inputs[-1-id]]
			}
			if many {
				if seen[id] {
					continue
				}
				seen[id] = true
			} else if slices.Contains(p.DepIDs[p.DepOff[i]:w], id) {
				continue
			}
			p.DepIDs[w] = id
			w++
		}
	}
	p.DepOff[len(p.Tasks)] = w
	p.DepIDs = p.DepIDs[:w]
}

// graph is the plan as a graph.Graph, with tasks (p.Tasks, or a fused
// plan's) under their keys; nil tasks are left out.
func (p *plan) graph(tasks []*graph.Task) *graph.Graph {
	g := &graph.Graph{Tasks: make(map[graph.Key]*graph.Task, len(tasks)), Inputs: map[graph.Key]bool{}, Outputs: p.outKeys}
	for _, t := range tasks {
		if t != nil {
			g.Tasks[t.Key] = t
		}
	}
	for i, k := range p.inputs {
		if p.futures[i] != nil {
			g.Inputs[k] = true
		}
	}
	return g
}

// sameTask reports whether two tasks of one key are the same computation.
func sameTask(a, b *graph.Task) bool {
	return a.Func == b.Func && bytes.Equal(a.Args, b.Args) && slices.Equal(a.Deps, b.Deps)
}

// fuse returns the plan's tasks with each of chains (from Fuse, as task
// numbers) fused into one task, at the number of the chain's last task,
// whose key it keeps; the numbers of the tasks fused away hold nil.
func (p *plan) fuse(chains [][]int32) []*graph.Task {
	if len(chains) == 0 {
		return p.Tasks
	}
	tasks := slices.Clone(p.Tasks)
	for _, chain := range chains {
		t, n := p.fusedTask(chain)
		if t == nil {
			continue
		}
		for _, id := range chain[len(chain)-n : len(chain)-1] {
			tasks[id] = nil
		}
		tasks[chain[len(chain)-1]] = t
	}
	return tasks
}

// fusedTask makes the task that runs chain (head first) and says how many
// of the chain's tasks, from the end, it runs; or nil if it cannot: a
// head with more dependencies than a fused task takes is left out, and a
// chain of one is no chain.
func (p *plan) fusedTask(chain []int32) (*graph.Task, int) {
	head := p.Tasks[chain[0]]
	ext := uniqueKeys(head.Deps)
	if len(ext) > maxFusedDeps {
		chain = chain[1:]
		ext = []graph.Key{head.Key}
	}
	if len(chain) < 2 {
		return nil, 0
	}
	var steps []chainStep
	prevLast := -1 // the step whose result is the previous chain element
	names := make([]string, 0, len(chain))
	for i, id := range chain {
		t := p.Tasks[id]
		sub, err := taskSteps(t)
		if err != nil {
			return nil, 0 // cannot happen for tasks built here; leave it unfused
		}
		offset := len(steps)
		for _, s := range sub.steps {
			args := make([]stepArg, len(s.args))
			for j, a := range s.args {
				switch a.kind {
				case argStep:
					a.index += offset
				case argDep:
					dep := sub.deps[a.index]
					if i == 0 {
						a.index = slices.Index(ext, dep)
					} else {
						a = stepArg{kind: argStep, index: prevLast} // the chain's only dependency
					}
				}
				args[j] = a
			}
			steps = append(steps, chainStep{fn: s.fn, key: s.key, args: args})
		}
		prevLast = len(steps) - 1
		names = append(names, t.FuncName())
	}
	last := p.Tasks[chain[len(chain)-1]]
	raw := make([]registry.Arg, 1+len(ext))
	raw[0] = registry.Arg{Dep: -1, Value: appendChain(nil, steps)}
	for i := range ext {
		raw[i+1] = registry.Arg{Dep: i}
	}
	t := newTask(fusedFuncs[len(ext)].ID, fusedName(names), taskOptions{})
	t.Key, t.Args, t.Deps = last.Key, registry.AppendArgs(nil, raw), ext
	t.Priority, t.Retries, t.Resources, t.Workers, t.AllowOtherWorkers = last.Priority, last.Retries, last.Resources, last.Workers, last.AllowOtherWorkers
	return t, len(chain)
}

// stepsOf is what a task runs, as chain steps over its dependencies.
type stepsOf struct {
	steps []chainStep
	deps  []graph.Key // what argDep indexes
}

func taskSteps(t *graph.Task) (stepsOf, error) {
	raw, err := registry.DecodeArgs(t.Args, len(t.Deps))
	if err != nil {
		return stepsOf{}, err
	}
	if isFusedID(t.Func) {
		// A fused task already (a TreeReduce node): its chain, over its
		// dependencies, which are arguments 2 onwards.
		steps, err := decodeChain(raw[0].Value, len(t.Deps))
		return stepsOf{steps, t.Deps}, err
	}
	s := chainStep{fn: t.Func, key: string(t.Key), args: make([]stepArg, len(raw))}
	for j, a := range raw {
		if a.List != nil {
			return stepsOf{}, fmt.Errorf("task %s: a list argument (gask.All) cannot be fused", t.Key)
		}
		if a.Dep >= 0 {
			s.args[j] = stepArg{kind: argDep, index: a.Dep}
		} else {
			s.args[j] = stepArg{kind: argInline, value: a.Value}
		}
	}
	return stepsOf{[]chainStep{s}, t.Deps}, nil
}

// fusedName names a fused task for people: its functions in order, runs
// of one shown once with a count ("inc×3+add").
func fusedName(names []string) string {
	var parts []string
	for i := 0; i < len(names); {
		j := i
		for j < len(names) && names[j] == names[i] {
			j++
		}
		if j-i > 1 {
			parts = append(parts, fmt.Sprintf("%s×%d", names[i], j-i))
		} else {
			parts = append(parts, names[i])
		}
		i = j
	}
	return strings.Join(parts, "+")
}

func uniqueKeys(keys []graph.Key) []graph.Key {
	out := make([]graph.Key, 0, len(keys))
	var seen map[graph.Key]bool
	if len(keys) > 16 {
		seen = make(map[graph.Key]bool, len(keys))
	}
	for _, k := range keys {
		if seen != nil {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		} else if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

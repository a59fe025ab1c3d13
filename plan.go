package gask

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/gask-dev/gask/graph"
	"github.com/gask-dev/gask/internal/registry"
)

// plan is a lazy graph ready to submit: the graph, and the future behind
// each input.
type plan struct {
	g      *graph.Graph
	inputs map[graph.Key]AnyFuture
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
	p := &plan{g: graph.New(), inputs: map[graph.Key]AnyFuture{}}
	stack := make([]*node, 0, len(outs))
	for i := len(outs) - 1; i >= 0; i-- {
		if outs[i] == nil {
			return nil, fmt.Errorf("gask: lazy value %d of %d is nil", i+1, len(outs))
		}
		stack = append(stack, outs[i])
	}
	p.g.Outputs = make([]graph.Key, len(outs))
	for i, n := range outs {
		p.g.Outputs[i] = n.key()
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.err != nil {
			return nil, n.err
		}
		if n.task == nil {
			k := n.key()
			if _, isTask := p.g.Tasks[k]; !isTask && p.inputs[k] == nil {
				p.g.Inputs[k] = true
				p.inputs[k] = n.fut
			}
			continue
		}
		k := n.task.Key
		if old := p.g.Tasks[k]; old != nil {
			if old != n.task && !sameTask(old, n.task) {
				return nil, fmt.Errorf("gask: key %s names two different tasks (%s and %s): give gask.Key a different key for each",
					k, old.FuncName(), n.task.FuncName())
			}
			continue
		}
		if p.g.Inputs[k] {
			// A future of the task's own key: the same computation.
			delete(p.g.Inputs, k)
			delete(p.inputs, k)
		}
		p.g.Add(n.task)
		for i := len(n.deps) - 1; i >= 0; i-- {
			stack = append(stack, n.deps[i])
		}
	}
	return p, nil
}

// sameTask reports whether two tasks of one key are the same computation.
func sameTask(a, b *graph.Task) bool {
	return a.Func == b.Func && bytes.Equal(a.Args, b.Args) && slices.Equal(a.Deps, b.Deps)
}

// fuse returns the graph with chains (from graph.Fuse) fused into one
// task each (see fused.go), and the keys of the tasks fused away: all of
// a chain's but the last, whose key the fused task keeps.
func (p *plan) fuse(chains [][]graph.Key) (*graph.Graph, map[graph.Key]bool) {
	if len(chains) == 0 {
		return p.g, nil
	}
	g := &graph.Graph{Tasks: make(map[graph.Key]*graph.Task, len(p.g.Tasks)), Inputs: p.g.Inputs, Outputs: p.g.Outputs}
	for k, t := range p.g.Tasks {
		g.Tasks[k] = t
	}
	gone := map[graph.Key]bool{}
	for _, chain := range chains {
		t, n := p.fusedTask(chain)
		if t == nil {
			continue
		}
		for _, k := range chain[len(chain)-n : len(chain)-1] {
			delete(g.Tasks, k)
			gone[k] = true
		}
		g.Tasks[t.Key] = t
	}
	return g, gone
}

// fusedTask makes the task that runs chain (head first) and says how many
// of the chain's tasks, from the end, it runs; or nil if it cannot: a
// head with more dependencies than a fused task takes is left out, and a
// chain of one is no chain.
func (p *plan) fusedTask(chain []graph.Key) (*graph.Task, int) {
	head := p.g.Tasks[chain[0]]
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
	for i, k := range chain {
		t := p.g.Tasks[k]
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
	last := p.g.Tasks[chain[len(chain)-1]]
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

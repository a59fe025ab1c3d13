package graph

import "slices"

// Numbered is a graph whose builder has numbered its tasks 0 to
// len(Tasks)-1: the form this package's algorithms work on. A caller that
// builds graphs by walking pointers, as gask's lazy values do, can number
// the tasks as it meets them and skip indexing a Graph by key.
//
// Task i's dependencies are DepIDs[DepOff[i]:DepOff[i+1]] (DepOff has
// len(Tasks)+1 entries), each once, in first-use order: the number of a
// task, or a negative number for a dependency that is no task of the
// graph (an input). Outputs are the numbers of the tasks wanted, in the
// caller's order. The methods read the fields and never change them.
type Numbered struct {
	Tasks          []*Task
	DepOff, DepIDs []int32
	Outputs        []int32
}

// Order is the package's Order on n, as task numbers.
func (n *Numbered) Order() []int32 { return n.dag().order() }

// Fuse is the package's Fuse on n: chains of task numbers, head first.
func (n *Numbered) Fuse(keep ...int32) [][]int32 { return n.dag().fuse(keep) }

// OrderAndFuse is the package's OrderAndFuse on n, as task numbers.
func (n *Numbered) OrderAndFuse(keep ...int32) (order []int32, chains [][]int32) {
	d := n.dag()
	chains = d.fuse(keep)
	return d.order(), chains
}

func (n *Numbered) dag() *dag {
	return newDag(n.Tasks, slices.Clone(n.DepOff), slices.Clone(n.DepIDs), n.Outputs)
}

// dag indexes a graph's tasks by small integers for the algorithms, with
// the edges in flat arrays (one allocation each, not one per task), so
// that a million-task graph is indexed in well under a second.
//
// Numbering a Graph is deterministic: a depth-first walk from the outputs,
// in their order, following dependencies in argument order; then the tasks
// no output needs, by key. Dependencies on inputs and on unknown keys are
// left out: they are available (or Validate's business; missing says
// whether there were any unknown ones).
type dag struct {
	tasks   []*Task
	id      map[Key]int32 // indexed from a Graph: its tasks, and -1 for the other keys met; nil from a Numbered
	outputs []int32       // the outputs that are tasks, in order
	depOff  []int32       // task i's unique task dependencies are depIDs[depOff[i]:depOff[i+1]], in first-use order
	depIDs  []int32
	userOff []int32 // its dependents are userIDs[userOff[i]:userOff[i+1]], in id order
	userIDs []int32
	nuniq   []int32 // task i's unique dependencies of any kind (tasks, inputs, unknown keys)
	out     []bool  // an output of g
	missing bool    // some dependency is neither a task nor an input
}

func (d *dag) deps(i int32) []int32  { return d.depIDs[d.depOff[i]:d.depOff[i+1]] }
func (d *dag) users(i int32) []int32 { return d.userIDs[d.userOff[i]:d.userOff[i+1]] }

// index numbers g's tasks (see dag) and indexes them.
func index(g *Graph) *dag {
	n := len(g.Tasks)
	tasks := make([]*Task, 0, n)
	ids := make(map[Key]int32, n)
	depOff := make([]int32, 0, n+1)
	var depIDs []int32
	missing := false
	// A dependency to resolve: key k fills slot of its dependent's block.
	type edge struct {
		k    Key
		slot int32 // -1 for a root
	}
	var stack []edge
	walk := func(root Key) {
		stack = append(stack[:0], edge{root, -1})
		for len(stack) > 0 {
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			id, seen := ids[e.k]
			if !seen {
				id = -1
				if t := g.Tasks[e.k]; t != nil {
					id = int32(len(tasks))
					tasks = append(tasks, t)
					ud := uniqueDeps(t)
					off := int32(len(depIDs))
					depOff = append(depOff, off)
					depIDs = slices.Grow(depIDs, len(ud))[:int(off)+len(ud)]
					for j := len(ud) - 1; j >= 0; j-- {
						stack = append(stack, edge{ud[j], off + int32(j)})
					}
				} else if e.slot >= 0 && !g.Inputs[e.k] {
					missing = true
				}
				ids[e.k] = id
			}
			if e.slot >= 0 {
				depIDs[e.slot] = id
			}
		}
	}
	for _, k := range g.Outputs {
		walk(k)
	}
	if len(tasks) < n {
		rest := make([]Key, 0, n-len(tasks))
		for k := range g.Tasks {
			if _, seen := ids[k]; !seen {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		for _, k := range rest {
			walk(k)
		}
	}
	depOff = append(depOff, int32(len(depIDs)))
	outputs := make([]int32, 0, len(g.Outputs))
	for _, k := range g.Outputs {
		if i, ok := ids[k]; ok && i >= 0 {
			outputs = append(outputs, i)
		}
	}
	d := newDag(tasks, depOff, depIDs, outputs)
	d.id, d.missing = ids, missing
	return d
}

// newDag indexes numbered tasks whose dependencies are in depOff and
// depIDs as in Numbered; it takes both arrays over and changes them.
func newDag(tasks []*Task, depOff, depIDs, outputs []int32) *dag {
	n := len(tasks)
	d := &dag{tasks: tasks, outputs: outputs, depOff: depOff, depIDs: depIDs}

	// Drop the slots of non-task dependencies, and count dependents.
	nusers := make([]int32, n+1)
	d.nuniq = make([]int32, n)
	w := int32(0)
	for i := range n {
		start, end := d.depOff[i], d.depOff[i+1]
		d.nuniq[i] = end - start
		d.depOff[i] = w
		for _, j := range d.depIDs[start:end] {
			if j >= 0 {
				d.depIDs[w] = j
				w++
				nusers[j]++
			}
		}
	}
	d.depOff[n] = w
	d.depIDs = d.depIDs[:w]

	d.userOff = make([]int32, n+1)
	for i := range n {
		d.userOff[i+1] = d.userOff[i] + nusers[i]
	}
	d.userIDs = make([]int32, w)
	fill := slices.Clone(d.userOff[:n])
	for i := range int32(n) {
		for _, j := range d.deps(i) {
			d.userIDs[fill[j]] = i
			fill[j]++
		}
	}

	d.out = make([]bool, n)
	for _, i := range outputs {
		if i >= 0 {
			d.out[i] = true
		}
	}
	return d
}

// keys are the keys of tasks ids.
func (d *dag) keys(ids []int32) []Key {
	ks := make([]Key, len(ids))
	for i, id := range ids {
		ks[i] = d.tasks[id].Key
	}
	return ks
}

// lookup returns the id of task k, or -1.
func (d *dag) lookup(k Key) int32 {
	if i, ok := d.id[k]; ok {
		return i
	}
	return -1
}

// topo returns the tasks in an order where every task comes after its
// dependencies (Kahn's algorithm), and whether that covers every task:
// false means a cycle.
func (d *dag) topo() ([]int32, bool) {
	n := len(d.tasks)
	pending := make([]int32, n)
	order := make([]int32, 0, n)
	for i := range int32(n) {
		pending[i] = d.depOff[i+1] - d.depOff[i]
		if pending[i] == 0 {
			order = append(order, i)
		}
	}
	for next := 0; next < len(order); next++ {
		for _, u := range d.users(order[next]) {
			pending[u]--
			if pending[u] == 0 {
				order = append(order, u)
			}
		}
	}
	return order, len(order) == n
}

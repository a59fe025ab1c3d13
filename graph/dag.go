package graph

import "slices"

// dag indexes a graph's tasks by small integers for the algorithms, with
// the edges in flat arrays (one allocation each, not one per task), so
// that a million-task graph is indexed in well under a second.
//
// Numbering is deterministic: a depth-first walk from the outputs, in
// their order, following dependencies in argument order; then the tasks
// no output needs, by key. Dependencies on inputs and on unknown keys are
// left out: they are available (or Validate's business; missing says
// whether there were any unknown ones).
type dag struct {
	g       *Graph
	tasks   []*Task
	id      map[Key]int32 // tasks, and -1 for the other keys met
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

func index(g *Graph) *dag {
	n := len(g.Tasks)
	d := &dag{g: g, tasks: make([]*Task, 0, n), id: make(map[Key]int32, n), depOff: make([]int32, 0, n+1)}
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
			id, seen := d.id[e.k]
			if !seen {
				id = -1
				if t := g.Tasks[e.k]; t != nil {
					id = int32(len(d.tasks))
					d.tasks = append(d.tasks, t)
					ud := uniqueDeps(t)
					off := int32(len(d.depIDs))
					d.depOff = append(d.depOff, off)
					d.depIDs = slices.Grow(d.depIDs, len(ud))[:int(off)+len(ud)]
					for j := len(ud) - 1; j >= 0; j-- {
						stack = append(stack, edge{ud[j], off + int32(j)})
					}
				} else if e.slot >= 0 && !g.Inputs[e.k] {
					d.missing = true
				}
				d.id[e.k] = id
			}
			if e.slot >= 0 {
				d.depIDs[e.slot] = id
			}
		}
	}
	for _, k := range g.Outputs {
		walk(k)
	}
	if len(d.tasks) < n {
		rest := make([]Key, 0, n-len(d.tasks))
		for k := range g.Tasks {
			if _, seen := d.id[k]; !seen {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		for _, k := range rest {
			walk(k)
		}
	}
	n = len(d.tasks)
	d.depOff = append(d.depOff, int32(len(d.depIDs)))

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
	for _, k := range g.Outputs {
		if i := d.lookup(k); i >= 0 {
			d.out[i] = true
		}
	}
	return d
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

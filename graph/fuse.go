package graph

// Fuse finds the linear chains of g that can run as one task each: runs
// t1 → t2 → … → tn (n ≥ 2) where every t(i+1) depends on ti and nothing
// else, ti is needed by t(i+1) and nothing else, ti is neither an output
// nor one of keep, and all have the same options. t1 may have any
// dependencies; tn may have any dependents.
//
// Running such a chain as one task loses no parallelism (each step waits
// for the one before anyway) and saves a round trip to the scheduler and
// a stored intermediate result per step. This is Dask's fuse_linear rule.
// A task with two dependencies never joins its dependencies' chains, so a
// tree reduction does not collapse into one task.
//
// Fuse returns each chain head first, the chains in dependency order
// (deterministic); tasks in no chain, and tasks on a cycle, are not
// listed. The fused task of a chain is the caller's to
// make; it should keep tn's key, so that dependents and outputs still find
// it.
func Fuse(g *Graph, keep ...Key) [][]Key {
	d := index(g)
	return d.chainKeys(d.fuse(d.lookupAll(keep)))
}

// OrderAndFuse returns Order(g) and Fuse(g, keep...), computed from one
// index of g: cheaper than calling both. The tasks of each chain are
// consecutive in the order, so replacing each chain by one task keyed as
// its last, and dropping the chain's other tasks from the order, keeps the
// order valid and depth-first.
func OrderAndFuse(g *Graph, keep ...Key) (order []Key, chains [][]Key) {
	d := index(g)
	chains = d.chainKeys(d.fuse(d.lookupAll(keep)))
	return d.keys(d.order()), chains
}

// lookupAll returns the ids of the keys that are tasks.
func (d *dag) lookupAll(keys []Key) []int32 {
	var ids []int32
	for _, k := range keys {
		if i := d.lookup(k); i >= 0 {
			ids = append(ids, i)
		}
	}
	return ids
}

func (d *dag) chainKeys(chains [][]int32) [][]Key {
	if chains == nil {
		return nil
	}
	ks := make([][]Key, len(chains))
	for i, c := range chains {
		ks[i] = d.keys(c)
	}
	return ks
}

// fuse is Fuse on an index, as task ids.
func (d *dag) fuse(keep []int32) [][]int32 {
	n := len(d.tasks)
	kept := make([]bool, n)
	for _, i := range keep {
		kept[i] = true
	}
	child := make([]int32, n)
	parent := make([]int32, n)
	for i := range child {
		child[i], parent[i] = -1, -1
	}
	for i, t := range d.tasks {
		users := d.users(int32(i))
		if d.out[i] || kept[i] || len(users) != 1 {
			continue
		}
		c := users[0]
		if d.nuniq[c] != 1 || !t.sameOptions(d.tasks[c]) {
			continue
		}
		child[i], parent[c] = c, int32(i)
	}
	var chains [][]int32
	topo, _ := d.topo() // heads in dependency order; leaves out cycles
	for _, i := range topo {
		if child[i] < 0 || parent[i] >= 0 {
			continue
		}
		var chain []int32
		for v := i; v >= 0; v = child[v] {
			chain = append(chain, v)
		}
		chains = append(chains, chain)
	}
	return chains
}

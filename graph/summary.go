package graph

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Stats summarises a graph.
type Stats struct {
	Tasks   int
	Inputs  int
	Outputs int
	Depth   int            // tasks on the longest chain of dependencies
	Funcs   map[string]int // tasks per function name
}

// Summarize counts g's tasks, inputs, outputs and functions and measures
// its depth. Tasks on a cycle do not count towards the depth.
func Summarize(g *Graph) Stats {
	s := Stats{Tasks: len(g.Tasks), Inputs: len(g.Inputs), Outputs: len(g.Outputs), Funcs: map[string]int{}}
	for _, t := range g.Tasks {
		s.Funcs[t.FuncName()]++
	}
	d := index(g)
	topo, _ := d.topo()
	depth := make([]int32, len(d.tasks))
	for _, v := range topo {
		depth[v] = 1
		for _, w := range d.deps(v) {
			depth[v] = max(depth[v], depth[w]+1)
		}
		s.Depth = max(s.Depth, int(depth[v]))
	}
	return s
}

// maxFuncs bounds the functions String lists.
const maxFuncs = 12

// String is a one-line summary, such as
// "16383 tasks, 1 output, depth 14, functions: add×8191, inc×8192".
func (s Stats) String() string {
	var b strings.Builder
	b.WriteString(plural(s.Tasks, "task"))
	if s.Inputs > 0 {
		b.WriteString(", " + plural(s.Inputs, "input"))
	}
	b.WriteString(", " + plural(s.Outputs, "output"))
	fmt.Fprintf(&b, ", depth %d", s.Depth)
	names := slices.Sorted(maps.Keys(s.Funcs))
	for i, name := range names {
		if i == maxFuncs {
			fmt.Fprintf(&b, ", and %d more", len(names)-maxFuncs)
			break
		}
		if i == 0 {
			b.WriteString(", functions: ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s×%d", name, s.Funcs[name])
	}
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// WriteText writes g for people: a summary line, the inputs, then one line
// per task in Order's order, "key: function ← dependencies", marking the
// outputs and the options that are set.
func WriteText(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# %s\n", Summarize(g))
	for _, k := range slices.Sorted(maps.Keys(g.Inputs)) {
		fmt.Fprintf(bw, "%s: input\n", k)
	}
	outputs := make(map[Key]bool, len(g.Outputs))
	for _, k := range g.Outputs {
		outputs[k] = true
	}
	for _, k := range Order(g) {
		t := g.Tasks[k]
		fmt.Fprintf(bw, "%s: %s", k, t.FuncName())
		for i, dep := range t.Deps {
			if i == 0 {
				bw.WriteString(" ← ")
			} else {
				bw.WriteString(", ")
			}
			bw.WriteString(string(dep))
		}
		if opts := optionText(t); opts != "" {
			fmt.Fprintf(bw, " [%s]", opts)
		}
		if outputs[k] {
			bw.WriteString(" (output)")
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// optionText lists t's options that are not the defaults.
func optionText(t *Task) string {
	var parts []string
	if t.Priority != 0 {
		parts = append(parts, fmt.Sprintf("priority %d", t.Priority))
	}
	if t.Retries != 0 {
		parts = append(parts, fmt.Sprintf("retries %d", t.Retries))
	}
	if len(t.Resources) > 0 {
		var rs []string
		for _, name := range slices.Sorted(maps.Keys(t.Resources)) {
			rs = append(rs, name+"="+strconv.FormatFloat(t.Resources[name], 'g', -1, 64))
		}
		parts = append(parts, "resources "+strings.Join(rs, ","))
	}
	if len(t.Workers) > 0 {
		w := "workers "
		if t.AllowOtherWorkers {
			w = "prefers workers "
		}
		parts = append(parts, w+strings.Join(t.Workers, ","))
	}
	return strings.Join(parts, ", ")
}

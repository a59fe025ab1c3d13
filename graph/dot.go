package graph

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteDOT writes g in Graphviz's DOT language, drawn like Dask's
// visualize: one node per task labelled with its function name (the key
// is its tooltip), outputs with a double outline, inputs as dashed boxes,
// an edge from each dependency to its dependent, dependencies at the
// bottom. Render it with `dot -Tsvg` (Debian's graphviz package).
func WriteDOT(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph gask {\n")
	bw.WriteString("\trankdir=BT;\n")
	bw.WriteString("\tnode [shape=ellipse, fontname=\"Helvetica\", fontsize=11];\n")
	bw.WriteString("\tedge [arrowsize=0.6];\n")
	outputs := make(map[Key]bool, len(g.Outputs))
	for _, k := range g.Outputs {
		outputs[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(g.Inputs)) {
		if _, isTask := g.Tasks[k]; isTask {
			continue
		}
		fmt.Fprintf(bw, "\t%s [label=%s, shape=box, style=dashed];\n", quote(string(k)), quote(string(k)))
	}
	order := Order(g)
	for _, k := range order {
		t := g.Tasks[k]
		extra := ""
		if outputs[k] {
			extra = ", peripheries=2"
		}
		fmt.Fprintf(bw, "\t%s [label=%s, tooltip=%s%s];\n", quote(string(k)), quote(t.FuncName()), quote(string(k)), extra)
	}
	for _, k := range order {
		for _, dep := range uniqueDeps(g.Tasks[k]) {
			if g.has(dep) {
				fmt.Fprintf(bw, "\t%s -> %s;\n", quote(string(dep)), quote(string(k)))
			}
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// quote makes s a DOT string: quotes and backslashes escaped, newlines as \n.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

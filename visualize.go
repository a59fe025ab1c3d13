package gask

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gask-dev/gask/graph"
)

// GraphOf returns the task graph behind ds, as built: every task they
// need, each under its key, with ds as the outputs and the futures they
// take as inputs, for package graph's tools. Its tasks are the lazy
// values' own: do not change them.
func GraphOf(ds ...AnyDelayed) (*graph.Graph, error) {
	p, err := newPlan(anyNodes(ds))
	if err != nil {
		return nil, err
	}
	return p.graph(p.Tasks), nil
}

// Optimize returns the graph that Compute would submit for ds: culled to
// what they need and with linear chains fused, each into one task that
// keeps its last task's key (its Name lists the functions it runs).
func Optimize(ds ...AnyDelayed) (*graph.Graph, error) {
	p, err := newPlan(anyNodes(ds))
	if err != nil {
		return nil, err
	}
	return p.graph(p.fuse(p.Fuse())), nil
}

func anyNodes(ds []AnyDelayed) []*node {
	outs := make([]*node, len(ds))
	for i, d := range ds {
		if d != nil {
			outs[i] = d.lazy()
		}
	}
	return outs
}

// Summary describes the graph behind ds in one line, such as
// "Delayed graph: 16383 tasks, 1 output, depth 14, functions: add×8191, inc×8192".
func Summary(ds ...AnyDelayed) string {
	g, err := GraphOf(ds...)
	if err != nil {
		return "Delayed graph: " + err.Error()
	}
	return "Delayed graph: " + graph.Summarize(g).String()
}

// Visualize writes the graph behind ds in Graphviz's DOT language (like
// Dask's visualize): a node per task labelled with its function, outputs
// outlined twice, futures as dashed boxes. Render it with dot, or use
// VisualizeFile. To draw the graph as Compute submits it, write
// Optimize's graph with graph.WriteDOT.
func Visualize(w io.Writer, ds ...AnyDelayed) error {
	g, err := GraphOf(ds...)
	if err != nil {
		return err
	}
	return graph.WriteDOT(w, g)
}

// ErrNoGraphviz is returned by VisualizeFile when drawing needs Graphviz's
// dot command and it is not installed.
var ErrNoGraphviz = errors.New("gask: drawing a graph needs Graphviz's dot command (Debian and Ubuntu: apt-get install graphviz; macOS: brew install graphviz)")

// VisualizeFile draws the graph behind ds into path, in the format its
// extension names: .dot (DOT text, no tools needed) or .svg, .png, .pdf
// (rendered by Graphviz's dot command, which must be installed: see
// ErrNoGraphviz). ctx bounds the rendering.
func VisualizeFile(ctx context.Context, path string, ds ...AnyDelayed) error {
	var dot bytes.Buffer
	if err := Visualize(&dot, ds...); err != nil {
		return err
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	switch format {
	case "dot", "gv":
		return os.WriteFile(path, dot.Bytes(), 0o644)
	case "svg", "png", "pdf":
	default:
		return fmt.Errorf("gask: VisualizeFile(%s): unknown format %q; use .dot, .svg, .png or .pdf", path, format)
	}
	prog, err := exec.LookPath("dot")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoGraphviz, err)
	}
	cmd := exec.CommandContext(ctx, prog, "-T"+format, "-o", path)
	cmd.Stdin = &dot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gask: dot -T%s -o %s: %v: %s", format, path, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

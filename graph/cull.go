package graph

// Cull returns the part of g that outputs need: those tasks, the tasks
// they depend on, transitively, and the inputs those use. With no outputs
// it keeps g.Outputs. The result's Outputs are the outputs culled for; its
// tasks are g's (shared, not copied). Keys that are neither tasks nor
// inputs of g are left for Validate to report.
func Cull(g *Graph, outputs ...Key) *Graph {
	if len(outputs) == 0 {
		outputs = g.Outputs
	}
	out := &Graph{Tasks: map[Key]*Task{}, Inputs: map[Key]bool{}, Outputs: append([]Key(nil), outputs...)}
	stack := append([]Key(nil), outputs...)
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, done := out.Tasks[k]; done || out.Inputs[k] {
			continue
		}
		t := g.Tasks[k]
		if t == nil {
			if g.Inputs[k] {
				out.Inputs[k] = true
			}
			continue
		}
		out.Tasks[k] = t
		stack = append(stack, t.Deps...)
	}
	return out
}

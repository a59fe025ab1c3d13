package graph

import (
	"strings"
	"testing"
)

// goldenGraphs are drawn and listed into testdata/NAME.dot and NAME.txt.
var goldenGraphs = []struct {
	name string
	g    func() *Graph
}{
	{"tree", func() *Graph { return tree(5, 2) }},
	{"diamond", func() *Graph {
		g := parse("$future-1", "load-a", "inc-b<load-a", "inc-c<load-a future-1", "!add-d<inc-b inc-c inc-b")
		g.Tasks["inc-c"].Priority = 5
		g.Tasks["inc-c"].Retries = 2
		g.Tasks["add-d"].Resources = map[string]float64{"GPU": 1, "MEM": 2e9}
		g.Tasks["add-d"].Workers = []string{"w1", "w2"}
		g.Tasks["add-d"].AllowOtherWorkers = true
		return g
	}},
	{"quoting", func() *Graph {
		g := New()
		g.Add(&Task{Key: `say-"hi"\n`, Func: "say@0", Name: "say\nhello"})
		g.Outputs = []Key{`say-"hi"\n`}
		return g
	}},
}

func TestWriteDOTGolden(t *testing.T) {
	for _, tc := range goldenGraphs {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteDOT(&b, tc.g()); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".dot", b.String())
		})
	}
}

func TestWriteTextGolden(t *testing.T) {
	for _, tc := range goldenGraphs {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteText(&b, tc.g()); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".txt", b.String())
		})
	}
}

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    *Graph
		want string
	}{
		{"the bench tree", tree(8192, 2), "16383 tasks, 1 output, depth 14, functions: add×8191, inc×8192"},
		{"one task", parse("!inc-1"), "1 task, 1 output, depth 1, functions: inc×1"},
		{"empty", New(), "0 tasks, 0 outputs, depth 0"},
		{"inputs", parse("$x", "$y", "a<x", "!b<a y", "!c"), "3 tasks, 2 inputs, 2 outputs, depth 2, functions: a×1, b×1, c×1"},
		{"many functions", parse("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"),
			"14 tasks, 0 outputs, depth 1, functions: a×1, b×1, c×1, d×1, e×1, f×1, g×1, h×1, i×1, j×1, k×1, l×1, and 2 more"},
	} {
		if got := Summarize(tc.g).String(); got != tc.want {
			t.Errorf("%s: Summarize = %q, want %q", tc.name, got, tc.want)
		}
	}
	s := Summarize(tree(4, 2))
	if s.Tasks != 7 || s.Depth != 3 || s.Funcs["add"] != 3 || s.Funcs["inc"] != 4 {
		t.Errorf("Summarize(tree of 4) = %+v", s)
	}
}

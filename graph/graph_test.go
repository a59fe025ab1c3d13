package graph

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata/")

// parse builds a graph from specs, one per task or input:
//
//	"b<a c"  task b depending on a and c; its function is "b" up to a "-"
//	"!b<a"   the same, and b is an output
//	"$x"     x is an input
func parse(specs ...string) *Graph {
	g := New()
	for _, s := range specs {
		if k, ok := strings.CutPrefix(s, "$"); ok {
			g.Inputs[Key(k)] = true
			continue
		}
		out := false
		if rest, ok := strings.CutPrefix(s, "!"); ok {
			s, out = rest, true
		}
		k, deps, _ := strings.Cut(s, "<")
		name, _, _ := strings.Cut(k, "-")
		t := &Task{Key: Key(k), Func: name + "@0"}
		for _, d := range strings.Fields(deps) {
			t.Deps = append(t.Deps, Key(d))
		}
		g.Add(t)
		if out {
			g.Outputs = append(g.Outputs, Key(k))
		}
	}
	return g
}

// tree is a reduction of n leaves ("inc-i") by pairs ("add-l-i"), level
// by level, an odd one out carried up; its root is the output.
func tree(n, fanIn int) *Graph {
	g := New()
	level := make([]Key, n)
	for i := range level {
		level[i] = Key(fmt.Sprintf("inc-%d", i))
		g.Add(&Task{Key: level[i], Func: "inc@0"})
	}
	for l := 1; len(level) > 1; l++ {
		var next []Key
		for i := 0; i < len(level); i += fanIn {
			group := level[i:min(i+fanIn, len(level))]
			if len(group) == 1 {
				next = append(next, group[0])
				continue
			}
			k := Key(fmt.Sprintf("add-%d-%d", l, i/fanIn))
			g.Add(&Task{Key: k, Func: "add@0", Deps: slices.Clone(group)})
			next = append(next, k)
		}
		level = next
	}
	g.Outputs = level
	return g
}

func keys(ks ...string) []Key {
	out := make([]Key, len(ks))
	for i, k := range ks {
		out[i] = Key(k)
	}
	return out
}

func sortedKeys(g *Graph) []Key {
	var out []Key
	for k := range g.Tasks {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// golden compares got with testdata/name, or rewrites it with -rewrite.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *rewrite {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -rewrite to update):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestFuncName(t *testing.T) {
	for _, tc := range []struct {
		task Task
		want string
	}{
		{Task{Func: "inc@1f0c"}, "inc"},
		{Task{Func: "inc"}, "inc"},
		{Task{Func: "gask.fused.1@ab", Name: "inc×3"}, "inc×3"},
	} {
		if got := tc.task.FuncName(); got != tc.want {
			t.Errorf("%+v.FuncName() = %q, want %q", tc.task, got, tc.want)
		}
	}
}

func TestUniqueDeps(t *testing.T) {
	many := make([]Key, 40)
	for i := range many {
		many[i] = Key(fmt.Sprint(i % 20))
	}
	for _, tc := range []struct {
		deps, want []Key
	}{
		{nil, nil},
		{keys("a", "b"), keys("a", "b")},
		{keys("a", "b", "a", "c", "b"), keys("a", "b", "c")},
		{many, many[:20]},
	} {
		if got := uniqueDeps(&Task{Deps: tc.deps}); !slices.Equal(got, tc.want) {
			t.Errorf("uniqueDeps(%v) = %v, want %v", tc.deps, got, tc.want)
		}
	}
}

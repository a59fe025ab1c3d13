package graph

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		g     *Graph
		check func(t *testing.T, err error)
	}{
		{"valid", parse("a", "b<a", "!c<b a", "$x", "d<x"), func(t *testing.T, err error) {
			if err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		}},
		{"empty", New(), func(t *testing.T, err error) {
			if err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		}},
		{"missing dependency", parse("a", "!c<a zz", "b<yy"), func(t *testing.T, err error) {
			var me *MissingError
			if !errors.As(err, &me) || me.Task != "b" || me.Key != "yy" {
				t.Fatalf("Validate() = %v, want a MissingError for b's dependency yy (the smallest key first)", err)
			}
			if !strings.Contains(err.Error(), "task b depends on yy") {
				t.Errorf("message %q does not name both keys", err)
			}
		}},
		{"two-cycle", parse("x", "!a<b x", "b<a"), func(t *testing.T, err error) {
			var ce *CycleError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a CycleError", err)
			}
			if !slices.Equal(ce.Cycle, keys("a", "b")) {
				t.Errorf("cycle = %v, want [a b]", ce.Cycle)
			}
			if want := "a → b → a"; !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not contain %q", err, want)
			}
		}},
		{"self-cycle", parse("!a<a"), func(t *testing.T, err error) {
			var ce *CycleError
			if !errors.As(err, &ce) || !slices.Equal(ce.Cycle, keys("a")) {
				t.Fatalf("Validate() = %v, want the cycle [a]", err)
			}
		}},
		{"cycle behind a valid part", parse("a", "b<a", "c<b e", "d<c", "e<d", "!f<d"), func(t *testing.T, err error) {
			var ce *CycleError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a CycleError", err)
			}
			// c → e → d → c, starting from the smallest key on it.
			if !slices.Equal(ce.Cycle, keys("c", "e", "d")) {
				t.Errorf("cycle = %v, want [c e d]", ce.Cycle)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, Validate(tc.g))
		})
	}
}

func TestValidateOutputsAndKeys(t *testing.T) {
	g := parse("a")
	g.Outputs = keys("nope")
	var me *MissingError
	if err := Validate(g); !errors.As(err, &me) || me.Task != "" || me.Key != "nope" {
		t.Errorf("Validate(output nope) = %v, want a MissingError for output nope", err)
	} else if !strings.Contains(err.Error(), "output nope") {
		t.Errorf("message %q does not name the output", err)
	}

	g = parse("a")
	g.Tasks["b"] = &Task{Key: "a2", Func: "f@0"}
	var ke *KeyError
	if err := Validate(g); !errors.As(err, &ke) || ke.Stored != "b" || ke.Task != "a2" {
		t.Errorf("Validate(task a2 stored as b) = %v, want a KeyError", err)
	}
}

// Validate agrees with a simple model on random graphs: a graph with an
// edge only from larger to smaller indexes is acyclic; one back edge makes
// it cyclic.
func TestValidateRandom(t *testing.T) {
	for seed := range uint64(50) {
		g := randomDAG(seed, 60)
		if err := Validate(g); err != nil {
			t.Fatalf("seed %d: Validate(random DAG) = %v", seed, err)
		}
		// Add a back edge from the first task to one that depends on it.
		var from *Task
		for _, k := range sortedKeys(g) {
			if tk := g.Tasks[k]; len(tk.Deps) > 0 {
				from = tk
				break
			}
		}
		if from == nil {
			continue
		}
		dep := g.Tasks[from.Deps[0]]
		dep.Deps = append(dep.Deps, from.Key)
		var ce *CycleError
		if err := Validate(g); !errors.As(err, &ce) {
			t.Fatalf("seed %d: Validate(with %s ⇄ %s) = %v, want a CycleError", seed, from.Key, dep.Key, err)
		}
		assertCycle(t, g, ce.Cycle)
	}
}

// assertCycle checks that each key of cyc depends on the next, the last
// on the first.
func assertCycle(t *testing.T, g *Graph, cyc []Key) {
	t.Helper()
	if len(cyc) == 0 {
		t.Fatal("empty cycle")
	}
	for i, k := range cyc {
		next := cyc[(i+1)%len(cyc)]
		if !slices.Contains(g.Tasks[k].Deps, next) {
			t.Fatalf("cycle %v: %s does not depend on %s", cyc, k, next)
		}
	}
}

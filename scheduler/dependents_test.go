package scheduler

import (
	"fmt"
	"testing"
)

// A value that lives long (here scattered data a client keeps) must not
// accumulate the tasks that once depended on it: each of them is forgotten
// when released, and the list of dependents must shrink with them.
func TestForgottenDependentsAreDropped(t *testing.T) {
	s := New(Config{})
	funcs := NewFuncSet([]string{"inc"})
	s.Handle(&WorkerJoined{Worker: "w1", NThreads: 1, Funcs: funcs})
	s.Handle(&DataPlaced{Client: "c1", Workers: []WorkerID{"w1"}, Keys: []string{"x"}, NBytes: []int64{8}})
	const n = 10_000
	for i := range n {
		k := fmt.Sprintf("y%d", i)
		s.Handle(&GraphUpdated{Client: "c1", Tasks: []TaskSpec{{Key: k, Func: "inc", Deps: []string{"x"}}}, Wants: []string{k}})
		s.Handle(&TaskFinished{Worker: "w1", Key: k, NBytes: 8})
		s.Handle(&KeysReleased{Client: "c1", Keys: []string{k}})
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	x := s.lookup("x")
	if x.liveDeps != 0 {
		t.Fatalf("x.liveDeps = %d, want 0", x.liveDeps)
	}
	if got := len(x.dependents); got > 32 {
		t.Errorf("after %d dependents of x were forgotten, len(x.dependents) = %d, want a handful", n, got)
	}
}

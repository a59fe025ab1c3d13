package scheduler_test

import (
	"fmt"
	"hash"
	"testing"

	"github.com/gask-dev/gask/scheduler"
)

// Events that name unknown workers, clients or keys, or carry short
// slices, change nothing they should not and never panic.
func TestOddEvents(t *testing.T) {
	s := scheduler.New(scheduler.Config{})
	step := func(ev scheduler.Event) []scheduler.Command {
		t.Helper()
		cmds := s.Handle(ev)
		if err := s.Check(); err != nil {
			t.Fatalf("Check() after %T = %v", ev, err)
		}
		return cmds
	}
	funcs := scheduler.NewFuncSet([]string{"inc@sig"})
	step(&scheduler.WorkerLeft{Worker: "nobody"})
	step(&scheduler.WorkerClosing{Worker: "nobody"})
	step(&scheduler.TaskFinished{Worker: "nobody", Key: "k"})
	step(&scheduler.TaskFailed{Worker: "nobody", Key: "k"})
	step(&scheduler.DataMissing{Worker: "nobody", Key: "k", Dep: "d"})
	step(&scheduler.ReplicasChanged{Worker: "nobody", Added: []string{"k"}})
	step(&scheduler.KeysReleased{Client: "nobody", Keys: []string{"k"}})
	step(&scheduler.ClientLeft{Client: "nobody"})
	step(&scheduler.DataMissing{Worker: "nobody", Dep: "k"}) // an Acquire that failed
	if cmds := step(&scheduler.RetireWorkers{Client: "c9", ReqID: 3, Workers: []string{"nobody", "nobody"}}); len(cmds) != 1 {
		t.Errorf("RetireWorkers of unknown workers = %v, want one answer", cmds)
	} else if d, ok := cmds[0].(*scheduler.RetireDone); !ok || d.ReqID != 3 || len(d.Unknown) != 2 || len(d.Retired)+len(d.Kept)+len(d.Lost) != 0 {
		t.Errorf("RetireWorkers of unknown workers = %+v, want RetireDone{ReqID: 3, Unknown: [nobody nobody]}", cmds[0])
	}
	step(&scheduler.WorkerJoined{Worker: "w1", NThreads: 0, Funcs: funcs}) // 0 threads counts as 1
	if got := s.Workers()[0].NThreads; got != 1 {
		t.Errorf("NThreads = %d for a worker that said 0, want 1", got)
	}

	// Scatter with fewer sizes than keys.
	if cmds := step(&scheduler.DataPlaced{Client: "c1", Workers: []scheduler.WorkerID{"w1"}, Keys: []string{"x", "y"}, NBytes: []int64{8}}); len(cmds) != 2 {
		t.Errorf("DataPlaced of 2 keys = %d commands, want 2 (done x, done y)", len(cmds))
	}
	if ti, _ := s.Task("y"); ti.State != scheduler.Memory || ti.NBytes != 0 {
		t.Errorf("y = %v nbytes %d, want memory, 0", ti.State, ti.NBytes)
	}
	// Scatter to workers the scheduler does not know: nothing happens.
	if cmds := step(&scheduler.DataPlaced{Client: "c1", Workers: []scheduler.WorkerID{"gone"}, Keys: []string{"z"}, NBytes: []int64{8}}); len(cmds) != 0 {
		t.Errorf("DataPlaced on an unknown worker = %v, want no commands", cmds)
	}
	if _, ok := s.Task("z"); ok {
		t.Errorf("z is known after a scatter to an unknown worker")
	}
	// Replicas with fewer sizes than keys.
	step(&scheduler.ReplicasChanged{Worker: "w1", Added: []string{"x", "y"}})
	// A want for a key nobody submitted is ignored.
	if cmds := step(&scheduler.GraphUpdated{Client: "c1", Wants: []string{"nothing"}}); len(cmds) != 0 {
		t.Errorf("GraphUpdated wanting an unknown key = %v, want no commands", cmds)
	}
	// A missing-data report about a key nobody has.
	step(&scheduler.DataMissing{Worker: "w1", Key: "x", Dep: "nothing", Holders: []scheduler.WorkerID{"w1"}})
	step(&scheduler.ClientLeft{Client: "c1"})
	if n := s.NumTasks(); n != 0 {
		t.Errorf("NumTasks() = %d after the only client left, want 0", n)
	}
}

// The scheduler is deterministic: the same events give the same commands.
func TestDeterministic(t *testing.T) {
	for seed := range uint64(5) {
		run := func() uint64 {
			m := newModel(t, seed)
			if !m.run(300) {
				t.FailNow()
			}
			return m.trace.(hash.Hash64).Sum64()
		}
		if a, b := run(), run(); a != b {
			t.Errorf("two runs of model seed %d: trace hashes %x and %x, want equal", seed, a, b)
		}
	}
}

// A short story forgets old steps, and the notes of a retirement with them.
func TestStoryForgetsNotes(t *testing.T) {
	s := scheduler.New(scheduler.Config{StoryLen: 4})
	step := func(ev scheduler.Event) {
		t.Helper()
		s.Handle(ev)
		if err := s.Check(); err != nil {
			t.Fatalf("Check() after %T = %v", ev, err)
		}
	}
	funcs := scheduler.NewFuncSet([]string{"inc@sig"})
	step(&scheduler.WorkerJoined{Worker: "w1", Funcs: funcs})
	step(&scheduler.WorkerJoined{Worker: "w2", Funcs: funcs})
	for i := range 3 {
		k := fmt.Sprint("k", i)
		step(&scheduler.GraphUpdated{Client: "c1", Tasks: []scheduler.TaskSpec{{Key: k, Func: "inc@sig", Args: []byte(k)}}, Wants: []string{k}})
		ti, _ := s.Task(k)
		step(&scheduler.TaskFinished{Worker: ti.Worker, Key: k, NBytes: 8})
		step(&scheduler.RetireWorkers{Client: "c1", ReqID: uint64(i), Workers: []string{string(ti.Worker)}})
		if story := s.Story(k); len(story) == 0 || story[len(story)-1].Note == "" {
			t.Fatalf("Story(%s) = %v, want it to end with the move", k, story)
		}
		// The move fails for want of another worker to try: the worker is kept.
		other := scheduler.WorkerID("w1")
		if ti.Worker == other {
			other = "w2"
		}
		step(&scheduler.DataMissing{Worker: other, Dep: k})
	}
}

func TestProcessingLists(t *testing.T) {
	s := scheduler.New(scheduler.Config{})
	funcs := scheduler.NewFuncSet([]string{"f"})
	s.Handle(&scheduler.WorkerJoined{Worker: "w1", NThreads: 1, Funcs: funcs})
	s.Handle(&scheduler.ClientJoined{Client: "c"})
	s.Handle(&scheduler.GraphUpdated{Client: "c", Tasks: []scheduler.TaskSpec{
		{Key: "a", Func: "f"}, {Key: "b", Func: "f", Deps: []string{"a"}}, {Key: "c", Func: "f"}}, Wants: []string{"b", "c"}})
	keys, n := s.Processing("w1", 0)
	if n != len(keys) || n == 0 || keys[0] != "a" {
		t.Fatalf("Processing(w1) = %v, %d; want a first, and all of them", keys, n)
	}
	if keys, n2 := s.Processing("w1", 1); len(keys) != 1 || n2 != n {
		t.Errorf("Processing(w1, 1) = %v, %d; want one key of %d", keys, n2, n)
	}
	if keys, n := s.Processing("nobody", 0); keys != nil || n != 0 {
		t.Errorf("Processing(nobody) = %v, %d", keys, n)
	}
}

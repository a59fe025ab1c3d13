package scheduler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gask-dev/gask/scheduler"
)

// TestStoryNotesWrapAround keeps a story of a few transitions while steals
// are asked, refused and done among many other transitions: every note
// shown must be one of a steal, on the transition it was made with, however
// often the story wrapped around since.
func TestStoryNotesWrapAround(t *testing.T) {
	for _, storyLen := range []int{1, 2, 3, 5, 8, 13} {
		t.Run(fmt.Sprint(storyLen), func(t *testing.T) {
			s := scheduler.New(scheduler.Config{StoryLen: storyLen})
			funcs := scheduler.NewFuncSet([]string{"inc@sig"})
			var keys []string
			handle := func(ev scheduler.Event) []scheduler.Command {
				t.Helper()
				cmds := s.Handle(ev)
				if err := s.Check(); err != nil {
					t.Fatalf("Check() after %T = %v", ev, err)
				}
				return cmds
			}
			handle(&scheduler.WorkerJoined{Worker: "w1", NThreads: 1, Funcs: funcs})
			handle(&scheduler.GraphUpdated{Client: "c", Tasks: []scheduler.TaskSpec{{Key: "x", Func: "inc@sig"}}, Wants: []string{"x"}})
			handle(&scheduler.TaskFinished{Worker: "w1", Key: "x", NBytes: 8, Duration: 10e6})
			notes := 0
			for round := range 6 {
				var specs []scheduler.TaskSpec
				var want []string
				for i := range 4 {
					k := fmt.Sprintf("t%d-%d", round, i)
					specs = append(specs, scheduler.TaskSpec{Key: k, Func: "inc@sig", Deps: []string{"x"}})
					want = append(want, k)
				}
				keys = append(keys, want...)
				handle(&scheduler.GraphUpdated{Client: "c", Tasks: specs, Wants: want})
				thief := scheduler.WorkerID(fmt.Sprintf("thief%d", round))
				var asked []string
				for _, c := range handle(&scheduler.WorkerJoined{Worker: thief, NThreads: 1, Funcs: funcs}) {
					if c, ok := c.(*scheduler.Steal); ok {
						asked = append(asked, c.Key)
					}
				}
				if len(asked) == 0 {
					t.Fatalf("round %d: no steal asked of w1", round)
				}
				for i, k := range asked { // stolen, refused, stolen, ...
					handle(&scheduler.StealResponse{Worker: "w1", Key: k, Stolen: i%2 == 0})
				}
				for _, tr := range s.Story(append(keys, "x")...) {
					if tr.Note == "" {
						continue
					}
					notes++
					ok := tr.From == scheduler.Processing && tr.To == scheduler.Processing &&
						(strings.HasPrefix(tr.Note, "steal asked of w1 for ") || strings.HasPrefix(tr.Note, "steal refused by w1")) ||
						tr.From == scheduler.Processing && tr.To == scheduler.Waiting && strings.HasPrefix(tr.Note, "stolen from w1 for ")
					if !ok {
						t.Errorf("round %d: transition %v has a note it was not made with", round, tr)
					}
				}
				handle(&scheduler.WorkerLeft{Worker: thief})
			}
			if notes == 0 && storyLen >= 3 {
				t.Errorf("no note seen in a story of %d", storyLen)
			}
		})
	}
}

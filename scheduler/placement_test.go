package scheduler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gask-dev/gask/scheduler"
)

// An idle worker must get a queued task it can run even when more than a
// few tasks for other workers are queued ahead of it.
// fill(w) looks 32 tasks past the head of the one global queue and then
// falls back to scanning it all (fillPastOthers); without that, the task for
// w2 would wait behind w1's (alice's) tasks for ever, since only w2's own
// events fill w2.
func TestIdleWorkerNotStarvedByQueuedTasksForOthers(t *testing.T) {
	h := newHarness(scheduler.Config{})
	must := func(line string) []string {
		t.Helper()
		out, err := h.run(line, false)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		return out
	}
	must("worker-join w1 name=alice")
	must("worker-join w2 name=bob")
	must("submit c1 y0=inc[workers=bob] want=y0") // w2 busy
	for i := range 40 {
		must(fmt.Sprintf("submit c1 a%d=inc[workers=alice] want=a%d", i, i)) // a0 runs, 39 queued
	}
	must("submit c1 x=inc[workers=bob] want=x") // queued behind them
	must("finish w2 y0")
	if ti, _ := h.s.Task("x"); ti.State != scheduler.Processing {
		t.Errorf("after w2 finished its only task, x is %v, want processing on w2 (w2 is idle)", ti.State)
	}
	for i := range 40 {
		must(fmt.Sprintf("finish w1 a%d", i))
	}
	if ti, _ := h.s.Task("x"); ti.State != scheduler.Processing {
		t.Errorf("after w1 finished everything, x is still %v with w2 idle: nothing will ever run it", ti.State)
	}
}

// User priority must reach the workers: tasks sent to a worker together run
// in the order of Compute.Priority, so a task the user ranked higher must get
// a lower Priority than the ones submitted before it. Tasks with inputs go
// to workers at once, so the scheduler's queue alone cannot order them.
func TestComputePriorityHonoursUserPriority(t *testing.T) {
	h := newHarness(scheduler.Config{})
	for _, line := range []string{
		"worker-join w1",
		"submit c1 a=inc want=a",
		"finish w1 a",
	} {
		if _, err := h.run(line, false); err != nil {
			t.Fatal(err)
		}
	}
	s := h.s
	cmds := s.Handle(&scheduler.GraphUpdated{Client: "c1", Tasks: []scheduler.TaskSpec{
		{Key: "lo", Func: "inc@sig", Deps: []string{"a"}},
		{Key: "hi", Func: "inc@sig", Deps: []string{"a"}, Priority: 10},
	}, Wants: []string{"lo", "hi"}})
	prio := map[string]int64{}
	for _, c := range cmds {
		if c, ok := c.(*scheduler.Compute); ok {
			prio[c.Key] = c.Priority
		}
	}
	if len(prio) != 2 {
		t.Fatalf("GraphUpdated sent computes %v, want lo and hi", prio)
	}
	if prio["hi"] >= prio["lo"] {
		t.Errorf("Compute.Priority: hi (user priority 10) = %d, lo (0) = %d; want hi lower, to run first", prio["hi"], prio["lo"])
	}
}

// A killed-worker error gives, for each death, the reason of that death.
// Each death's reason is kept with the task when the worker leaves: looked
// up by address when the error is built, a worker restarted at the same
// address would lend its last reason to every earlier death.
func TestKilledWorkerReasonPerDeath(t *testing.T) {
	h := newHarness(scheduler.Config{AllowedFailures: 2})
	for _, line := range []string{
		"worker-join w1",
		"submit c1 b=inc want=b",
		"worker-join w1", // replaces the first w1: b's first death
		`worker-death w1 reason="OOM"`,
	} {
		if _, err := h.run(line, false); err != nil {
			t.Fatal(err)
		}
	}
	out, err := h.run("worker-leave w1", false)
	if err != nil {
		t.Fatal(err)
	}
	want := "w1: replaced by a new worker at the same address; w1: OOM"
	if len(out) == 0 || !strings.Contains(out[0], want) {
		t.Errorf("worker-leave w1 = %q, want an error ending %q", out, want)
	}
}

package jobqueue

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fake is a batch system of shell scripts that run no job: submit prints
// the next ID, waiting first (while a file "hold" exists) so that a test can
// catch a submission under way; cancel records the IDs; a job is active
// until cancelled. It tests the cluster's bookkeeping where a real batch
// system cannot be made to misbehave on cue; the real ones are tested in
// jobqueue_test.go.
func fake(t *testing.T) (System, string) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("counter", "0\n")
	submit := write("submit", `#!/bin/sh
cat >/dev/null
touch "`+dir+`/started"
while [ -e "`+dir+`/hold" ]; do sleep 0.01; done
[ -e "`+dir+`/refuse" ] && { echo "submit: refused" >&2; echo x >> "`+dir+`/refused"; exit 1; }
n=$(( $(cat "`+dir+`/counter") + 1 ))
echo $n > "`+dir+`/counter"
echo $n >> "`+dir+`/submitted"
echo $n
`)
	cancel := write("cancel", "#!/bin/sh\nfor i; do echo $i >> \""+dir+"/cancelled\"; done\n")
	sys := System{name: "fake", directive: "#FAKE", jobIDVar: "FAKE_JOB_ID",
		header:  func(*Config) []string { return nil },
		submit:  []string{submit},
		parseID: func(out string) (string, error) { return strings.TrimSpace(out), nil },
		cancel:  []string{cancel},
		gone:    func(error) bool { return false },
		active: func(ctx context.Context, ids []string) (map[string]bool, error) {
			cancelled := fields(dir, "cancelled")
			m := map[string]bool{}
			for _, id := range ids {
				m[id] = !slices.Contains(cancelled, id)
			}
			return m, nil
		},
		logFile: func(cfg *Config, id string) string { return filepath.Join(dir, id+".out") },
	}
	return sys, dir
}

func fields(dir, name string) []string {
	b, _ := os.ReadFile(filepath.Join(dir, name))
	return strings.Fields(string(b))
}

func newFake(t *testing.T, sys System) *Cluster {
	t.Helper()
	c, err := New(t.Context(), Config{System: sys, Listen: "tcp://127.0.0.1:0", LogDirectory: t.TempDir(),
		PollInterval: 50 * time.Millisecond, IgnoreConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// await polls for a file, failing after a while.
func await(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("no %s", path)
}

// leftover is the jobs submitted and never cancelled.
func leftover(dir string) []string {
	cancelled := fields(dir, "cancelled")
	return slices.DeleteFunc(fields(dir, "submitted"), func(id string) bool { return slices.Contains(cancelled, id) })
}

// A job under submission when Scale lets go of it, or when Close comes,
// is cancelled once its ID is known; Close waits for it.
func TestFakeSubmissionUnderWay(t *testing.T) {
	for _, then := range []string{"scale", "close"} {
		t.Run(then, func(t *testing.T) {
			sys, dir := fake(t)
			c := newFake(t, sys)
			os.WriteFile(filepath.Join(dir, "hold"), nil, 0o644)
			scaled := make(chan error, 1)
			go func() { scaled <- c.Scale(context.Background(), 1) }()
			await(t, filepath.Join(dir, "started"))
			closed := make(chan error, 1)
			if then == "scale" {
				if err := c.scale(context.Background(), 0); err != nil {
					t.Fatal(err)
				}
			} else {
				go func() { closed <- c.Close() }()
			}
			os.Remove(filepath.Join(dir, "hold"))
			if err := <-scaled; err != nil {
				t.Fatal(err)
			}
			if then == "close" {
				if err := <-closed; err != nil {
					t.Fatal(err)
				}
			} else if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if got := fields(dir, "submitted"); len(got) != 1 {
				t.Fatalf("submitted %v, want one job", got)
			}
			if l := leftover(dir); len(l) != 0 {
				t.Errorf("jobs %v never cancelled", l)
			}
		})
	}
}

// Scaling down cancels the jobs even when the caller's context has ended.
func TestFakeCancelOutlivesItsContext(t *testing.T) {
	sys, dir := fake(t)
	c := newFake(t, sys)
	defer c.Close()
	if err := c.Scale(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c.Scale(ctx, 0)
	if l := leftover(dir); len(l) != 0 {
		t.Errorf("after Scale(0) with an ended context, jobs %v were not cancelled", l)
	}
}

// A refused submission is not tried again before its back-off, which
// doubles; Scale tries again at once.
func TestFakeRefusedSubmissionsBackOff(t *testing.T) {
	sys, dir := fake(t)
	c := newFake(t, sys)
	defer c.Close()
	c.adapting.Close() // nothing but this test scales
	c.stopWatch()      // nor replenishes
	c.watching.Wait()
	os.WriteFile(filepath.Join(dir, "refuse"), nil, 0o644)
	if err := c.Scale(t.Context(), 1); err == nil || !strings.Contains(err.Error(), "submit: refused") {
		t.Fatalf("Scale with submissions refused = %v", err)
	}
	c.mu.Lock()
	backoff, retryAt := c.backoff, c.retryAt
	c.mu.Unlock()
	if backoff != c.cfg.PollInterval || !retryAt.After(time.Now()) {
		t.Fatalf("back-off %v until %v after a refusal", backoff, retryAt)
	}
	if err := c.replenish(t.Context()); err != nil || len(fields(dir, "refused")) != 1 {
		t.Errorf("replenish during the back-off = %v, %d submissions", err, len(fields(dir, "refused")))
	}
	c.mu.Lock()
	c.retryAt = time.Now() // the back-off is over
	c.mu.Unlock()
	c.replenish(t.Context())
	c.mu.Lock()
	backoff = c.backoff
	c.mu.Unlock()
	if n := len(fields(dir, "refused")); n != 2 || backoff != 2*c.cfg.PollInterval {
		t.Errorf("after the back-off: %d submissions, back-off %v; want 2 and doubled", n, backoff)
	}
	if c.Scale(t.Context(), 1); len(fields(dir, "refused")) != 3 {
		t.Errorf("Scale during a back-off did not submit")
	}
}

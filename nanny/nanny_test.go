package nanny

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask/schedulerd"
	"github.com/gask-dev/gask/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// startScheduler serves a scheduler on loopback until the test ends, or
// until stop, which waits for it.
func startScheduler(t *testing.T, ctx context.Context) (addr string, stop func()) {
	t.Helper()
	ln, err := transport.Listen("tcp://127.0.0.1:0", transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- schedulerd.New(schedulerd.Config{Logger: quiet}).Serve(sctx, ln) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-served }) }
	t.Cleanup(stop)
	return transport.Address(ln), stop
}

func finished(t *testing.T, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Run()
	if cmd.ProcessState == nil {
		t.Fatalf("sh -c %q did not run", script)
	}
	return cmd
}

func TestDescribe(t *testing.T) {
	exit := Describe(finished(t, "exit 3").ProcessState, false)
	if exit.ExitCode != 3 || exit.Signal != "" || exit.OOM || !strings.Contains(exit.Reason, "exited with status 3") {
		t.Errorf("Describe(exit 3) = %+v", exit)
	}
	killed := finished(t, "kill -9 $$").ProcessState
	if d := Describe(killed, false); d.ExitCode != -1 || d.OOM || !strings.Contains(d.Reason, "signal 9") {
		t.Errorf("Describe(SIGKILL) = %+v", d)
	}
	if d := Describe(killed, true); !d.OOM || !strings.Contains(d.Reason, "out-of-memory") {
		t.Errorf("Describe(SIGKILL, oom) = %+v, want an OOM death", d)
	}
	if d := Describe(finished(t, "kill -15 $$").ProcessState, true); d.OOM {
		t.Errorf("Describe(SIGTERM, oom) = %+v: only SIGKILL is the OOM killer's", d)
	}
}

func TestRunRestartsADyingWorker(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	addr, _ := startScheduler(t, ctx)

	// A "worker" that reports an address on the ready descriptor, then dies.
	started := make(chan int, 10)
	nctx, stopNanny := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() {
		ran <- Run(nctx, Config{
			Scheduler: addr, Name: "w", Command: "sh",
			Args:   []string{"-c", "echo tcp://127.0.0.1:1 >&3; exit 3"},
			Logger: quiet, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
			Started: func(addr string, pid int) {
				if addr != "tcp://127.0.0.1:1" {
					t.Errorf("Started with address %q", addr)
				}
				started <- pid
			},
		})
	}()
	pids := map[int]bool{}
	for len(pids) < 3 {
		select {
		case pid := <-started:
			pids[pid] = true
		case <-ctx.Done():
			t.Fatalf("worker started %d times, want 3 restarts", len(pids))
		}
	}
	stopNanny()
	if err := <-ran; err != nil {
		t.Errorf("Run = %v after its context ended, want nil", err)
	}
}

// TestRunReportsAWorkerThatNeverStarts checks that a process that ends
// before it reports its address (say, a program without gask.Main) makes
// Run fail with how it ended, rather than restart it forever.
func TestRunReportsAWorkerThatNeverStarts(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	addr, _ := startScheduler(t, ctx)

	err := Run(ctx, Config{Scheduler: addr, Name: "w", Command: "sh", Args: []string{"-c", "exit 7"},
		Logger: quiet, MinBackoff: time.Millisecond})
	if !errors.Is(err, ErrNeverStarted) || !strings.Contains(err.Error(), "status 7") {
		t.Errorf("Run(a worker that exits 7 at once) = %v, want ErrNeverStarted saying status 7", err)
	}
	if ctx.Err() != nil {
		t.Errorf("Run returned only when its context ended")
	}
}

// TestRunEndsWhenTheSchedulerGoes checks that a nanny whose scheduler goes
// away stops its worker and returns ErrSchedulerLost, rather than restart
// a worker that has nothing to join.
func TestRunEndsWhenTheSchedulerGoes(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	addr, stopScheduler := startScheduler(t, ctx)

	started := make(chan int, 1)
	ran := make(chan error, 1)
	go func() {
		ran <- Run(ctx, Config{Scheduler: addr, Name: "w", Command: "sh",
			Args:    []string{"-c", "echo tcp://127.0.0.1:1 >&3; exec sleep 600"},
			Logger:  quiet,
			Started: func(addr string, pid int) { started <- pid },
		})
	}()
	var pid int
	select {
	case pid = <-started:
	case <-ctx.Done():
		t.Fatal("the worker never started")
	}
	stopScheduler()
	select {
	case err := <-ran:
		if !errors.Is(err, ErrSchedulerLost) {
			t.Errorf("Run after the scheduler stopped = %v, want ErrSchedulerLost", err)
		}
	case <-ctx.Done():
		t.Fatal("Run still supervising after the scheduler stopped")
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("worker process %d still alive after Run returned", pid)
	}
}

// TestRunEndsWhenTheWorkerRetires checks that a worker process that exits
// with ExitRetired, as one the scheduler retired does, is not restarted:
// Run returns nil at once, and tells the scheduler of no death.
func TestRunEndsWhenTheWorkerRetires(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	addr, _ := startScheduler(t, ctx)

	starts := 0
	err := Run(ctx, Config{Scheduler: addr, Name: "w", Command: "sh",
		Args:   []string{"-c", fmt.Sprintf("echo tcp://127.0.0.1:1 >&3; exit %d", ExitRetired)},
		Logger: quiet, MinBackoff: time.Millisecond,
		Started: func(string, int) { starts++ },
	})
	if err != nil {
		t.Errorf("Run(a worker that retires) = %v, want nil", err)
	}
	if ctx.Err() != nil {
		t.Errorf("Run returned only when its context ended")
	}
	if starts != 1 {
		t.Errorf("the worker was started %d times, want once", starts)
	}
}

package schedulerd

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gask-dev/gask/scheduler"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

// A snapshot before Serve, while it serves, and after it stopped.
func TestSnapshot(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	srv := New(Config{Build: "b1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := srv.Snapshot(ctx); !errors.Is(err, ErrNotServing) {
		t.Fatalf("Snapshot before Serve = %v, want ErrNotServing", err)
	}
	tc := transport.Config{Inproc: transport.NewInproc()}
	ln, err := transport.Listen("inproc://scheduler", tc)
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	w := fakeWorker(t, ctx, tc, "w1", "f@1")
	c := join(t, ctx, tc, &wire.Hello{Role: wire.RoleClient, Name: "c"})
	// Two tasks of f: one ready and sent to w1, one waiting on it.
	c.Send(&wire.UpdateGraph{Tasks: []wire.TaskSpec{{Key: "a", Func: "f@1"}, {Key: "b", Func: "f@1", Deps: []string{"a"}}}, Wants: []string{"b"}})
	if _, err := w.Recv(); err != nil { // the Compute of a
		t.Fatal(err)
	}
	snap, err := srv.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Workers) != 1 || snap.Workers[0].Name != "w1" || snap.Clients != 1 || snap.ClientsJoined != 1 || snap.Build != "b1" {
		t.Errorf("snapshot workers %+v, clients %d, build %q", snap.Workers, snap.Clients, snap.Build)
	}
	if snap.Tasks[scheduler.Processing] != 1 || snap.Tasks[scheduler.Waiting] != 1 {
		t.Errorf("snapshot tasks %v, want one processing, one waiting", snap.Tasks)
	}
	if len(snap.Groups) != 1 || snap.Groups[0].Name != "f" || snap.Groups[0].Created != 2 {
		t.Errorf("snapshot groups %+v, want f with 2 tasks", snap.Groups)
	}
	stop()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Snapshot(ctx); !errors.Is(err, ErrNotServing) {
		t.Errorf("Snapshot after Serve = %v, want ErrNotServing", err)
	}
}

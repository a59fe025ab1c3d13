package schedulerd

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeWorker joins the scheduler at addr as a worker and returns its connection.
func fakeWorker(t *testing.T, ctx context.Context, addr, name string, cfg transport.Config) *wire.Conn {
	t.Helper()
	nc, err := transport.Dial(ctx, addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := wire.NewConn(nc, wire.Limits{})
	t.Cleanup(func() { c.Close() })
	if _, err := wire.Handshake(ctx, c, &wire.Hello{Role: wire.RoleWorker, Name: name, Addr: "inproc://" + name, NThreads: 1}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSilentWorkerIsDropped(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cfg := transport.Config{Inproc: transport.NewInproc()}
	ln, err := transport.Listen("inproc://scheduler", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{WorkerTimeout: 300 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	served := make(chan error, 1)
	sctx, stop := context.WithCancel(ctx)
	go func() { served <- srv.Serve(sctx, ln) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()

	silent := fakeWorker(t, ctx, "inproc://scheduler", "silent", cfg)
	alive := fakeWorker(t, ctx, "inproc://scheduler", "alive", cfg)
	beat := time.NewTicker(50 * time.Millisecond)
	defer beat.Stop()
	closed := make(chan error, 1)
	go func() {
		_, err := silent.Recv()
		closed <- err
	}()
	aliveClosed := make(chan error, 1)
	go func() {
		_, err := alive.Recv()
		aliveClosed <- err
	}()
	// Keep "alive" heartbeating until "silent" is dropped.
	for {
		select {
		case err := <-closed:
			if err == nil {
				t.Fatal("silent worker got a message, want its connection closed")
			}
			select {
			case err := <-aliveClosed:
				t.Fatalf("heartbeating worker was dropped too: %v", err)
			default:
			}
			return
		case err := <-aliveClosed:
			t.Fatalf("heartbeating worker was dropped: %v", err)
		case <-beat.C:
			alive.Send(&wire.Heartbeat{})
		case <-ctx.Done():
			t.Fatal("silent worker was never dropped")
		}
	}
}

package array_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/local"
)

// TestMain lets the test binary serve as a worker for local.Processes.
func TestMain(m *testing.M) {
	gask.Main()
	goleak.VerifyTestMain(m)
}

// timeout bounds every wait in one test.
const timeout = 60 * time.Second

// startCluster starts a local cluster of n one-thread workers, closed when
// the test ends, and returns its client and a context for the test.
func startCluster(t *testing.T, n int, opts ...local.Option) (context.Context, *gask.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	all := append([]local.Option{local.Workers(n), local.Threads(1), local.Logger(logger)}, opts...)
	cl, err := local.New(ctx, all...)
	if err != nil {
		t.Fatalf("local.New: %v", err)
	}
	t.Cleanup(func() {
		if err := cl.Close(); err != nil {
			t.Errorf("cluster.Close() = %v", err)
		}
	})
	return ctx, cl.Client()
}

package schedulerd

import (
	"context"
	"errors"
	"time"

	"github.com/gask-dev/gask/scheduler"
	"github.com/gask-dev/gask/wire"
)

// Snapshot is the scheduler at one moment, for dashboards and metrics.
// The loop builds it between events, at a cost of O(workers + functions):
// reading one never walks the tasks.
type Snapshot struct {
	Time    time.Time
	Started time.Time // when Serve started
	Build   string
	Workers []wire.WorkerInfo // as Client.Workers gets them
	Clients int               // connected now
	// ClientsJoined counts the clients that have joined, the ones gone too.
	ClientsJoined int
	// Tasks counts the tasks the scheduler knows by state; Groups, by
	// function (Dask's task groups).
	Tasks  map[scheduler.TaskState]int
	Groups []scheduler.Group
	Load   scheduler.Load
}

// ErrNotServing is Snapshot's error when Serve is not running.
var ErrNotServing = errors.New("gask scheduler: not serving")

// Snapshot asks the loop for a snapshot and waits for it, or for ctx.
func (s *Server) Snapshot(ctx context.Context) (*Snapshot, error) {
	select {
	case <-s.serving:
	default:
		return nil, ErrNotServing // not yet
	}
	ch := make(chan *Snapshot, 1)
	select {
	case s.events <- event{snap: ch}:
	case <-s.done:
		return nil, ErrNotServing
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case snap := <-ch:
		return snap, nil
	case <-s.done:
		return nil, ErrNotServing
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// snapshot builds a Snapshot; the loop calls it.
func (s *Server) snapshot() *Snapshot {
	info := s.workersInfo(0)
	snap := &Snapshot{Time: time.Now(), Started: s.started, Build: s.cfg.Build, Workers: info.Workers, ClientsJoined: s.clientsJoined,
		Tasks: s.state.Counts(), Groups: s.state.Groups(), Load: s.state.Load()}
	for _, pc := range s.conns {
		if pc.role == wire.RoleClient {
			snap.Clients++
		}
	}
	return snap
}

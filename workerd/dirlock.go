package workerd

import (
	"context"
	"log/slog"

	"github.com/gask-dev/gask/internal/dirlock"
)

// Spill directories are named spillHostPrefix + pid + "-" + random, and
// each is locked (internal/dirlock) while its worker runs, so that the
// next worker to start on this host under the same local directory
// removes those of workers that died, as Dask's workers purge their
// predecessors'.
const spillDirPrefix = "gask-worker-"

// spillHostPrefix is the name prefix of this host's spill directories.
var spillHostPrefix = dirlock.HostPrefix(spillDirPrefix)

// purgeLeftovers removes the spill directories of this host under parent
// whose workers are gone, and returns how many it removed.
func purgeLeftovers(ctx context.Context, parent string, log *slog.Logger) int {
	return dirlock.Purge(ctx, parent, spillHostPrefix, log, "spill directory")
}

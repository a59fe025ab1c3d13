package workerd

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Spill directories are named spillDirPrefix + pid + "-" + random, and
// each holds a lock file (spillLockName) that its worker keeps locked
// while it runs. The lock goes with the process however it ends — a
// nanny's kill, the OOM killer, a crash — so a directory whose lock can be
// taken is a leftover: the next worker to start under the same local
// directory removes it, as Dask's workers purge their predecessors'.
const (
	spillDirPrefix = "gask-worker-"
	spillLockName  = "lock"
)

// errNoDirLock is returned where this platform has no advisory file lock.
var errNoDirLock = errors.New("advisory file locks are not supported on this platform")

// lockDir marks dir as in use for as long as the returned file stays open.
// The lock file is locked before it takes its name, so that a purge never
// sees it unlocked.
func lockDir(dir string) (*os.File, error) {
	tmp := filepath.Join(dir, spillLockName+".new")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err = tryLock(f); err == nil {
		err = os.Rename(tmp, filepath.Join(dir, spillLockName))
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	return f, nil
}

// purgeLeftovers removes the spill directories under parent whose workers
// are gone (their lock can be taken), and returns how many it removed.
// Directories without a lock file (being created, or made by an older
// gask) and directories it cannot read are left alone.
func purgeLeftovers(parent string, log *slog.Logger) int {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return 0
	}
	removed := 0
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), spillDirPrefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		f, err := os.Open(filepath.Join(dir, spillLockName))
		if err != nil {
			continue
		}
		if tryLock(f) == nil {
			if err := os.RemoveAll(dir); err != nil {
				log.Warn("cannot remove the spill directory of a worker that is gone", "dir", dir, "err", err)
			} else {
				log.Info("removed the spill directory of a worker that is gone", "dir", dir)
				removed++
			}
		}
		f.Close()
	}
	return removed
}

package workerd

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Spill directories are named spillDirPrefix + host + "-" + pid + "-" +
// random, and each holds a lock file (spillLockName) that its worker keeps
// locked while it runs. The lock goes with the process however it ends — a
// nanny's kill, the OOM killer, a crash — so a directory of this host whose
// lock can be taken is a leftover: the next worker to start on this host
// under the same local directory removes it, as Dask's workers purge their
// predecessors'. Only this host's: on a shared filesystem (NFS) locks may
// be per host, and another host's live worker must keep its directory.
const (
	spillDirPrefix = "gask-worker-"
	spillLockName  = "lock"
)

// spillHostPrefix is the name prefix of this host's spill directories:
// the host name without "-" (so that no host's prefix is another's).
var spillHostPrefix = func() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	host = strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, host)
	return spillDirPrefix + host + "-"
}()

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

// purgeLeftovers removes the spill directories of this host under parent
// whose workers are gone (their lock can be taken), and returns how many
// it removed. Directories without a lock file (being created, or made by
// an older gask) and directories it cannot read are left alone. It stops
// between files when ctx ends: what is left goes at the next purge.
func purgeLeftovers(ctx context.Context, parent string, log *slog.Logger) int {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return 0
	}
	removed := 0
	for _, e := range entries {
		if ctx.Err() != nil {
			break
		}
		if !e.IsDir() || !strings.HasPrefix(e.Name(), spillHostPrefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		f, err := os.Open(filepath.Join(dir, spillLockName))
		if err != nil {
			continue
		}
		if tryLock(f) == nil {
			if err := removeDir(ctx, dir); err != nil {
				if ctx.Err() == nil {
					log.Warn("cannot remove the spill directory of a worker that is gone", "dir", dir, "err", err)
				}
			} else {
				log.Info("removed the spill directory of a worker that is gone", "dir", dir)
				removed++
			}
		}
		f.Close()
	}
	return removed
}

// removeDir removes dir, a spill directory (plain files only), file by
// file while ctx lasts. A directory already gone is no error.
func removeDir(ctx context.Context, dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	for _, e := range entries {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

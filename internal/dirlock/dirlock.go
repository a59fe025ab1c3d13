// Package dirlock tells the directories of live processes from those that
// processes left behind when they died, so that the next process removes
// the leftovers.
//
// A process that makes a directory it should remove when it ends — a
// worker's spill directory, a local cluster's socket directory — locks a
// file in it (Lock) and keeps that file open while it runs. The lock goes
// with the process however it ends: a nanny's kill, the OOM killer, a
// crash, Ctrl-C. A directory whose lock can be taken is therefore a
// leftover, and Purge removes it, as Dask's workers purge their
// predecessors' directories:
//
//	prefix := dirlock.HostPrefix("gask-worker-")
//	dir, _ := os.MkdirTemp(parent, prefix)
//	lock, err := dirlock.Lock(dir) // keep open until dir is removed
//	...
//	dirlock.Purge(ctx, parent, prefix, log, "spill directory") // at the next start
//
// Names carry the host (HostPrefix) and a purge looks only at this host's:
// on a shared filesystem (NFS) locks may be per host, and another host's
// live process must keep its directory. Where the platform has no advisory
// lock (Windows, Solaris, AIX), Lock returns ErrUnsupported and nothing is
// ever purged.
package dirlock

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// LockName is the name of the lock file in a locked directory.
const LockName = "lock"

// ErrUnsupported is returned by Lock where this platform has no advisory
// file lock.
var ErrUnsupported = errors.New("advisory file locks are not supported on this platform")

// HostPrefix returns kind followed by this host's name, with every "-"
// and other character outside [A-Za-z0-9._] replaced by "_" (so that no
// host's prefix is another's), and "-".
func HostPrefix(kind string) string {
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
	return kind + host + "-"
}

// Lock marks dir as in use for as long as the returned file stays open.
// The lock file is locked before it takes its name, so that a purge never
// sees it unlocked.
func Lock(dir string) (*os.File, error) {
	tmp := filepath.Join(dir, LockName+".new")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err = tryLock(f); err == nil {
		err = os.Rename(tmp, filepath.Join(dir, LockName))
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	return f, nil
}

// Purge removes the directories under parent whose names start with
// prefix and whose lock can be taken, and returns how many it removed;
// what names them in its log ("spill directory"). Directories without a
// lock file (being made, or made by an older gask) and directories it
// cannot read are left alone. It stops between files when ctx ends: what
// is left goes at the next purge.
func Purge(ctx context.Context, parent, prefix string, log *slog.Logger, what string) int {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return 0
	}
	removed := 0
	for _, e := range entries {
		if ctx.Err() != nil {
			break
		}
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		f, err := os.Open(filepath.Join(dir, LockName))
		if err != nil {
			continue
		}
		if tryLock(f) == nil {
			if err := removeDir(ctx, dir); err != nil {
				if ctx.Err() == nil {
					log.Warn("cannot remove the "+what+" of a process that is gone", "dir", dir, "err", err)
				}
			} else {
				log.Info("removed the "+what+" of a process that is gone", "dir", dir)
				removed++
			}
		}
		f.Close()
	}
	return removed
}

// removeDir removes dir, whose entries are files (a spill directory's
// values, a socket), entry by entry while ctx lasts. A directory already
// gone is no error.
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

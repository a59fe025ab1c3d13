package workerd

import (
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/gask-dev/gask/internal/dirlock"
)

// spillFS is where spilled values go: one file per value. The worker uses
// a directory of the local disk (dirFS); tests use an in-memory one and
// one that fails on purpose.
type spillFS interface {
	Create(name string) (io.WriteCloser, error)
	Open(name string) (io.ReadCloser, error)
	Remove(name string) error
}

// dirFS spills to a directory it creates under a local directory on first
// use, locks while it is in use (internal/dirlock), and removes with everything
// in it on Close.
type dirFS struct {
	parent string // the local directory; "" is the system's temporary directory
	log    *slog.Logger
	mu     sync.Mutex
	dir    string   // created on first Create
	lock   *os.File // holds dir's lock; nil where it could not be taken
	err    error
}

// parentDir is the directory the spill directory is made in.
func (d *dirFS) parentDir() string {
	if d.parent == "" {
		return os.TempDir()
	}
	return d.parent
}

func (d *dirFS) path(name string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dir == "" && d.err == nil {
		parent := d.parentDir()
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return "", fmt.Errorf("local directory: %w", err)
		}
		// Unique per worker, also for several workers in one process.
		d.dir, d.err = os.MkdirTemp(parent, fmt.Sprintf("%s%d-", spillHostPrefix, os.Getpid()))
		if d.err == nil {
			var err error
			if d.lock, err = dirlock.Lock(d.dir); err != nil && !errors.Is(err, dirlock.ErrUnsupported) {
				// Spilling works without it; only a purge after a crash does not.
				log := d.log
				if log == nil {
					log = slog.Default()
				}
				log.Warn("cannot lock the spill directory: if this worker dies, it stays behind", "dir", d.dir, "err", err)
			}
		}
	}
	if d.err != nil {
		return "", d.err
	}
	return filepath.Join(d.dir, name), nil
}

func (d *dirFS) Create(name string) (io.WriteCloser, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	return os.Create(p)
}

func (d *dirFS) Open(name string) (io.ReadCloser, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

func (d *dirFS) Remove(name string) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	return os.Remove(p)
}

// Close removes the spill directory.
func (d *dirFS) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dir == "" {
		return nil
	}
	err := os.RemoveAll(d.dir)
	if d.lock != nil {
		d.lock.Close()
		if err != nil {
			// On NFS a removed file that is still open stays as a hidden
			// .nfs file until closed, and the directory is not empty.
			err = os.RemoveAll(d.dir)
		}
	}
	d.dir, d.lock, d.err = "", nil, errors.New("spill directory closed")
	return err
}

// spillName names the file of a key's value: a hash of the key (keys may
// hold any bytes) and a number unique in the store, so that a value
// replaced while spilled never shares a file with its successor.
func spillName(key string, seq uint64) string {
	h := fnv.New64a()
	h.Write([]byte(key))
	return fmt.Sprintf("%016x-%d", h.Sum64(), seq)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// writeSpill writes b to name; on any error it removes what was written.
func writeSpill(fs spillFS, name string, b []byte) error {
	f, err := fs.Create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fs.Remove(name)
	}
	return err
}

// readSpill reads a value back and checks it is the one written.
func readSpill(fs spillFS, name string, size int, sum uint32) ([]byte, error) {
	f, err := fs.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if n, _ := f.Read(make([]byte, 1)); n > 0 {
		return nil, fmt.Errorf("read %s: longer than the %d bytes written", name, size)
	}
	if crc32.Checksum(b, castagnoli) != sum {
		return nil, fmt.Errorf("read %s: checksum mismatch", name)
	}
	return b, nil
}

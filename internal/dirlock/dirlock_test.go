//go:build unix && !solaris && !aix

package dirlock

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestPurge: of this host's directories of one kind under a parent, a
// purge removes those whose lock is free and keeps the locked ones (here,
// locked by this process), those without a lock file, other hosts', other
// kinds' and everything else.
func TestPurge(t *testing.T) {
	parent := t.TempDir()
	prefix := HostPrefix("gask-test-")
	mk := func(name string) string {
		dir := filepath.Join(parent, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "0123-1"), []byte("spilled"), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	lockAndLeave := func(dir string) {
		f, err := Lock(dir)
		if err != nil {
			t.Fatal(err)
		}
		f.Close() // as the death of its process does
	}
	stale := mk(prefix + "1-stale")
	lockAndLeave(stale)
	locked := mk(prefix + "2-locked")
	held, err := Lock(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	noLock := mk(prefix + "3-nolock")
	// Another host's, on a filesystem both share: its lock may be held
	// there, where this host cannot see it.
	otherHost := mk("gask-test-another_host-4-x")
	lockAndLeave(otherHost)
	otherKind := mk(HostPrefix("gask-other-") + "5-x")
	lockAndLeave(otherKind)

	if n := Purge(t.Context(), parent, prefix, quiet, "test directory"); n != 1 {
		t.Errorf("Purge removed %d directories, want 1", n)
	}
	if exists(stale) {
		t.Errorf("%s, whose lock is free, is still there", stale)
	}
	for _, dir := range []string{locked, noLock, otherHost, otherKind} {
		if !exists(dir) {
			t.Errorf("%s was removed", dir)
		}
	}
	if n := Purge(t.Context(), parent, prefix, quiet, "test directory"); n != 0 {
		t.Errorf("a second Purge removed %d directories, want 0", n)
	}
	held.Close()
	if n := Purge(t.Context(), parent, prefix, quiet, "test directory"); n != 1 || exists(locked) {
		t.Errorf("Purge after the lock's file closed removed %d directories (%s there: %v), want it gone", n, locked, exists(locked))
	}
}

// TestPurgeStopsWithItsContext: a purge whose context has ended removes
// nothing; the next one does.
func TestPurgeStopsWithItsContext(t *testing.T) {
	parent := t.TempDir()
	prefix := HostPrefix("gask-test-")
	dir := filepath.Join(parent, prefix+"1")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if n := Purge(ctx, parent, prefix, quiet, "test directory"); n != 0 || !exists(dir) {
		t.Fatalf("a cancelled Purge removed %d directories", n)
	}
	if n := Purge(t.Context(), parent, prefix, quiet, "test directory"); n != 1 {
		t.Fatalf("Purge removed %d directories, want 1", n)
	}
}

func TestHostPrefix(t *testing.T) {
	p := HostPrefix("gask-x-")
	host := strings.TrimSuffix(strings.TrimPrefix(p, "gask-x-"), "-")
	if host == "" || strings.ContainsAny(host, "-/ ") || !strings.HasSuffix(p, "-") {
		t.Fatalf("HostPrefix = %q: want gask-x-, a host name without - / or space, and -", p)
	}
}

// TestLockIsExclusive: a locked directory's lock cannot be taken through
// another open of its file, even in the same process, until the lock's
// file is closed.
func TestLockIsExclusive(t *testing.T) {
	dir := t.TempDir()
	f, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := os.Open(filepath.Join(dir, LockName))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if tryLock(g) == nil {
		t.Fatal("took the lock of a directory still locked")
	}
	f.Close()
	if err := tryLock(g); err != nil {
		t.Fatalf("cannot take the lock once its file is closed: %v", err)
	}
	if exists(filepath.Join(dir, LockName+".new")) {
		t.Fatal("Lock left its temporary file")
	}
}

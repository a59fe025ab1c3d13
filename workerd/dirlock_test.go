//go:build unix && !solaris && !aix

package workerd

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestPurgeLeftovers: of this host's spill directories under a local
// directory, the purge removes those whose lock is free, and keeps the
// locked ones (a live worker's, in this process too), those without a lock
// file, other hosts' and everything else.
func TestPurgeLeftovers(t *testing.T) {
	parent := t.TempDir()
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
	stale := mk(spillHostPrefix + "1-stale")
	f, err := lockDir(stale)
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // as the death of its worker does
	locked := mk(spillHostPrefix + "2-locked")
	held, err := lockDir(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	noLock := mk(spillHostPrefix + "3-nolock")
	// Another host's, on a filesystem both share: its lock may be held
	// there, where this host cannot see it.
	otherHost := mk(spillDirPrefix + "another_host-4-x")
	if f, err := lockDir(otherHost); err != nil {
		t.Fatal(err)
	} else {
		f.Close()
	}
	other := mk("not-a-spill-directory")
	if err := os.WriteFile(filepath.Join(other, spillLockName), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	live := &dirFS{parent: parent, log: quietLog()}
	s := newStore(live)
	s.putEncoded("a", []byte("in use"))
	if _, err := s.spill(1); err != nil {
		t.Fatal(err)
	}
	defer live.Close()

	if n := purgeLeftovers(t.Context(), parent, quietLog()); n != 1 {
		t.Errorf("purgeLeftovers removed %d directories, want 1", n)
	}
	if exists(stale) {
		t.Errorf("%s, whose lock is free, is still there", stale)
	}
	for _, dir := range []string{locked, noLock, otherHost, other, live.dir} {
		if !exists(dir) {
			t.Errorf("%s was removed", dir)
		}
	}
	if b, ok, err := s.encoded("a"); err != nil || !ok || string(b) != "in use" {
		t.Errorf("the live store's value after the purge: %q, %v, %v", b, ok, err)
	}
	// A second purge finds nothing more.
	if n := purgeLeftovers(t.Context(), parent, quietLog()); n != 0 {
		t.Errorf("second purge removed %d directories, want 0", n)
	}
}

// TestPurgeRemovesTheDirectoryOfAKilledWorker: a process that spilled
// and was killed (as a nanny kills a worker past its memory limit) leaves
// its directory, which a purge keeps while the process lives and removes
// once it is gone.
func TestPurgeRemovesTheDirectoryOfAKilledWorker(t *testing.T) {
	parent := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), SpillHelperEnv+"="+parent)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stderr).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper: %v", err)
	}
	dir := strings.TrimSpace(line)
	if !strings.HasPrefix(dir, parent) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q, not a directory under %s", line, parent)
	}
	if n := purgeLeftovers(t.Context(), parent, quietLog()); n != 0 || !exists(dir) {
		t.Errorf("purge with the helper alive removed %d directories (%s there: %v)", n, dir, exists(dir))
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() // reaped: its files, and with them its lock, are closed
	if files, _ := os.ReadDir(dir); !slices.ContainsFunc(files, func(e os.DirEntry) bool { return e.Name() == spillLockName }) || len(files) < 2 {
		t.Fatalf("the killed helper left %v in %s, want its lock and a spilled value", files, dir)
	}
	if n := purgeLeftovers(t.Context(), parent, quietLog()); n != 1 || exists(dir) {
		t.Errorf("purge after the kill removed %d directories (%s there: %v), want it gone", n, dir, exists(dir))
	}
}

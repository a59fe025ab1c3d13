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

	"github.com/gask-dev/gask/internal/dirlock"
)

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestPurgeKeepsALiveWorkersDirectory: a purge (tested on its own in
// internal/dirlock) keeps the spill directory of a worker that is running,
// in this process too, and the value in it; it removes a dead one's.
func TestPurgeKeepsALiveWorkersDirectory(t *testing.T) {
	parent := t.TempDir()
	stale := filepath.Join(parent, spillHostPrefix+"1-stale")
	if err := os.Mkdir(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := dirlock.Lock(stale)
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // as the death of its worker does

	live := &dirFS{parent: parent, log: quietLog()}
	s := newStore(live)
	s.putEncoded("a", []byte("in use"))
	if _, err := s.spill(1); err != nil {
		t.Fatal(err)
	}
	defer live.Close()

	if n := purgeLeftovers(t.Context(), parent, quietLog()); n != 1 || exists(stale) {
		t.Errorf("purgeLeftovers removed %d directories (the dead one there: %v), want it alone", n, exists(stale))
	}
	if !exists(live.dir) {
		t.Errorf("the live worker's %s was removed", live.dir)
	}
	if b, ok, err := s.encoded("a"); err != nil || !ok || string(b) != "in use" {
		t.Errorf("the live store's value after the purge: %q, %v, %v", b, ok, err)
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
	if files, _ := os.ReadDir(dir); !slices.ContainsFunc(files, func(e os.DirEntry) bool { return e.Name() == dirlock.LockName }) || len(files) < 2 {
		t.Fatalf("the killed helper left %v in %s, want its lock and a spilled value", files, dir)
	}
	if n := purgeLeftovers(t.Context(), parent, quietLog()); n != 1 || exists(dir) {
		t.Errorf("purge after the kill removed %d directories (%s there: %v), want it gone", n, dir, exists(dir))
	}
}

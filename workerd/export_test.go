package workerd

// Hooks for the external tests (package workerd_test), which run whole
// clusters and so import package gask, which imports this one.

// MemFS is the in-memory spill filesystem.
type MemFS = memFS

// NewMemFS returns an empty in-memory spill filesystem.
func NewMemFS() *MemFS { return newMemFS() }

// SetCapacity makes writes past n bytes in all fail with ENOSPC.
func (m *memFS) SetCapacity(n int) { m.setCapacity(n) }

// FailReads makes the next n reads fail with EIO.
func (m *memFS) FailReads(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	left := n
	m.failRead = func(string) bool {
		if left > 0 {
			left--
			return true
		}
		return false
	}
}

// Files is the number of files on the filesystem.
func (m *memFS) Files() int { return len(m.names()) }

// WithSpillFS returns cfg spilling to fs.
func WithSpillFS(cfg Config, fs *MemFS) Config {
	cfg.spillFS = fs
	return cfg
}

// StoreStats are the store's accounts.
type StoreStats struct{ Managed, Spilled, SpillErrors, ReadErrors int64 }

// StoreStats reads the worker's store accounts.
func (w *Worker) StoreStats() StoreStats {
	st := w.store.stats()
	return StoreStats{st.managed, st.spilled, st.spillErrors, st.readErrors}
}

// SpillHelperEnv, set to a directory, makes the test binary SpillHelper.
const SpillHelperEnv = "GASK_TEST_SPILL_HELPER"

// SpillHelper is a process that spills a value under parent as a worker
// does, prints its spill directory and blocks until killed.
func SpillHelper(parent string) {
	d := &dirFS{parent: parent}
	s := newStore(d)
	s.putEncoded("a", []byte("a value"))
	if _, err := s.spill(1); err != nil {
		panic(err)
	}
	println(d.dir) // to stderr
	select {}
}

package workerd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"
	"syscall"
)

// memFS is an in-memory spillFS. With capacity > 0, writes past that many
// bytes in all fail with ENOSPC (a full disk); names in failRead fail to
// open; names in corrupt read back with a byte changed.
type memFS struct {
	mu       sync.Mutex
	files    map[string][]byte
	capacity int
	used     int
	failRead func(name string) bool
	corrupt  func(name string) bool
	created  []string          // names in order of creation
	opened   int               // successful Opens: values read back
	onOpen   func(name string) // if set, called by Open (without the lock) before it returns
}

func newMemFS() *memFS { return &memFS{files: map[string][]byte{}} }

type memFile struct {
	fs   *memFS
	name string
	buf  bytes.Buffer
	err  error
}

func (f *memFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.fs.capacity > 0 && f.fs.used+len(p) > f.fs.capacity {
		n := f.fs.capacity - f.fs.used
		f.fs.used += n
		f.buf.Write(p[:n])
		f.err = &fs.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
		return n, f.err
	}
	f.fs.used += len(p)
	return f.buf.Write(p)
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.fs.files[f.name] = f.buf.Bytes()
	return f.err
}

func (m *memFS) Create(name string) (io.WriteCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.files[name]; ok {
		return nil, fmt.Errorf("create %s: file exists", name)
	}
	m.files[name] = nil
	m.created = append(m.created, name)
	return &memFile{fs: m, name: name}, nil
}

func (m *memFS) Open(name string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if m.failRead != nil && m.failRead(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EIO}
	}
	if m.corrupt != nil && m.corrupt(name) && len(b) > 0 {
		b = slices.Clone(b)
		b[len(b)/2] ^= 0xff
	}
	m.opened++
	if hook := m.onOpen; hook != nil {
		m.mu.Unlock()
		hook(name)
		m.mu.Lock()
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[name]
	if !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	m.used -= len(b)
	delete(m.files, name)
	return nil
}

func (m *memFS) names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for n := range m.files {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (m *memFS) reads() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.opened
}

func (m *memFS) setCapacity(n int) {
	m.mu.Lock()
	m.capacity = n
	m.mu.Unlock()
}

var errNoSpace = syscall.ENOSPC

func isNoSpace(err error) bool { return errors.Is(err, errNoSpace) }

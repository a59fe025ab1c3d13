package workerd

import (
	"bytes"
	"fmt"
	"reflect"
	"sync"

	"github.com/gask-dev/gask/codec"
	"github.com/gask-dev/gask/wire"
)

// store holds the values on this worker: decoded (as task results) or
// encoded (as fetched or scattered), converting lazily and caching both.
// Executors, the peer server and the loop all use it, so it has its own lock.
type store struct {
	mu      sync.Mutex
	entries map[string]*entry
	managed int64
}

type entry struct {
	val    any
	codec  *codec.Codec // the codec val was made with; nil when only enc is known
	enc    []byte
	nbytes int64
}

func newStore() *store { return &store{entries: map[string]*entry{}} }

// putValue stores a task's result. With inline, a small result is encoded
// at once, to go to the scheduler with the task's completion (see inline).
func (s *store) putValue(key string, v any, c *codec.Codec, inline bool) int64 {
	n := codec.Size(v)
	e := &entry{val: v, codec: c, nbytes: n}
	if inline && n <= wire.InlineLimit {
		if b, err := c.Encode(v); err == nil && len(b) <= wire.InlineLimit {
			e.enc = b
		}
	}
	s.mu.Lock()
	s.replace(key, e)
	s.mu.Unlock()
	return n
}

// inline returns the key's encoded value if it is already encoded and
// small enough to send inline, or nil.
func (s *store) inline(key string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[key]; e != nil && len(e.enc) <= wire.InlineLimit {
		return e.enc
	}
	return nil
}

// putEncoded stores a value that arrived as bytes.
func (s *store) putEncoded(key string, b []byte) int64 {
	n := int64(len(b))
	s.mu.Lock()
	s.replace(key, &entry{enc: b, nbytes: n})
	s.mu.Unlock()
	return n
}

func (s *store) replace(key string, e *entry) {
	if old := s.entries[key]; old != nil {
		s.managed -= old.nbytes
	}
	s.entries[key] = e
	s.managed += e.nbytes
}

func (s *store) delete(key string) {
	s.mu.Lock()
	if e := s.entries[key]; e != nil {
		s.managed -= e.nbytes
		delete(s.entries, key)
	}
	s.mu.Unlock()
}

// value returns the key's value as the type c decodes.
func (s *store) value(key string, c *codec.Codec) (any, error) {
	s.mu.Lock()
	e := s.entries[key]
	s.mu.Unlock()
	if e == nil {
		return nil, fmt.Errorf("value %s is not on this worker", key)
	}
	if e.val != nil && (e.codec == c || e.codec.Type() == c.Type()) {
		return e.val, nil
	}
	b, err := s.encodedEntry(e)
	if err != nil {
		return nil, err
	}
	if c.Type() == bytesType {
		// Decoding []byte hands back its input: give the task its own copy
		// so it cannot change the stored value.
		b = bytes.Clone(b)
	}
	return c.Decode(b)
}

var bytesType = reflect.TypeFor[[]byte]()

// encoded returns the key's value as bytes, or ok=false if it is not here.
func (s *store) encoded(key string) (b []byte, ok bool, err error) {
	s.mu.Lock()
	e := s.entries[key]
	s.mu.Unlock()
	if e == nil {
		return nil, false, nil
	}
	b, err = s.encodedEntry(e)
	return b, true, err
}

func (s *store) encodedEntry(e *entry) ([]byte, error) {
	s.mu.Lock()
	b := e.enc
	s.mu.Unlock()
	if b != nil || e.val == nil {
		return b, nil
	}
	if b, ok := codec.View(e.val); ok {
		// Bytes, strings and numeric slices are sent from their own memory:
		// no copy of a large value per fetch, and none kept beside it.
		return b, nil
	}
	b, err := e.codec.Encode(e.val)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	e.enc = b
	s.mu.Unlock()
	return b, nil
}

func (s *store) stats() (n int, managed int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries), s.managed
}

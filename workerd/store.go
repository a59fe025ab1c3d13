package workerd

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"

	"github.com/gask-dev/gask/codec"
	"github.com/gask-dev/gask/internal/keymap"
	"github.com/gask-dev/gask/wire"
)

// store holds the values on this worker: decoded (as task results) or
// encoded (as fetched or scattered), converting lazily and caching both;
// or spilled, encoded in a file of the spill filesystem, and read back into
// memory when a task or a peer wants it. Values in memory are kept in
// least-recently-used order, which is the order they spill in.
// Executors, the peer server, the memory monitor and the loop all use it,
// so it has its own lock; file I/O happens outside it.
type store struct {
	mu      sync.Mutex
	entries keymap.Map[*entry]
	lru     entry // sentinel: lru.next is the most recently used value in memory
	managed int64 // bytes in memory (entries not spilled)
	spilled int64 // bytes on disk
	fs      spillFS
	seq     uint64
	// room reports whether n bytes read back from disk may stay in memory;
	// nil: always. Called without mu.
	room func(n int64) bool

	spillErrors int64 // spills that failed; the values stayed in memory
	readErrors  int64 // values that failed to read back and were lost
}

type entry struct {
	key    string
	val    any
	codec  *codec.Codec // the codec val was made with; nil when only enc is known
	enc    []byte
	nbytes int64

	// While spilled, val and enc are nil and the value is in file.
	file string
	size int    // encoded length, as written
	sum  uint32 // its CRC-32C
	// copy is the file of a value read back from disk, kept: values do not
	// change, so spilling it again only drops it from memory.
	copy string

	prev, next *entry     // LRU links while in memory, not being spilled, and nbytes > 0
	spilling   bool       // being written to disk: out of the LRU until done
	reading    *spillRead // being read back from file, for the callers waiting on it
}

// spillRead is a read of a spilled value under way, which other callers of
// get wait for and share. b and err are set, under the store's lock,
// before done is closed.
type spillRead struct {
	done    chan struct{}
	waiters int // callers sharing it; counted under the store's lock
	b       []byte
	err     error
}

// errNotHere is returned for a key the store does not hold.
var errNotHere = errors.New("value is not on this worker")

// lostError is returned for a value that was spilled and failed to read
// back. The store has forgotten it.
type lostError struct {
	key string
	err error
}

func (e *lostError) Error() string {
	return fmt.Sprintf("value %s was lost: reading it back from disk: %v", e.key, e.err)
}
func (e *lostError) Unwrap() error { return e.err }

func newStore(fs spillFS) *store {
	s := &store{fs: fs}
	s.lru.prev, s.lru.next = &s.lru, &s.lru
	return s
}

func (s *store) linked(e *entry) bool { return e.next != nil }

func (s *store) unlink(e *entry) {
	if e.next == nil {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// touch makes e the most recently used.
func (s *store) touch(e *entry) {
	if e.nbytes <= 0 || e.file != "" || e.spilling || s.entries.Get(e.key) != e {
		return
	}
	s.unlink(e)
	e.prev, e.next = &s.lru, s.lru.next
	s.lru.next.prev = e
	s.lru.next = e
}

// putValue stores a task's result. With inline, a small result is encoded
// at once, to go to the scheduler with the task's completion (see inline).
func (s *store) putValue(key string, v any, c *codec.Codec, inline bool) (nbytes int64, enc []byte) {
	n := codec.Size(v)
	e := &entry{key: key, val: v, codec: c, nbytes: n}
	if inline && n <= wire.InlineLimit {
		if b, err := c.Encode(v); err == nil && len(b) <= wire.InlineLimit {
			e.enc = b
		}
	}
	s.mu.Lock()
	file := s.replace(key, e)
	s.mu.Unlock()
	s.remove(file)
	return n, e.enc
}

// inline returns the key's encoded value if it is in memory, already
// encoded and small enough to send inline, or nil.
func (s *store) inline(key string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries.Get(key); e != nil && len(e.enc) <= wire.InlineLimit {
		return e.enc
	}
	return nil
}

// putEncoded stores a value that arrived as bytes.
func (s *store) putEncoded(key string, b []byte) int64 {
	n := int64(len(b))
	s.mu.Lock()
	file := s.replace(key, &entry{key: key, enc: b, nbytes: n})
	s.mu.Unlock()
	s.remove(file)
	return n
}

// replace stores e under key, dropping the value it replaces, and returns
// the file to remove ("" for none). s.mu is held.
func (s *store) replace(key string, e *entry) (file string) {
	if old := s.entries.Get(key); old != nil {
		file = s.forget(old)
	}
	s.entries.Set(key, e)
	s.managed += e.nbytes
	s.touch(e)
	return file
}

// forget drops e from the accounts and the map, and returns its file for
// the caller to remove once it has released s.mu ("" for none).
func (s *store) forget(e *entry) (file string) {
	s.entries.Delete(e.key)
	s.unlink(e)
	if e.file != "" {
		s.spilled -= e.nbytes
		file, e.file = e.file, ""
		return file
	}
	s.managed -= e.nbytes
	file, e.copy = e.copy, ""
	return file
}

// remove removes a spilled value's file. A file that cannot be removed
// goes with the spill directory when the worker stops.
func (s *store) remove(file string) {
	if file != "" {
		s.fs.Remove(file)
	}
}

func (s *store) delete(key string) {
	s.mu.Lock()
	var file string
	if e := s.entries.Get(key); e != nil {
		file = s.forget(e)
	}
	s.mu.Unlock()
	s.remove(file)
}

// got is what get found: the value as it is in memory (val and codec, or
// only enc), a snapshot safe to use without the lock; e is the entry it came
// from (nil when it went away meanwhile), for encode. owned says enc was
// read from disk for this caller alone: no entry keeps it, so the caller may
// hand it on without a copy.
type got struct {
	e     *entry
	val   any
	codec *codec.Codec
	enc   []byte
	owned bool
}

// get returns the key's value, reading it from disk if it was spilled.
// A value read back returns to memory, as the most recently used, when
// there is room for it (s.room); otherwise it stays on disk and only this
// caller has the bytes read: under memory pressure a value read for one
// task or one peer must not push others out, nor the process past its
// limit, and reading it again is mostly served from the page cache.
// Callers that ask for a value while it is being read back share that
// read (its bytes are then owned by none of them).
func (s *store) get(key string) (got, error) {
	for {
		s.mu.Lock()
		e := s.entries.Get(key)
		if e == nil {
			s.mu.Unlock()
			return got{}, errNotHere
		}
		if e.file == "" {
			s.touch(e)
			g := got{e: e, val: e.val, codec: e.codec, enc: e.enc}
			s.mu.Unlock()
			return g, nil
		}
		if r := e.reading; r != nil {
			// Another caller is reading it back: share its read rather
			// than hold a second copy (several peers asking for one value).
			r.waiters++
			s.mu.Unlock()
			<-r.done
			if r.err != nil {
				continue // the reader reports the loss; look again
			}
			return got{e: e, enc: r.b}, nil
		}
		r := &spillRead{done: make(chan struct{})}
		e.reading = r
		file, size, sum, n := e.file, e.size, e.sum, e.nbytes
		s.mu.Unlock()

		b, rerr := readSpill(s.fs, file, size, sum)
		keep := rerr == nil && (s.room == nil || s.room(n))

		s.mu.Lock()
		e.reading = nil
		r.b, r.err = b, rerr
		owned := r.waiters == 0 // else b is theirs too
		close(r.done)
		if s.entries.Get(key) != e {
			// Freed or replaced while read: what was read is still the
			// value that was asked for; if the read failed, a value that
			// replaced it may be here.
			replaced := s.entries.Get(key) != nil
			s.mu.Unlock()
			if rerr != nil {
				if replaced {
					continue
				}
				return got{}, errNotHere
			}
			return got{enc: b, owned: owned}, nil
		}
		if e.file != file {
			s.mu.Unlock()
			continue // another reader brought it back first
		}
		if rerr != nil {
			s.readErrors++
			s.forget(e)
			s.mu.Unlock()
			s.remove(file)
			return got{}, &lostError{key: key, err: rerr}
		}
		if !keep {
			s.mu.Unlock()
			return got{e: e, enc: b, owned: owned}, nil
		}
		// Back in memory: it was just used. The file stays as its copy.
		e.file, e.copy, e.enc = "", file, b
		s.spilled -= e.nbytes
		s.managed += e.nbytes
		s.touch(e)
		s.mu.Unlock()
		return got{e: e, enc: b}, nil
	}
}

// value returns the key's value as the type c decodes.
func (s *store) value(key string, c *codec.Codec) (any, error) {
	g, err := s.get(key)
	if err != nil {
		return nil, err
	}
	if g.val != nil && (g.codec == c || g.codec.Type() == c.Type()) {
		return g.val, nil
	}
	b := g.enc
	if b == nil && g.val != nil {
		if b, err = s.encode(key, g.e, g.val, g.codec); err != nil {
			return nil, err
		}
	}
	if c.Retains() && !g.owned {
		// Decoding []byte (or a named byte slice, or a type decoded by its
		// own UnmarshalBinary) keeps its input: give the task its own copy
		// so it cannot change the stored value.
		b = bytes.Clone(b)
	}
	return c.Decode(b)
}

// encoded returns the key's value as bytes, or ok=false if it is not here.
// A spilled value that cannot be read back is lost: err is a *lostError.
func (s *store) encoded(key string) (b []byte, ok bool, err error) {
	g, err := s.get(key)
	if errors.Is(err, errNotHere) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if g.enc != nil || g.val == nil {
		return g.enc, true, nil
	}
	b, err = s.encode(key, g.e, g.val, g.codec)
	return b, true, err
}

// encode encodes val, the value of entry e, caching the encoding in e
// unless it is a view of the value's own memory or e changed meanwhile.
// (Entries, not values, are compared: a value may be of a type == panics on.)
func (s *store) encode(key string, e *entry, val any, c *codec.Codec) ([]byte, error) {
	if b, ok := codec.View(val); ok {
		// Bytes, strings and numeric slices are sent from their own memory:
		// no copy of a large value per fetch, and none kept beside it.
		return b, nil
	}
	b, err := c.Encode(val)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if e != nil && s.entries.Get(key) == e && e.file == "" && e.enc == nil {
		e.enc = b
	}
	s.mu.Unlock()
	return b, nil
}

// spill writes values to disk, least recently used first, until at least n
// bytes have left memory or none is left to spill. It stops at the first
// failure: the value that failed stays in memory, where it was in the
// order. Only one spill runs at a time (Worker.spillDown serialises them).
func (s *store) spill(n int64) (spilled int64, err error) {
	for spilled < n {
		s.mu.Lock()
		e := s.lru.prev
		if e == &s.lru {
			s.mu.Unlock()
			return spilled, nil
		}
		prev := e.prev // to put it back in its place if it fails
		s.unlink(e)
		if e.copy != "" {
			// Read back earlier and unchanged: its file is still there.
			e.file, e.copy = e.copy, ""
			e.val, e.codec, e.enc = nil, nil, nil
			s.managed -= e.nbytes
			s.spilled += e.nbytes
			spilled += e.nbytes
			s.mu.Unlock()
			continue
		}
		e.spilling = true
		val, c, enc := e.val, e.codec, e.enc
		s.seq++
		file := spillName(e.key, s.seq)
		s.mu.Unlock()

		b := enc
		if b == nil && val != nil {
			var ok bool
			if b, ok = codec.View(val); !ok {
				b, err = c.Encode(val)
			}
		}
		if err == nil {
			err = writeSpill(s.fs, file, b)
		}

		s.mu.Lock()
		e.spilling = false
		if s.entries.Get(e.key) != e {
			// Freed or replaced while written.
			s.mu.Unlock()
			if err == nil {
				s.fs.Remove(file)
			}
			err = nil
			continue
		}
		if err != nil {
			s.spillErrors++
			if s.linked(prev) || prev == &s.lru {
				e.prev, e.next = prev, prev.next
				prev.next.prev = e
				prev.next = e
			} else {
				s.touch(e)
			}
			s.mu.Unlock()
			return spilled, fmt.Errorf("spill %s: %w", e.key, err)
		}
		e.val, e.codec, e.enc = nil, nil, nil
		e.file, e.size, e.sum = file, len(b), crc32.Checksum(b, castagnoli)
		s.managed -= e.nbytes
		s.spilled += e.nbytes
		spilled += e.nbytes
		s.mu.Unlock()
	}
	return spilled, nil
}

// memoryStats are the store's accounts.
type memoryStats struct {
	n           int   // values held, in memory or spilled
	managed     int64 // bytes in memory
	spilled     int64 // bytes on disk
	spillErrors int64
	readErrors  int64
}

func (s *store) stats() memoryStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := memoryStats{n: s.entries.Len(), managed: s.managed, spilled: s.spilled,
		spillErrors: s.spillErrors, readErrors: s.readErrors}
	return st
}

func (s *store) managedBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.managed
}

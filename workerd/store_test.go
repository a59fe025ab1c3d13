package workerd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gask-dev/gask/codec"
)

var (
	bytesCodec = codec.For[[]byte]()
	intsCodec  = codec.For[[]int64]()
	mapCodec   = codec.For[map[string]int]()
)

func blob(key string, n int) []byte { return bytes.Repeat([]byte(key[:1]), n) }

// sz is the managed size of a blob of 100 bytes.
var sz = codec.Size(blob("a", 100))

// spilledKeys lists the keys whose values are on disk.
func spilledKeys(s *store) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k, e := range s.entries.All() {
		if e.file != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// lruKeys lists the keys in memory, least recently used first.
func lruKeys(s *store) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for e := s.lru.prev; e != &s.lru; e = e.prev {
		out = append(out, e.key)
	}
	return out
}

func checkStats(t *testing.T, s *store, managed, spilled int64) {
	t.Helper()
	st := s.stats()
	if st.managed != managed || st.spilled != spilled {
		t.Fatalf("stats() managed=%d spilled=%d, want %d and %d", st.managed, st.spilled, managed, spilled)
	}
}

func TestStoreSpillsLeastRecentlyUsedFirst(t *testing.T) {
	fs := newMemFS()
	s := newStore(fs)
	for _, k := range []string{"a", "b", "c", "d"} {
		s.putValue(k, blob(k, 100), bytesCodec, false)
	}
	// Using a (a task input) and c (a peer fetch) makes b the oldest.
	if _, err := s.value("a", bytesCodec); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.encoded("c"); err != nil {
		t.Fatal(err)
	}
	if got, want := lruKeys(s), []string{"b", "d", "a", "c"}; !slices.Equal(got, want) {
		t.Fatalf("LRU order = %v, want %v", got, want)
	}
	n, err := s.spill(sz + 1)
	if err != nil || n != 2*sz {
		t.Fatalf("spill(%d) = %d, %v, want %d, nil", sz+1, n, err, 2*sz)
	}
	if got, want := spilledKeys(s), []string{"b", "d"}; !slices.Equal(got, want) {
		t.Fatalf("spilled %v, want %v", got, want)
	}
	checkStats(t, s, 2*sz, 2*sz)
	if got := len(fs.names()); got != 2 {
		t.Fatalf("%d files, want 2", got)
	}

	// Read back transparently, as a task input and as bytes for a peer;
	// each is back in memory, most recently used.
	v, err := s.value("b", bytesCodec)
	if err != nil || !bytes.Equal(v.([]byte), blob("b", 100)) {
		t.Fatalf("value(b) = %v, %v", v, err)
	}
	b, ok, err := s.encoded("d")
	if err != nil || !ok || !bytes.Equal(b, blob("d", 100)) {
		t.Fatalf("encoded(d) = %q, %v, %v", b, ok, err)
	}
	checkStats(t, s, 4*sz, 0)
	// Their files stay, as copies: values do not change.
	copies := fs.names()
	if len(copies) != 2 {
		t.Fatalf("files %v after reading back two values, want their two copies", copies)
	}
	if got, want := lruKeys(s), []string{"a", "c", "b", "d"}; !slices.Equal(got, want) {
		t.Fatalf("LRU order = %v, want %v", got, want)
	}

	// Everything spills when asked for more than there is; b and d go back
	// to the files they came from, without writing them again.
	writes := len(fs.created)
	if n, err := s.spill(1 << 20); err != nil || n != 4*sz {
		t.Fatalf("spill(1MiB) = %d, %v, want %d, nil", n, err, 4*sz)
	}
	checkStats(t, s, 0, 4*sz)
	if got := len(fs.created) - writes; got != 2 {
		t.Errorf("spilling a, c and the copies of b and d wrote %d files, want 2", got)
	}
	for _, f := range copies {
		if !slices.Contains(fs.names(), f) {
			t.Errorf("copy %s is gone after spilling again", f)
		}
	}

	// Freeing a spilled value removes its file.
	s.delete("a")
	checkStats(t, s, 0, 3*sz)
	if got := len(fs.names()); got != 3 {
		t.Fatalf("%d files after deleting a, want 3", got)
	}
	// Replacing a spilled value removes its file too.
	s.putEncoded("b", []byte("new b"))
	checkStats(t, s, 5, 2*sz)
	if b, _, _ := s.encoded("b"); string(b) != "new b" {
		t.Fatalf("encoded(b) = %q after replacing it", b)
	}
	s.delete("b")
	s.delete("c")
	s.delete("d")
	checkStats(t, s, 0, 0)
	if got := fs.names(); len(got) != 0 {
		t.Fatalf("files %v left after deleting everything", got)
	}
}

func TestStoreSpillsEveryKindOfValue(t *testing.T) {
	s := newStore(newMemFS())
	s.putValue("ints", []int64{1, 2, 3}, intsCodec, false) // encoded by view
	s.putValue("map", map[string]int{"x": 1}, mapCodec, false)
	s.putValue("inline", []byte("small"), bytesCodec, true)
	s.putEncoded("fetched", []byte("from a peer"))
	if _, err := s.spill(1 << 20); err != nil {
		t.Fatal(err)
	}
	if got := spilledKeys(s); len(got) != 4 {
		t.Fatalf("spilled %v, want all 4", got)
	}
	if v, err := s.value("ints", intsCodec); err != nil || !slices.Equal(v.([]int64), []int64{1, 2, 3}) {
		t.Errorf("value(ints) = %v, %v", v, err)
	}
	if v, err := s.value("map", mapCodec); err != nil || v.(map[string]int)["x"] != 1 {
		t.Errorf("value(map) = %v, %v", v, err)
	}
	if v, err := s.value("inline", bytesCodec); err != nil || string(v.([]byte)) != "small" {
		t.Errorf("value(inline) = %v, %v", v, err)
	}
	if b, ok, err := s.encoded("fetched"); err != nil || !ok || string(b) != "from a peer" {
		t.Errorf("encoded(fetched) = %q, %v, %v", b, ok, err)
	}
	// A task that changes its []byte input does not change the value.
	v, _ := s.value("inline", bytesCodec)
	v.([]byte)[0] = 'X'
	if v, _ := s.value("inline", bytesCodec); string(v.([]byte)) != "small" {
		t.Errorf("value(inline) = %q after a task changed its copy", v)
	}
}

func TestStoreFullDiskKeepsValues(t *testing.T) {
	fs := newMemFS()
	fs.setCapacity(250) // two values and half of a third
	s := newStore(fs)
	for _, k := range []string{"a", "b", "c", "d"} {
		s.putValue(k, blob(k, 100), bytesCodec, false)
	}
	n, err := s.spill(4 * sz)
	if n != 2*sz || err == nil || !isNoSpace(err) {
		t.Fatalf("spill(all) on a disk with room for 250 bytes = %d, %v, want %d and ENOSPC", n, err, 2*sz)
	}
	if got, want := spilledKeys(s), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("spilled %v, want %v", got, want)
	}
	checkStats(t, s, 2*sz, 2*sz)
	if got := s.stats().spillErrors; got != 1 {
		t.Errorf("spillErrors = %d, want 1", got)
	}
	// The half-written file is gone, c keeps its place as the oldest in
	// memory, and every value reads back whole.
	if got := len(fs.names()); got != 2 {
		t.Errorf("%d files, want 2: %v", got, fs.names())
	}
	if got, want := lruKeys(s), []string{"c", "d"}; !slices.Equal(got, want) {
		t.Errorf("LRU order = %v, want %v", got, want)
	}
	for _, k := range []string{"a", "b", "c", "d"} {
		v, err := s.value(k, bytesCodec)
		if err != nil || !bytes.Equal(v.([]byte), blob(k, 100)) {
			t.Errorf("value(%s) = %v, %v", k, v, err)
		}
	}
	// Once there is room, spilling works again.
	fs.setCapacity(0)
	if n, err := s.spill(4 * sz); n != 4*sz || err != nil {
		t.Fatalf("spill(all) with room = %d, %v, want %d", n, err, 4*sz)
	}
}

func TestStoreReadErrorLosesValue(t *testing.T) {
	for _, mode := range []string{"io-error", "corrupt"} {
		t.Run(mode, func(t *testing.T) {
			fs := newMemFS()
			s := newStore(fs)
			s.putValue("a", blob("a", 100), bytesCodec, false)
			s.putValue("b", blob("b", 100), bytesCodec, false)
			if _, err := s.spill(2 * sz); err != nil {
				t.Fatal(err)
			}
			bad := func(name string) bool { return name == spillName("a", 1) }
			if mode == "io-error" {
				fs.failRead = bad
			} else {
				fs.corrupt = bad
			}
			_, err := s.value("a", bytesCodec)
			var lost *lostError
			if !errors.As(err, &lost) {
				t.Fatalf("value(a) error = %v, want a lostError", err)
			}
			// Lost: forgotten, not read again, accounted for; b is fine.
			if _, ok, err := s.encoded("a"); ok || err != nil {
				t.Errorf("encoded(a) after the loss = %v, %v, want not here", ok, err)
			}
			if v, err := s.value("b", bytesCodec); err != nil || !bytes.Equal(v.([]byte), blob("b", 100)) {
				t.Errorf("value(b) = %v, %v", v, err)
			}
			checkStats(t, s, sz, 0)
			if got := s.stats().readErrors; got != 1 {
				t.Errorf("readErrors = %d, want 1", got)
			}
			// a's file is gone; b's stays as the copy of b, until b goes.
			if got, want := fs.names(), []string{spillName("b", 2)}; !slices.Equal(got, want) {
				t.Errorf("files %v left, want %v", got, want)
			}
			s.delete("b")
			if got := fs.names(); len(got) != 0 {
				t.Errorf("files %v left after deleting b", got)
			}
		})
	}
}

func TestSpillNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := range 100 {
		for _, k := range []string{"a", "b", "x/../../etc", "\x00"} {
			n := spillName(k, uint64(i))
			if seen[n] {
				t.Fatalf("spillName(%q, %d) = %s again", k, i, n)
			}
			if bytes.ContainsAny([]byte(n), "/\\\x00.") {
				t.Fatalf("spillName(%q, %d) = %q, not a plain file name", k, i, n)
			}
			seen[n] = true
		}
	}
}

func TestDirFSCreatesAndRemovesItsDirectory(t *testing.T) {
	parent := t.TempDir()
	d := &dirFS{parent: parent}
	s := newStore(d)
	s.putValue("a", blob("a", 100), bytesCodec, false)
	if _, err := s.spill(1); err != nil {
		t.Fatal(err)
	}
	dirs, _ := filepath.Glob(filepath.Join(parent, fmt.Sprintf("%s%d-*", spillHostPrefix, os.Getpid())))
	if len(dirs) != 1 {
		t.Fatalf("spill directories %v, want one", dirs)
	}
	if v, err := s.value("a", bytesCodec); err != nil || !bytes.Equal(v.([]byte), blob("a", 100)) {
		t.Fatalf("value(a) = %v, %v", v, err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dirs[0]); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("spill directory after Close: %v, want it gone", err)
	}
}

// TestStoreEncodesUncomparableValues checks that serving a value whose type
// == cannot compare (a struct with a slice) works, and caches its encoding.
func TestStoreEncodesUncomparableValues(t *testing.T) {
	type result struct {
		Lines []string
		Code  int
	}
	c := codec.For[result]()
	s := newStore(newMemFS())
	s.putValue("r", result{Lines: []string{"a", "b"}, Code: 3}, c, false)
	first, ok, err := s.encoded("r")
	if err != nil || !ok {
		t.Fatalf("encoded(r) = %v, %v", ok, err)
	}
	again, _, err := s.encoded("r")
	if err != nil || !bytes.Equal(first, again) || &first[0] != &again[0] {
		t.Errorf("encoded(r) twice: %v; want the cached bytes again", err)
	}
	v, err := c.Decode(first)
	if got := v.(result); err != nil || got.Code != 3 || !slices.Equal(got.Lines, []string{"a", "b"}) {
		t.Errorf("decoded %+v, %v", v, err)
	}
}

// TestStoreReadsBackOnlyWithRoom: a spilled value returns to memory only
// while the store's room allows it; otherwise the reader gets the bytes
// and the value stays on disk, read again from its file next time.
func TestStoreReadsBackOnlyWithRoom(t *testing.T) {
	fs := newMemFS()
	s := newStore(fs)
	room := false
	var asked []int64
	s.room = func(n int64) bool { asked = append(asked, n); return room }
	s.putValue("a", blob("a", 100), bytesCodec, false)
	s.putEncoded("b", blob("b", 100))
	if _, err := s.spill(1 << 20); err != nil {
		t.Fatal(err)
	}
	checkStats(t, s, 0, sz+100)
	reads := fs.reads()

	// No room: read for a task and for a peer, both stay spilled.
	v, err := s.value("a", bytesCodec)
	if err != nil || !bytes.Equal(v.([]byte), blob("a", 100)) {
		t.Fatalf("value(a) = %v, %v", v, err)
	}
	b, ok, err := s.encoded("b")
	if err != nil || !ok || !bytes.Equal(b, blob("b", 100)) {
		t.Fatalf("encoded(b) = %q, %v, %v", b, ok, err)
	}
	checkStats(t, s, 0, sz+100)
	if got, want := spilledKeys(s), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("spilled %v, want %v", got, want)
	}
	if !slices.Equal(asked, []int64{sz, int64(100)}) {
		t.Errorf("room asked for %v, want [%d 100]", asked, sz)
	}
	// The task's []byte is its own: changing it changes no later read.
	v.([]byte)[0] = 'X'
	if v, err := s.value("a", bytesCodec); err != nil || !bytes.Equal(v.([]byte), blob("a", 100)) {
		t.Fatalf("value(a) after a task changed its input = %q, %v", v, err)
	}
	if got := fs.reads() - reads; got != 3 {
		t.Errorf("%d reads from disk, want 3 (each read of a spilled value)", got)
	}

	// Room again: the next read brings a back, and it stays.
	room = true
	if _, err := s.value("a", bytesCodec); err != nil {
		t.Fatal(err)
	}
	checkStats(t, s, sz, int64(100))
	reads = fs.reads()
	if _, err := s.value("a", bytesCodec); err != nil {
		t.Fatal(err)
	}
	if got := fs.reads() - reads; got != 0 {
		t.Errorf("%d reads from disk of a value back in memory, want 0", got)
	}
	// Back in memory, the value is shared: a task's []byte is a copy, also
	// for a named byte-slice type, whose decoding keeps its input too.
	v, _ = s.value("a", bytesCodec)
	v.([]byte)[0] = 'X'
	nv, err := s.value("a", blobCodec)
	if err != nil {
		t.Fatal(err)
	}
	nv.(blobT)[1] = 'Y'
	if b, _, err := s.encoded("a"); err != nil || !bytes.Equal(b, blob("a", 100)) {
		t.Errorf("a in memory after tasks changed their inputs = %q, %v", b, err)
	}
}

type blobT []byte

var blobCodec = codec.For[blobT]()

// TestStoreSharesAReadBack: callers asking for a value while it is being
// read back from disk wait for that read and share its bytes, rather than
// each read the file and hold a copy (several peers fetching one spilled
// value). A task still gets a copy of its own.
func TestStoreSharesAReadBack(t *testing.T) {
	fs := newMemFS()
	s := newStore(fs)
	s.room = func(int64) bool { return false } // under pressure: it stays on disk
	s.putEncoded("v", blob("v", 100))
	if _, err := s.spill(1); err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	fs.onOpen = func(string) {
		close(entered)
		<-release
	}
	const peers = 3
	type result struct {
		b   []byte
		err error
	}
	results := make(chan result, peers+1)
	go func() {
		b, _, err := s.encoded("v")
		results <- result{b, err}
	}()
	<-entered // the first read is under way
	for range peers - 1 {
		go func() {
			b, _, err := s.encoded("v")
			results <- result{b, err}
		}()
	}
	task := make(chan result, 1)
	go func() {
		v, err := s.value("v", bytesCodec)
		b, _ := v.([]byte)
		task <- result{b, err}
	}()
	// Wait until the other callers wait on the read, then let it finish.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("the other callers never waited for the read under way")
		}
		s.mu.Lock()
		r := s.entries.Get("v").reading
		n := 0
		if r != nil {
			n = r.waiters
		}
		s.mu.Unlock()
		if n == peers {
			break
		}
		runtime.Gosched()
	}
	close(release)
	var first []byte
	for range peers {
		r := <-results
		if r.err != nil || !bytes.Equal(r.b, blob("v", 100)) {
			t.Fatalf("encoded(v) = %q, %v", r.b, r.err)
		}
		if first == nil {
			first = r.b
		} else if &first[0] != &r.b[0] {
			t.Errorf("two peers got two copies of one read")
		}
	}
	tr := <-task
	if tr.err != nil || !bytes.Equal(tr.b, blob("v", 100)) {
		t.Fatalf("value(v) = %q, %v", tr.b, tr.err)
	}
	if &tr.b[0] == &first[0] {
		t.Errorf("the task got the shared bytes, not a copy of its own")
	}
	if got := fs.reads(); got != 1 {
		t.Errorf("%d reads from disk, want 1", got)
	}
	checkStats(t, s, 0, 100) // still on disk
}

// Package keymap finds things by string key in the tables of tasks that
// the scheduler and the workers keep: hundreds of thousands of keys, most
// of them looked up a few times and dropped.
//
// A Go map would do, and did, but a map of that size is slow in two ways
// that this package avoids. Growing it hashes every key again, reading
// each key's bytes from wherever they were allocated: a cache miss a key,
// a sixth of a worker's time in a map of 300,000 tasks. And a probe stalls on
// misses one after another, with no way to start them early.
//
// Index is the part that avoids both: an open-addressing table whose
// entries are one word, a key's hash tag and a slot number that the caller
// gives meaning to. It grows by moving the words, placed by their tags,
// without reading a key; Warm reads the entry a probe will start at, so
// that a caller with a batch of keys can start their misses together. The
// caller keeps the keys, in slots it numbers, and compares them itself.
//
// Map is a map[string]V made of an Index and its own slots:
//
//	var m keymap.Map[*task]
//	m.Set("inc-1", t)
//	if t := m.Get("inc-1"); t != nil { ... }
//	m.Delete("inc-1")
//	for key, t := range m.All() { ... }
//
// The zero Map is empty and ready. Its hash seed is random, as a Go map's
// is, so that no one can choose keys that all collide; its iteration order
// is the order of its slots (a deleted key's slot is reused), so nothing
// may depend on it but nothing changes it from run to run either. Neither
// type is safe for use by several goroutines at once.
package keymap

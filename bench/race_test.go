//go:build race

package main

// The race detector keeps shadow memory outside the Go heap, several times
// the heap's size: tests of memory limits skip under it (CI runs them
// without it too).
func init() { raceEnabled = true }

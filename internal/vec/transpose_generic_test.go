//go:build !amd64 || purego

package vec

import "testing"

type transposeMode struct{ name string }

// transposeModes lists the kernels to check: only Go here.
func transposeModes() []transposeMode { return []transposeMode{{"go"}} }

func (transposeMode) set(testing.TB) {}

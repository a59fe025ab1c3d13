package gask

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/gask-dev/gask/internal/registry"
)

// TestPureKeyFormat checks pureKey against the definition it implements:
// name, "-", and the first 12 bytes of SHA-256 over the function identity,
// the encoded arguments, and a zero byte before each dependency key. Inputs
// longer than its stack buffers are included.
func TestPureKeyFormat(t *testing.T) {
	f := &registry.Func{Name: "inc", ID: "inc@0123456789ab"}
	long := []byte(strings.Repeat("x", 1000))
	cases := []struct {
		args []byte
		deps []string
	}{
		{nil, nil},
		{[]byte{1, 0, 2}, nil},
		{[]byte{2, 1, 0, 0, 1}, []string{"a-1", "b-2"}},
		{long, []string{strings.Repeat("k", 300)}},
	}
	for _, c := range cases {
		h := sha256.New()
		h.Write([]byte(f.ID))
		h.Write(c.args)
		for _, d := range c.deps {
			h.Write([]byte{0})
			h.Write([]byte(d))
		}
		want := f.Name + "-" + hex.EncodeToString(h.Sum(nil)[:12])
		if got := pureKey(f.Name, f.ID, c.args, c.deps); got != want {
			t.Errorf("pureKey(%d bytes of args, %d deps) = %q, want %q", len(c.args), len(c.deps), got, want)
		}
	}
}

package gask

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

func TestContentHash(t *testing.T) {
	small := bytes.Repeat([]byte("x"), 2*hashPiece)
	if got, want := contentHash(small), sha256.Sum256(small); got != want {
		t.Errorf("a value of 2 pieces is not hashed whole")
	}
	big := make([]byte, 5*hashPiece+3)
	for i := range big {
		big[i] = byte(i * 7)
	}
	h := contentHash(big)
	if h != contentHash(bytes.Clone(big)) {
		t.Errorf("the same bytes hash differently")
	}
	// Every piece counts, the short last one too.
	for _, i := range []int{0, hashPiece, 3*hashPiece + 5, len(big) - 1} {
		c := bytes.Clone(big)
		c[i]++
		if contentHash(c) == h {
			t.Errorf("changing byte %d does not change the hash", i)
		}
	}
	if contentHash(big[:len(big)-1]) == h {
		t.Errorf("dropping the last byte does not change the hash")
	}
}

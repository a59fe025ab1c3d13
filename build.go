package gask

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"runtime/debug"
	"sync"
)

// BuildID identifies this program's build: its main module and version,
// and a hash of its executable. Every connection carries it, so a cluster
// can tell which programs its workers and clients are.
func BuildID() string { return buildID() }

var buildID = sync.OnceValue(func() string {
	id := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		id = bi.Main.Path + "@" + bi.Main.Version
	}
	exe, err := os.Executable()
	if err != nil {
		return id
	}
	f, err := os.Open(exe)
	if err != nil {
		return id
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return id
	}
	return id + "+" + hex.EncodeToString(h.Sum(nil)[:8])
})

// Package registry holds the program's registered task functions: the one
// piece of global state gask keeps, because every process started from the
// same binary must find the same functions by name. Package gask fills it
// from package-level gask.Func variables; the worker runtime looks functions
// up by identity ("name@signature-hash") to run tasks.
package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gask-dev/gask/codec"
)

// Func is a registered function, callable with decoded arguments.
type Func struct {
	Name      string
	ID        string // Name + "@" + a hash of Signature
	Signature string // the Go type of the function
	Args      []*codec.Codec
	Result    *codec.Codec
	Call      func(ctx context.Context, args []any) (any, error)
}

var (
	mu    sync.RWMutex
	byID  = map[string]*Func{}
	names = map[string]*Func{}
)

// Identity returns the identity of a function with this name and signature.
func Identity(name, signature string) string {
	h := sha256.Sum256([]byte(signature))
	return name + "@" + hex.EncodeToString(h[:6])
}

// Register adds f. Registering two different functions under one name is
// a programming error, reported as an error (gask.Func panics with it, at
// program start).
func Register(f *Func) error {
	if f.Name == "" || strings.ContainsAny(f.Name, "@\n") {
		return fmt.Errorf("gask: invalid function name %q", f.Name)
	}
	f.ID = Identity(f.Name, f.Signature)
	mu.Lock()
	defer mu.Unlock()
	if old := names[f.Name]; old != nil {
		return fmt.Errorf("gask: function %q registered twice (%s and %s): names must be unique in a program", f.Name, old.Signature, f.Signature)
	}
	names[f.Name] = f
	byID[f.ID] = f
	return nil
}

// Lookup returns the function with the given identity.
func Lookup(id string) *Func {
	mu.RLock()
	defer mu.RUnlock()
	return byID[id]
}

// ByName returns the function registered under name, whatever its signature.
func ByName(name string) *Func {
	mu.RLock()
	defer mu.RUnlock()
	return names[name]
}

// IDs returns the identities of all registered functions, sorted.
func IDs() []string {
	mu.RLock()
	defer mu.RUnlock()
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Fingerprint identifies the whole registry: two programs with the same
// fingerprint can run each other's tasks.
func Fingerprint() string {
	h := sha256.New()
	for _, id := range IDs() {
		h.Write([]byte(id))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// ExecName is the name of the built-in command task, registered by package
// gask in every program.
const ExecName = "gask.exec"

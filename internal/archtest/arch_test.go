package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Doc        string
	Deps       []string
	Imports    []string
	Name       string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "github.com/gask-dev/gask/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

const module = "github.com/gask-dev/gask"

// Pure packages decide; they never touch the network, the file system, the
// clock, locks or randomness. They may import only these gask packages.
var pure = map[string][]string{
	module + "/scheduler": {module + "/internal/keymap"},
	module + "/worker":    {module + "/internal/keymap"},
	module + "/graph":     nil,
	// Tables of keys, for the two state machines.
	module + "/internal/keymap": nil,
	// The chunk layer of arrays: pure compute on its blocks.
	module + "/array/chunk": {module + "/internal/vec"},
}

var impure = []string{"net", "os", "os/exec", "sync", "sync/atomic", "time", "math/rand", "math/rand/v2",
	"crypto/rand", "syscall", "io/fs", "log", "log/slog", "unsafe", "runtime"}

func TestPurePackagesImportNothingImpure(t *testing.T) {
	for _, p := range listPackages(t) {
		allowed, ok := pure[p.ImportPath]
		if !ok {
			continue
		}
		for _, imp := range p.Imports {
			for _, bad := range impure {
				if imp == bad || strings.HasPrefix(imp, "net/") {
					t.Errorf("%s imports %s: pure packages get time, I/O and randomness as events", p.ImportPath, imp)
				}
			}
			if strings.HasPrefix(imp, module) && !contains(allowed, imp) {
				t.Errorf("%s imports %s, which it may not", p.ImportPath, imp)
			}
			if strings.Contains(imp, ".") && !strings.HasPrefix(imp, module) {
				t.Errorf("%s imports third-party %s", p.ImportPath, imp)
			}
		}
	}
}

func TestClientNeverImportsTheScheduler(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.ImportPath != module {
			continue
		}
		for _, d := range p.Deps {
			if d == module+"/schedulerd" || d == module+"/scheduler" {
				t.Errorf("package gask depends on %s: clients must stay small", d)
			}
		}
	}
}

// The dependencies that only a scheduler-side program (gask scheduler, a
// program that imports package dashboard or config) may link: every
// program with a local cluster links cluster/local, and client_golang
// alone made such a program half as big again.
var heavy = []string{"github.com/prometheus/", "go.yaml.in/yaml/"}

func TestClientsAndLocalClustersStayLight(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.ImportPath != module && p.ImportPath != module+"/cluster/local" {
			continue
		}
		for _, d := range p.Deps {
			for _, h := range heavy {
				if strings.HasPrefix(d, h) {
					t.Errorf("%s depends on %s: import it where it is needed (dashboard, config), not here", p.ImportPath, d)
				}
			}
		}
	}
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.Name == "main" {
			continue
		}
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package comment (write a doc.go that tours it)", p.ImportPath)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

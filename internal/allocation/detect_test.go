package allocation

import (
	"runtime"
	"testing"
)

func TestDetect(t *testing.T) {
	a := Detect()
	t.Logf("Detect() = %v", a)
	if a.CPUs < 1 || a.CPUs > runtime.NumCPU() {
		t.Errorf("Detect().CPUs = %d, want 1..%d", a.CPUs, runtime.NumCPU())
	}
	if a.CPUSource == "" {
		t.Errorf("Detect().CPUSource = %q, want a source", a.CPUSource)
	}
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd", "netbsd", "openbsd", "dragonfly":
		if a.Memory <= 0 || a.MemorySource == "" {
			t.Errorf("Detect() Memory = %d (%q), want > 0 with a source", a.Memory, a.MemorySource)
		}
	}
}

package allocation

import (
	"os"
	"runtime"
	"testing"
)

func TestResidentBytes(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	self := ResidentBytes(0)
	if self <= 0 {
		t.Fatalf("ResidentBytes(0) = %d, want this process's resident memory", self)
	}
	if got := ResidentBytes(os.Getpid()); got <= 0 {
		t.Errorf("ResidentBytes(own pid) = %d, want > 0", got)
	}
	if got := ResidentBytes(1 << 30); got != 0 {
		t.Errorf("ResidentBytes(no such process) = %d, want 0", got)
	}
}

//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package allocation

import (
	"math"
	"runtime"

	"golang.org/x/sys/unix"
)

// affinityCPUs returns 0: these systems have no affinity mask that
// runtime.NumCPU does not already reflect.
func affinityCPUs() int { return 0 }

// physicalMemory returns the node's RAM in bytes from sysctl, or 0 if it is
// unknown.
func physicalMemory() int64 {
	name := "hw.physmem"
	switch runtime.GOOS {
	case "darwin":
		name = "hw.memsize"
	case "netbsd", "openbsd":
		name = "hw.physmem64"
	}
	n, err := unix.SysctlUint64(name)
	if err != nil {
		return 0
	}
	return int64(min(n, math.MaxInt64))
}

//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package allocation

// affinityCPUs returns 0: the affinity mask is not read on this platform.
func affinityCPUs() int { return 0 }

// physicalMemory returns 0: the physical RAM is not read on this platform.
func physicalMemory() int64 { return 0 }

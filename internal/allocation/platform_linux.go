package allocation

import (
	"math"

	"golang.org/x/sys/unix"
)

// affinityCPUs returns the number of CPUs in this process's affinity mask,
// or 0 if it cannot be read (as on machines with more than 1024 CPUs).
func affinityCPUs() int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return 0
	}
	return set.Count()
}

// physicalMemory returns the node's RAM in bytes, or 0 if it is unknown.
func physicalMemory() int64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0
	}
	total, unit := uint64(si.Totalram), uint64(max(si.Unit, 1))
	if total > math.MaxInt64/unit {
		return math.MaxInt64
	}
	return int64(total * unit)
}

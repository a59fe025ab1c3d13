package allocation

import (
	"os"
	"runtime"
)

// Detect returns this process's allocation, read from the real environment,
// /proc and /sys. It never fails: at worst it returns runtime.NumCPU() and
// the physical RAM (0 where that cannot be read, as on some platforms).
func Detect() Allocation {
	return Compute(Inputs{
		NumCPU:         runtime.NumCPU(),
		Affinity:       affinityCPUs(),
		Env:            os.LookupEnv,
		ReadFile:       os.ReadFile,
		PhysicalMemory: physicalMemory(),
	})
}

package allocation_test

import (
	"fmt"
	"io/fs"

	"github.com/gask-dev/gask/internal/allocation"
)

// A SLURM job that asked for 4 CPUs per task on a 128-core node, inside a
// cgroup v2 that caps memory at 8 GiB.
func ExampleCompute() {
	env := map[string]string{"SLURM_CPUS_PER_TASK": "4", "SLURM_MEM_PER_CPU": "4096"}
	files := map[string]string{
		"/proc/self/cgroup": "0::/system.slice/slurmstepd.scope/job_42\n",
		"/sys/fs/cgroup/system.slice/slurmstepd.scope/job_42/memory.max": "8589934592\n",
	}
	a := allocation.Compute(allocation.Inputs{
		NumCPU: 128,
		Env: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		ReadFile: func(p string) ([]byte, error) {
			if s, ok := files[p]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		},
		PhysicalMemory: 512 << 30,
	})
	fmt.Println(a)
	// Output: 4 CPUs (slurm), 8 GiB memory (cgroup)
}

func ExampleParseBytes() {
	for _, s := range []string{"4GiB", "4GB", "1.5 GiB", "2e9", "auto"} {
		n, err := allocation.ParseBytes(s)
		fmt.Println(n, err)
	}
	// Output:
	// 4294967296 <nil>
	// 4000000000 <nil>
	// 1610612736 <nil>
	// 2000000000 <nil>
	// 0 gask: invalid byte size "auto": unknown unit "auto"
}

func ExampleFormatBytes() {
	fmt.Println(allocation.FormatBytes(100))
	fmt.Println(allocation.FormatBytes(512 << 20))
	fmt.Println(allocation.FormatBytes(3 << 29))
	// Output:
	// 100 B
	// 512 MiB
	// 1.50 GiB
}

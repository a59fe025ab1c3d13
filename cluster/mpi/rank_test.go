package mpi

import (
	"testing"

	"github.com/gask-dev/gask/internal/allocation"
)

func TestRankFrom(t *testing.T) {
	for _, tc := range []struct {
		name       string
		env        map[string]string
		rank, size int
		ok         bool
		id         string
	}{
		{"mpirun", map[string]string{"OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "4", "PMIX_RANK": "2", "PMIX_NAMESPACE": "1594228737",
			"SLURM_PROCID": "0", "SLURM_NTASKS": "2"}, 2, 4, true, "1594228737"},
		{"mpich", map[string]string{"PMI_RANK": "5", "PMI_SIZE": "8", "PMI_JOBID": "j1"}, 5, 8, true, "j1"},
		{"srun", map[string]string{"SLURM_PROCID": "1", "SLURM_NTASKS": "4", "SLURM_STEP_ID": "0", "SLURM_JOB_ID": "193"}, 1, 4, true, "193.0"},
		// A batch script has SLURM_PROCID=0 but runs one process.
		{"sbatch script", map[string]string{"SLURM_PROCID": "0", "SLURM_NTASKS": "4", "SLURM_JOB_ID": "193"}, 0, 0, false, ""},
		{"nothing", map[string]string{}, 0, 0, false, ""},
		{"rank beyond size", map[string]string{"OMPI_COMM_WORLD_RANK": "4", "OMPI_COMM_WORLD_SIZE": "4"}, 0, 0, false, ""},
		{"not numbers", map[string]string{"PMI_RANK": "a", "PMI_SIZE": "b"}, 0, 0, false, ""},
	} {
		env := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
		rank, size, ok := rankFrom(env)
		if rank != tc.rank || size != tc.size || ok != tc.ok {
			t.Errorf("%s: rank %d, size %d, ok %v; want %d, %d, %v", tc.name, rank, size, ok, tc.rank, tc.size, tc.ok)
		}
		if ok {
			if id := launchID(env); id != tc.id {
				t.Errorf("%s: launch ID %q, want %q", tc.name, id, tc.id)
			}
		}
	}
}

func TestShare(t *testing.T) {
	for _, tc := range []struct {
		a       allocation.Allocation
		local   int
		threads int
		memory  int64
	}{
		// The node's, seen whole by each of 4 ranks: divided.
		{allocation.Allocation{CPUs: 16, CPUSource: allocation.SourceNode, Memory: 64 << 30, MemorySource: allocation.SourceNode}, 4, 4, 16 << 30},
		// A SLURM task's, and a bound rank's: its own already.
		{allocation.Allocation{CPUs: 2, CPUSource: allocation.SourceSLURM, Memory: 8 << 30, MemorySource: allocation.SourceSLURM}, 4, 2, 8 << 30},
		{allocation.Allocation{CPUs: 1, CPUSource: allocation.SourceAffinity, Memory: 64 << 30, MemorySource: allocation.SourceCgroup}, 8, 1, 8 << 30},
		// More ranks than CPUs: one thread each.
		{allocation.Allocation{CPUs: 2, CPUSource: allocation.SourceNode}, 4, 1, 0},
	} {
		if th, mem := share(tc.a, tc.local); th != tc.threads || mem != tc.memory {
			t.Errorf("share(%v, %d) = %d, %d; want %d, %d", tc.a, tc.local, th, mem, tc.threads, tc.memory)
		}
	}
}

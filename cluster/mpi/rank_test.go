package mpi

import "testing"

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

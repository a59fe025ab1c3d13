package allocation

import (
	"strconv"
	"strings"
)

// mib is SLURM's unit of memory: its "MB" is 2^20 bytes.
const mib = 1 << 20

// batchOffer is the number of CPUs a batch system grants this process.
type batchOffer struct {
	source Source
	n      int
}

// batchCPUs returns what each batch system whose environment is present
// grants this process, SLURM first.
func batchCPUs(env func(string) (string, bool)) []batchOffer {
	var offers []batchOffer
	add := func(src Source, n int) {
		if n > 0 {
			offers = append(offers, batchOffer{src, n})
		}
	}
	add(SourceSLURM, slurmCPUs(env))
	add(SourcePBS, pbsCPUs(env))
	add(SourceSGE, envInt(env, "NSLOTS")) // slots granted to the job
	add(SourceLSF, envInt(env, "LSB_DJOB_NUMPROC"))
	return offers
}

// slurmCPUs returns the CPUs SLURM grants one task, or 0 outside SLURM. In
// order: SLURM_CPUS_PER_TASK; SLURM_CPUS_ON_NODE shared among the tasks on
// this node; the first node's count in SLURM_JOB_CPUS_PER_NODE.
func slurmCPUs(env func(string) (string, bool)) int {
	if n := envInt(env, "SLURM_CPUS_PER_TASK"); n > 0 {
		return n
	}
	if n := envInt(env, "SLURM_CPUS_ON_NODE"); n > 0 {
		return max(n/slurmTasksOnNode(env), 1)
	}
	if s, ok := env("SLURM_JOB_CPUS_PER_NODE"); ok {
		// "4", "4(x2)" or "2,4(x3)": the count of the first node(s).
		s = strings.TrimSpace(s)
		end := 0
		for end < len(s) && '0' <= s[end] && s[end] <= '9' {
			end++
		}
		if n, err := strconv.Atoi(s[:end]); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// slurmTasksOnNode returns how many tasks of the job share this node:
// SLURM_NTASKS_PER_NODE, else SLURM_NTASKS when the job has one node, else 1.
func slurmTasksOnNode(env func(string) (string, bool)) int {
	if n := envInt(env, "SLURM_NTASKS_PER_NODE"); n > 0 {
		return n
	}
	nodes := envInt(env, "SLURM_NNODES")
	if nodes == 0 {
		nodes = envInt(env, "SLURM_JOB_NUM_NODES")
	}
	if n := envInt(env, "SLURM_NTASKS"); n > 0 && nodes == 1 {
		return n
	}
	return 1
}

// slurmMemory returns the bytes SLURM grants one task of cpus CPUs, or 0:
// SLURM_MEM_PER_NODE shared among the tasks on this node, else
// SLURM_MEM_PER_CPU times cpus. Both are in MiB; 0 means "no limit".
func slurmMemory(env func(string) (string, bool), cpus int) int64 {
	if n := envInt64(env, "SLURM_MEM_PER_NODE"); n > 0 {
		return mulMiB(n / int64(slurmTasksOnNode(env)))
	}
	if n := envInt64(env, "SLURM_MEM_PER_CPU"); n > 0 && cpus > 0 {
		return mulMiB(n * int64(min(cpus, 1<<20)))
	}
	return 0
}

// mulMiB converts n MiB to bytes, or 0 if that does not fit an int64 (no
// machine has that much memory, so the value is nonsense).
func mulMiB(n int64) int64 {
	if n <= 0 || n > (1<<63-1)/mib {
		return 0
	}
	return n * mib
}

// pbsCPUs returns the CPUs PBS grants the job on this node, or 0: Torque's
// PBS_NUM_PPN, else PBS Pro's NCPUS. NCPUS is a common name, so it counts
// only inside a PBS job (PBS_JOBID set).
func pbsCPUs(env func(string) (string, bool)) int {
	if n := envInt(env, "PBS_NUM_PPN"); n > 0 {
		return n
	}
	if _, ok := env("PBS_JOBID"); ok {
		return envInt(env, "NCPUS")
	}
	return 0
}

// envInt returns the positive integer in the variable name, or 0 if it is
// unset, malformed or not positive.
func envInt(env func(string) (string, bool), name string) int {
	s, ok := env(name)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// envInt64 is envInt for values that may exceed an int on 32-bit machines.
func envInt64(env func(string) (string, bool), name string) int64 {
	s, ok := env(name)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Package allocation answers how many CPUs and how much memory this process
// may actually use — its allocation, not the size of the machine it runs on.
//
// The difference matters most on shared machines. A batch job granted 4 cores
// on a 128-core node sees 128 in /proc/cpuinfo; a worker that starts 128
// threads there fights its neighbours for 4 cores. Every layer that can limit
// a process is therefore consulted, and the smallest limit wins:
//
//   - the CPU affinity mask (sched_getaffinity), which taskset, numactl and
//     most batch systems set;
//   - the process's cgroup: v2 cpu.max and memory.max, or v1
//     cpu.cfs_quota_us / cpu.cfs_period_us and memory.limit_in_bytes, read in
//     the process's own cgroup and in every ancestor up to the mount point,
//     because a parent's limit binds its children too;
//   - the batch system's environment: SLURM (SLURM_CPUS_PER_TASK,
//     SLURM_CPUS_ON_NODE over the tasks per node, SLURM_JOB_CPUS_PER_NODE,
//     SLURM_MEM_PER_NODE, SLURM_MEM_PER_CPU), PBS (PBS_NUM_PPN, NCPUS), SGE
//     (NSLOTS) and LSF (LSB_DJOB_NUMPROC);
//   - the node itself: runtime.NumCPU and the physical RAM, the ceiling when
//     nothing else is known.
//
// OMP_NUM_THREADS is deliberately not a source: it says how many threads one
// OpenMP library should start, not what the process was granted.
//
// A minimal use, at process start:
//
//	a := allocation.Detect()
//	slog.Info("allocation", "cpus", a.CPUs, "cpu_source", a.CPUSource,
//		"memory", allocation.FormatBytes(a.Memory), "memory_source", a.MemorySource)
//	nthreads := a.CPUs
//
// The Allocation records which Source decided each number, so that a log line
// can tell the user why a worker on a 128-core node runs 4 threads. When two
// sources agree, the most specific one is reported: a batch system before a
// cgroup, a cgroup before the affinity mask, and the affinity mask before the
// node.
//
// Detect reads the real environment, /proc and /sys; it never fails, and
// anything it cannot read is simply not a limit. Compute is the pure core it
// wraps: every input — the environment, the file reader, the CPU counts, the
// physical memory — is a field of Inputs, so tests describe a machine as a
// map of fake files and variables. Malformed files and variables are ignored,
// never fatal.
//
// The caller's duties: call Detect once at start-up (the limits can change
// while a process runs, but reading /sys on every decision is not worth it),
// and let an explicit user setting override the result. ParseBytes and
// FormatBytes convert between byte counts and the human sizes ("4GiB",
// "1.50 GiB") that such settings and log lines use.
package allocation

// Package jobqueue runs gask workers as jobs of an HPC batch system, as
// dask-jobqueue does for Dask: the scheduler runs in this program, on the
// login node, and each job that the cluster submits runs one worker.
//
//	cluster, err := jobqueue.New(ctx, jobqueue.Config{
//		System:   jobqueue.SLURM,
//		Cores:    8,
//		Memory:   32 << 30,
//		Walltime: 2 * time.Hour,
//		Queue:    "regular",
//		Account:  "physics",
//	})
//	if err != nil { ... }
//	defer cluster.Close()
//	cluster.Scale(ctx, 10)          // ten jobs, submitted with sbatch
//	cluster.WaitForWorkers(ctx, 1)  // or start at once: tasks wait for workers
//	c := cluster.Client()
//
// A job runs this same program (it must call gask.Main first thing in main)
// as `prog worker <scheduler>`, under a nanny, in the foreground of its
// script so that the batch system's signals reach it; JobScript shows the
// script. Workers are named after their jobs (gask-worker-<job ID>).
//
// Scale submits or cancels jobs: workers beyond the number asked for
// retire first, their values moving to the workers that stay. The cluster
// keeps the number: a job that ends is replaced, and before a job's
// walltime runs out its worker retires (Config.Lifetime) while a new job
// takes its place, so walltimes cost no results. Jobs that end before their
// workers join are reported with the end of their output (Logs), and after
// three in a row the cluster stops submitting.
//
// SLURM and Grid Engine (SGE) are supported, each through its own
// commands: sbatch/squeue/scancel, qsub/qstat/qdel.
package jobqueue

package jobqueue_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/cluster/jobqueue"
)

var square = gask.Func("example.square", func(ctx context.Context, x int) (int, error) { return x * x, nil })

// A program that runs its workers as SLURM jobs. It calls gask.Main first,
// because the jobs run this same program as workers. (Not run by go test:
// it needs a SLURM to submit to.)
func Example() {
	gask.Main()
	ctx := context.Background()
	cluster, err := jobqueue.New(ctx, jobqueue.Config{
		System:   jobqueue.SLURM,
		Cores:    8,
		Memory:   32 << 30,
		Walltime: 2 * time.Hour,
		Queue:    "regular",
		Account:  "physics",
		Prologue: []string{"module load gcc"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	if err := cluster.Scale(ctx, 10); err != nil { // ten jobs
		log.Fatal(err)
	}
	c := cluster.Client()
	// Tasks wait on the scheduler until workers join.
	squares, err := gask.Gather(ctx, square.Map(c, []int{1, 2, 3, 4}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(squares)
}

// The script that each job runs: its worker speaks mutual TLS with the
// credentials the cluster makes when it starts.
func ExampleScript() {
	script, err := jobqueue.Script(jobqueue.Config{
		System:       jobqueue.SGE,
		Cores:        4,
		Memory:       16 << 30,
		Walltime:     time.Hour,
		Directives:   []string{"-pe smp 4", "-l h_vmem=4G"},
		LogDirectory: "/shared/logs",
		Command:      []string{"/shared/bin/analysis"},
	}, "tcp://login1:8786")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(script)
	// Output:
	// #!/bin/sh
	// #$ -N gask-worker
	// #$ -S /bin/sh
	// #$ -o /shared/logs/
	// #$ -j y
	// #$ -l h_rt=01:00:00
	// #$ -pe smp 4
	// #$ -l h_vmem=4G
	//
	// export GASK_WORKER=1
	// exec /shared/bin/analysis worker tls://login1:8786 --name "gask-worker-$JOB_ID" --nthreads 4 --memory-limit 17179869184 --tls-ca-file /shared/logs/.gask-tls-gask-worker-XXXXXX/ca.pem --tls-cert /shared/logs/.gask-tls-gask-worker-XXXXXX/cert.pem --tls-key /shared/logs/.gask-tls-gask-worker-XXXXXX/key.pem --tls-any-host --listen tls://:0 --nanny
}

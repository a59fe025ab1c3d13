// Command bench runs one gask benchmark workload and prints its figures.
//
//	go run ./bench <workload> [flags] -json
//
// Workloads: throughput, latency, tree, sleep-balance, pi, transfer, startup,
// scale, array, spill. Each runs on a local cluster of worker processes (2 workers × 1
// thread unless the workload says otherwise), checks its own result — a
// wrong result exits non-zero and prints no figures — and reports, beside
// its own figures, `seconds` (the workload's main timed section) and
// `peak_rss_bytes`, the peak resident memory of this process and all its
// descendants (the worker processes and their nannies' children), sampled
// from /proc every 20 ms.
//
// The Python twins in bench/dask run the same workloads on Dask, and
// bench/runner alternates the two and prints a comparison table.
//
// Worker processes re-execute this binary, so main calls gask.Main first.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gask-dev/gask"
)

// start is taken as early as the program allows: the startup workload
// measures from it.
var start = time.Now()

// figures are what a workload reports: name → value.
type figures map[string]any

// params are the sizes a workload may take from the command line. Zero
// means the workload's default.
type params struct {
	n        int  // tasks (throughput, latency, scale), leaves (tree), tasks (pi)
	points   int  // pi: points per task
	mib      int  // transfer, spill: MiB per piece
	pieces   int  // transfer: pieces made on worker A
	scatter  int  // transfer: MiB scattered and gathered
	simN     int  // scale: tasks for the scheduler-alone simulation
	short    bool // sleep-balance: shorter sleeps (tests)
	limitMiB int  // spill: each worker's memory limit
}

type workload struct {
	name string
	doc  string
	run  func(ctx context.Context, p params) (figures, error)
}

var workloads = []workload{
	{"throughput", "map a trivial increment over -n ints (default 20,000), gather", runThroughput},
	{"latency", "one trivial task submitted and awaited, -n times in sequence (default 2,000)", runLatency},
	{"tree", "binary tree reduction over -n leaves (default 8,192), built lazily and computed at once", runTree},
	{"sleep-balance", "A: sleeps 0.8…0.1 s on 3×1; B: 1,000 × 10 ms on 2×4", runSleepBalance},
	{"pi", "-n tasks (default 200) × -points random points (default 1,000,000)", runPi},
	{"transfer", "worker-to-worker, scatter, gather and raw loopback TCP bandwidth", runTransfer},
	{"startup", "process start to 2 worker processes ready and one task done", runStartup},
	{"scale", "a: -n no-op tasks on real workers (default 1,000,000); b: the scheduler alone, -sim-n tasks", runScale},
	{"array", "(sin(x) + cos(xᵀ)).sum() for x random -n × -n (default 20,000) in 100 blocks", runArray},
	{"spill", "-n results (default 96) of -mib MiB (default 32) held on 2 workers of -limit-mib MiB (default 512)", runSpill},
}

func main() {
	gask.Main()
	os.Exit(benchMain(os.Args[1:]))
}

func benchMain(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: bench <workload> [flags]\n\nworkloads:\n")
		for _, w := range workloads {
			fmt.Fprintf(fs.Output(), "  %-14s %s\n", w.name, w.doc)
		}
		fmt.Fprintf(fs.Output(), "\nflags:\n")
		fs.PrintDefaults()
	}
	var p params
	asJSON := fs.Bool("json", false, "print one JSON line instead of text")
	fs.IntVar(&p.n, "n", 0, "size: tasks or leaves (0: the workload's default)")
	fs.IntVar(&p.points, "points", 0, "pi: points per task (0: 1,000,000)")
	fs.IntVar(&p.mib, "mib", 0, "transfer: MiB per piece (0: 64)")
	fs.IntVar(&p.pieces, "pieces", 0, "transfer: pieces made on worker A (0: 16)")
	fs.IntVar(&p.scatter, "scatter-mib", 0, "transfer: MiB scattered and gathered (0: 256)")
	fs.IntVar(&p.simN, "sim-n", 0, "scale: tasks for the scheduler-alone simulation (0: 1,000,000)")
	fs.IntVar(&p.limitMiB, "limit-mib", 0, "spill: each worker's memory limit in MiB (0: 512)")
	fs.BoolVar(&p.short, "short", false, "sleep-balance: sleeps ten times shorter")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of this process (client and scheduler; not the workers) to `file`")
	tracefile := fs.String("trace", "", "write an execution trace of this process to `file` (go tool trace)")
	memprofile := fs.String("memprofile", "", "write an allocation profile of this process to `file` at the end")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Usage()
		return 2
	}
	name := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	i := slices.IndexFunc(workloads, func(w workload) bool { return w.name == name })
	if i < 0 {
		fmt.Fprintf(os.Stderr, "bench: unknown workload %q\n", name)
		fs.Usage()
		return 2
	}
	for _, rec := range []struct {
		path  string
		start func(io.Writer) error
		stop  func()
	}{{*cpuprofile, pprof.StartCPUProfile, pprof.StopCPUProfile}, {*tracefile, trace.Start, trace.Stop}} {
		if rec.path == "" {
			continue
		}
		f, err := os.Create(rec.path)
		if err == nil {
			err = rec.start(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			return 1
		}
		defer f.Close()
		defer rec.stop()
	}
	if *memprofile != "" {
		runtime.MemProfileRate = 64 << 10
		defer func() {
			f, err := os.Create(*memprofile)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			}
		}()
	}
	figs, err := measure(context.Background(), workloads[i], p)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench %s: %v\n", name, err)
		return 1
	}
	if *asJSON {
		b, err := json.Marshal(figs)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", name, err)
			return 1
		}
		fmt.Println(string(b))
		return 0
	}
	keys := make([]string, 0, len(figs))
	for k := range figs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%-26s %v\n", k, figs[k])
	}
	return 0
}

// measure runs w with the RSS sampler on and adds the common figures.
func measure(ctx context.Context, w workload, p params) (figures, error) {
	rss := startRSSSampler(os.Getpid(), 20*time.Millisecond)
	figs, err := w.run(ctx, p)
	peak := rss.stop()
	if err != nil {
		return nil, err
	}
	figs["workload"] = w.name
	figs["peak_rss_bytes"] = peak
	if _, ok := figs["seconds"]; !ok {
		return nil, fmt.Errorf("workload %s reported no seconds", w.name)
	}
	return figs, nil
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

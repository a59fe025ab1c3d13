// Command runner compares gask with Dask on the workloads of bench: it
// builds the gask bench binary once, runs each selected workload on gask
// and on Dask in alternation (gask, Dask, gask, Dask, ...) for -rounds
// rounds each, and prints a markdown table of medians, min–max and the
// ratio gask/Dask per figure.
//
//	go run ./bench/runner                                 # every workload, 3 rounds
//	go run ./bench/runner -workloads latency,tree -rounds 5
//	go run ./bench/runner -out docs/benchmarks.md         # also update the table there
//
// Run it from the module root. The Dask side runs bench/dask/bench.py with
// -python (Debian's python3-distributed by default at /usr/bin/python3).
// Every run's wall time, measured here around the whole command, is added
// as the figure wall_seconds.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// spec is one row group of the table: how to run it on each side and which
// figures to show. A nil dask means gask only.
type spec struct {
	name    string
	gask    []string
	dask    []string
	figures []string
}

var specs = []spec{
	{"throughput", []string{"throughput"}, []string{"throughput"}, []string{"tasks_per_sec", "submit_seconds", "seconds", "peak_rss_bytes"}},
	{"throughput-100k", []string{"throughput", "-n", "100000"}, nil, []string{"tasks_per_sec", "submit_seconds", "seconds", "peak_rss_bytes"}},
	{"throughput-1m", []string{"throughput", "-n", "1000000"}, nil, []string{"tasks_per_sec", "submit_seconds", "seconds", "peak_rss_bytes"}},
	{"latency", []string{"latency"}, []string{"latency"}, []string{"median_us", "p99_us", "peak_rss_bytes"}},
	{"tree", []string{"tree"}, []string{"tree"}, []string{"seconds", "tasks_per_sec", "peak_rss_bytes"}},
	{"sleep-balance", []string{"sleep-balance"}, []string{"sleep-balance"}, []string{"a_makespan_seconds", "b_makespan_seconds", "peak_rss_bytes"}},
	{"pi", []string{"pi"}, []string{"pi"}, []string{"seconds", "abs_error", "peak_rss_bytes"}},
	{"transfer", []string{"transfer"}, []string{"transfer"}, []string{"w2w_mb_per_sec", "scatter_mb_per_sec", "gather_mb_per_sec", "raw_mb_per_sec", "raw_fresh_mb_per_sec", "peak_rss_bytes"}},
	{"startup", []string{"startup"}, []string{"startup"}, []string{"seconds", "wall_seconds", "peak_rss_bytes"}},
	{"scale", []string{"scale"}, nil, []string{"tasks_per_sec", "submit_seconds", "sim_tasks_per_sec", "scheduler_bytes_per_task", "peak_rss_bytes"}},
	{"array", []string{"array"}, []string{"array"}, []string{"seconds", "result", "peak_rss_bytes"}},
	{"spill", []string{"spill"}, []string{"spill"}, []string{"seconds", "spilled_bytes", "workers_killed", "peak_rss_bytes"}},
}

func main() {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	list := flag.String("workloads", strings.Join(names, ","), "comma-separated workloads")
	rounds := flag.Int("rounds", 3, "runs of each side per workload")
	out := flag.String("out", "", "markdown file whose table section (between <!-- bench:begin --> and <!-- bench:end -->) to replace")
	python := flag.String("python", "/usr/bin/python3", "Python with dask.distributed")
	noDask := flag.Bool("no-dask", false, "run the gask side only")
	flag.Parse()

	dir, err := os.MkdirTemp("", "gask-bench")
	check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bench")
	build := exec.Command("go", "build", "-o", bin, "./bench")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	check(build.Run())

	started := time.Now()
	load0 := loadavg()
	var results []result
	for _, name := range strings.Split(*list, ",") {
		i := slices.IndexFunc(specs, func(s spec) bool { return s.name == name })
		if i < 0 {
			fmt.Fprintf(os.Stderr, "runner: unknown workload %q (have %s)\n", name, strings.Join(names, ", "))
			os.Exit(2)
		}
		s := specs[i]
		r := result{spec: s}
		for round := range *rounds {
			r.gask = append(r.gask, runOne(fmt.Sprintf("gask %s #%d", s.name, round+1), bin, append(slices.Clone(s.gask), "-json")))
			if s.dask != nil && !*noDask {
				args := append([]string{"bench/dask/bench.py"}, s.dask...)
				r.dask = append(r.dask, runOne(fmt.Sprintf("dask %s #%d", s.name, round+1), *python, append(args, "-json")))
			}
		}
		results = append(results, r)
	}
	md := report(results, *rounds, started, load0, loadavg(), *python, strings.Join(os.Args[1:], " "))
	fmt.Print(md)
	if *out != "" {
		check(updateSection(*out, md))
	}
	for _, r := range results {
		for _, x := range append(r.gask, r.dask...) {
			if x.err != nil {
				os.Exit(1)
			}
		}
	}
}

type run struct {
	figs map[string]any
	err  error
}

type result struct {
	spec       spec
	gask, dask []run
}

// runOne runs a command that prints one JSON line and adds its wall time.
func runOne(label, prog string, args []string) run {
	cmd := exec.Command(prog, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0).Seconds()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: FAILED: %v\n%s", label, err, tail(stderr.String(), 2000))
		return run{err: err}
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var figs map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &figs); err != nil {
		fmt.Fprintf(os.Stderr, "%s: FAILED: bad output: %v\n", label, err)
		return run{err: err}
	}
	figs["wall_seconds"] = wall
	fmt.Fprintf(os.Stderr, "%s: %.2fs %s\n", label, wall, lines[len(lines)-1])
	return run{figs: figs}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// stats are the median, min and max of a figure over successful runs.
type stats struct {
	med, lo, hi float64
	n, failed   int
}

func summarize(runs []run, fig string) stats {
	var xs []float64
	var st stats
	for _, r := range runs {
		if r.err != nil {
			st.failed++
			continue
		}
		if v, ok := r.figs[fig].(float64); ok {
			xs = append(xs, v)
		}
	}
	st.n = len(xs)
	if len(xs) == 0 {
		return st
	}
	slices.Sort(xs)
	st.lo, st.hi = xs[0], xs[len(xs)-1]
	if len(xs)%2 == 1 {
		st.med = xs[len(xs)/2]
	} else {
		st.med = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return st
}

func (s stats) String(fig string) string {
	if s.n == 0 && s.failed == 0 {
		return "—"
	}
	if s.n == 0 {
		return fmt.Sprintf("failed ×%d", s.failed)
	}
	out := fmt.Sprintf("%s (%s–%s)", num(s.med, fig), num(s.lo, fig), num(s.hi, fig))
	if s.failed > 0 {
		out += fmt.Sprintf(", failed ×%d", s.failed)
	}
	return out
}

func num(v float64, fig string) string {
	if strings.HasSuffix(fig, "rss_bytes") {
		return fmt.Sprintf("%.0f MiB", v/(1<<20))
	}
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 1e5:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 1:
		return fmt.Sprintf("%.3g", v)
	case a >= 1e-3:
		return fmt.Sprintf("%.3g", v)
	default:
		return fmt.Sprintf("%.2e", v)
	}
}

func report(results []result, rounds int, started time.Time, load0, load1, python, args string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s on %s; %d rounds each, gask and Dask alternating.\n\n", started.UTC().Format("2006-01-02 15:04 MST"), machine(), rounds)
	fmt.Fprintf(&b, "- command: `go run ./bench/runner %s` (Go %s; %s)\n", args, strings.TrimPrefix(runtime.Version(), "go"), daskVersion(python))
	fmt.Fprintf(&b, "- load average (1, 5, 15 min) at start: %s; at end: %s\n\n", load0, load1)
	b.WriteString("| workload | figure | gask median (min–max) | Dask median (min–max) | gask/Dask |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, r := range results {
		for _, fig := range r.spec.figures {
			g, d := summarize(r.gask, fig), summarize(r.dask, fig)
			ratio := "—"
			if g.n > 0 && d.n > 0 && d.med != 0 {
				ratio = fmt.Sprintf("%.3g", g.med/d.med)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.spec.name, fig, g.String(fig), d.String(fig), ratio)
		}
	}
	return b.String()
}

func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(l[strings.Index(l, ":")+1:])
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.TrimPrefix(strings.Split(string(b), "\n")[0], "MemTotal:"), "%d", &kb)
		mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
	}
	host, _ := os.Hostname()
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s (%d CPUs, %s%s%s)", host, runtime.NumCPU(), cpu, mem, kernel)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], ", ")
}

func daskVersion(python string) string {
	out, err := exec.Command(python, "-c", "import sys, dask, distributed; print('Python %d.%d.%d' % sys.version_info[:3], 'dask', dask.__version__, 'distributed', distributed.__version__)").Output()
	if err != nil {
		return "Dask not found"
	}
	return strings.TrimSpace(string(out))
}

const begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"

// updateSection replaces the text between the markers in path, or appends
// the section with its markers.
func updateSection(path, md string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(old)
	section := begin + "\n" + md + end
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i >= 0 && j > i {
		s = s[:i] + section + s[j+len(end):]
	} else {
		s += "\n" + section + "\n"
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(1)
	}
}

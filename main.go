package gask

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"syscall"

	"github.com/gask-dev/gask/internal/allocation"
	"github.com/gask-dev/gask/internal/peer"
	"github.com/gask-dev/gask/nanny"
	"github.com/gask-dev/gask/transport"
	"github.com/gask-dev/gask/wire"
	"github.com/gask-dev/gask/workerd"
)

// WorkerEnv is set to "1" in the environment of worker processes that a
// gask cluster starts, so that a program that forgot to call Main fails
// loudly instead of running its main function again.
const WorkerEnv = "GASK_WORKER"

// Main lets this program serve as a worker. Call it first thing in main:
//
//	func main() {
//		gask.Main()
//		...
//	}
//
// When the program is started as `prog worker <scheduler-address> [flags]`
// (by a cluster, a batch job, or by hand) Main runs a worker that can run
// every function the program registers, and exits when the worker stops; it
// never returns. Otherwise it returns at once. Run `prog worker -h` for the
// flags.
func Main() {
	if len(os.Args) < 2 || os.Args[1] != "worker" {
		return
	}
	os.Exit(WorkerMain(os.Args[2:], os.Stderr))
}

// WorkerMain runs the worker role with command-line arguments args and
// returns the process's exit status. Main calls it; so does `gask worker`.
func WorkerMain(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s worker <scheduler-address> [flags]\n\nRuns a gask worker that can run every function this program registers.\n\nflags:\n", os.Args[0])
		fs.PrintDefaults()
	}
	alloc := allocation.Detect()
	nthreads := fs.Int("nthreads", 0, "tasks run at once (default: the CPUs this process may use)")
	memLimit := fs.String("memory-limit", "auto", `memory limit, e.g. "4GiB"; "auto" is this process's allocation; "0" is none`)
	memTarget := fs.Float64("memory-target", workerd.DefaultMemoryTarget, "fraction of the memory limit of managed bytes (results held) above which the least recently used results spill to disk; 0 is off")
	memSpill := fs.Float64("memory-spill", workerd.DefaultMemorySpill, "fraction of the memory limit of process memory (RSS) above which results spill until it is below the target; 0 is off")
	memPause := fs.Float64("memory-pause", workerd.DefaultMemoryPause, "fraction of the memory limit of process memory above which the worker pauses (no new tasks or fetches) until it falls; 0 is off")
	memTerminate := fs.Float64("memory-terminate", nanny.DefaultMemoryTerminate, "with --nanny: fraction of the memory limit of process memory above which the nanny kills and restarts the worker; 0 is off")
	localDir := fs.String("local-directory", "", "directory for spilled results, in a directory of the worker's own removed when it stops (default: the system's temporary directory)")
	name := fs.String("name", "", "worker name, unique in the cluster (default: its address)")
	listen := fs.String("listen", "tcp://127.0.0.1:0", "address to serve peers on; across machines use tcp://0.0.0.0:0 (advertised with this host's name) or tcp://HOST:0")
	iface := fs.String("interface", "", `network interface to serve peers on ("ib0"): its address, in place of --listen's host`)
	resources := fs.String("resources", "", `resources this worker offers, e.g. "GPU=2,MEM=8e9"`)
	useNanny := fs.Bool("nanny", false, "run the worker in a child process and restart it when it dies")
	tlsCA := fs.String("tls-ca-file", "", "CA certificate for mutual TLS")
	tlsCert := fs.String("tls-cert", "", "this worker's certificate for mutual TLS")
	tlsKey := fs.String("tls-key", "", "this worker's key for mutual TLS")
	tlsAnyHost := fs.Bool("tls-any-host", false, "accept a peer certificate signed by the CA whatever host it was reached as (a CA of this cluster's own, as batch clusters make)")
	peerTimeout := fs.Duration("peer-timeout", peer.DefaultStallTimeout, "how long a fetch from another worker may see nothing arrive before the connection is dropped as hung and the values are asked for elsewhere")
	verbose := fs.Bool("v", false, "log debug messages")
	// Flags may come before or after the address.
	var addr string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		if addr != "" {
			fmt.Fprintf(stderr, "gask worker: unexpected argument %q\n", fs.Arg(0))
			return 2
		}
		addr = fs.Arg(0)
		rest = fs.Args()[1:]
	}
	if addr == "" {
		fs.Usage()
		return 2
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg := workerd.Config{Scheduler: addr, Listen: *listen, Name: *name, NThreads: *nthreads, Build: BuildID(), PeerTimeout: *peerTimeout, Logger: log}
	if cfg.NThreads <= 0 {
		cfg.NThreads = alloc.CPUs
	}
	switch *memLimit {
	case "auto":
		cfg.MemoryLimit = alloc.Memory
	default:
		n, err := allocation.ParseBytes(*memLimit)
		if err != nil {
			fmt.Fprintf(stderr, "gask worker: --memory-limit: %v\n", err)
			return 2
		}
		cfg.MemoryLimit = n
	}
	// 0 turns a threshold off here; in the Config it means the default.
	off := func(f float64) float64 {
		if f <= 0 {
			return -1
		}
		return f
	}
	cfg.MemoryTarget, cfg.MemorySpill, cfg.MemoryPause = off(*memTarget), off(*memSpill), off(*memPause)
	cfg.LocalDirectory = *localDir
	cfg.ProcessMemory = workerd.ProcessRSS // this process is the worker's own
	cfg.TuneGC = os.Getenv("GOGC") == ""   // and so is its collector, unless the user chose
	var err error
	if cfg.Resources, err = parseResources(*resources); err != nil {
		fmt.Fprintf(stderr, "gask worker: --resources: %v\n", err)
		return 2
	}
	if *tlsAnyHost && *tlsCA == "" {
		fmt.Fprintln(stderr, "gask worker: --tls-any-host needs --tls-ca-file: without the cluster's CA any trusted certificate would do")
		return 2
	}
	if *tlsCA != "" || *tlsCert != "" {
		// A worker both serves peers and dials them: one config does both,
		// requiring certificates signed by the CA either way.
		tc, err := transport.LoadTLS(*tlsCA, *tlsCert, *tlsKey, true)
		if err != nil {
			fmt.Fprintf(stderr, "gask worker: %v\n", err)
			return 2
		}
		tc.RootCAs = tc.ClientCAs
		if *tlsAnyHost {
			transport.AnyHost(tc)
		}
		cfg.Transport.TLS = tc
		if !listenSet(fs) {
			cfg.Listen = "tls://127.0.0.1:0"
		}
	}
	if *iface != "" {
		if cfg.Listen, err = transport.OnInterface(cfg.Listen, *iface); err != nil {
			fmt.Fprintf(stderr, "gask worker: --interface: %v\n", err)
			return 2
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *useNanny {
		child := make([]string, 0, len(args))
		for _, a := range args {
			if a != "--nanny" && a != "-nanny" {
				child = append(child, a)
			}
		}
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintf(stderr, "gask worker: %v\n", err)
			return 1
		}
		err = nanny.Run(ctx, nanny.Config{Scheduler: addr, Transport: cfg.Transport, Name: *name, Command: exe,
			Args: append([]string{"worker"}, child...), Env: []string{WorkerEnv + "=1"}, Logger: log,
			MemoryLimit: cfg.MemoryLimit, MemoryTerminate: off(*memTerminate)})
		if err != nil {
			fmt.Fprintf(stderr, "gask nanny: %v\n", err)
			return 1
		}
		return 0
	}

	underNanny := false
	if fd := os.Getenv(nanny.ReadyFDEnv); fd != "" {
		underNanny = true
		if n, err := strconv.Atoi(fd); err == nil {
			ready := os.NewFile(uintptr(n), "ready")
			cfg.Ready = func(a string) {
				fmt.Fprintln(ready, a)
				ready.Close()
			}
		}
	}
	wk := workerd.New(cfg)
	if n := wk.RuntimeMemoryLimit(); n > 0 {
		// This process is the worker's: its Go runtime keeps to the limit.
		debug.SetMemoryLimit(n)
	}
	if dir := os.Getenv(ProfileDirEnv); dir != "" {
		if stop, err := startProfile(dir, cfg.Name, "pprof"); err != nil {
			log.Warn("no CPU profile", "err", err)
		} else {
			defer stop()
		}
	}
	if dir := os.Getenv(TraceDirEnv); dir != "" {
		if stop, err := startProfile(dir, cfg.Name, "trace"); err != nil {
			log.Warn("no execution trace", "err", err)
		} else {
			defer stop()
		}
	}
	if err := wk.Run(ctx); err != nil {
		log.Error("worker stopped", "err", err)
		return 1
	}
	if wk.Retired() && underNanny {
		return nanny.ExitRetired // so that the nanny does not restart it
	}
	return 0
}

func listenSet(fs *flag.FlagSet) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "listen" })
	return set
}

func parseResources(s string) ([]wire.Resource, error) {
	if s == "" {
		return nil, nil
	}
	var out []wire.Resource
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("%q is not NAME=AMOUNT", part)
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || f < 0 {
			return nil, fmt.Errorf("%q: amount must be a non-negative number", part)
		}
		out = append(out, wire.Resource{Name: name, Amount: f})
	}
	return out, nil
}

// ProfileDirEnv names a directory: a worker process started with it in its
// environment writes a CPU profile of its whole run there, as
// worker-<name>-<pid>.pprof (for `go tool pprof`). Worker processes of a
// local cluster inherit it from the program.
const ProfileDirEnv = "GASK_WORKER_PROFILE_DIR"

// TraceDirEnv is ProfileDirEnv for execution traces (runtime/trace, for
// `go tool trace`): worker-<name>-<pid>.trace.
const TraceDirEnv = "GASK_WORKER_TRACE_DIR"

// startProfile starts a CPU profile (kind "pprof") or an execution trace
// ("trace") of this worker process into dir.
func startProfile(dir, name, kind string) (stop func(), err error) {
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == ':' {
			return '_'
		}
		return r
	}, name)
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("worker-%s-%d.%s", name, os.Getpid(), kind)))
	if err != nil {
		return nil, err
	}
	start, end := pprof.StartCPUProfile, pprof.StopCPUProfile
	if kind == "trace" {
		start, end = trace.Start, trace.Stop
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { end(); f.Close() }, nil
}
